// File import: format detection, refusal of unusable input, and the parsers.
#include "knowledge/importer.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/regex.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {
namespace {

std::string trim(std::string_view text) {
  // Trims ASCII whitespace and the ideographic space U+3000 that Chinese texts indent with.
  static const std::string kIdeographicSpace = "\xE3\x80\x80";
  size_t begin = 0, end = text.size();
  while (true) {
    if (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) { ++begin; continue; }
    if (text.substr(begin, 3) == kIdeographicSpace) { begin += 3; continue; }
    break;
  }
  while (true) {
    if (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) { --end; continue; }
    if (end >= begin + 3 && text.substr(end - 3, 3) == kIdeographicSpace) { end -= 3; continue; }
    break;
  }
  return std::string(text.substr(begin, end - begin));
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\f') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// Joins the lines of one wrapped paragraph: Chinese lines join directly, others with a space.
void append_wrapped(std::string& paragraph, const std::string& line) {
  if (paragraph.empty()) { paragraph = line; return; }
  bool han_boundary = !line.empty() && (static_cast<unsigned char>(paragraph.back()) >= 0x80) &&
                      (static_cast<unsigned char>(line.front()) >= 0x80);
  if (!han_boundary) paragraph.push_back(' ');
  paragraph += line;
}

Status check_is_text(std::string_view bytes) {
  if (trim(bytes).empty()) return invalid_argument("the file is empty (no text to import)");
  if (bytes.find('\0') != std::string_view::npos) {
    return invalid_argument("the file looks binary (it contains NUL bytes); import .txt, .md, .html or .pdf");
  }
  return validate_utf8(bytes);
}

// The line patterns use Boost.Regex, not std::regex: libstdc++'s matcher recurses once per character,
// so one 50 kB line overflowed the stack (fuzz/corpus/knowledge_*/crash-*). Boost's matcher keeps its
// state on the heap and, on a match that would take quadratic time (thousands of unclosed '['),
// throws std::runtime_error instead; the parsers refuse such a file with the line's number.
Status too_intricate(size_t line_number) {
  return invalid_argument("line " + std::to_string(line_number) +
                          " is too intricate to read (thousands of unclosed brackets?)");
}

// Word exports leave "[bookmark: _Toc123]" markers in plain text; they are not part of the prose.
std::string strip_export_artefacts(const std::string& line) {
  static const boost::regex kBookmark(R"(\[bookmark: [^\]]*\])");
  return boost::regex_replace(line, kBookmark, "");
}

// A plain-text line is taken as a heading when it is numbered the way Chinese guidance numbers its
// parts (一、 / （一） / 第一章) and short, or when it is short and has no sentence punctuation.
bool looks_like_heading(const std::string& line) {
  std::u32string text = to_u32(line);
  if (text.empty() || text.size() > 40) return false;
  static const std::u32string kEnders = U"。！？；：.!?;:，,、…）)";
  static const std::u32string kNumerals = U"一二三四五六七八九十百";
  if (text.size() >= 2 && kNumerals.find(text[0]) != std::u32string::npos) {
    size_t i = 0;
    while (i < text.size() && kNumerals.find(text[i]) != std::u32string::npos) ++i;
    if (i < text.size() && text[i] == U'、') return true;
  }
  if (text[0] == U'（' || text[0] == U'(') {
    size_t close = text.find_first_of(U"）)");
    if (close != std::u32string::npos && close <= 4 && close > 1 &&
        kNumerals.find(text[1]) != std::u32string::npos) {
      return true;
    }
  }
  if (text.size() > 25 || text.find_first_of(U"，,。") != std::u32string::npos) return false;
  return kEnders.find(text.back()) == std::u32string::npos && text.back() != U'”' && text.back() != U'"';
}

void add_paragraph(std::vector<Section>& sections, std::string paragraph) {
  if (paragraph.empty()) return;
  if (sections.empty()) sections.push_back(Section{});
  sections.back().paragraphs.push_back(std::move(paragraph));
}

void add_heading(std::vector<Section>& sections, std::string heading, int level) {
  // Consecutive headings each open a section; an empty one stays as structure (T1 over T2).
  sections.push_back(Section{std::move(heading), level, {}});
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
    } else {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<FileFormat> format_from_path(std::string_view path) {
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return invalid_argument("cannot tell the format of '" + std::string(path) +
                            "': name it .txt, .md, .html or .pdf");
  }
  std::string ext = to_lower(path.substr(dot + 1));
  if (ext == "txt" || ext == "text") return FileFormat::kText;
  if (ext == "md" || ext == "markdown") return FileFormat::kMarkdown;
  if (ext == "html" || ext == "htm" || ext == "xhtml") return FileFormat::kHtml;
  if (ext == "pdf") return FileFormat::kPdf;
  return invalid_argument("unsupported file type '." + ext + "': import .txt, .md, .html or .pdf");
}

Result<ImportedText> parse_plain_text(std::string_view bytes) {
  RETURN_IF_ERROR(check_is_text(bytes));
  std::vector<std::string> lines;
  for (std::string& raw : split_lines(bytes)) {
    try {
      lines.push_back(trim(strip_export_artefacts(raw)));
    } catch (const std::runtime_error&) {
      return too_intricate(lines.size() + 1);
    }
  }
  // Blank-line separated blocks whose lines wrap are paragraphs; otherwise a paragraph a line.
  size_t blocks = 0, multi_line_blocks = 0, run = 0;
  for (size_t i = 0; i <= lines.size(); ++i) {
    if (i == lines.size() || lines[i].empty()) {
      if (run > 0) { ++blocks; if (run > 1) ++multi_line_blocks; }
      run = 0;
    } else {
      ++run;
    }
  }
  // Wrapped text breaks lines mid-sentence; a paragraph a line ends most lines with punctuation.
  size_t lines_with_text = 0, lines_ending_sentences = 0;
  static const std::u32string kSentenceEnds = U"。！？；：.!?;:”\"」）)";
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    ++lines_with_text;
    std::u32string text = to_u32(line);
    if (kSentenceEnds.find(text.back()) != std::u32string::npos) ++lines_ending_sentences;
  }
  // Chinese plain text is written a paragraph a line (attribution lines such as "——3月4日，在…上的
  // 讲话" end without punctuation), so only texts in spaced scripts are taken as hard-wrapped.
  std::u32string all = to_u32(bytes);
  size_t han = static_cast<size_t>(std::count_if(all.begin(), all.end(), is_han));
  bool wrapped = han * 4 < all.size() && blocks > 1 && multi_line_blocks * 2 > blocks &&
                 lines_ending_sentences * 3 < lines_with_text * 2;
  ImportedText imported;
  std::vector<std::string> paragraphs;
  std::string current;
  for (size_t i = 0; i <= lines.size(); ++i) {
    bool end = i == lines.size() || lines[i].empty();
    if (end || !wrapped) {
      if (!current.empty()) paragraphs.push_back(std::move(current));
      current.clear();
      if (!end) paragraphs.push_back(lines[i]);
    } else {
      append_wrapped(current, lines[i]);
    }
  }
  if (paragraphs.empty()) return invalid_argument("the file is empty (no text to import)");
  // The first line is the title when short; a long first paragraph lends its opening words.
  std::u32string first = to_u32(paragraphs.front());
  imported.title = first.size() <= 40 ? paragraphs.front() : to_utf8(first.substr(0, 24)) + "…";
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    bool next_is_text = i + 1 < paragraphs.size() && !looks_like_heading(paragraphs[i + 1]);
    if (i > 0 && looks_like_heading(paragraphs[i]) && next_is_text) {
      add_heading(imported.sections, paragraphs[i], 1);
    } else {
      add_paragraph(imported.sections, paragraphs[i]);
    }
  }
  return imported;
}

Result<ImportedText> parse_markdown(std::string_view bytes) {
  RETURN_IF_ERROR(check_is_text(bytes));
  static const boost::regex kLink(R"(!?\[([^\]]*)\]\([^)]*\))");
  static const boost::regex kEmphasis(R"((\*\*|__|\*|`))");
  // no_mod_m: '^' is the start of the line only, not the place after a stray '\r' within it.
  static const boost::regex kListItem(R"(^([-*+]|\d+[.)])\s+)", boost::regex::perl | boost::regex::no_mod_m);
  ImportedText imported;
  std::string current;
  bool in_code = false;
  auto flush = [&] {
    if (!current.empty()) add_paragraph(imported.sections, std::move(current));
    current.clear();
  };
  size_t line_number = 0;
  for (const std::string& raw : split_lines(bytes)) {
    ++line_number;
    std::string line = trim(raw);
    if (line.rfind("```", 0) == 0) { flush(); in_code = !in_code; continue; }
    if (in_code) { if (!line.empty()) add_paragraph(imported.sections, line); continue; }
    if (line.empty()) { flush(); continue; }
    bool list_item = false;
    std::string item_text;
    try {
      line = boost::regex_replace(boost::regex_replace(line, kLink, "$1"), kEmphasis, "");
      list_item = boost::regex_search(line, kListItem);
      if (list_item) item_text = boost::regex_replace(line, kListItem, "");
    } catch (const std::runtime_error&) {
      return too_intricate(line_number);
    }
    if (line[0] == '#') {
      flush();
      size_t level = 0;
      while (level < line.size() && line[level] == '#') ++level;
      std::string heading = trim(std::string_view(line).substr(level));
      while (!heading.empty() && heading.back() == '#') heading.pop_back();
      heading = trim(heading);
      if (heading.empty()) continue;
      if (imported.title.empty()) imported.title = heading;
      add_heading(imported.sections, heading, static_cast<int>(std::min<size_t>(level, 6)));
      continue;
    }
    if (list_item || line[0] == '>') {
      flush();
      std::string item = line[0] == '>' ? trim(std::string_view(line).substr(1)) : item_text;
      current = item;
      continue;
    }
    append_wrapped(current, line);
  }
  flush();
  if (imported.sections.empty()) return invalid_argument("the file is empty (no text to import)");
  return imported;
}

namespace {

struct HtmlWalker {
  ImportedText& out;
  std::string current;

  void flush() {
    std::string text = trim(collapse_spaces(current));
    if (!text.empty()) add_paragraph(out.sections, std::move(text));
    current.clear();
  }

  static std::string node_text(xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    std::string text = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    return trim(collapse_spaces(text));
  }

  void walk(xmlNode* node) {
    for (xmlNode* child = node; child; child = child->next) {
      if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
        if (child->content) current += reinterpret_cast<const char*>(child->content);
        continue;
      }
      if (child->type != XML_ELEMENT_NODE) continue;
      std::string name = to_lower(reinterpret_cast<const char*>(child->name));
      if (name == "script" || name == "style" || name == "noscript" || name == "template") continue;
      if (name == "title") {
        if (out.title.empty()) out.title = node_text(child);
        continue;
      }
      if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
        flush();
        std::string heading = node_text(child);
        if (!heading.empty()) {
          if (out.title.empty()) out.title = heading;
          add_heading(out.sections, heading, name[1] - '0');
        }
        continue;
      }
      static const std::vector<std::string> kBlocks = {"p", "div", "li", "br", "tr", "td", "th", "section",
                                                       "article", "blockquote", "pre", "dd", "dt", "table",
                                                       "ul", "ol", "body", "main", "header", "footer"};
      bool block = std::find(kBlocks.begin(), kBlocks.end(), name) != kBlocks.end();
      if (block) flush();
      walk(child->children);
      if (block) flush();
    }
  }
};

}  // namespace

Result<ImportedText> parse_html(std::string_view bytes) {
  RETURN_IF_ERROR(check_is_text(bytes));
  htmlDocPtr doc = htmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, "UTF-8",
                                  HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_RECOVER);
  if (!doc) return invalid_argument("the HTML file could not be parsed");
  ImportedText imported;
  HtmlWalker walker{imported, {}};
  walker.walk(xmlDocGetRootElement(doc));
  walker.flush();
  xmlFreeDoc(doc);
  if (imported.sections.empty()) return invalid_argument("the HTML file has no text");
  return imported;
}

namespace {

// Runs `pdftotext -enc UTF-8 FILE -` without a shell (the path is passed as one argument).
Result<std::string> run_pdftotext(const std::string& path) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return internal_error("cannot create a pipe for pdftotext");
  pid_t pid = fork();
  if (pid < 0) return internal_error("cannot start pdftotext");
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execlp("pdftotext", "pdftotext", "-q", "-enc", "UTF-8", path.c_str(), "-", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[65536];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
    return unavailable("pdftotext is not installed (Debian package poppler-utils)");
  }
  if (WEXITSTATUS(status) != 0) return invalid_argument("'" + path + "' is not a readable PDF (pdftotext failed)");
  return output;
}

}  // namespace

Result<ImportedText> import_file(const std::string& path) {
  ASSIGN_OR_RETURN(FileFormat format, format_from_path(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot read '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string bytes = buffer.str();
  switch (format) {
    case FileFormat::kText:
      return parse_plain_text(bytes);
    case FileFormat::kMarkdown:
      return parse_markdown(bytes);
    case FileFormat::kHtml:
      return parse_html(bytes);
    case FileFormat::kPdf: {
      if (trim(bytes).empty()) return invalid_argument("the file is empty (no text to import)");
      if (bytes.rfind("%PDF", 0) != 0) return invalid_argument("'" + path + "' does not start like a PDF file");
      ASSIGN_OR_RETURN(std::string text, run_pdftotext(path));
      if (trim(text).empty()) return invalid_argument("the PDF has no text layer (scanned images are not imported)");
      return parse_plain_text(text);
    }
  }
  return internal_error("unhandled format");
}

}  // namespace shouwang::knowledge
