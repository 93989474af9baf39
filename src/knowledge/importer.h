// Import of guidance files into sections: plain text, Markdown, HTML (libxml2's HTML parser) and
// PDF (poppler's `pdftotext`). Refuses what cannot be a text document (empty, binary, invalid
// UTF-8, unknown type) with a message saying why, before anything is stored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "knowledge/document.h"

namespace shouwang::knowledge {

enum class FileFormat { kText, kMarkdown, kHtml, kPdf };

struct ImportedText {
  std::string title;  // a title found in the file (first heading, <title>, first line), may be empty
  std::vector<Section> sections;
};

// Format from the file name's extension (.txt .text .md .markdown .html .htm .pdf).
Result<FileFormat> format_from_path(std::string_view path);

// Reads and parses `path`; the format comes from its extension.
Result<ImportedText> import_file(const std::string& path);

// Parsers over text already in memory (`bytes` are checked for NUL bytes and UTF-8 first).
Result<ImportedText> parse_plain_text(std::string_view bytes);
Result<ImportedText> parse_markdown(std::string_view bytes);
Result<ImportedText> parse_html(std::string_view bytes);

}  // namespace shouwang::knowledge
