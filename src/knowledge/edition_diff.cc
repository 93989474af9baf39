// Edition diff on top of dtl (Debian libdtl-dev).
#include "knowledge/edition_diff.h"

#include <dtl/dtl.hpp>
#include <unicode/uchar.h>

#include <algorithm>
#include <map>

#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {
namespace {

struct Unit {
  std::string text;
  std::string section;
  bool is_heading = false;
};

std::vector<Unit> flatten(const Document& document) {
  std::vector<Unit> units;
  for (const Section& section : document.sections) {
    if (!section.heading.empty()) units.push_back({section.heading, section.heading, true});
    for (const std::string& paragraph : section.paragraphs) units.push_back({paragraph, section.heading, false});
  }
  return units;
}

std::vector<DiffSpan> token_spans(const std::string& from, const std::string& to, size_t* common_tokens = nullptr) {
  std::vector<std::string> a = diff_tokens(from), b = diff_tokens(to);
  dtl::Diff<std::string> diff(a, b);
  diff.compose();
  std::vector<DiffSpan> spans;
  size_t common = 0;
  for (const auto& [token, info] : diff.getSes().getSequence()) {
    DiffSpan::Op op = info.type == dtl::SES_ADD ? DiffSpan::Op::kInsert
                      : info.type == dtl::SES_DELETE ? DiffSpan::Op::kDelete
                                                     : DiffSpan::Op::kEqual;
    if (op == DiffSpan::Op::kEqual && token.find_first_not_of(" \t") != std::string::npos) ++common;
    spans.push_back({op, token});
  }
  // Within a run of edits, all deleted text comes first and all inserted text second; a lone space
  // between two edits joins both ("[-a b-]{+c d+}" rather than "[-a-]{+c+} [-b-]{+d+}").
  std::vector<DiffSpan> merged;
  std::string deleted, inserted;
  auto flush = [&] {
    if (!deleted.empty()) merged.push_back({DiffSpan::Op::kDelete, deleted});
    if (!inserted.empty()) merged.push_back({DiffSpan::Op::kInsert, inserted});
    deleted.clear();
    inserted.clear();
  };
  for (size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].op == DiffSpan::Op::kDelete) { deleted += spans[i].text; continue; }
    if (spans[i].op == DiffSpan::Op::kInsert) { inserted += spans[i].text; continue; }
    bool lone_space = spans[i].text == " " && i > 0 && i + 1 < spans.size() &&
                      spans[i - 1].op != DiffSpan::Op::kEqual && spans[i + 1].op != DiffSpan::Op::kEqual;
    if (lone_space) {
      deleted += " ";
      inserted += " ";
      continue;
    }
    flush();
    if (!merged.empty() && merged.back().op == DiffSpan::Op::kEqual) {
      merged.back().text += spans[i].text;
    } else {
      merged.push_back(spans[i]);
    }
  }
  flush();
  if (common_tokens) *common_tokens = common;
  return merged;
}

size_t non_space_tokens(const std::string& text) {
  size_t count = 0;
  for (const std::string& token : diff_tokens(text)) {
    if (token.find_first_not_of(" \t") != std::string::npos) ++count;
  }
  return count;
}

// Share of tokens two paragraphs have in common (Dice coefficient over the LCS).
double similarity(const std::string& a, const std::string& b) {
  size_t common = 0;
  token_spans(a, b, &common);
  size_t total = non_space_tokens(a) + non_space_tokens(b);
  return total == 0 ? 0.0 : 2.0 * static_cast<double>(common) / static_cast<double>(total);
}

}  // namespace

std::vector<std::string> diff_tokens(const std::string& text) {
  std::u32string chars = to_u32(text);
  std::vector<std::string> tokens;
  auto is_word = [](char32_t c) { return !is_han(c) && u_isalnum(static_cast<UChar32>(c)); };
  auto is_space = [](char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); };
  for (size_t i = 0; i < chars.size();) {
    size_t j = i + 1;
    if (is_word(chars[i])) {
      while (j < chars.size() && is_word(chars[j])) ++j;
    } else if (is_space(chars[i])) {
      while (j < chars.size() && is_space(chars[j])) ++j;
    }
    tokens.push_back(to_utf8(std::u32string_view(chars).substr(i, j - i)));
    i = j;
  }
  return tokens;
}

LanguageDiff diff_documents(const Document& from, const Document& to) {
  LanguageDiff result;
  result.lang = to.meta.lang;
  result.from_document_id = from.id;
  result.to_document_id = to.id;
  std::vector<Unit> a = flatten(from), b = flatten(to);
  std::vector<std::string> a_text, b_text;
  for (const Unit& u : a) a_text.push_back(u.text);
  for (const Unit& u : b) b_text.push_back(u.text);
  dtl::Diff<std::string> diff(a_text, b_text);
  diff.compose();
  auto ses = diff.getSes().getSequence();

  // Runs of consecutive edits (hunks); paragraphs are paired as "changed" only inside one hunk.
  struct Edit { int from = -1, to = -1; size_t hunk = 0; };
  std::vector<Edit> deletes, adds;
  size_t hunk = 0;
  bool in_hunk = false;
  for (const auto& [text, info] : ses) {
    if (info.type == dtl::SES_COMMON) {
      ++result.unchanged;
      if (in_hunk) ++hunk;
      in_hunk = false;
      continue;
    }
    in_hunk = true;
    if (info.type == dtl::SES_DELETE) deletes.push_back({static_cast<int>(info.beforeIdx - 1), -1, hunk});
    if (info.type == dtl::SES_ADD) adds.push_back({-1, static_cast<int>(info.afterIdx - 1), hunk});
  }

  std::vector<bool> delete_used(deletes.size(), false), add_used(adds.size(), false);
  std::vector<ParagraphChange> changes;
  // Moves: a paragraph deleted in one place and added unchanged in another.
  for (size_t d = 0; d < deletes.size(); ++d) {
    for (size_t i = 0; i < adds.size(); ++i) {
      if (add_used[i] || a[deletes[d].from].text != b[adds[i].to].text) continue;
      delete_used[d] = add_used[i] = true;
      const Unit& unit = b[adds[i].to];
      changes.push_back({ParagraphChange::Kind::kMoved, unit.section, deletes[d].from, adds[i].to, unit.is_heading,
                         {{DiffSpan::Op::kEqual, unit.text}}});
      break;
    }
  }
  // Changed paragraphs: the most similar deleted/added pair within a hunk, if they share enough.
  constexpr double kMinSimilarity = 0.4;
  for (size_t d = 0; d < deletes.size(); ++d) {
    if (delete_used[d]) continue;
    double best = kMinSimilarity;
    size_t best_add = adds.size();
    for (size_t i = 0; i < adds.size(); ++i) {
      if (add_used[i] || adds[i].hunk != deletes[d].hunk) continue;
      if (a[deletes[d].from].is_heading != b[adds[i].to].is_heading) continue;
      double s = similarity(a[deletes[d].from].text, b[adds[i].to].text);
      if (s >= best) { best = s; best_add = i; }
    }
    if (best_add == adds.size()) continue;
    delete_used[d] = add_used[best_add] = true;
    const Unit& unit = b[adds[best_add].to];
    changes.push_back({ParagraphChange::Kind::kChanged, unit.section, deletes[d].from, adds[best_add].to,
                       unit.is_heading, token_spans(a[deletes[d].from].text, unit.text)});
  }
  for (size_t d = 0; d < deletes.size(); ++d) {
    if (delete_used[d]) continue;
    const Unit& unit = a[deletes[d].from];
    changes.push_back({ParagraphChange::Kind::kDeleted, unit.section, deletes[d].from, -1, unit.is_heading,
                       {{DiffSpan::Op::kDelete, unit.text}}});
  }
  for (size_t i = 0; i < adds.size(); ++i) {
    if (add_used[i]) continue;
    const Unit& unit = b[adds[i].to];
    changes.push_back({ParagraphChange::Kind::kInserted, unit.section, -1, adds[i].to, unit.is_heading,
                       {{DiffSpan::Op::kInsert, unit.text}}});
  }
  // Reading order of the newer edition; deletions sit where they were in the older one, mapped
  // through the paragraphs both editions share.
  std::map<int, int> from_to_position;
  for (const auto& [text, info] : ses) {
    if (info.type == dtl::SES_COMMON) from_to_position[static_cast<int>(info.beforeIdx - 1)] = static_cast<int>(info.afterIdx - 1);
  }
  auto position = [&](const ParagraphChange& c) -> double {
    if (c.to_index >= 0) return c.to_index;
    auto next = from_to_position.lower_bound(c.from_index);
    return (next == from_to_position.end() ? static_cast<double>(b.size()) : next->second) - 0.5;
  };
  std::stable_sort(changes.begin(), changes.end(),
                   [&](const ParagraphChange& x, const ParagraphChange& y) { return position(x) < position(y); });
  result.changes = std::move(changes);
  return result;
}

std::string inline_word_diff(const ParagraphChange& change) {
  std::string out;
  for (const DiffSpan& span : change.spans) {
    switch (span.op) {
      case DiffSpan::Op::kEqual: out += span.text; break;
      case DiffSpan::Op::kDelete: out += "[-" + span.text + "-]"; break;
      case DiffSpan::Op::kInsert: out += "{+" + span.text + "+}"; break;
    }
  }
  return out;
}

std::string_view change_kind_name(ParagraphChange::Kind kind) {
  switch (kind) {
    case ParagraphChange::Kind::kChanged: return "changed";
    case ParagraphChange::Kind::kInserted: return "inserted";
    case ParagraphChange::Kind::kDeleted: return "deleted";
    case ParagraphChange::Kind::kMoved: return "moved";
  }
  return "changed";
}

std::string format_diff_text(const EditionDiff& diff) {
  std::string out;
  for (const LanguageDiff& lang : diff.languages) {
    out += "diff " + diff.family + " edition " + std::to_string(diff.from_edition) + " -> " +
           std::to_string(diff.to_edition) + " (" + lang.lang + "): " + std::to_string(lang.changes.size()) +
           " change(s), " + std::to_string(lang.unchanged) + " unchanged\n";
    for (const ParagraphChange& change : lang.changes) {
      out += "@@ " + (change.section.empty() ? std::string("(no heading)") : change.section) + " @@";
      if (change.kind == ParagraphChange::Kind::kMoved) {
        out += " moved from paragraph " + std::to_string(change.from_index + 1) + " to " + std::to_string(change.to_index + 1) +
               "\n  " + change.spans.front().text + "\n";
      } else {
        out += "\n" + inline_word_diff(change) + "\n";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace shouwang::knowledge
