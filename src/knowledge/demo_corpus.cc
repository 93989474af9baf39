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

// A top-level heading numbered as the protocol numbers its sections: Chinese numerals, then "、".
bool is_numbered_section_heading(const ProtocolRow& row) {
  if (row.kind != "T1") return false;
  static constexpr std::string_view kNumerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
  std::string_view text = row.zh;
  size_t numerals = 0;
  for (bool found = true; found;) {
    found = false;
    for (std::string_view numeral : kNumerals) {
      if (text.starts_with(numeral)) {
        text.remove_prefix(numeral.size());
        ++numerals;
        found = true;
        break;
      }
    }
  }
  return numerals > 0 && text.starts_with("、");
}

// Marks the rows of the self-protection guide: those from the first top-level heading after the
// protocol's last numbered section (the protocol has unnumbered top-level headings of its own,
// such as 中医治疗, but only before its last numbered one).
Status mark_guide_rows(std::vector<ProtocolRow>& rows, const std::string& path) {
  const auto last_numbered = std::find_if(rows.rbegin(), rows.rend(), is_numbered_section_heading);
  if (last_numbered == rows.rend()) {
    return invalid_argument(path + ": no top-level heading numbered as the protocol's sections (一、 ...)");
  }
  const auto guide = std::find_if(last_numbered.base(), rows.end(), [](const ProtocolRow& r) { return r.kind == "T1"; });
  if (guide == rows.end()) {
    return invalid_argument(path + ": no top-level heading after the protocol's last section (" + last_numbered->id +
                            ") to open the self-protection guide");
  }
  for (auto row = guide; row != rows.end(); ++row) row->in_protocol = false;
  return Status::ok();
}

Document document_from_rows(const std::vector<ProtocolRow>& rows, bool protocol_part, const std::string& lang) {
  Document document;
  for (const ProtocolRow& row : rows) {
    if (row.in_protocol != protocol_part) continue;
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
  RETURN_IF_ERROR(mark_guide_rows(rows, path));
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
  const bool seventh = edition == 7;
  meta.topics = {"covid-19", "diagnosis", "treatment"};
  if (seventh) {
    meta.title = lang == "en" ? "Diagnosis and Treatment Protocol for COVID-19 (Trial Version 7)"
                              : "新型冠状病毒肺炎诊疗方案（试行第七版）";
    meta.source = lang == "en" ? "National Health Commission of China; volunteer English translation (covid.websage.cn)"
                               : "国家卫生健康委员会";
    meta.published = "2020-03-04";
    return document;
  }
  // Not the official 6th edition: text made from the 7th by edition_6_edits(), so it carries neither
  // the official title nor the 6th edition's date (2020-02-19), and a date filter never selects it.
  meta.title = lang == "en" ? "COVID-19 protocol, edition 6 derived from Trial Version 7 for the demo (not an official text)"
                            : "新冠肺炎诊疗方案第六版（据试行第七版改写的演示文本，非官方文本）";
  meta.source = "derived by Shouwang's demo corpus loader from the 7th edition (edition_6_edits in demo_corpus.cc)";
  meta.published = "";
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
