// HTTP tests of DHIS2's /api/dataValueSets against a server on loopback, on SQLite and PostgreSQL:
// the import summary for new, changed, equal and invalid values, dryRun, the import strategies,
// atomicMode, ApiToken and the reporter's territory, idScheme uid through the stored mapping, the
// CSV payload, and the GET answer.
#include <gtest/gtest.h>

#include "api/dhis2_mapping_store.h"
#include "api/dhis2_routes.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::api {
namespace {

namespace json = boost::json;
using http::testing::ClientResponse;
using http::testing::http_request;
using shouwang::testing::Backend;

// A week of daily cases for CHN, by code, as a DHIS2 client posts it; `changed_day` (1-7, 0 for
// none) carries `changed_value` instead of the day's usual figure.
std::string week_by_code(int changed_day = 0, int changed_value = 0) {
  std::string values;
  for (int day = 1; day <= 7; ++day) {
    int value = day == changed_day ? changed_value : 10 * day;
    values += std::string(values.empty() ? "" : ",") + R"({"dataElement":"cases","period":"2020030)" +
              std::to_string(day) + R"(","orgUnit":"CHN","value":")" + std::to_string(value) + R"("})";
  }
  return R"({"dataValues":[)" + values + "]}";
}

class Dhis2RoutesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    reporter_ = *store::issue_token(**store, store::Role::kReporter, "CHN", "China CDC", clock_.now());
    editor_ = *store::issue_token(**store, store::Role::kEditor, "", "editor", clock_.now());
    pool_ = std::make_unique<StorePool>(path_);
    auto database = store::sql::Database::open(path_);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    database_ = std::move(database).value();
    auto mappings = Dhis2MappingStore::open(*database_);
    ASSERT_TRUE(mappings.is_ok()) << mappings.status().to_string();
    mappings_ = std::move(mappings).value();
    auto router = std::make_shared<http::Router>();
    const http::RouteContext context{.clock = &clock_, .authenticate = pool_->authenticator()};
    add_dhis2_routes(
        *router, context, *pool_, *mappings_,
        [this](const AcceptedReport& report) { accepted_series_ += static_cast<int>(report.series.size()); },
        [this](const std::string& location) {
          return location.starts_with(owned_by_node_) && !owned_by_node_.empty()
                     ? already_exists("owned by its national node (" + location + ")")
                     : Status::ok();
        });
    server_ = http::testing::start_loopback_server(router);
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    pool_.reset();
    mappings_.reset();
    database_.reset();
  }

  ClientResponse post(const std::string& body, const std::string& query = "idScheme=code",
                      const std::string& authorization = "", const std::string& type = "application/json") {
    std::map<std::string, std::string> headers{{"Content-Type", type}};
    headers["Authorization"] = authorization.empty() ? "ApiToken " + reporter_ : authorization;
    clock_.advance_seconds(60);  // each post is a later report
    return http_request(server_->port(), "POST", "/api/dataValueSets?" + query, body, headers);
  }
  ClientResponse get(const std::string& query) {
    return http_request(server_->port(), "GET", "/api/dataValueSets?" + query);
  }
  // The web message, checked for DHIS2's shape; empty when the body is not one.
  static json::object web_message(const ClientResponse& r, int http_status, std::string_view status) {
    EXPECT_EQ(r.status, http_status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a web message: " << r.body;
      return {};
    }
    auto& message = v.as_object();
    EXPECT_EQ(message["httpStatusCode"].to_number<int64_t>(), http_status) << r.body;
    EXPECT_TRUE(message["httpStatus"].is_string()) << r.body;
    EXPECT_EQ(message["status"].as_string(), status) << r.body;
    EXPECT_TRUE(message["message"].is_string()) << r.body;
    return message;
  }
  // "imported/updated/ignored/deleted" of an import summary, and its status.
  static std::string counts(const json::object& message) {
    if (!message.contains("response")) return "no response";
    const auto& response = message.at("response").as_object();
    const auto& c = response.at("importCount").as_object();
    return std::string(response.at("status").as_string()) + " " + std::to_string(c.at("imported").to_number<int64_t>()) +
           "/" + std::to_string(c.at("updated").to_number<int64_t>()) + "/" +
           std::to_string(c.at("ignored").to_number<int64_t>()) + "/" +
           std::to_string(c.at("deleted").to_number<int64_t>());
  }
  static const json::array& conflicts(const json::object& message) {
    return message.at("response").at("conflicts").as_array();
  }
  // The stored values of CHN cases in March 2020, read back through GET by code: period -> value.
  std::map<std::string, std::string> stored(const std::string& org_unit = "CHN") {
    auto r = get("idScheme=code&dataElement=cases&orgUnit=" + org_unit + "&startDate=2020-03-01&endDate=2020-03-31");
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::string> out;
    json::value answer = json::parse(r.body);
    for (const auto& v : answer.at("dataValues").as_array()) {
      out[std::string(v.at("period").as_string())] = std::string(v.at("value").as_string());
    }
    return out;
  }

  ManualClock clock_{*Timestamp::parse("2020-06-01T00:00:00Z")};
  std::string owned_by_node_;  // a country a federation node owns: its values are conflicts here
  shouwang::testing::FreshDatabase fresh_;
  std::string path_, reporter_, editor_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<Dhis2MappingStore> mappings_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<int> accepted_series_{0};
};

// The issue's "done": a week by code, the same week again, then one changed figure.
TEST_P(Dhis2RoutesTest, NewEqualAndChangedValuesAreImportedIgnoredAndUpdated) {
  auto first = web_message(post(week_by_code()), 200, "OK");
  EXPECT_EQ(counts(first), "SUCCESS 7/0/0/0");
  EXPECT_EQ(first["response"].at("responseType").as_string(), "ImportSummary");
  EXPECT_TRUE(conflicts(first).empty());
  EXPECT_EQ(accepted_series_, 1);
  EXPECT_EQ(stored().size(), 7u);

  auto again = web_message(post(week_by_code()), 200, "OK");
  EXPECT_EQ(counts(again), "SUCCESS 0/0/7/0");
  EXPECT_EQ(accepted_series_, 1) << "nothing new: detection is not asked to run again";

  auto changed = web_message(post(week_by_code(3, 31)), 200, "OK");
  EXPECT_EQ(counts(changed), "SUCCESS 0/1/6/0");
  EXPECT_EQ(stored()["20200303"], "31");
  EXPECT_EQ(stored()["20200304"], "40");
  EXPECT_EQ(accepted_series_, 2);
}

TEST_P(Dhis2RoutesTest, InvalidValuesAreConflictsAndTheValidOnesAreStored) {
  auto r = web_message(post(R"({"dataValues":[
    {"dataElement":"cases","period":"20200301","orgUnit":"CHN","value":"5"},
    {"dataElement":"no_such_indicator","period":"20200302","orgUnit":"CHN","value":"5"},
    {"dataElement":"cases","period":"2020Q1","orgUnit":"CHN","value":"5"},
    {"dataElement":"cases","period":"20200304","orgUnit":"CHN","value":"five"},
    {"dataElement":"cases","period":"20200305","orgUnit":"CHN","value":"5","attributeOptionCombo":"fundingX"}]})"),
                       409, "WARNING");
  EXPECT_EQ(counts(r), "WARNING 1/0/4/0");
  const auto& c = conflicts(r);
  ASSERT_EQ(c.size(), 4u) << json::serialize(c);
  EXPECT_EQ(c[0].at("object").as_string(), "dataElement");
  EXPECT_EQ(c[0].at("indexes").as_array()[0].to_number<int64_t>(), 1);
  EXPECT_NE(std::string(c[1].at("value").as_string()).find("2020Q1"), std::string::npos);
  EXPECT_EQ(c[2].at("indexes").as_array()[0].to_number<int64_t>(), 3);
  EXPECT_EQ(c[3].at("object").as_string(), "attributeOptionCombo");
  EXPECT_EQ(stored(), (std::map<std::string, std::string>{{"20200301", "5"}}));

  // A payload that is no data value set is refused whole.
  auto unreadable = web_message(post(R"({"dataValues": [)"), 409, "ERROR");
  EXPECT_EQ(counts(unreadable), "ERROR 0/0/0/0");
  EXPECT_FALSE(conflicts(unreadable).empty());
}

// At a federation hub, the values of a country its national node owns are conflicts; the others
// are stored.
TEST_P(Dhis2RoutesTest, ValuesOfACountryANodeOwnsAreConflicts) {
  owned_by_node_ = "CHN";
  auto r = web_message(post(week_by_code()), 409, "WARNING");
  EXPECT_EQ(counts(r), "WARNING 0/0/7/0");
  ASSERT_EQ(conflicts(r).size(), 7u);
  EXPECT_NE(std::string(conflicts(r)[0].at("value").as_string()).find("national node"), std::string::npos);
  EXPECT_TRUE(stored().empty());
  owned_by_node_.clear();
  EXPECT_EQ(counts(web_message(post(week_by_code()), 200, "OK")), "SUCCESS 7/0/0/0");
}

TEST_P(Dhis2RoutesTest, AtomicModeAllWritesNothingWhenAValueHasAConflict) {
  auto r = web_message(post(R"({"dataValues":[
    {"dataElement":"cases","period":"20200301","orgUnit":"CHN","value":"5"},
    {"dataElement":"cases","period":"20200302","orgUnit":"CHN","value":"-1"}]})",
                            "idScheme=code&atomicMode=ALL"),
                       409, "ERROR");
  EXPECT_EQ(counts(r), "ERROR 0/0/2/0");
  EXPECT_TRUE(stored().empty());
}

TEST_P(Dhis2RoutesTest, DryRunCountsAndValidatesButStoresNothing) {
  auto dry = web_message(post(week_by_code(), "idScheme=code&dryRun=true"), 200, "OK");
  EXPECT_EQ(counts(dry), "SUCCESS 7/0/0/0");
  EXPECT_TRUE(dry["response"].at("importOptions").at("dryRun").as_bool());
  EXPECT_TRUE(stored().empty());
  EXPECT_EQ(accepted_series_, 0);

  ASSERT_EQ(counts(web_message(post(week_by_code()), 200, "OK")), "SUCCESS 7/0/0/0");
  auto dry_change = web_message(post(week_by_code(2, 99), "idScheme=code&dryRun=true"), 200, "OK");
  EXPECT_EQ(counts(dry_change), "SUCCESS 0/1/6/0");
  EXPECT_EQ(stored()["20200302"], "20");
  auto dry_invalid = web_message(post(R"({"dataValues":[{"dataElement":"cases","period":"20200301","orgUnit":"CHN",
    "value":"x"}]})", "idScheme=code&dryRun=TRUE"), 409, "WARNING");
  EXPECT_EQ(counts(dry_invalid), "WARNING 0/0/1/0");
  EXPECT_EQ(stored()["20200301"], "10");
}

TEST_P(Dhis2RoutesTest, CreateUpdateAndDeleteStrategies) {
  ASSERT_EQ(counts(web_message(post(R"({"dataValues":[
    {"dataElement":"cases","period":"20200301","orgUnit":"CHN","value":"1"}]})"), 200, "OK")),
            "SUCCESS 1/0/0/0");
  const std::string changed_and_new = R"({"dataValues":[
    {"dataElement":"cases","period":"20200301","orgUnit":"CHN","value":"2"},
    {"dataElement":"cases","period":"20200302","orgUnit":"CHN","value":"3"}]})";
  auto create = web_message(post(changed_and_new, "idScheme=code&importStrategy=CREATE"), 200, "OK");
  EXPECT_EQ(counts(create), "SUCCESS 1/0/1/0");
  EXPECT_EQ(stored(), (std::map<std::string, std::string>{{"20200301", "1"}, {"20200302", "3"}}));

  const std::string changed_and_newer = R"({"dataValues":[
    {"dataElement":"cases","period":"20200301","orgUnit":"CHN","value":"2"},
    {"dataElement":"cases","period":"20200303","orgUnit":"CHN","value":"4"}]})";
  auto update = web_message(post(changed_and_newer, "idScheme=code&importStrategy=update"), 200, "OK");
  EXPECT_EQ(counts(update), "SUCCESS 0/1/1/0");
  EXPECT_EQ(stored(), (std::map<std::string, std::string>{{"20200301", "2"}, {"20200302", "3"}}));

  auto del = web_message(post(changed_and_newer, "idScheme=code&importStrategy=DELETE"), 409, "ERROR");
  EXPECT_EQ(counts(del), "ERROR 0/0/2/0");
  EXPECT_EQ(conflicts(del).back().at("object").as_string(), "importStrategy");
  EXPECT_EQ(stored(), (std::map<std::string, std::string>{{"20200301", "2"}, {"20200302", "3"}}));

  EXPECT_EQ(web_message(post(changed_and_new, "idScheme=code&importStrategy=MERGE"), 400, "ERROR").count("response"), 0u);
}

TEST_P(Dhis2RoutesTest, TokensSchemesRolesAndTheReportersTerritory) {
  const std::string body = week_by_code();
  EXPECT_EQ(post(body, "idScheme=code", "Basic " + reporter_).status, 401);
  EXPECT_EQ(post(body, "idScheme=code", "ApiToken sw_not_a_real_token").status, 401);
  EXPECT_EQ(post(body, "idScheme=code", "ApiToken " + editor_).status, 403);
  EXPECT_TRUE(stored().empty());
  EXPECT_EQ(counts(web_message(post(body, "idScheme=code", "Bearer " + reporter_), 200, "OK")), "SUCCESS 7/0/0/0");

  // Another country's value is a conflict, as DHIS2 answers a value outside the user's org units.
  auto other = web_message(post(R"({"dataValues":[
    {"dataElement":"cases","period":"20200308","orgUnit":"CHN-HB","value":"2"},
    {"dataElement":"cases","period":"20200308","orgUnit":"JPN","value":"3"}]})"),
                           409, "WARNING");
  EXPECT_EQ(counts(other), "WARNING 1/0/1/0");
  ASSERT_EQ(conflicts(other).size(), 1u);
  EXPECT_NE(std::string(conflicts(other)[0].at("value").as_string()).find("not for JPN"), std::string::npos);
  EXPECT_TRUE(stored("JPN").empty());
  EXPECT_EQ(stored("CHN-HB").size(), 1u);
}

// The shape of DHIS2's documented example: the set names the period, the org unit and the
// attribute option combo of its values, which carry the default category option combo; uids go
// through the mapping `shouwang dhis2 mapping` stores.
TEST_P(Dhis2RoutesTest, UidSchemeGoesThroughTheStoredMapping) {
  auto mapping = ingest::parse_dhis2_mapping(R"({
    "dataElements": {"fbfJHSPpUQD": "cases", "cYeuwXTCPkU": "deaths"},
    "orgUnits": {"DiszpKrYNg8": "CHN"},
    "categoryOptionCombos": {"rQLFnNXXIL0": "SEX=F"}})");
  ASSERT_TRUE(mapping.is_ok()) << mapping.status().to_string();
  ASSERT_TRUE(mappings_->replace(*mapping).is_ok());
  const std::string example = R"({
    "dataSet": "pBOMPrpg1QX", "completeDate": "2020-03-30", "period": "2020W13", "orgUnit": "DiszpKrYNg8",
    "attributeOptionCombo": "HllvX50cXC0",
    "dataValues": [
      {"dataElement": "fbfJHSPpUQD", "categoryOptionCombo": "HllvX50cXC0", "value": "12", "comment": "week total"},
      {"dataElement": "cYeuwXTCPkU", "value": "1"},
      {"dataElement": "unknownUid1", "value": "4"}]})";
  auto r = web_message(post(example, ""), 409, "WARNING");
  EXPECT_EQ(counts(r), "WARNING 2/0/1/0");
  EXPECT_NE(std::string(conflicts(r)[0].at("value").as_string()).find("not in the mapping"), std::string::npos);

  auto by_uid = get("dataElement=fbfJHSPpUQD&orgUnit=DiszpKrYNg8&period=2020W13");
  ASSERT_EQ(by_uid.status, 200) << by_uid.body;
  json::value answer = json::parse(by_uid.body);
  const auto& values = answer.at("dataValues").as_array();
  ASSERT_EQ(values.size(), 1u) << by_uid.body;
  EXPECT_EQ(values[0].at("dataElement").as_string(), "fbfJHSPpUQD");
  EXPECT_EQ(values[0].at("orgUnit").as_string(), "DiszpKrYNg8");
  EXPECT_EQ(values[0].at("period").as_string(), "2020W13");
  EXPECT_EQ(values[0].at("categoryOptionCombo").as_string(), "HllvX50cXC0");
  EXPECT_EQ(values[0].at("value").as_string(), "12");
  EXPECT_EQ(values[0].at("storedBy").as_string(), kDhis2ReportSource);

  // Without a stored mapping entry the GET cannot name the org unit.
  EXPECT_EQ(web_message(get("orgUnit=CHN&period=2020W13"), 400, "ERROR").count("response"), 0u);
}

TEST_P(Dhis2RoutesTest, CsvPayload) {
  auto r = web_message(post("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
                            "lastupdated,comment,followup\n"
                            "cases,20200301,CHN,default,default,10,someone,2020-03-02,,false\n"
                            "cases,20200302,CHN,,,20\n"
                            "cases,20200303,CHN,,,oops\n",
                            "idScheme=CODE", "", "application/csv"),
                       409, "WARNING");
  EXPECT_EQ(counts(r), "WARNING 2/0/1/0");
  EXPECT_EQ(conflicts(r)[0].at("indexes").as_array()[0].to_number<int64_t>(), 2);
  EXPECT_EQ(stored(), (std::map<std::string, std::string>{{"20200301", "10"}, {"20200302", "20"}}));
  EXPECT_EQ(web_message(post("<dataValueSet/>", "idScheme=code", "", "application/xml"), 400, "ERROR").count("response"),
            0u);
}

// ADX, which DHIS2 also takes on this path, by our codes; its extra attributes are the
// disaggregation, kept apart from the total.
TEST_P(Dhis2RoutesTest, AdxPayloadWithADisaggregation) {
  const std::string adx =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"2020-03-05T10:00:00Z\">\n"
      "  <group orgUnit=\"CHN\" period=\"2020-03-01/P1D\">\n"
      "    <dataValue dataElement=\"cases\" value=\"10\"/>\n"
      "    <dataValue dataElement=\"cases\" SEX=\"F\" value=\"6\"/>\n"
      "  </group>\n"
      "</adx>\n";
  auto first = web_message(post(adx, "", "", "application/adx+xml"), 200, "OK");
  EXPECT_EQ(counts(first), "SUCCESS 2/0/0/0");
  EXPECT_EQ(counts(web_message(post(adx, "", "", "application/adx+xml"), 200, "OK")), "SUCCESS 0/0/2/0");
  auto r = get("idScheme=code&dataElement=cases&orgUnit=CHN&period=20200301");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, std::string> by_combo;
  const json::value answer = json::parse(r.body);
  for (const auto& v : answer.at("dataValues").as_array()) {
    by_combo[std::string(v.at("categoryOptionCombo").as_string())] = std::string(v.at("value").as_string());
  }
  EXPECT_EQ(by_combo, (std::map<std::string, std::string>{{"default", "10"}, {"SEX=F", "6"}}))
      << "the total is the reported total, not 10 + 6";
  auto store = store::open_store(path_);
  ASSERT_TRUE(store.is_ok());
  auto women = (*store)->read_series(store::SeriesQuery{.location = "CHN", .disaggregation = "SEX=F"});
  ASSERT_TRUE(women.is_ok());
  ASSERT_EQ(women->size(), 1u);
  EXPECT_EQ((*women)[0].points.at(0).value, 6);
  auto doctype = post("<?xml version=\"1.0\"?><!DOCTYPE adx [<!ENTITY n \"12\">]>" + adx.substr(adx.find("<adx")),
                      "", "", "application/adx+xml");
  EXPECT_EQ(counts(web_message(doctype, 409, "ERROR")), "ERROR 0/0/0/0");
  // A value given twice is a conflict of that value, not of the whole set: the rest is stored.
  const std::string twice =
      "<adx xmlns=\"urn:ihe:qrph:adx:2015\">\n"
      "  <group orgUnit=\"CHN\" period=\"2020-03-02/P1D\">\n"
      "    <dataValue dataElement=\"cases\" value=\"11\"/>\n"
      "    <dataValue dataElement=\"cases\" value=\"12\"/>\n"
      "  </group>\n"
      "</adx>\n";
  EXPECT_EQ(counts(web_message(post(twice, "", "", "application/adx+xml"), 409, "WARNING")), "WARNING 1/0/1/0");
}

TEST_P(Dhis2RoutesTest, GetAnswersTheLatestValueWithWhenItWasCreatedAndUpdated) {
  ASSERT_EQ(counts(web_message(post(week_by_code()), 200, "OK")), "SUCCESS 7/0/0/0");
  Timestamp first_post = clock_.now();
  ASSERT_EQ(counts(web_message(post(week_by_code(1, 11)), 200, "OK")), "SUCCESS 0/1/6/0");
  auto r = get("idScheme=code&dataElement=cases&orgUnit=CHN&period=20200301");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value answer = json::parse(r.body);
  const auto& values = answer.at("dataValues").as_array();
  ASSERT_EQ(values.size(), 1u) << r.body;
  EXPECT_EQ(values[0].at("value").as_string(), "11");
  EXPECT_EQ(values[0].at("period").as_string(), "20200301");
  EXPECT_EQ(values[0].at("categoryOptionCombo").as_string(), "default");
  EXPECT_EQ(values[0].at("created").as_string(), first_post.to_string());
  EXPECT_EQ(values[0].at("lastUpdated").as_string(), clock_.now().to_string());

  EXPECT_EQ(stored().size(), 7u);
  EXPECT_EQ(web_message(get("idScheme=code&dataElement=cases&orgUnit=CHN"), 400, "ERROR").count("response"), 0u);
  EXPECT_EQ(web_message(get("idScheme=code&dataElement=cases"), 400, "ERROR").count("response"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Dhis2RoutesTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST(Dhis2MappingStore, ReplaceKeepsExactlyTheNewMapping) {
  for (Backend backend : {Backend::kSqlite, Backend::kPostgres}) {
    shouwang::testing::FreshDatabase fresh;
    std::string db = fresh.create(backend);
    ASSERT_FALSE(db.empty());
    auto database = store::sql::Database::open(db);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    auto store = Dhis2MappingStore::open(**database);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto empty = (*store)->load();
    ASSERT_TRUE(empty.is_ok());
    EXPECT_TRUE(empty->data_elements.empty() && empty->org_units.empty());
    auto first = ingest::parse_dhis2_mapping(R"({"dataElements":{"a":"cases","b":"deaths"},"orgUnits":{"o":"CHN"},
                                                 "categoryOptionCombos":{"c":"SEX=F;AGE=0-4"}})");
    ASSERT_TRUE((*store)->replace(*first).is_ok());
    auto second = ingest::parse_dhis2_mapping(R"({"dataElements":{"a":"deaths"},"orgUnits":{"p":"ITA"}})");
    ASSERT_TRUE((*store)->replace(*second).is_ok());
    auto loaded = (*store)->load();
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    EXPECT_EQ(ingest::dhis2_mapping_json(*loaded), ingest::dhis2_mapping_json(*second)) << backend_name(backend);
    ASSERT_TRUE((*store)->replace(*first).is_ok());
    EXPECT_EQ((*(*store)->load()).category_option_combos.at("c"), "AGE=0-4;SEX=F");
  }
}

}  // namespace
}  // namespace shouwang::api
