// Search behaviour over the demo corpus: Chinese segmentation, script folding, stemming, mixed and
// phrase queries, filters and the latest-edition default.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "knowledge/search_index.h"
#include "knowledge/test_corpus.h"
#include "knowledge/text_normalizer.h"

namespace shouwang::knowledge {
namespace {

using testing::demo_kb;
using testing::search_or_die;
using testing::search_text;

std::set<int64_t> passage_ids(const std::vector<Hit>& hits) {
  std::set<int64_t> ids;
  for (const Hit& h : hits) ids.insert(h.passage_id);
  return ids;
}

std::string passage_text(const Hit& hit) {
  auto passages = demo_kb().store().passages_by_id({hit.passage_id});
  return passages.is_ok() ? passages->front().text : "";
}

std::string strip_marks(std::string s) {
  for (const char* tag : {"<mark>", "</mark>"}) {
    for (size_t p; (p = s.find(tag)) != std::string::npos;) s.erase(p, std::string(tag).size());
  }
  return s;
}

TEST(Search, ChineseWordsFoundWholeAndByPart) {
  // 疫情防控 is one dictionary word; its parts 疫情 and 防控 must find the same paragraph.
  auto whole = search_text("疫情防控", 50);
  ASSERT_FALSE(whole.empty());
  // Each hit holds the word in its paragraph or in the heading of its section.
  for (const Hit& h : whole) {
    EXPECT_NE((h.section + strip_marks(h.snippet) + passage_text(h)).find("疫情防控"), std::string::npos) << h.snippet;
  }
  int64_t target = whole.front().passage_id;
  for (const char* part : {"疫情", "防控"}) {
    auto hits = search_text(part, 1000);
    EXPECT_TRUE(passage_ids(hits).count(target)) << part;
  }
  EXPECT_NE(whole.front().snippet.find("<mark>疫情防控</mark>"), std::string::npos) << whole.front().snippet;
}

TEST(Search, SimplifiedAndTraditionalQueriesReturnTheSamePassages) {
  auto simplified = search_text("核酸检测", 20);
  auto traditional = search_text("核酸檢測", 20);
  ASSERT_FALSE(simplified.empty());
  EXPECT_EQ(passage_ids(simplified), passage_ids(traditional));
  auto route = search_text("传播途径");
  ASSERT_FALSE(route.empty());
  EXPECT_EQ(passage_ids(route), passage_ids(search_text("傳播途徑")));
}

TEST(Search, TraditionalDocumentFoundBySimplifiedQueryAndSnippetKeepsItsScript) {
  std::string db = testing::fresh_db_path("hant");
  auto kb = testing::TestKnowledgeBase::open(db);
  ASSERT_TRUE(kb.is_ok());
  Document doc;
  doc.meta = {"hk-guidance", 1, "zh-Hant", "香港防疫指引", {"prevention"}, "2020-03-01", "test"};
  doc.sections.push_back({"檢測", 1, {"所有入境人士須接受核酸檢測，結果呈陽性者須隔離治療。"}});
  ASSERT_TRUE((*kb)->add_document(doc).is_ok());
  SearchRequest request;
  request.query = "核酸检测 阳性";
  auto hits = search_or_die(**kb, request);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].lang, "zh-Hant");
  EXPECT_NE(hits[0].snippet.find("<mark>核酸檢測</mark>"), std::string::npos) << hits[0].snippet;
  EXPECT_NE(hits[0].snippet.find("<mark>陽性</mark>"), std::string::npos) << hits[0].snippet;
}

TEST(Search, FullWidthQueryMatchesAscii) {
  EXPECT_EQ(passage_ids(search_text("ＩＣＵ")), passage_ids(search_text("ICU")));
  EXPECT_FALSE(search_text("ＩＣＵ").empty());
  EXPECT_EQ(passage_ids(search_text("１４天")), passage_ids(search_text("14天")));
}

TEST(Search, EnglishStemmingMatchesOtherForms) {
  SearchRequest request;
  request.lang = "en";
  request.query = "isolating";  // the protocol says "isolated" and "isolation"
  auto hits = search_or_die(demo_kb(), request);
  ASSERT_FALSE(hits.empty());
  bool any_isolat = false;
  for (const Hit& h : hits) any_isolat |= h.snippet.find("<mark>isolat") != std::string::npos;
  EXPECT_TRUE(any_isolat);
  request.query = "treatments";
  EXPECT_FALSE(search_or_die(demo_kb(), request).empty());
}

TEST(Search, MixedQueriesNeverFail) {
  for (const char* query : {"PCR 核酸 ICU", "COVID-19 疫苗", "a 核酸 b", "ICU AND", "\"核酸", "NOT 核酸", "RT-PCR 核酸检测 阳性"}) {
    SearchRequest request;
    request.query = query;
    auto hits = demo_kb().search(request);
    EXPECT_TRUE(hits.is_ok()) << query << ": " << hits.status().to_string();
  }
  auto hits = search_text("PCR 核酸 ICU");
  ASSERT_FALSE(hits.empty());
}

TEST(Search, Xapian1422ParseErrorIsRecoveredByPhraseReparse) {
  // Documents why the fallback exists: the raw parser throws on this query.
  Xapian::QueryParser raw;
  EXPECT_THROW(raw.parse_query("PCR 核酸 ICU", Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM),
               Xapian::QueryParserError);
  Xapian::Query query = parse_user_query("PCR 核酸 ICU", "english");
  EXPECT_FALSE(query.empty());
  EXPECT_NE(query.get_description().find("PHRASE"), std::string::npos) << query.get_description();
}

// Every document the query matches in the demo index, by Xapian docid.
std::set<Xapian::docid> matching_documents(const Xapian::Query& query) {
  Xapian::Database index(demo_kb().index_path());
  Xapian::Enquire enquire(index);
  enquire.set_query(query);
  Xapian::MSet all = enquire.get_mset(0, index.get_doccount());
  std::set<Xapian::docid> ids;
  for (auto it = all.begin(); it != all.end(); ++it) ids.insert(*it);
  return ids;
}

TEST(Search, ChineseQueriesKeepBigramsOnlyAndMatchTheSamePassages) {
  // The single characters of a Chinese run are dropped from the query (speed): the remaining
  // bigrams must match exactly what the QueryParser's full n-gram conjunction matches.
  const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM;
  for (const char* text : {"防控方案", "疫情防控", "人类命运共同体", "潜伏期", "核酸检测 ICU", "疫 AND 防控",
                           "国际合作 -疫情", "COVID-19 疫苗"}) {
    Xapian::QueryParser parser;
    parser.set_stemmer(Xapian::Stem("english"));
    parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser.set_default_op(Xapian::Query::OP_OR);
    Xapian::Query full = parser.parse_query(normalize_for_search(text), flags);
    Xapian::Query ours = parse_user_query(normalize_for_search(text), "english", SearchOptions{.dictionary_field = false});
    std::set<Xapian::docid> expected = matching_documents(full);
    EXPECT_FALSE(expected.empty()) << text;
    EXPECT_EQ(matching_documents(ours), expected) << text << ": " << ours.get_description();
  }
  Xapian::Query bigrams = parse_user_query("防控方案", "english", SearchOptions{.dictionary_field = false});
  std::set<std::string> terms(bigrams.get_terms_begin(), bigrams.get_terms_end());
  EXPECT_EQ(terms, (std::set<std::string>{"防控", "控方", "方案"})) << bigrams.get_description();
  // A single character has no bigram and stays; 疫 AND 防控 keeps 疫 (no bigram of the query holds it).
  EXPECT_NE(parse_user_query("疫", "english").get_description().find("疫"), std::string::npos);
  EXPECT_NE(parse_user_query("疫 AND 防控", "english").get_description().find("疫@"), std::string::npos);
}

TEST(Search, DictionaryWordsOfAQuestion) {
  std::vector<std::string> words = dictionary_words(to_u32("乙醇能否灭活病毒"));
  EXPECT_NE(std::find(words.begin(), words.end(), "乙醇"), words.end());
  EXPECT_NE(std::find(words.begin(), words.end(), "病毒"), words.end());
  for (const std::string& w : words) EXPECT_GE(to_u32(w).size(), 2u) << w;
  // The question finds the passage on inactivating the virus only through these words.
  auto hits = search_text("乙醇能否灭活病毒", 5);
  ASSERT_FALSE(hits.empty());
  EXPECT_NE(strip_marks(hits.front().snippet).find("乙醇"), std::string::npos) << hits.front().snippet;
}

TEST(Search, PunctuationOnlyQueryIsAnEmptyList) {
  for (const char* query : {"？？！", "...", "", "   ", "《》"}) {
    auto hits = search_text(query);
    EXPECT_TRUE(hits.empty()) << query;
  }
}

TEST(Search, PhraseQueryRequiresAdjacency) {
  // Xapian gives punctuation no position, so a Chinese phrase matches across it ("核酸。检测").
  auto phrase = search_text("\"核酸检测\"", 100);
  ASSERT_FALSE(phrase.empty());
  auto loose = search_text("核酸 检测", 100);
  EXPECT_LT(phrase.size(), loose.size());
  for (const Hit& h : phrase) {
    std::u32string han;
    for (char32_t c : to_u32(h.section + "|" + passage_text(h))) {
      if (is_han(c) || c == U'|') han.push_back(c);
    }
    EXPECT_NE(to_utf8(han).find("核酸检测"), std::string::npos) << h.snippet;
  }
  auto english = search_text("\"close contact\"", 100);
  ASSERT_FALSE(english.empty());
  for (const Hit& h : english) EXPECT_NE(to_lower(strip_marks(h.snippet)).find("close contact"), std::string::npos);
}

TEST(Search, FiltersByLanguageFamilyTopicAndDate) {
  SearchRequest request;
  request.query = "ICU";
  request.lang = "en";
  for (const Hit& h : search_or_die(demo_kb(), request)) EXPECT_EQ(h.lang, "en");
  request.lang = "zh-hans";
  auto zh = search_or_die(demo_kb(), request);
  ASSERT_FALSE(zh.empty());
  for (const Hit& h : zh) EXPECT_EQ(h.lang, "zh-Hans");

  SearchRequest by_topic;
  by_topic.query = "口罩";
  by_topic.topic = "prevention";
  auto prevention = search_or_die(demo_kb(), by_topic);
  ASSERT_FALSE(prevention.empty());
  for (const Hit& h : prevention) EXPECT_EQ(h.family, kSelfProtectionFamily);

  SearchRequest by_family;
  by_family.query = "人类命运共同体";
  by_family.family = "covid19-cooperation-001";
  auto family_hits = search_or_die(demo_kb(), by_family);
  ASSERT_FALSE(family_hits.empty());
  for (const Hit& h : family_hits) EXPECT_EQ(h.family, "covid19-cooperation-001");

  // Only dated documents pass a date filter: the 7th edition (2020-03-04), not the derived 6th.
  SearchRequest by_date;
  by_date.query = "潜伏期";
  by_date.edition = "all";
  by_date.published_from = "2020-03-01";
  by_date.published_to = "2020-03-31";
  auto dated = search_or_die(demo_kb(), by_date);
  ASSERT_FALSE(dated.empty());
  for (const Hit& h : dated) EXPECT_EQ(h.edition, 7);
  by_date.published_from = std::nullopt;
  by_date.published_to = "2020-02-29";
  EXPECT_TRUE(search_or_die(demo_kb(), by_date).empty());
}

TEST(Search, LatestEditionByDefaultAllOnRequest) {
  auto latest = search_text("潜伏期", 50);
  ASSERT_FALSE(latest.empty());
  for (const Hit& h : latest) {
    if (h.family == kProtocolFamily) EXPECT_EQ(h.edition, 7);
  }
  SearchRequest all;
  all.query = "潜伏期";
  all.edition = "all";
  all.limit = 50;
  std::set<int> editions;
  for (const Hit& h : search_or_die(demo_kb(), all)) {
    if (h.family == kProtocolFamily) editions.insert(h.edition);
  }
  EXPECT_EQ(editions, (std::set<int>{6, 7}));
  SearchRequest sixth = all;
  sixth.edition = "6";
  for (const Hit& h : search_or_die(demo_kb(), sixth)) EXPECT_EQ(h.edition, 6);
}

TEST(Search, KeptIndexHandleFollowsCommitsAndARecreatedDatabase) {
  std::string db_path = testing::fresh_db_path("kept-handle");
  auto count = [](KnowledgeBase& kb, const std::string& query) {
    SearchRequest request;
    request.query = query;
    request.edition = "all";
    return search_or_die(kb, request).size();
  };
  auto add = [](KnowledgeBase& kb, const std::string& family, const std::string& text) {
    Document doc;
    doc.meta = {family, 1, "en", "Guide", {}, "", ""};
    doc.sections.push_back({"", 0, {text}});
    ASSERT_TRUE(kb.add_document(doc).is_ok());
  };
  {
    auto kb = testing::TestKnowledgeBase::open(db_path);
    ASSERT_TRUE(kb.is_ok());
    add(**kb, "first", "alpha quarantine");
    EXPECT_EQ(count(**kb, "alpha"), 1u);
    add(**kb, "second", "alpha isolation");  // a new commit on the kept handle's database
    EXPECT_EQ(count(**kb, "alpha"), 2u);
    EXPECT_EQ(index_for_reading((*kb)->index_path()).get_uuid(), Xapian::Database((*kb)->index_path()).get_uuid());
  }
  // The whole database deleted and made again at the same path: the kept handle is not reused.
  std::filesystem::remove_all(std::filesystem::path(db_path).parent_path());
  std::filesystem::create_directories(std::filesystem::path(db_path).parent_path());
  auto kb = testing::TestKnowledgeBase::open(db_path);
  ASSERT_TRUE(kb.is_ok());
  add(**kb, "third", "beta quarantine");
  EXPECT_EQ(count(**kb, "alpha"), 0u);
  EXPECT_EQ(count(**kb, "beta"), 1u);
  // A rebuild swaps in a new folder; searches go on from it.
  ASSERT_TRUE((*kb)->reindex().is_ok());
  EXPECT_EQ(count(**kb, "beta"), 1u);
  add(**kb, "fourth", "beta isolation");
  EXPECT_EQ(count(**kb, "beta"), 2u);
}

TEST(Search, RejectsBadParameters) {
  SearchRequest request;
  request.query = "ICU";
  request.lang = "tlh";
  EXPECT_EQ(demo_kb().search(request).status().code(), StatusCode::kInvalidArgument);
  request.lang.reset();
  request.edition = "newest";
  EXPECT_EQ(demo_kb().search(request).status().code(), StatusCode::kInvalidArgument);
  request.edition = "latest";
  request.published_from = "March 2020";
  EXPECT_EQ(demo_kb().search(request).status().code(), StatusCode::kInvalidArgument);
}

TEST(Search, JsonHitsHaveTheDocumentedFields) {
  auto hits = search_text("防控方案");
  ASSERT_FALSE(hits.empty());
  boost::json::array array = hits_to_json(hits);
  const boost::json::object& first = array.at(0).as_object();
  for (const char* key : {"family", "edition", "lang", "title", "section", "snippet", "score"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  EXPECT_NE(std::string(first.at("snippet").as_string()).find("<mark>"), std::string::npos);
}

}  // namespace
}  // namespace shouwang::knowledge
