// `shouwang kb add|search|diff|reindex|show|load-corpus`: the knowledge centre on the command line.
#include <boost/json.hpp>

#include <iostream>
#include <memory>

#include "cli/cli_support.h"
#include "cli/commands.h"
#include "core/json_text.h"
#include "knowledge/demo_corpus.h"
#include "knowledge/knowledge.h"
#include "store/sql.h"

namespace shouwang::cli {
namespace {

namespace kb = shouwang::knowledge;

constexpr const char* kDefaultDb = "var/shouwang.db";

constexpr const char* kIndexHelp =
    "Folder of the search index, rebuilt from the database when missing or stale "
    "(default: beside a SQLite --db; ./shouwang-kb-<database> for a PostgreSQL URL)";

// The knowledge base a command works on, with the database it was opened on (which outlives it).
struct OpenKnowledgeBase {
  std::unique_ptr<store::sql::Database> database;
  std::unique_ptr<kb::KnowledgeBase> knowledge;
  kb::KnowledgeBase& operator*() { return *knowledge; }
  kb::KnowledgeBase* operator->() { return knowledge.get(); }
};

OpenKnowledgeBase open_or_fail(const std::string& db, const std::string& index_dir) {
  auto database = store::sql::Database::open(db);
  if (!database) fail(database.status());
  auto opened = kb::KnowledgeBase::open(**database, index_dir.empty() ? kb::default_index_dir(db) : index_dir);
  if (!opened) fail(opened.status());
  return OpenKnowledgeBase{std::move(database).value(), std::move(opened).value()};
}

void check_format(const std::string& format) {
  if (format != "text" && format != "json") fail(invalid_argument("--format must be text or json"));
}

// Snippets are HTML-escaped for the web; the terminal gets the text back, <mark> kept as the marker.
std::string terminal_snippet(std::string snippet) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = snippet.find(from, pos)) != std::string::npos; pos += to.size()) snippet.replace(pos, from.size(), to);
  };
  replace_all("&lt;", "<");
  replace_all("&gt;", ">");
  replace_all("&quot;", "\"");
  replace_all("&amp;", "&");
  return snippet;
}

struct AddOptions {
  std::string db = kDefaultDb;
  std::string index_dir;
  std::string file;
  kb::DocumentMeta meta;
};

struct SearchOptions {
  std::string db = kDefaultDb;
  std::string index_dir;
  kb::SearchRequest request;
  std::string lang, family, topic, from, to;
  std::string format = "text";
};

struct DiffOptions {
  std::string db = kDefaultDb;
  std::string index_dir;
  std::string family, lang;
  int from = 0, to = 0;
  std::string format = "text";
};

}  // namespace

void register_knowledge_commands(CLI::App& app) {
  CLI::App* kb_cmd = app.add_subcommand("kb", "Knowledge centre: add, search and diff versioned guidance documents");
  kb_cmd->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = kb_cmd->add_subcommand("add", "Add one edition of a document (.txt, .md, .html, .pdf) in one language");
  add_cmd->add_option("--db", add->db, kDbHelp)->capture_default_str();
  add_cmd->add_option("--kb-index", add->index_dir, kIndexHelp);
  add_cmd->add_option("file", add->file, "The document file")->required();
  add_cmd->add_option("--family", add->meta.family, "Document family the editions belong to")->required();
  add_cmd->add_option("--edition", add->meta.edition, "Edition number (1, 2, ...)")->required();
  add_cmd->add_option("--lang", add->meta.lang, "Language: zh-Hans, zh-Hant, en, fr, es, ru, ar")->required();
  add_cmd->add_option("--title", add->meta.title, "Title (default: the first heading or line of the file)");
  add_cmd->add_option("--topic", add->meta.topics, "Topic tag (repeatable)");
  add_cmd->add_option("--published", add->meta.published, "Publication date YYYY-MM-DD");
  add_cmd->add_option("--source", add->meta.source, "Publisher or origin");
  add_cmd->callback([add] {
    auto kbase = open_or_fail(add->db, add->index_dir);
    auto document = kb::document_from_file(add->file, add->meta);
    if (!document) fail(document.status());
    size_t paragraphs = 0;
    for (const auto& section : document->sections) paragraphs += section.paragraphs.size();
    auto id = kbase->add_document(std::move(document).value());
    if (!id) fail(id.status());
    std::cout << "added document " << *id << ": " << add->meta.family << " edition " << add->meta.edition << " ("
              << add->meta.lang << "), " << paragraphs << " paragraphs indexed\n";
  });

  auto search = std::make_shared<SearchOptions>();
  CLI::App* search_cmd = kb_cmd->add_subcommand("search", "Search the documents (Chinese, English, mixed; \"phrases\")");
  search_cmd->add_option("--db", search->db, kDbHelp)->capture_default_str();
  search_cmd->add_option("--kb-index", search->index_dir, kIndexHelp);
  search_cmd->add_option("query", search->request.query, "The query")->required();
  search_cmd->add_option("--lang", search->lang, "Only documents in this language");
  search_cmd->add_option("--family", search->family, "Only this document family");
  search_cmd->add_option("--topic", search->topic, "Only documents with this topic tag");
  search_cmd->add_option("--edition", search->request.edition, "latest (default), all, or an edition number")->capture_default_str();
  search_cmd->add_option("--from", search->from, "Published on or after YYYY-MM-DD");
  search_cmd->add_option("--to", search->to, "Published on or before YYYY-MM-DD");
  search_cmd->add_option("--limit", search->request.limit, "Number of hits")->capture_default_str();
  search_cmd->add_option("--format", search->format, "text or json")->capture_default_str();
  search_cmd->callback([search] {
    check_format(search->format);
    kb::SearchRequest request = search->request;
    auto optional = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
    request.lang = optional(search->lang);
    request.family = optional(search->family);
    request.topic = optional(search->topic);
    request.published_from = optional(search->from);
    request.published_to = optional(search->to);
    auto kbase = open_or_fail(search->db, search->index_dir);
    auto hits = kbase->search(request);
    if (!hits) fail(hits.status());
    if (search->format == "json") {
      std::cout << json_text(kb::hits_to_json(*hits)) << "\n";
      return;
    }
    if (hits->empty()) {
      std::cout << "no matches\n";
      return;
    }
    int rank = 0;
    for (const kb::Hit& hit : *hits) {
      std::printf("%d. %s (edition %d, %s)  score %.3f\n", ++rank, hit.title.c_str(), hit.edition, hit.lang.c_str(), hit.score);
      if (!hit.section.empty()) std::cout << "   § " << hit.section << "\n";
      std::cout << "   " << terminal_snippet(hit.snippet) << "\n";
    }
  });

  auto diff = std::make_shared<DiffOptions>();
  CLI::App* diff_cmd = kb_cmd->add_subcommand("diff", "Show what changed between two editions of a family");
  diff_cmd->add_option("--db", diff->db, kDbHelp)->capture_default_str();
  diff_cmd->add_option("--kb-index", diff->index_dir, kIndexHelp);
  diff_cmd->add_option("--family", diff->family, "Document family")->required();
  diff_cmd->add_option("--from", diff->from, "Older edition")->required();
  diff_cmd->add_option("--to", diff->to, "Newer edition")->required();
  diff_cmd->add_option("--lang", diff->lang, "Only this language (default: every language both editions have)");
  diff_cmd->add_option("--format", diff->format, "text or json")->capture_default_str();
  diff_cmd->callback([diff] {
    check_format(diff->format);
    auto kbase = open_or_fail(diff->db, diff->index_dir);
    auto result = kbase->diff_editions(diff->family, diff->from, diff->to,
                                       diff->lang.empty() ? std::nullopt : std::optional<std::string>(diff->lang));
    if (!result) fail(result.status());
    if (diff->format == "json") {
      std::cout << json_text(kb::edition_diff_to_json(*result)) << "\n";
    } else {
      std::cout << kb::format_diff_text(*result);
    }
  });

  struct ReindexOptions {
    std::string db = kDefaultDb;
    std::string index_dir;
  };
  auto reindex = std::make_shared<ReindexOptions>();
  CLI::App* reindex_cmd = kb_cmd->add_subcommand("reindex", "Rebuild the search index from the database");
  reindex_cmd->add_option("--db", reindex->db, kDbHelp)->capture_default_str();
  reindex_cmd->add_option("--kb-index", reindex->index_dir, kIndexHelp);
  reindex_cmd->callback([reindex] {
    auto kbase = open_or_fail(reindex->db, reindex->index_dir);
    auto count = kbase->reindex();
    if (!count) fail(count.status());
    std::cout << "reindexed " << *count << " paragraphs into " << kbase->index_path() << "\n";
  });

  struct ShowOptions {
    std::string db = kDefaultDb;
    std::string index_dir;
    int64_t id = 0;
    std::string format = "text";
  };
  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = kb_cmd->add_subcommand("show", "Print one stored document with its translations and editions");
  show_cmd->add_option("--db", show->db, kDbHelp)->capture_default_str();
  show_cmd->add_option("--kb-index", show->index_dir, kIndexHelp);
  show_cmd->add_option("id", show->id, "Document id (as printed by add and search --format json)")->required();
  show_cmd->add_option("--format", show->format, "text or json")->capture_default_str();
  show_cmd->callback([show] {
    check_format(show->format);
    auto kbase = open_or_fail(show->db, show->index_dir);
    auto view = kbase->get_document(show->id);
    if (!view) fail(view.status());
    if (show->format == "json") {
      std::cout << json_text(kb::document_to_json(*view)) << "\n";
      return;
    }
    const kb::Document& d = view->document;
    std::cout << d.meta.title << "\n" << d.meta.family << " edition " << d.meta.edition << " (" << d.meta.lang << ")"
              << (d.meta.published.empty() ? "" : ", published " + d.meta.published) << "\n";
    for (const auto& t : view->translations) std::cout << "translation: " << t.lang << " (document " << t.document_id << ")\n";
    for (const auto& section : d.sections) {
      if (!section.heading.empty()) std::cout << "\n" << std::string(static_cast<size_t>(std::max(section.level, 1)), '#') << " " << section.heading << "\n";
      for (const auto& p : section.paragraphs) std::cout << p << "\n";
    }
  });

  struct LoadOptions {
    std::string db = kDefaultDb;
    std::string index_dir;
    std::string corpus = "../shared/corpus";
  };
  auto load = std::make_shared<LoadOptions>();
  CLI::App* load_cmd = kb_cmd->add_subcommand("load-corpus", "Load the demo corpus (protocol editions 6 and 7, zh/en; seeds)");
  load_cmd->add_option("--db", load->db, kDbHelp)->capture_default_str();
  load_cmd->add_option("--kb-index", load->index_dir, kIndexHelp);
  load_cmd->add_option("--corpus", load->corpus, "The shared corpus folder")->capture_default_str();
  load_cmd->callback([load] {
    auto kbase = open_or_fail(load->db, load->index_dir);
    auto summary = kb::load_demo_corpus(*kbase, load->corpus);
    if (!summary) fail(summary.status());
    std::cout << "knowledge corpus: " << summary->documents_added << " document(s) added, " << summary->documents_present
              << " already present\n";
  });
}

}  // namespace shouwang::cli
