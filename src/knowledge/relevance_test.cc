// Relevance over the demo corpus: queries a reader would type (Chinese, English, mixed) with the
// paragraph they expect; asserts each is found near the top and the mean reciprocal rank overall.
#include <gtest/gtest.h>

#include "knowledge/test_corpus.h"

namespace shouwang::knowledge {
namespace {

struct Judgement {
  const char* query;
  const char* lang;      // filter, or "" for none
  const char* expected;  // a phrase only the expected paragraph contains (original text)
  int within;            // must be ranked within the top `within`
};

// Expected passages are identified by a distinctive phrase of their original text.
const Judgement kJudgements[] = {
    {"潜伏期", "", "潜伏期1-14天，多为3-7天", 1},
    {"托珠单抗", "", "可试用托珠单抗治疗", 1},
    {"康复者血浆", "", "康复者恢复期血浆临床治疗方案", 2},
    {"出院标准", "", "体温恢复正常3天以上", 5},
    {"确诊病例 血清学", "", "疑似病例同时具备以下病原学或血清学证据之一者", 3},
    {"气溶胶传播", "", "存在经气溶胶传播的可能", 1},
    {"防控方案", "", "6版防控方案", 2},
    {"防控方案", "", "防控方案等一整套技术文件", 2},
    {"盖茨基金会", "", "盖茨基金会很早就加入全球抗击新冠肺炎疫情的行动", 3},
    {"七步洗手法", "", "七步洗手法彻底清洁双手", 1},
    {"incubation period", "en", "the incubation period is one to 14 days", 1},
    {"tocilizumab dose", "en", "Tocilizumab can be used for treatment", 1},
    {"wash hands", "en", "seven-step washing technique", 3},
    {"aerosol transmission", "en", "possibility of aerosol transmission", 1},
    {"discharge criteria", "en", "Body temperature is back to normal", 5},
    {"ICU 监护", "", "合并其他器官功能衰竭需ICU监护治疗", 1},
    {"RT-PCR 核酸", "", "实时荧光RT-PCR检测新型冠状病毒核酸阳性", 3},
    {"IgM 抗体", "", "特异性IgM抗体多在发病3-5天后开始出现阳性", 3},
    {"PCR 核酸 ICU", "", "多重PCR核酸检测", 5},
    {"口罩 masks", "", "带口罩除了能保护自己之外", 5},
};

TEST(Relevance, ExpectedPassagesRankHigh) {
  double reciprocal_rank_sum = 0;
  for (const Judgement& j : kJudgements) {
    SearchRequest request;
    request.query = j.query;
    request.limit = 20;
    if (*j.lang) request.lang = j.lang;
    auto hits = testing::search_or_die(testing::demo_kb(), request);
    int rank = 0;
    for (size_t i = 0; i < hits.size(); ++i) {
      auto passages = testing::demo_kb().store().passages_by_id({hits[i].passage_id});
      ASSERT_TRUE(passages.is_ok());
      if (passages->front().text.find(j.expected) != std::string::npos) {
        rank = static_cast<int>(i) + 1;
        break;
      }
    }
    EXPECT_TRUE(rank >= 1 && rank <= j.within) << "query '" << j.query << "': expected passage at rank " << rank
                                               << " (0 = not in top 20), wanted within " << j.within;
    if (rank > 0) reciprocal_rank_sum += 1.0 / rank;
  }
  double mrr = reciprocal_rank_sum / static_cast<double>(std::size(kJudgements));
  std::printf("relevance: mean reciprocal rank %.3f over %zu judgements\n", mrr, std::size(kJudgements));
  EXPECT_GE(mrr, 0.8);
}

TEST(Relevance, RecallOfARepeatedPhraseAcrossTheSeeds) {
  // Every paragraph of the seeds containing 人类命运共同体 is found (recall 1 over the corpus).
  int expected = 0;
  auto status = testing::demo_kb().store().for_each_passage([&](const StoredPassage& p) {
    if (p.family.rfind("covid19-cooperation-", 0) == 0 && p.text.find("人类命运共同体") != std::string::npos) ++expected;
    return Status::ok();
  });
  ASSERT_TRUE(status.is_ok());
  ASSERT_GT(expected, 10);
  SearchRequest request;
  request.query = "\"人类命运共同体\"";
  request.limit = 1000;
  auto hits = testing::search_or_die(testing::demo_kb(), request);
  int found = 0;
  for (const Hit& h : hits) {
    if (h.family.rfind("covid19-cooperation-", 0) == 0) ++found;
  }
  EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace shouwang::knowledge
