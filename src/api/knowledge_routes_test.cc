// HTTP tests of /api/v1/kb/...: an editor adds two editions, the public searches and diffs them; on
// SQLite and on PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/knowledge_routes.h"
#include "api/store_pool.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

namespace json = boost::json;
using http::testing::http_request;
using shouwang::testing::Backend;

class KnowledgeRoutesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    editor_ = *store::issue_token(**store, store::Role::kEditor, "", "editor", clock_.now());
    reporter_ = *store::issue_token(**store, store::Role::kReporter, "CHN", "reporter", clock_.now());
    pool_ = std::make_unique<StorePool>(path_);
    auto database = store::sql::Database::open(path_);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    database_ = std::move(database).value();
    // The index in a folder of its own: a PostgreSQL database has no file to put it beside.
    auto kb = knowledge::KnowledgeBase::open(*database_, dir_.file("kb-index"));
    ASSERT_TRUE(kb.is_ok()) << kb.status().to_string();
    kb_ = std::move(kb).value();
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_knowledge_routes(*router, context, *kb_);
    server_ = http::testing::start_loopback_server(router);
    ASSERT_TRUE(server_ != nullptr);
  }
  void TearDown() override {
    server_.reset();
    kb_.reset();
    database_.reset();
    pool_.reset();
  }
  http::testing::ClientResponse add(int edition, const std::string& body, const std::string& token) {
    return http_request(server_->port(), "POST",
                        "/api/v1/kb/documents?family=protocol&lang=zh-Hans&format=md&title=%E6%96%B9%E6%A1%88&edition=" +
                            std::to_string(edition),
                        body, {{"Authorization", "Bearer " + token}});
  }

  ManualClock clock_{*Timestamp::parse("2020-03-04T00:00:00Z")};
  http::testing::TempDir dir_{"kbapi"};
  shouwang::testing::FreshDatabase fresh_;
  std::string path_, editor_, reporter_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<knowledge::KnowledgeBase> kb_;
  std::unique_ptr<http::HttpServer> server_;
};

INSTANTIATE_TEST_SUITE_P(Backends, KnowledgeRoutesTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(KnowledgeRoutesTest, EditorsAddThePublicSearchesReadsAndDiffs) {
  ASSERT_EQ(add(6, "# 潜伏期\n\n潜伏期一般为3～7天。\n\n# 防控\n\n做好疫情防控工作。\n", editor_).status, 201);
  auto second = add(7, "# 潜伏期\n\n潜伏期1～14天，多为3～7天。\n\n# 防控\n\n做好疫情防控工作。\n", editor_);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(add(8, "# x\n\ny\n", reporter_).status, 403);
  EXPECT_EQ(http_request(server_->port(), "POST", "/api/v1/kb/documents?family=p&lang=en&edition=1", "x").status, 401);

  auto search = http_request(server_->port(), "GET", "/api/v1/kb/search?q=%E9%98%B2%E6%8E%A7");  // 防控
  ASSERT_EQ(search.status, 200) << search.body;
  auto hits = json::parse(search.body).as_array();
  ASSERT_EQ(hits.size(), 1u) << "latest edition only by default";
  EXPECT_EQ(hits[0].as_object().at("edition").to_number<int>(), 7);
  EXPECT_NE(std::string(hits[0].as_object().at("snippet").as_string()).find("<mark>"), std::string::npos);

  int64_t id = hits[0].as_object().at("document_id").to_number<int64_t>();
  auto document = http_request(server_->port(), "GET", "/api/v1/kb/documents/" + std::to_string(id));
  ASSERT_EQ(document.status, 200);
  EXPECT_EQ(json::parse(document.body).as_object()["family"].as_string(), "protocol");
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/kb/documents/99999").status, 404);
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/kb/documents/abc").status, 400);

  auto diff = http_request(server_->port(), "GET", "/api/v1/kb/families/protocol/diff?from=6&to=7");
  ASSERT_EQ(diff.status, 200) << diff.body;
  EXPECT_NE(diff.body.find("14"), std::string::npos) << diff.body;
  EXPECT_EQ(http_request(server_->port(), "GET", "/api/v1/kb/families/protocol/diff?from=6").status, 400);
}

TEST_P(KnowledgeRoutesTest, PunctuationOnlyQueryIsAnEmptyList) {
  ASSERT_EQ(add(1, "# 标题\n\n内容。\n", editor_).status, 201);
  auto r = http_request(server_->port(), "GET", "/api/v1/kb/search?q=%EF%BC%81%EF%BC%9F");  // ！？
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body).as_array().empty());
}

}  // namespace
}  // namespace shouwang::api
