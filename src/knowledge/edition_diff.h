// What changed between two editions of a document: paragraphs are matched first (dtl's shortest
// edit script over whole paragraphs; identical paragraphs that changed place are reported as moves),
// then each changed paragraph is compared token by token (words for Latin scripts, single
// characters for Chinese), as git's word diff does.
#pragma once

#include <string>
#include <vector>

#include "knowledge/document.h"

namespace shouwang::knowledge {

struct DiffSpan {
  enum class Op { kEqual, kInsert, kDelete };
  Op op = Op::kEqual;
  std::string text;
};

struct ParagraphChange {
  enum class Kind { kChanged, kInserted, kDeleted, kMoved };
  Kind kind = Kind::kChanged;
  std::string section;   // heading of the section holding the paragraph (in the newer edition when there)
  int from_index = -1;   // position among the older edition's headings and paragraphs, -1 if none
  int to_index = -1;     // position in the newer edition, -1 if none
  bool is_heading = false;
  std::vector<DiffSpan> spans;  // for kChanged: equal/insert/delete runs; otherwise one span
};

struct LanguageDiff {
  std::string lang;
  int64_t from_document_id = 0;
  int64_t to_document_id = 0;
  int unchanged = 0;  // headings and paragraphs equal and in place
  std::vector<ParagraphChange> changes;
};

struct EditionDiff {
  std::string family;
  int from_edition = 0;
  int to_edition = 0;
  std::vector<LanguageDiff> languages;
};

// Compares the bodies of two documents (two editions in one language).
LanguageDiff diff_documents(const Document& from, const Document& to);

// Splits text into diff tokens: one per Han character, one per run of letters/digits, one per run
// of spaces, one per other character.
std::vector<std::string> diff_tokens(const std::string& text);

// The inline text of one paragraph change: deletions [-like this-], insertions {+like this+}.
std::string inline_word_diff(const ParagraphChange& change);

// The whole diff as text: a header per language, then per change "@@ section @@" and its inline diff.
std::string format_diff_text(const EditionDiff& diff);

std::string_view change_kind_name(ParagraphChange::Kind kind);

}  // namespace shouwang::knowledge
