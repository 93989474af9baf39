// HTTP tests of /api/v1/sequences and /api/v1/variants on loopback, with the real SARS-CoV-2 dataset and
// example sequences of ../shared: analysis on arrival equal to Nextclade 1.4's output, tiers (anonymous,
// consortium reporter, owner, admin, other roles), 401/403, refused bodies, FASTA download with its
// licence, weekly clade counts, and 503 without a dataset; on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "api/store_pool.h"
#include "genome/sharing_routes.h"
#include "http/server.h"
#include "http/test_client.h"
#include "store/auth.h"
#include "store/open_store.h"
#include "store/sql.h"
#include "tests/support/backends.h"

namespace shouwang::genome {
namespace {

namespace json = boost::json;
using http::testing::ClientResponse;
using http::testing::expect_json_object;
using http::testing::expect_refusal_message;
using http::testing::http_request;
using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;

const std::filesystem::path kDataset = std::filesystem::path(SHOUWANG_SHARED_DIR) / "data/genome/sars-cov-2";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ExampleRecord {
  std::string name;
  std::string fasta;  // the record as it appears in the file
  std::string letters;
};

// The ten example sequences in file order.
std::vector<ExampleRecord> example_records() {
  std::istringstream in(read_text(kDataset / "example/sequences.first10.fasta"));
  std::vector<ExampleRecord> records;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line[0] == '>') {
      records.push_back({line.substr(1), "", ""});
    } else {
      records.back().letters += line;
    }
    records.back().fasta += line + "\n";
  }
  return records;
}

// Nextclade 1.4's TSV for the same ten: column -> cell, per sequence name (quotes removed).
std::map<std::string, std::map<std::string, std::string>> nextclade_rows() {
  std::istringstream in(read_text(kDataset / "example/expected.first10.nextclade.tsv"));
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::istringstream parts(line);
    for (std::string cell; std::getline(parts, cell, '\t');) {
      if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
      cells.push_back(cell);
    }
    return cells;
  };
  std::string line;
  std::getline(in, line);
  const auto header = split(line);
  std::map<std::string, std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows[row["seqName"]] = row;
  }
  return rows;
}

std::string joined(const json::value& items) {
  std::string text;
  for (const auto& item : items.as_array()) text += (text.empty() ? "" : ",") + std::string(item.as_string());
  return text;
}

class GenomeSharingTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void SetUpTestSuite() {
    examples_ = new std::vector<ExampleRecord>(example_records());
    expected_ = new std::map<std::string, std::map<std::string, std::string>>(nextclade_rows());
  }
  static void TearDownTestSuite() {
    delete examples_;
    delete expected_;
  }

  void SetUp() override {
    ASSERT_EQ(examples_->size(), 10u);
    auto store = fresh_.create_store(GetParam());
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    path_ = fresh_.db();
    std::vector<Location> locations = {
        {"WORLD", "World", "", "", std::nullopt, LocationLevel::kWorld},
        {"EURO", "Europe", "", "WORLD", std::nullopt, LocationLevel::kRegion},
        {"AMRO", "Americas", "", "WORLD", std::nullopt, LocationLevel::kRegion},
        {"GBR", "United Kingdom", "", "EURO", 67000000, LocationLevel::kCountry},
        {"CHE", "Switzerland", "", "EURO", 8600000, LocationLevel::kCountry},
        {"USA", "United States", "", "AMRO", 331000000, LocationLevel::kCountry}};
    ASSERT_TRUE((*store)->upsert_locations(locations).is_ok());
    auto issue = [&](store::Role role, const std::string& location, const std::string& label) {
      return *store::issue_token(**store, role, location, label, clock_.now());
    };
    gbr_ = issue(store::Role::kReporter, "GBR", "UKHSA");
    usa_ = issue(store::Role::kReporter, "USA", "CDC");
    che_ = issue(store::Role::kReporter, "CHE", "FOPH");
    donor_ = issue(store::Role::kDonor, "CHN", "Foundation");
    admin_ = issue(store::Role::kAdmin, "", "admin");
    pool_ = std::make_unique<api::StorePool>(path_);
    auto database = store::sql::Database::open(path_);
    ASSERT_TRUE(database.is_ok()) << database.status().to_string();
    database_ = std::move(database).value();
    auto genomes = GenomeStore::open(*database_);
    ASSERT_TRUE(genomes.is_ok()) << genomes.status().to_string();
    genomes_ = std::move(genomes).value();
    auto router = std::make_shared<http::Router>();
    // Wired as `shouwang serve` wires it: tokens and locations through the figures' store pool.
    add_genome_routes(*router, context(), *genomes_, pool_->location_catalogue(),
                      GenomeSharingOptions{.dataset_dir = kDataset});
    server_ = http::testing::start_loopback_server(router);
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    genomes_.reset();
    database_.reset();
    pool_.reset();
  }

  http::RouteContext context() { return http::RouteContext{.clock = &clock_, .authenticate = pool_->authenticator()}; }

  ClientResponse call(const std::string& method, const std::string& target, const std::string& token,
                      const std::string& body = "", const std::string& content_type = "") {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    if (!content_type.empty()) headers["Content-Type"] = content_type;
    return http_request(server_->port(), method, target, body, headers);
  }
  std::string fasta_of(std::initializer_list<int> indices) {
    std::string text;
    for (int i : indices) text += (*examples_)[i].fasta;
    return text;
  }
  // Names of the records a GET of the list returns.
  std::set<std::string> visible(const std::string& query, const std::string& token) {
    json::object body = expect_json_object(call("GET", "/api/v1/sequences" + query, token));
    std::set<std::string> names;
    if (!body.contains("records")) return names;
    for (const auto& r : body.at("records").as_array()) names.insert(std::string(r.at("name").as_string()));
    EXPECT_EQ(body.at("count").as_int64(), static_cast<int64_t>(names.size()));
    return names;
  }
  const std::string& name(int i) const { return (*examples_)[i].name; }
  const std::string& clade_of(int i) const { return expected_->at(name(i)).at("clade"); }

  // GBR public: 1, 2 collected 2021-01-05 (2021-W01, FASTA body) and 7, 8 collected 2020-11-10 (2020-W46,
  // JSON body); USA consortium: 4; CHE owner: 5; GBR owner: a fragment too short to align.
  std::map<std::string, int64_t> submit_all() {
    std::map<std::string, int64_t> ids;
    auto collect = [&](const json::object& body) {
      for (const auto& r : body.at("records").as_array()) {
        ids[std::string(r.at("name").as_string())] = r.at("id").as_int64();
      }
    };
    collect(expect_json_object(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-01-05&lab=COG-UK%20Glasgow&tier=public",
                    gbr_, fasta_of({1, 2}), "text/x-fasta"),
               201));
    json::object payload{{"fasta", fasta_of({7, 8})},
                         {"country", "GBR"},
                         {"collection_date", "2020-11-10"},
                         {"lab", "COG-UK Cambridge"},
                         {"tier", "public"}};
    collect(expect_json_object(call("POST", "/api/v1/sequences", gbr_, json::serialize(payload), "application/json"), 201));
    collect(expect_json_object(call("POST", "/api/v1/sequences?country=USA&collection_date=2021-07-01&lab=NC%20CDC&tier=consortium",
                    usa_, fasta_of({4})),
               201));
    collect(expect_json_object(call("POST", "/api/v1/sequences?country=CHE&collection_date=2021-07-02&lab=SG&tier=owner", che_,
                    fasta_of({5})),
               201));
    const std::string fragment = ">fragment\n" + (*examples_)[0].letters.substr(1000, 60) + "\n";
    collect(expect_json_object(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-02-01&lab=UKHSA&tier=owner", gbr_,
                    fragment),
               201));
    return ids;
  }

  static std::vector<ExampleRecord>* examples_;
  static std::map<std::string, std::map<std::string, std::string>>* expected_;
  FreshDatabase fresh_;
  std::string path_;
  ManualClock clock_{*Timestamp::parse("2021-09-01T08:00:00Z")};
  std::unique_ptr<api::StorePool> pool_;
  std::unique_ptr<store::sql::Database> database_;
  std::unique_ptr<GenomeStore> genomes_;
  std::unique_ptr<http::HttpServer> server_;
  std::string gbr_, usa_, che_, donor_, admin_;
};

std::vector<ExampleRecord>* GenomeSharingTest::examples_ = nullptr;
std::map<std::string, std::map<std::string, std::string>>* GenomeSharingTest::expected_ = nullptr;

INSTANTIATE_TEST_SUITE_P(Backends, GenomeSharingTest, shouwang::testing::kBothBackends,
                         shouwang::testing::backend_test_name);

TEST_P(GenomeSharingTest, SubmissionIsAnalysedOnArrivalAsNextcladeDoes) {
  json::object body = expect_json_object(call("POST",
                              "/api/v1/sequences?country=GBR&collection_date=2021-01-05&lab=COG-UK%20Glasgow&tier=public",
                              gbr_, fasta_of({1, 2, 7})),
                         201);
  ASSERT_EQ(body.at("stored").as_int64(), 3);
  EXPECT_EQ(body.at("not_analysed").as_int64(), 0);
  ASSERT_EQ(body.at("ids").as_array().size(), 3u);
  for (const auto& value : body.at("records").as_array()) {
    const json::object& record = value.as_object();
    const std::string seq_name(record.at("name").as_string());
    const auto& expected = expected_->at(seq_name);
    const json::object& analysis = record.at("analysis").as_object();
    EXPECT_EQ(record.at("clade").as_string(), expected.at("clade")) << seq_name;
    EXPECT_EQ(joined(analysis.at("substitutions")), expected.at("substitutions")) << seq_name;
    EXPECT_EQ(joined(analysis.at("aaSubstitutions")), expected.at("aaSubstitutions")) << seq_name;
    EXPECT_EQ(joined(analysis.at("deletions")), expected.at("deletions")) << seq_name;
    EXPECT_EQ(joined(analysis.at("insertions")), expected.at("insertions")) << seq_name;
    EXPECT_EQ(joined(analysis.at("missing")), expected.at("missing")) << seq_name;
    EXPECT_EQ(analysis.at("totalSubstitutions").as_int64(), std::stoll(expected.at("totalSubstitutions"))) << seq_name;
    EXPECT_EQ(analysis.at("alignmentStart").as_int64(), std::stoll(expected.at("alignmentStart"))) << seq_name;
    EXPECT_EQ(record.at("errors").as_string(), "");
    EXPECT_FALSE(record.at("qc_status").as_string().empty());
    EXPECT_EQ(record.at("tier").as_string(), "public");
    EXPECT_EQ(record.at("licence").as_string(), "CC-BY-4.0");
    EXPECT_EQ(record.at("acknowledgement").as_string(),
              "We gratefully acknowledge COG-UK Glasgow (GBR) for generating and sharing this sequence through "
              "Shouwang.");
    EXPECT_EQ(record.at("collection_week").as_string(), "2021-W01");
  }
  // Stored as answered: the single record reads back with the same analysis and the letters sent.
  const int64_t id = body.at("ids").as_array()[0].as_int64();
  json::object stored = expect_json_object(call("GET", "/api/v1/sequences/" + std::to_string(id), ""));
  EXPECT_EQ(stored.at("analysis"), body.at("records").as_array()[0].at("analysis"));
  EXPECT_EQ(stored.at("sequence").as_string(), (*examples_)[1].letters);
  EXPECT_EQ(stored.at("submitted_by").as_string(), "UKHSA");
}

TEST_P(GenomeSharingTest, SequenceThatCannotBeAlignedIsStoredWithItsReason) {
  const std::string body = ">fragment\n" + (*examples_)[0].letters.substr(1000, 60) + "\n" + fasta_of({0});
  json::object answer =
      expect_json_object(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-02-01&lab=UKHSA&tier=public", gbr_, body),
         201);
  ASSERT_EQ(answer.at("stored").as_int64(), 2);
  EXPECT_EQ(answer.at("not_analysed").as_int64(), 1);
  const auto& fragment = answer.at("records").as_array()[0].as_object();
  EXPECT_EQ(fragment.at("errors").as_string(), "Unable to align: sequence is too short");
  EXPECT_EQ(fragment.at("clade").as_string(), "");
  EXPECT_TRUE(fragment.at("qc_score").is_null());
  EXPECT_TRUE(fragment.at("analysis").at("totalSubstitutions").is_null());
  EXPECT_EQ(answer.at("records").as_array()[1].at("clade").as_string(), clade_of(0));
}

TEST_P(GenomeSharingTest, ListingRespectsTheAccessTiers) {
  auto ids = submit_all();
  ASSERT_EQ(ids.size(), 7u);
  const std::set<std::string> public_names = {name(1), name(2), name(7), name(8)};
  EXPECT_EQ(visible("", ""), public_names);
  EXPECT_EQ(visible("", donor_), public_names) << "a donor is not a consortium member";
  std::set<std::string> consortium = public_names;
  consortium.insert(name(4));
  EXPECT_EQ(visible("", usa_), consortium) << "USA sees the consortium's records but not CHE's own";
  std::set<std::string> che_view = consortium;
  che_view.insert(name(5));
  EXPECT_EQ(visible("", che_), che_view);
  std::set<std::string> gbr_view = consortium;
  gbr_view.insert("fragment");
  EXPECT_EQ(visible("", gbr_), gbr_view);
  EXPECT_EQ(visible("", admin_).size(), 7u);
  EXPECT_EQ(expect_refusal_message(call("GET", "/api/v1/sequences", "sw_not_a_token"), 401).empty(), false);

  json::object body = expect_json_object(call("GET", "/api/v1/sequences", usa_));
  EXPECT_EQ(json::serialize(body.at("visible_tiers")), R"(["public","consortium","owner:USA"])");

  // Filters: country, clade by full or short name, collection dates, paging.
  EXPECT_EQ(visible("?country=USA", usa_), std::set<std::string>{name(4)});
  EXPECT_EQ(visible("?country=USA", ""), std::set<std::string>{});
  const std::string eu1 = clade_of(7);
  ASSERT_EQ(eu1, clade_of(8));
  EXPECT_EQ(visible("?clade=" + eu1.substr(0, eu1.find(' ')), ""), (std::set<std::string>{name(7), name(8)}));
  EXPECT_EQ(visible("?from=2021-01-01", ""), (std::set<std::string>{name(1), name(2)}));
  EXPECT_EQ(visible("?to=2020-12-31", ""), (std::set<std::string>{name(7), name(8)}));
  EXPECT_EQ(visible("?from=2021-01-01&to=2021-12-31", admin_).size(), 5u);
  EXPECT_EQ(visible("?limit=3&offset=2", admin_).size(), 3u);
  EXPECT_NE(expect_refusal_message(call("GET", "/api/v1/sequences?from=last-week", ""), 400).find("'from'"), std::string::npos);
  EXPECT_NE(expect_refusal_message(call("GET", "/api/v1/sequences?limit=0", ""), 400).find("'limit'"), std::string::npos);

  // One record: whoever may not see it is told whether a token would help.
  const std::string owner_record = "/api/v1/sequences/" + std::to_string(ids.at(name(5)));
  EXPECT_NE(expect_refusal_message(call("GET", owner_record, ""), 401).find("owner"), std::string::npos);
  expect_refusal_message(call("GET", owner_record, usa_), 403);
  expect_refusal_message(call("GET", owner_record, donor_), 403);
  EXPECT_EQ(expect_json_object(call("GET", owner_record, che_)).at("country").as_string(), "CHE");
  expect_json_object(call("GET", owner_record, admin_));
  const std::string consortium_record = "/api/v1/sequences/" + std::to_string(ids.at(name(4)));
  expect_refusal_message(call("GET", consortium_record, ""), 401);
  expect_refusal_message(call("GET", consortium_record, donor_), 403);
  expect_json_object(call("GET", consortium_record, che_));
  expect_refusal_message(call("GET", "/api/v1/sequences/999999", admin_), 404);
  expect_refusal_message(call("GET", "/api/v1/sequences/abc", ""), 400);
}

TEST_P(GenomeSharingTest, FastaDownloadCarriesLicenceAndAcknowledgement) {
  auto ids = submit_all();
  ClientResponse r = call("GET", "/api/v1/sequences/" + std::to_string(ids.at(name(7))) + "?format=fasta", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.headers["Content-Type"].find("text/x-fasta"), std::string::npos);
  EXPECT_NE(r.headers["Content-Disposition"].find("attachment"), std::string::npos);
  std::istringstream lines(r.body);
  std::string header, line, letters;
  std::getline(lines, header);
  while (std::getline(lines, line)) letters += line;
  EXPECT_EQ(letters, (*examples_)[7].letters);
  EXPECT_TRUE(header.starts_with(">" + name(7) + " ")) << header;
  EXPECT_NE(header.find("[licence=CC-BY-4.0]"), std::string::npos) << header;
  EXPECT_NE(header.find("[acknowledgement=We gratefully acknowledge COG-UK Cambridge (GBR) for generating and "
                        "sharing this sequence through Shouwang.]"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("[collection_date=2020-11-10]"), std::string::npos) << header;

  // The owner's download carries the owner-only terms; the list download holds only visible records.
  r = call("GET", "/api/v1/sequences/" + std::to_string(ids.at(name(5))) + "?format=fasta", che_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("[tier=owner] [licence=Owner only"), std::string::npos) << r.body.substr(0, 300);
  r = call("GET", "/api/v1/sequences?format=fasta", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '>'), 4);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '['), 4 * 7);
  r = call("GET", "/api/v1/sequences?format=tsv&country=GBR", gbr_);
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.starts_with("seqName\tclade\t")) << r.body.substr(0, 100);
  EXPECT_EQ(std::count(r.body.begin(), r.body.end(), '\n'), 1 + 5);
}

TEST_P(GenomeSharingTest, SubmissionsAreRefusedWithTheReason) {
  const std::string target = "/api/v1/sequences?country=GBR&collection_date=2021-01-05&lab=L&tier=public";
  const std::string fasta = fasta_of({1});
  EXPECT_FALSE(expect_refusal_message(call("POST", target, "", fasta), 401).empty());
  expect_refusal_message(call("POST", target, "sw_0000", fasta), 401);
  EXPECT_NE(expect_refusal_message(call("POST", target, donor_, fasta), 403).find("reporter or admin"), std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences?country=USA&collection_date=2021-01-05&lab=L&tier=public", gbr_,
                         fasta),
                    403)
                .find("not for USA"),
            std::string::npos);

  EXPECT_NE(expect_refusal_message(call("POST", target, gbr_, "date,country,cases\n2021-01-05,GBR,12\n"), 400).find("is not FASTA"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", target, gbr_, ""), 400).find("not FASTA"), std::string::npos);
  std::string bad_letter = fasta;
  bad_letter[bad_letter.find('\n') + 5] = 'E';
  EXPECT_NE(expect_refusal_message(call("POST", target, gbr_, bad_letter), 400).find("holds 'E' at position 5"), std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", target, gbr_, ">\nACGT\n"), 400).find("empty '>' header"), std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-01-05&lab=L", gbr_, fasta), 400)
                .find("'tier' is required"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-01-05&lab=L&tier=secret", gbr_,
                         fasta),
                    400)
                .find("public, consortium or owner"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences?country=GBR&collection_date=2021-09-02&lab=L&tier=public", gbr_,
                         fasta),
                    400)
                .find("after today"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences?country=XYZ&collection_date=2021-01-05&lab=L&tier=public", admin_,
                         fasta),
                    400)
                .find("unknown country"),
            std::string::npos);
  EXPECT_NE(expect_refusal_message(call("POST", "/api/v1/sequences", gbr_, R"({"country": "GBR"})", "application/json"), 400)
                .find("'fasta' is required"),
            std::string::npos);
  // Nothing of the refused submissions was stored.
  EXPECT_EQ(visible("", admin_).size(), 0u);
  // An admin may submit for any country.
  expect_json_object(call("POST", "/api/v1/sequences?country=USA&collection_date=2021-01-05&lab=L&tier=public", admin_, fasta), 201);
}

TEST_P(GenomeSharingTest, VariantsCountPublicCladesPerIsoWeek) {
  submit_all();
  json::object body = expect_json_object(call("GET", "/api/v1/variants", ""));
  EXPECT_EQ(body.at("location").as_string(), "WORLD");
  const json::array& weeks = body.at("weeks").as_array();
  // 2020-W46 .. 2021-W01: 2020 has 53 ISO weeks, so 9 weeks with the empty ones between.
  ASSERT_EQ(weeks.size(), 9u) << json::serialize(body);
  EXPECT_EQ(weeks.front().at("week").as_string(), "2020-W46");
  EXPECT_EQ(weeks.front().at("start").as_string(), "2020-11-09");
  EXPECT_EQ(weeks.front().at("total").as_int64(), 2);
  EXPECT_EQ(weeks.front().at("clades").at(clade_of(7)).as_int64(), 2);
  EXPECT_EQ(weeks[1].at("week").as_string(), "2020-W47");
  EXPECT_EQ(weeks[1].at("total").as_int64(), 0);
  EXPECT_EQ(weeks[7].at("week").as_string(), "2020-W53");
  EXPECT_EQ(weeks.back().at("week").as_string(), "2021-W01");
  int64_t alpha = clade_of(1) == clade_of(2) ? 2 : 1;
  EXPECT_EQ(weeks.back().at("clades").at(clade_of(1)).as_int64(), alpha);
  EXPECT_EQ(weeks.back().at("total").as_int64(), 2);
  // Consortium, owner and unanalysed records are not counted, whoever asks.
  EXPECT_EQ(json::serialize(expect_json_object(call("GET", "/api/v1/variants", admin_)).at("weeks")), json::serialize(weeks));

  EXPECT_EQ(expect_json_object(call("GET", "/api/v1/variants?location=EURO", "")).at("weeks").as_array().size(), 9u);
  EXPECT_TRUE(expect_json_object(call("GET", "/api/v1/variants?location=USA", "")).at("weeks").as_array().empty());
  EXPECT_TRUE(expect_json_object(call("GET", "/api/v1/variants?location=AMRO", "")).at("weeks").as_array().empty());
  json::object recent = expect_json_object(call("GET", "/api/v1/variants?location=GBR&from=2021-01-01&to=2021-03-31", ""));
  ASSERT_EQ(recent.at("weeks").as_array().size(), 1u);
  EXPECT_EQ(recent.at("weeks").as_array()[0].at("week").as_string(), "2021-W01");
  EXPECT_EQ(recent.at("clades").as_array().size(), clade_of(1) == clade_of(2) ? 1u : 2u);
  expect_refusal_message(call("GET", "/api/v1/variants?location=GBR-ENG", ""), 400);
  expect_refusal_message(call("GET", "/api/v1/variants?from=2021", ""), 400);
}

// A submission request for GBR by GBR's reporter, dispatched to `router` without a server.
http::Response submit_directly(http::Router& router, const std::string& token, const std::string& fasta) {
  http::Request post;
  post.method = "POST";
  post.path = "/api/v1/sequences";
  post.query = {{"country", "GBR"}, {"collection_date", "2021-01-05"}, {"lab", "L"}, {"tier", "public"}};
  post.headers["authorization"] = "Bearer " + token;
  post.body = fasta;
  return router.dispatch(post);
}

TEST_P(GenomeSharingTest, WithoutADatasetSubmissionsAnswer503AndReadsStillWork) {
  http::Router router;
  add_genome_routes(router, context(), *genomes_, pool_->location_catalogue(),
                    GenomeSharingOptions{.dataset_dir = "/nonexistent/sars-cov-2"});
  http::Response answer = submit_directly(router, gbr_, fasta_of({1}));
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_NE(answer.body.find("/nonexistent/sars-cov-2 does not exist"), std::string::npos) << answer.body;
  http::Request list;
  list.method = "GET";
  list.path = "/api/v1/sequences";
  EXPECT_EQ(router.dispatch(list).status, 200);
}

// No folder is guessed: a server started without --genome-dataset says so on each submission.
TEST_P(GenomeSharingTest, WithoutADatasetFolderSubmissionsNameTheFlag) {
  http::Router router;
  add_genome_routes(router, context(), *genomes_, pool_->location_catalogue(), GenomeSharingOptions{});
  http::Response answer = submit_directly(router, gbr_, fasta_of({1}));
  EXPECT_EQ(answer.status, 503) << answer.body;
  EXPECT_NE(answer.body.find("--genome-dataset"), std::string::npos) << answer.body;
  EXPECT_EQ(visible("", admin_).size(), 0u);
}

// A database without a location catalogue knows no country, so it accepts none.
TEST_P(GenomeSharingTest, AnEmptyCatalogueAcceptsNoCountry) {
  http::Router router;
  add_genome_routes(router, context(), *genomes_, [] { return Result<std::vector<Location>>(std::vector<Location>{}); },
                    GenomeSharingOptions{.dataset_dir = kDataset});
  http::Response answer = submit_directly(router, gbr_, fasta_of({1}));
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_NE(answer.body.find("unknown country 'GBR'"), std::string::npos) << answer.body;
  EXPECT_EQ(visible("", admin_).size(), 0u);
}

}  // namespace
}  // namespace shouwang::genome
