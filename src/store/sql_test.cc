// The persistence layer's contract, on SQLite and on PostgreSQL alike: portable statements, typed
// reads, transactions that roll back, a bounded pool, migrations applied once under concurrency.
#include "store/sql.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/support/backends.h"

namespace shouwang::store::sql {
namespace {

using shouwang::testing::Backend;
using shouwang::testing::FreshDatabase;

constexpr Migration kNotesSteps[] = {
    {1, "CREATE TABLE notes(id {id}, author TEXT NOT NULL, body TEXT NOT NULL, score DOUBLE PRECISION, "
        "at_micros BIGINT NOT NULL)"},
    {2, "CREATE INDEX notes_by_author ON notes(author); "
        "CREATE TABLE counters(name TEXT PRIMARY KEY, n BIGINT NOT NULL)"},
};
constexpr Schema kNotes{"notes", kNotesSteps};

class SqlTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string name = fresh_.create(GetParam());
    ASSERT_FALSE(name.empty());
    auto opened = Database::open(name, {.max_connections = 4, .wait = std::chrono::milliseconds(2000)});
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    db_ = std::move(opened).value();
    ASSERT_TRUE(migrate(*db_, kNotes).is_ok());
  }
  Database::Lease lease() {
    auto l = db_->acquire();
    EXPECT_TRUE(l.is_ok()) << l.status().to_string();
    return std::move(l).value();
  }

  FreshDatabase fresh_;
  std::unique_ptr<Database> db_;
};

INSTANTIATE_TEST_SUITE_P(Backends, SqlTest, shouwang::testing::kBothBackends, shouwang::testing::backend_test_name);

TEST_P(SqlTest, InsertsReturnIdsAndReadsTypedValues) {
  auto conn = lease();
  auto first = conn->scalar("INSERT INTO notes(author, body, score, at_micros) VALUES(?, ?, ?, ?) RETURNING id",
                            "who", "a 'quoted' body with ? inside", 0.1, int64_t{1'700'000'000'000'000});
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  auto second = conn->scalar("INSERT INTO notes(author, body, score, at_micros) VALUES(?, ?, ?, ?) RETURNING id",
                             "愛", "", std::optional<double>(), int64_t{-5});
  ASSERT_TRUE(second.is_ok()) << second.status().to_string();
  EXPECT_GT(*second, *first);

  auto rows = conn->query("SELECT id, author, body, score, at_micros FROM notes WHERE body <> '?' ORDER BY id");
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].text(2), "a 'quoted' body with ? inside");
  EXPECT_EQ((*rows)[0].float8(3), 0.1);  // exact round trip
  EXPECT_EQ((*rows)[0].int64(4), 1'700'000'000'000'000);
  EXPECT_EQ((*rows)[1].text(1), "愛");
  EXPECT_TRUE((*rows)[1].is_null(3));
  EXPECT_EQ((*rows)[1].int64(4), -5);

  auto updated = conn->run("UPDATE notes SET score = ? WHERE author = ?", 2.5, "who");
  ASSERT_TRUE(updated.is_ok());
  EXPECT_EQ(*updated, 1);
  auto count = conn->scalar("SELECT COUNT(*) FROM notes WHERE score IS NULL");
  ASSERT_TRUE(count.is_ok());
  EXPECT_EQ(*count, 1);
}

TEST_P(SqlTest, UpsertIsPortable) {
  auto conn = lease();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(conn->run("INSERT INTO counters(name, n) VALUES(?, 1) ON CONFLICT(name) DO UPDATE SET n = counters.n + 1",
                          "x")
                    .is_ok());
  }
  auto ignored = conn->run("INSERT INTO counters(name, n) VALUES(?, 100) ON CONFLICT DO NOTHING", "x");
  ASSERT_TRUE(ignored.is_ok());
  EXPECT_EQ(*ignored, 0);
  EXPECT_EQ(*conn->scalar("SELECT n FROM counters WHERE name = ?", "x"), 3);
}

TEST_P(SqlTest, UncommittedTransactionLeavesNothing) {
  auto conn = lease();
  {
    auto tx = Transaction::begin(*conn);
    ASSERT_TRUE(tx.is_ok());
    ASSERT_TRUE(conn->run("INSERT INTO counters(name, n) VALUES('gone', 1)").is_ok());
  }
  {
    auto tx = Transaction::begin(*conn);
    ASSERT_TRUE(tx.is_ok());
    ASSERT_TRUE(conn->run("INSERT INTO counters(name, n) VALUES('kept', 1)").is_ok());
    ASSERT_TRUE(tx->commit().is_ok());
  }
  EXPECT_EQ(*conn->scalar("SELECT COUNT(*) FROM counters WHERE name = 'gone'"), 0);
  EXPECT_EQ(*conn->scalar("SELECT COUNT(*) FROM counters WHERE name = 'kept'"), 1);
}

TEST_P(SqlTest, AFailedStatementAbortsTheTransactionAndCommitSaysSo) {
  auto conn = lease();
  ASSERT_TRUE(conn->run("INSERT INTO counters(name, n) VALUES('k', 1)").is_ok());
  auto tx = Transaction::begin(*conn);
  ASSERT_TRUE(tx.is_ok());
  ASSERT_TRUE(conn->run("UPDATE counters SET n = 2 WHERE name = 'k'").is_ok());
  auto duplicate = conn->run("INSERT INTO counters(name, n) VALUES('k', 1)");
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists);
  if (GetParam() == Backend::kPostgres) {
    // PostgreSQL aborts the whole transaction; committing must not pretend it worked.
    EXPECT_FALSE(tx->commit().is_ok());
    EXPECT_EQ(*conn->scalar("SELECT n FROM counters WHERE name = 'k'"), 1);
  }
}

TEST_P(SqlTest, MigrationsRunOnceAcrossConcurrentOpeners) {
  // Eight openers at once, as several servers starting together: each step applies once.
  static constexpr Migration kSteps[] = {{1, "CREATE TABLE once(id {id}, data {blob})"},
                                  {2, "INSERT INTO once(data) VALUES(NULL)"}};
  static constexpr Schema kOnce{"once", kSteps};
  std::atomic<int> failures{0};
  std::vector<std::thread> openers;
  for (int i = 0; i < 8; ++i) {
    openers.emplace_back([&] {
      auto conn = connect(db_->name());
      if (!conn.is_ok() || !migrate(**conn, kOnce).is_ok()) ++failures;
    });
  }
  for (auto& t : openers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto conn = lease();
  EXPECT_EQ(*conn->scalar("SELECT COUNT(*) FROM once"), 1);
  EXPECT_EQ(*conn->scalar("SELECT COUNT(*) FROM shouwang_migrations WHERE module = 'once'"), 2);
}

TEST_P(SqlTest, ANewerSchemaThanTheBinaryIsRefused) {
  auto conn = lease();
  ASSERT_TRUE(conn->run("INSERT INTO shouwang_migrations(module, version, applied_at_micros) VALUES('notes', 9, 0)")
                  .is_ok());
  Status s = migrate(*conn, kNotes);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("upgrade shouwang"), std::string::npos) << s.message();
}

TEST_P(SqlTest, PoolIsBoundedAndWaitsThenGivesUp) {
  auto small = Database::open(db_->name(), {.max_connections = 2, .wait = std::chrono::milliseconds(200)});
  ASSERT_TRUE(small.is_ok());
  auto a = (*small)->acquire();
  auto b = (*small)->acquire();
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  auto c = (*small)->acquire();
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  std::thread release([lease = std::move(a).value()]() mutable {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  auto d = (*small)->acquire();  // waits for the one given back
  release.join();
  EXPECT_TRUE(d.is_ok()) << d.status().to_string();
}

// PostgreSQL restarted under an open transaction: the statement fails with a clear Unavailable
// error, nothing committed is lost, nothing uncommitted appears, and the pool hands out a working
// connection afterwards instead of the dead one.
TEST(SqlPostgresRestart, DroppedConnectionMidTransactionLosesNothingCommitted) {
  shouwang::testing::FreshDatabase fresh;
  std::string name = fresh.create(Backend::kPostgres);
  ASSERT_FALSE(name.empty());
  auto db = Database::open(name);
  ASSERT_TRUE(db.is_ok());
  ASSERT_TRUE(migrate(**db, kNotes).is_ok());
  {
    auto conn = (*db)->acquire();
    ASSERT_TRUE(conn.is_ok());
    ASSERT_TRUE((*conn)->run("INSERT INTO counters(name, n) VALUES('committed', 1)").is_ok());
    auto tx = Transaction::begin(**conn);
    ASSERT_TRUE(tx.is_ok());
    ASSERT_TRUE((*conn)->run("INSERT INTO counters(name, n) VALUES('in flight', 1)").is_ok());

    ASSERT_TRUE(shouwang::testing::PostgresEnvironment::cluster->restart().is_ok());

    auto after = (*conn)->run("INSERT INTO counters(name, n) VALUES('after', 1)");
    EXPECT_EQ(after.status().code(), StatusCode::kUnavailable) << after.status().to_string();
    EXPECT_NE(after.status().message().find("connection"), std::string::npos) << after.status().message();
    EXPECT_FALSE(tx->commit().is_ok());
  }
  auto conn = (*db)->acquire();
  ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
  auto names = (*conn)->query("SELECT name FROM counters ORDER BY name");
  ASSERT_TRUE(names.is_ok()) << names.status().to_string();
  ASSERT_EQ(names->size(), 1u);
  EXPECT_EQ((*names)[0].text(0), "committed");
}

TEST(SqlConnect, UnreachablePostgresIsUnavailable) {
  auto conn = connect("postgresql://postgres@127.0.0.1:1/none");
  EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shouwang::store::sql
