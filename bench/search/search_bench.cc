// Builds >= 100,000 sections from the demo corpus (replicated, varied), indexes them through the
// knowledge centre and through raw Xapian with default settings (TermGenerator and QueryParser
// untouched), and times the same query mix on both. Prints sections/s, query p50/p99 and ratios.
//
//   search_bench CORPUS_DIR WORK_DIR [SECTIONS] [--reuse] [--no-dictionary-field] [--per-query]
//
// --reuse times the queries on the indexes a previous run left in WORK_DIR (no indexing);
// --no-dictionary-field builds and queries ours with CJK n-grams only (what the ICU word field
// costs); --per-query prints each query's median time and hit count.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "knowledge/demo_corpus.h"
#include "knowledge/importer.h"
#include "knowledge/knowledge.h"
#include "store/sql.h"

namespace kb = shouwang::knowledge;
using Clock = std::chrono::steady_clock;

namespace {

struct Pair {
  std::string lang;
  std::string heading;
  std::string text;
};

// CPU time of this thread: on a shared, loaded machine it shows the work a query does apart from
// waiting for a core.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

// Heading/paragraph pairs of the corpus: both protocol languages and the five seeds.
std::vector<Pair> corpus_pairs(const std::string& corpus_dir) {
  std::vector<Pair> pairs;
  auto rows = kb::read_protocol_rows(corpus_dir);
  if (!rows) return pairs;
  for (const char* lang : {"zh-Hans", "en"}) {
    kb::Document doc = kb::protocol_document(*rows, 7, lang);
    for (const auto& s : doc.sections) {
      for (const auto& p : s.paragraphs) pairs.push_back({lang, s.heading, p});
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir + "/seeds")) {
    auto imported = kb::import_file(entry.path().string());
    if (!imported) continue;
    for (const auto& s : imported->sections) {
      for (const auto& p : s.paragraphs) pairs.push_back({"zh-Hans", s.heading, p});
    }
  }
  return pairs;
}

// Varies a replica so copies are not identical: the replica number enters as a token and the
// paragraph's sentences are rotated.
std::string vary(const std::string& text, size_t replica) {
  size_t cut = text.find("。");
  if (cut == std::string::npos) cut = text.find(". ");
  std::string rotated = text;
  if (cut != std::string::npos && replica % 2 == 1 && cut + 3 < text.size()) {
    rotated = text.substr(cut + 3) + text.substr(0, cut + 3);
  }
  return rotated + " r" + std::to_string(replica);
}

const std::vector<std::string> kQueries = {
    "防控方案", "核酸检测", "核酸檢測", "疫情防控", "潜伏期", "人类命运共同体", "托珠单抗", "出院标准",
    "国际合作", "公共卫生安全", "incubation period", "tocilizumab", "aerosol transmission", "discharge criteria",
    "wash hands", "PCR 核酸 ICU", "COVID-19 疫苗", "ICU 监护", "\"核酸检测\"", "IgM 抗体",
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: search_bench CORPUS_DIR WORK_DIR [SECTIONS] [--reuse] [--no-dictionary-field] [--per-query]\n");
    return 2;
  }
  std::string corpus_dir = argv[1];
  std::filesystem::path work = argv[2];
  size_t target = 100000;
  bool reuse = false, per_query = false;
  kb::SearchOptions options;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--reuse") {
      reuse = true;
    } else if (arg == "--no-dictionary-field") {
      options.dictionary_field = false;
    } else if (arg == "--per-query") {
      per_query = true;
    } else {
      target = std::stoul(arg);
    }
  }
  if (!reuse) {
    std::filesystem::remove_all(work);
    std::filesystem::create_directories(work);
  }

  std::vector<Pair> pairs = corpus_pairs(corpus_dir);
  if (pairs.empty()) {
    std::fprintf(stderr, "no corpus under %s\n", corpus_dir.c_str());
    return 1;
  }
  // Documents of 50 one-paragraph sections each, in batches of 100 documents per commit.
  constexpr size_t kSectionsPerDocument = 50;
  constexpr size_t kDocumentsPerBatch = 100;
  std::vector<kb::Document> documents;
  size_t made = 0;
  for (size_t d = 0; made < target; ++d) {
    const Pair& first = pairs[(d * kSectionsPerDocument) % pairs.size()];
    kb::Document doc;
    doc.meta = {"bench-" + std::to_string(d), 1, first.lang, "Bench document " + std::to_string(d), {"bench"}, "2020-03-04", "bench"};
    for (size_t s = 0; s < kSectionsPerDocument && made < target; ++s) {
      const Pair& p = pairs[(d * kSectionsPerDocument + s) % pairs.size()];
      if (p.lang != first.lang) continue;  // a document keeps to one language
      doc.sections.push_back({p.heading, 2, {vary(p.text, made / pairs.size())}});
      ++made;
    }
    if (!doc.sections.empty()) documents.push_back(std::move(doc));
  }
  size_t sections = 0;
  for (const auto& doc : documents) sections += doc.sections.size();

  // Ours.
  std::string db_path = (work / "bench.db").string();
  auto database = shouwang::store::sql::Database::open(db_path);
  if (!database) {
    std::fprintf(stderr, "%s\n", database.status().to_string().c_str());
    return 1;
  }
  auto opened = kb::KnowledgeBase::open(**database, kb::default_index_dir(db_path), options);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.status().to_string().c_str());
    return 1;
  }
  kb::KnowledgeBase& knowledge = **opened;
  auto start = Clock::now();
  double cpu_start = thread_cpu_seconds();
  for (size_t i = 0; i < documents.size() && !reuse; i += kDocumentsPerBatch) {
    std::vector<kb::Document> batch(documents.begin() + static_cast<long>(i),
                                    documents.begin() + static_cast<long>(std::min(documents.size(), i + kDocumentsPerBatch)));
    auto added = knowledge.add_documents(std::move(batch));
    if (!added) {
      std::fprintf(stderr, "%s\n", added.status().to_string().c_str());
      return 1;
    }
  }
  double ours_index_seconds = seconds_since(start);
  double ours_index_cpu_seconds = thread_cpu_seconds() - cpu_start;

  // Raw Xapian, default settings: the same heading + paragraph text, no flags, no stemmer.
  start = Clock::now();
  cpu_start = thread_cpu_seconds();
  if (!reuse) {
    Xapian::WritableDatabase raw((work / "raw-xapian").string(), Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator generator;
    size_t in_batch = 0;
    for (const auto& doc : documents) {
      for (const auto& s : doc.sections) {
        Xapian::Document xdoc;
        generator.set_document(xdoc);
        generator.index_text(s.heading);
        generator.index_text(s.paragraphs.front());
        xdoc.set_data(s.paragraphs.front());
        raw.add_document(xdoc);
      }
      if (++in_batch % kDocumentsPerBatch == 0) raw.commit();
    }
    raw.commit();
  }
  double raw_index_seconds = seconds_since(start);
  double raw_index_cpu_seconds = thread_cpu_seconds() - cpu_start;

  constexpr int kRounds = 20;
  std::vector<double> ours_ms, raw_ms, ours_cpu_ms, raw_cpu_ms;
  std::map<std::string, std::vector<double>> ours_ms_by_query, ours_cpu_ms_by_query;
  std::map<std::string, size_t> ours_hits_by_query;
  size_t ours_with_hits = 0, raw_with_hits = 0, raw_errors = 0;
  Xapian::Database raw_db((work / "raw-xapian").string());
  for (int round = 0; round < kRounds; ++round) {
    for (const std::string& q : kQueries) {
      kb::SearchRequest request;
      request.query = q;
      request.limit = 10;
      auto t0 = Clock::now();
      double cpu0 = thread_cpu_seconds();
      auto hits = knowledge.search(request);
      ours_cpu_ms.push_back((thread_cpu_seconds() - cpu0) * 1000);
      ours_ms.push_back(seconds_since(t0) * 1000);
      ours_ms_by_query[q].push_back(ours_ms.back());
      ours_cpu_ms_by_query[q].push_back(ours_cpu_ms.back());
      ours_hits_by_query[q] = hits ? hits->size() : 0;
      if (round == 0 && hits && !hits->empty()) ++ours_with_hits;

      t0 = Clock::now();
      cpu0 = thread_cpu_seconds();
      size_t found = 0;
      try {
        Xapian::QueryParser parser;
        Xapian::Enquire enquire(raw_db);
        enquire.set_query(parser.parse_query(q));
        Xapian::MSet mset = enquire.get_mset(0, 10);
        for (auto it = mset.begin(); it != mset.end(); ++it) (void)it.get_document().get_data();
        found = mset.size();
      } catch (const Xapian::Error&) {
        if (round == 0) ++raw_errors;
      }
      raw_cpu_ms.push_back((thread_cpu_seconds() - cpu0) * 1000);
      raw_ms.push_back(seconds_since(t0) * 1000);
      if (round == 0 && found > 0) ++raw_with_hits;
    }
  }

  double ours_rate = static_cast<double>(sections) / ours_index_seconds;
  double raw_rate = static_cast<double>(sections) / raw_index_seconds;
  std::printf("sections indexed: %zu (%zu documents, corpus of %zu paragraphs replicated and varied)\n", sections,
              documents.size(), pairs.size());
  std::printf("%-34s %14s %14s %10s\n", "", "shouwang kb", "raw Xapian", "ratio");
  if (!reuse) {
    std::printf("%-34s %14.0f %14.0f %9.2fx\n", "indexing sections/s", ours_rate, raw_rate, ours_rate / raw_rate);
    double ours_cpu_rate = static_cast<double>(sections) / ours_index_cpu_seconds;
    double raw_cpu_rate = static_cast<double>(sections) / raw_index_cpu_seconds;
    std::printf("%-34s %14.0f %14.0f %9.2fx\n", "indexing sections/CPU-s", ours_cpu_rate, raw_cpu_rate,
                ours_cpu_rate / raw_cpu_rate);
  }
  double ours_p50 = percentile(ours_ms, 0.5), raw_p50 = percentile(raw_ms, 0.5);
  double ours_p99 = percentile(ours_ms, 0.99), raw_p99 = percentile(raw_ms, 0.99);
  std::printf("%-34s %14.2f %14.2f %9.2fx\n", "query p50 ms (top 10)", ours_p50, raw_p50, ours_p50 / raw_p50);
  std::printf("%-34s %14.2f %14.2f %9.2fx\n", "query p99 ms (top 10)", ours_p99, raw_p99, ours_p99 / raw_p99);
  double ours_cpu_p50 = percentile(ours_cpu_ms, 0.5), raw_cpu_p50 = percentile(raw_cpu_ms, 0.5);
  double ours_cpu_p99 = percentile(ours_cpu_ms, 0.99), raw_cpu_p99 = percentile(raw_cpu_ms, 0.99);
  std::printf("%-34s %14.2f %14.2f %9.2fx\n", "query p50 CPU ms", ours_cpu_p50, raw_cpu_p50, ours_cpu_p50 / raw_cpu_p50);
  std::printf("%-34s %14.2f %14.2f %9.2fx\n", "query p99 CPU ms", ours_cpu_p99, raw_cpu_p99, ours_cpu_p99 / raw_cpu_p99);
  std::printf("%-34s %11zu/%zu %11zu/%zu\n", "queries with hits", ours_with_hits, kQueries.size(), raw_with_hits,
              kQueries.size());
  std::printf("%-34s %14d %14zu\n", "queries failing to parse", 0, raw_errors);
  if (per_query) {
    for (const std::string& q : kQueries) {
      std::printf("  %-24s p50 %8.2f ms  CPU p50 %8.2f ms  %3zu hits\n", q.c_str(), percentile(ours_ms_by_query[q], 0.5),
                  percentile(ours_cpu_ms_by_query[q], 0.5), ours_hits_by_query[q]);
    }
  }
  std::printf("(ours%s: NFKC + t2s folding, CJK n-grams, Snowball, SQLite lookup and snippets per hit, SQLite and\n"
              " Xapian writes per batch of %zu documents; raw: default TermGenerator/QueryParser, no snippets;\n"
              " %d rounds of %zu queries)\n",
              options.dictionary_field ? " with ICU dictionary words" : " without dictionary words", kDocumentsPerBatch,
              kRounds, kQueries.size());
  return 0;
}
