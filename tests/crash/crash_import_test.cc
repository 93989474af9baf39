// `shouwang import` killed by SIGKILL at random places inside and around its transaction, on
// SQLite and PostgreSQL: afterwards the store holds all of the file's revisions or none of them
// (all exactly when the kill came after the commit), SQLite's integrity check says "ok", and the
// same import run again completes. Each kill is raised by a fault point (core/fault_point.h) in
// the window it is meant to hit, and the test checks that the process died there.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>

#include "tests/crash/crash_support.h"
#include "tests/support/backends.h"

namespace shouwang::crash {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;

const std::string kDeaths =
    std::string(SHOUWANG_SHARED_DIR) + "/data/global/jhu_csse/time_series_covid19_deaths_global.csv";

// What an import's summary line says it wrote: "imported N observations, R new revisions, ...".
int64_t new_revisions_in(const std::string& output) {
  std::smatch match;
  static const std::regex summary(R"(imported \d+ observations, (\d+) new revisions)");
  return std::regex_search(output, match, summary) ? std::stoll(match[1]) : -1;
}

// One import to completion; returns its new revisions (-1 when it failed).
int64_t import_to_completion(const std::string& db, const std::string& file, const std::string& source,
                             const std::string& stderr_path) {
  Child child({"import", "--db", db, "--format", "jhu", "--indicator", "deaths", "--source", source, file}, "",
              stderr_path);
  int status = child.wait(std::chrono::minutes(2));
  std::string out = child.rest_of_stdout();
  EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << describe_exit(status) << "\n" << out << child.stderr_text();
  return new_revisions_in(out);
}

// The state an import left for its source: none of its revisions, all of them, or a part (a
// broken store).
enum class Stored { kNone, kAll, kPart };
Stored stored_state(store::sql::Connection& conn, const std::string& source, int64_t all) {
  int64_t n = revisions_of_source(conn, source);
  return n == 0 ? Stored::kNone : n == all ? Stored::kAll : Stored::kPart;
}

class CrashImportBase : public ::testing::Test {
 protected:
  virtual Backend backend() const { return Backend::kSqlite; }
  void SetUp() override {
    if (!std::filesystem::exists(kDeaths)) GTEST_SKIP() << "no JHU data in " << SHOUWANG_SHARED_DIR;
    db_ = fresh_.create(backend());
    ASSERT_FALSE(db_.empty());
    dir_ = std::filesystem::temp_directory_path() / ("shouwang-crash-import-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string stderr_path(const std::string& name) const { return (dir_ / (name + ".stderr")).string(); }

  FreshDatabase fresh_;
  std::string db_;
  std::filesystem::path dir_;
};

class CrashImport : public CrashImportBase, public ::testing::WithParamInterface<Backend> {
 protected:
  Backend backend() const override { return GetParam(); }
};
using CrashImportChecks = CrashImportBase;

TEST_P(CrashImport, AKilledImportLeavesAllOrNoneAndTheNextImportCompletes) {
  const bool sqlite = GetParam() == Backend::kSqlite;
  // A first, complete import: the reference locations are then stored, and it says how many
  // revisions the file makes under a new source.
  const int64_t all = import_to_completion(db_, kDeaths, "complete", stderr_path("complete"));
  ASSERT_GT(all, 100'000);
  // SQLite passes its per-batch point once per 64 revisions; PostgreSQL its per-row point per row.
  const std::string in_writes = sqlite ? "store.write_observations.batch" : "store.write_observations.row";
  const int64_t passages = sqlite ? (all + 63) / 64 : all;

  // On SQLite each round starts from a copy of the store as the complete import left it, so that
  // the rounds (and their integrity checks) do not slow down as revisions pile up; on PostgreSQL
  // the rounds share the database, each under its own source.
  const std::string reference = (dir_ / "reference.db").string();
  if (sqlite) {
    auto conn = connect_for_checks(db_);
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->query("PRAGMA wal_checkpoint(TRUNCATE)").is_ok());
    conn.reset();
    std::filesystem::copy_file(db_, reference);
  }

  std::mt19937_64 random(crash_seed());
  // Where each round is killed: at a random passage among the writes (""), or at the single
  // passage just before or just after the commit.
  const std::string before = "store.write_observations.before_commit";
  const std::string after = "store.write_observations.after_commit";
  const std::vector<std::string> plan =
      sqlite ? std::vector<std::string>{"", before, "", after, "", after} : std::vector<std::string>{"", before, after};
  const int rounds = static_cast<int>(plan.size());
  int kills_before_commit = 0, kills_after_commit = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string point = plan[static_cast<size_t>(round)].empty() ? in_writes : plan[static_cast<size_t>(round)];
    const int64_t nth =
        point == in_writes ? std::uniform_int_distribution<int64_t>(1, passages)(random) : int64_t{1};
    const std::string fault = point + ":" + std::to_string(nth);
    const std::string source = "crash-" + std::to_string(round);
    SCOPED_TRACE(fault + " importing as " + source);
    std::string db = db_;
    if (sqlite) {
      db = (dir_ / ("round-" + std::to_string(round) + ".db")).string();
      std::filesystem::copy_file(reference, db);
    }

    Child child({"import", "--db", db, "--format", "jhu", "--indicator", "deaths", "--source", source, kDeaths},
                fault, stderr_path(source));
    int status = child.wait(std::chrono::minutes(2));
    ASSERT_TRUE(killed_at(status, child.stderr_text(), point)) << describe_exit(status) << "\n" << child.stderr_text();

    auto conn = connect_for_checks(db);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(integrity_check(*conn), "ok");
    const bool committed = point == after;
    EXPECT_EQ(stored_state(*conn, source, all), committed ? Stored::kAll : Stored::kNone)
        << revisions_of_source(*conn, source) << " of " << all << " revisions stored";
    (committed ? kills_after_commit : kills_before_commit)++;
    conn.reset();

    // The next import of the same file under the same source completes the store.
    int64_t written = import_to_completion(db, kDeaths, source, stderr_path(source + "-again"));
    EXPECT_EQ(written, committed ? 0 : all);
    conn = connect_for_checks(db);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(stored_state(*conn, source, all), Stored::kAll);
    EXPECT_EQ(integrity_check(*conn), "ok");
    conn.reset();
    if (sqlite) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    }
  }
  std::printf("%s: %d kills inside the import's transaction, %d after its commit\n",
              sqlite ? "SQLite" : "PostgreSQL", kills_before_commit, kills_after_commit);
}

// A large CSV file is written while it is parsed (a second thread, one open transaction): killed
// inside those writes, it leaves none of its rows, and the next import completes.
TEST_P(CrashImport, AKilledCsvImportWrittenWhileParsedLeavesNone) {
  const bool sqlite = GetParam() == Backend::kSqlite;
  ASSERT_GT(import_to_completion(db_, kDeaths, "complete", stderr_path("complete")), 100'000);
  const std::string csv = (dir_ / "complete.csv").string();
  {
    Child exporter({"export", "--db", db_, "--source", "complete"}, "", stderr_path("export"));
    std::string text = exporter.rest_of_stdout();
    int status = exporter.wait(std::chrono::minutes(2));
    ASSERT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe_exit(status);
    std::ofstream(csv) << text;
  }
  // Above the importer's threshold for writing while parsing (4 MiB).
  ASSERT_GT(std::filesystem::file_size(csv), uintmax_t{4} << 20);
  const int64_t rows = static_cast<int64_t>(std::count(std::istreambuf_iterator<char>(std::ifstream(csv).rdbuf()),
                                                       std::istreambuf_iterator<char>(), '\n')) - 1;
  const std::string point = sqlite ? "store.write_observations.batch" : "store.write_observations.row";
  const int64_t passages = sqlite ? rows / 64 : rows;
  std::mt19937_64 random(crash_seed());
  // In the first half of the writes: the parse is then still running on the other thread.
  const int64_t nth = std::uniform_int_distribution<int64_t>(1, passages / 2)(random);
  SCOPED_TRACE(point + ":" + std::to_string(nth));
  Child child({"import", "--db", db_, "--format", "csv", "--allow-corrections", "--source", "early", csv}, point + ":" + std::to_string(nth),
              stderr_path("early"));
  int status = child.wait(std::chrono::minutes(2));
  ASSERT_TRUE(killed_at(status, child.stderr_text(), point)) << describe_exit(status) << "\n" << child.stderr_text();
  {
    auto conn = connect_for_checks(db_);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(integrity_check(*conn), "ok");
    EXPECT_EQ(stored_state(*conn, "early", rows), Stored::kNone);
  }
  Child again({"import", "--db", db_, "--format", "csv", "--allow-corrections", "--source", "early", csv}, "", stderr_path("early-again"));
  status = again.wait(std::chrono::minutes(2));
  EXPECT_EQ(new_revisions_in(again.rest_of_stdout()), rows) << describe_exit(status);
  auto conn = connect_for_checks(db_);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(stored_state(*conn, "early", rows), Stored::kAll);
}

// The check above can fail: an import split into two transactions (what a non-transactional
// import does row by row) killed between them leaves part of the file, and the check says so;
// a SQLite file with a page overwritten fails the integrity check.
TEST_F(CrashImportChecks, TheChecksCatchAStoreLeftHalfWrittenOrCorrupt) {
  const int64_t all = import_to_completion(db_, kDeaths, "complete", stderr_path("complete"));
  ASSERT_GT(all, 100'000);
  // The JHU file's first half of rows, then the whole file, under one source.
  const std::string half = (dir_ / "first-half.csv").string();
  {
    std::ifstream in(kDeaths);
    std::ofstream out(half);
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(in, line)) lines.push_back(line);
    for (size_t i = 0; i < lines.size() / 2; ++i) out << lines[i] << "\n";
  }
  ASSERT_GT(import_to_completion(db_, half, "split", stderr_path("half")), 0);
  Child second({"import", "--db", db_, "--format", "jhu", "--indicator", "deaths", "--source", "split", kDeaths},
               "store.write_observations.before_commit", stderr_path("split"));
  int status = second.wait(std::chrono::minutes(2));
  ASSERT_TRUE(killed_at(status, second.stderr_text(), "store.write_observations.before_commit")) << describe_exit(status);
  {
    auto conn = connect_for_checks(db_);
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(stored_state(*conn, "split", all), Stored::kPart);
  }

  {
    auto conn = connect_for_checks(db_);
    ASSERT_NE(conn, nullptr);
    ASSERT_TRUE(conn->query("PRAGMA wal_checkpoint(TRUNCATE)").is_ok());
  }
  // A page in the middle of the file overwritten, as a torn write would leave it.
  const auto size = std::filesystem::file_size(db_);
  {
    std::fstream file(db_, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size / 2 / 4096 * 4096));
    std::string garbage(4096, '\x5a');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto conn = connect_for_checks(db_);
  ASSERT_NE(conn, nullptr);
  EXPECT_NE(integrity_check(*conn), "ok");
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashImport, shouwang::testing::kBothBackends, shouwang::testing::backend_test_name);

}  // namespace
}  // namespace shouwang::crash
