// The demo corpus of the knowledge centre, read in place from the shared corpus folder:
// the COVID-19 Diagnosis and Treatment Protocol (7th edition, zh-Hans and en, aligned), an
// "edition 6" derived from it by undoing what the 7th edition changed, its self-protection guide,
// and five long Chinese texts on international cooperation (seeds/).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "knowledge/document.h"
#include "knowledge/knowledge.h"

namespace shouwang::knowledge {

inline constexpr const char* kProtocolFamily = "covid19-diagnosis-treatment";
inline constexpr const char* kSelfProtectionFamily = "covid19-self-protection";

// One row of protocol-7.tsv: `kind` is T1..T4 (heading level) or P (paragraph). The file holds the
// protocol, then the self-protection guide; `in_protocol` says which of the two the row belongs to.
struct ProtocolRow {
  std::string id;
  std::string kind;
  std::string zh;
  std::string en;
  bool in_protocol = true;
};

// The rows of <corpus_dir>/protocol-7/protocol-7.tsv. Where the protocol ends is read from the text:
// its top-level sections are numbered (一、 ... 十一、), and the first top-level heading after the
// last numbered section opens the guide. A file where that cannot be found is refused.
Result<std::vector<ProtocolRow>> read_protocol_rows(const std::string& corpus_dir);

// An edit that turns the 7th edition back into the derived 6th: replace a row's text, delete it
// (the 7th edition added it), or place it after another row (the 7th edition moved it).
struct EditionEdit {
  enum class Kind { kReplace, kDelete, kMoveAfter };
  Kind kind;
  std::string row_id;
  std::string zh;          // kReplace: the 6th edition's text
  std::string en;
  std::string after_row;   // kMoveAfter
  std::string why;
};
const std::vector<EditionEdit>& edition_6_edits();
std::vector<ProtocolRow> derive_edition_6(const std::vector<ProtocolRow>& edition_7);

// Documents of the protocol family (the rows `in_protocol`) or of the self-protection guide (the
// others) in one language ("zh-Hans" or "en"). Edition 6 is the one derive_edition_6 made: its title
// says so and it has no publication date, since no such text was ever published.
Document protocol_document(const std::vector<ProtocolRow>& rows, int edition, const std::string& lang);
Document self_protection_document(const std::vector<ProtocolRow>& rows, const std::string& lang);

struct CorpusLoadSummary {
  int documents_added = 0;
  int documents_present = 0;  // already stored, left as they were
};

// Loads everything above into `kb`; documents already stored (same family, edition, language)
// are skipped, so loading twice is harmless.
Result<CorpusLoadSummary> load_demo_corpus(KnowledgeBase& kb, const std::string& corpus_dir);

}  // namespace shouwang::knowledge
