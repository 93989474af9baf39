// Loading the shared demo corpus.
#include "knowledge/demo_corpus.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/csv_reader.h"

namespace shouwang::knowledge {
namespace fs = std::filesystem;

namespace {

bool is_protocol_row(const ProtocolRow& row) { return row.id < "a0216"; }

Document document_from_rows(const std::vector<ProtocolRow>& rows, bool protocol_part, const std::string& lang) {
  Document document;
  for (const ProtocolRow& row : rows) {
    if (is_protocol_row(row) != protocol_part) continue;
    const std::string& text = lang == "en" ? row.en : row.zh;
    if (text.empty()) continue;
    if (row.kind.size() == 2 && row.kind[0] == 'T') {
      document.sections.push_back(Section{text, row.kind[1] - '0', {}});
    } else {
      if (document.sections.empty()) document.sections.push_back(Section{});
      document.sections.back().paragraphs.push_back(text);
    }
  }
  return document;
}

}  // namespace

Result<std::vector<ProtocolRow>> read_protocol_rows(const std::string& corpus_dir) {
  std::string path = corpus_dir + "/protocol-7/protocol-7.tsv";
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read the protocol corpus '" + path + "'");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<ProtocolRow> rows;
  CsvReader reader(text, {.delimiter = '\t'});
  std::vector<std::string_view> fields;
  reader.next(fields);  // the header: id, kind, zh, en
  while (reader.next(fields)) {
    if (reader.raw_record().empty()) continue;
    if (reader.malformed()) {
      return invalid_argument(path + " line " + std::to_string(reader.line()) + ": " +
                              std::string(csv_problem_text(reader.problem(), '\t')));
    }
    if (fields.size() != 4) {
      return invalid_argument(path + ": expected 4 tab-separated columns in '" +
                              std::string(reader.raw_record().substr(0, 40)) + "'");
    }
    rows.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), std::string(fields[3])});
  }
  return rows;
}

const std::vector<EditionEdit>& edition_6_edits() {
  using Kind = EditionEdit::Kind;
  static const std::vector<EditionEdit> edits = {
      {Kind::kReplace, "a0034", "基于目前的流行病学调查，潜伏期一般为3-7天，最长不超过14天。",
       "Based on the current epidemiological investigation, the incubation period is generally three to seven days, "
       "14 days at most.",
       "", "incubation period: earlier editions gave 3-7 days, at most 14"},
      {Kind::kReplace, "a0012",
       "经呼吸道飞沫和密切接触传播是主要的传播途径。在相对封闭的环境中长时间暴露于高浓度气溶胶情况下存在经气溶胶传播的可能。",
       "Transmission of the virus happens mainly through respiratory droplets and close contact. There is the possibility "
       "of aerosol transmission in a relatively closed environment for a long-time exposure to high concentrations of "
       "aerosol.",
       "", "transmission: the 7th edition added the warning about faeces and urine"},
      {Kind::kReplace, "a0061", "疑似病例同时具备以下病原学证据之一者：",
       "Suspect cases with one of the following etiological evidences:", "",
       "case definitions: the 7th edition added serological evidence to confirmed cases"},
      {Kind::kDelete, "a0064", "", "", "", "case definitions: the serology criterion (IgM/IgG) is new in the 7th edition"},
      {Kind::kDelete, "a0134", "", "", "", "treatment list: immunotherapy (tocilizumab) is new in the 7th edition"},
      {Kind::kDelete, "a0135", "", "", "", "treatment list: immunotherapy (tocilizumab) is new in the 7th edition"},
      {Kind::kMoveAfter, "a0140", "", "", "a0116",
       "treatment: psychological support sat under general treatment (a derived move, to exercise move detection)"},
  };
  return edits;
}

std::vector<ProtocolRow> derive_edition_6(const std::vector<ProtocolRow>& edition_7) {
  std::vector<ProtocolRow> rows = edition_7;
  for (const EditionEdit& edit : edition_6_edits()) {
    auto it = std::find_if(rows.begin(), rows.end(), [&](const ProtocolRow& r) { return r.id == edit.row_id; });
    if (it == rows.end()) continue;
    switch (edit.kind) {
      case EditionEdit::Kind::kReplace:
        it->zh = edit.zh;
        it->en = edit.en;
        break;
      case EditionEdit::Kind::kDelete:
        rows.erase(it);
        break;
      case EditionEdit::Kind::kMoveAfter: {
        ProtocolRow moved = *it;
        rows.erase(it);
        auto after = std::find_if(rows.begin(), rows.end(), [&](const ProtocolRow& r) { return r.id == edit.after_row; });
        rows.insert(after == rows.end() ? rows.end() : after + 1, moved);
        break;
      }
    }
  }
  return rows;
}

Document protocol_document(const std::vector<ProtocolRow>& rows, int edition, const std::string& lang) {
  Document document = document_from_rows(rows, true, lang);
  DocumentMeta& meta = document.meta;
  meta.family = kProtocolFamily;
  meta.edition = edition;
  meta.lang = lang;
  bool seventh = edition == 7;
  if (lang == "en") {
    meta.title = std::string("Diagnosis and Treatment Protocol for COVID-19 (Trial Version ") + (seventh ? "7" : "6") + ")";
    meta.source = "National Health Commission of China; volunteer English translation (covid.websage.cn)";
  } else {
    meta.title = std::string("新型冠状病毒肺炎诊疗方案（试行第") + (seventh ? "七" : "六") + "版）";
    meta.source = "国家卫生健康委员会";
  }
  // The 7th edition is dated 2020-03-04 in the corpus; the derived 6th carries the real 6th's date.
  meta.published = seventh ? "2020-03-04" : "2020-02-19";
  meta.topics = {"covid-19", "diagnosis", "treatment"};
  if (!seventh) meta.source += " (edition derived for tests from the 7th)";
  return document;
}

Document self_protection_document(const std::vector<ProtocolRow>& rows, const std::string& lang) {
  Document document = document_from_rows(rows, false, lang);
  DocumentMeta& meta = document.meta;
  meta.family = kSelfProtectionFamily;
  meta.edition = 1;
  meta.lang = lang;
  meta.title = lang == "en" ? "COVID-19 self-protection guide" : "新冠肺炎自我防护指南";
  meta.source = "covid.websage.cn";
  meta.topics = {"covid-19", "prevention"};
  return document;
}

Result<CorpusLoadSummary> load_demo_corpus(KnowledgeBase& kb, const std::string& corpus_dir) {
  CorpusLoadSummary summary;
  std::vector<Document> pending;
  auto add = [&](Document document) -> Status {
    ASSIGN_OR_RETURN(auto existing,
                     kb.store().find_document(document.meta.family, document.meta.edition, document.meta.lang));
    if (existing) {
      ++summary.documents_present;
    } else {
      pending.push_back(std::move(document));
    }
    return Status::ok();
  };
  ASSIGN_OR_RETURN(std::vector<ProtocolRow> rows, read_protocol_rows(corpus_dir));
  std::vector<ProtocolRow> sixth = derive_edition_6(rows);
  for (const char* lang : {"zh-Hans", "en"}) {
    RETURN_IF_ERROR(add(protocol_document(sixth, 6, lang)));
    RETURN_IF_ERROR(add(protocol_document(rows, 7, lang)));
    RETURN_IF_ERROR(add(self_protection_document(rows, lang)));
  }
  std::vector<fs::path> seeds;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(corpus_dir + "/seeds", ec)) {
    if (entry.path().extension() == ".txt") seeds.push_back(entry.path());
  }
  std::sort(seeds.begin(), seeds.end());
  for (const fs::path& seed : seeds) {
    DocumentMeta meta;
    meta.family = "covid19-cooperation-" + seed.filename().string().substr(0, 3);
    meta.edition = 1;
    meta.lang = "zh-Hans";
    meta.topics = {"covid-19", "international-cooperation"};
    meta.published = "";
    meta.source = "shared corpus seeds/" + seed.filename().string();
    ASSIGN_OR_RETURN(Document document, document_from_file(seed.string(), meta));
    RETURN_IF_ERROR(add(std::move(document)));
  }
  // One transaction for the whole corpus: a failure part-way loads nothing.
  summary.documents_added = static_cast<int>(pending.size());
  if (!pending.empty()) RETURN_IF_ERROR(kb.add_documents(std::move(pending)).status());
  return summary;
}

}  // namespace shouwang::knowledge
