// Options of the knowledge centre's search index, shared by the index writer, the query parser
// and the KnowledgeBase facade.
#pragma once

namespace shouwang::knowledge {

// How Chinese is indexed and queried beyond Xapian's CJK n-grams.
struct SearchOptions {
  // A second field of ICU dictionary words (word break iterator, words of two or more characters,
  // prefix XW) beside the n-grams. A Chinese run of a query then matches by all of its n-grams
  // (as before) OR by any of its dictionary words, which lets question-like queries whose n-grams
  // never all occur together (乙醇能否灭活病毒) find passages; see docs/knowledge.md for what it
  // measured. Off only to measure what it adds.
  bool dictionary_field = true;
};

}  // namespace shouwang::knowledge
