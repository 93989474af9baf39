// I/O faults under SQLite (store/testing/faulty_vfs.h): the Nth write or the Nth sync fails, once
// or from then on, swept over N for an import and for alert transitions (an acknowledgement; an
// alert opened and its notifications delivered). For each N the operation answers a Status
// (nothing crashes, nothing throws), the database passes its integrity check and holds all of the
// operation or none of it (all exactly when it answered OK), and the same operation retried once
// the fault has cleared succeeds. Only writes are swept over the alert transitions: in WAL mode
// with synchronous=NORMAL (store/sqlite/sqlite_db.cc) a commit does not sync, only a checkpoint
// does, and these transitions are far too small to trigger one; the import's sweep covers syncs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "alert/liaison_service.h"
#include "alert/test_support.h"
#include "core/period.h"
#include "ingest/importer.h"
#include "store/open_store.h"
#include "store/sql.h"
#include "store/testing/faulty_vfs.h"

namespace shouwang {
namespace {

namespace fs = std::filesystem;
using store::testing::FaultyVfs;
using store::testing::IoFault;
using store::testing::IoOperation;

std::string operation_name(IoOperation op) { return op == IoOperation::kWrite ? "write" : "sync"; }

// Up to `most` values of N spread evenly over 1..total, both ends included.
std::vector<int64_t> sweep_points(int64_t total, int64_t most) {
  std::vector<int64_t> out;
  if (total <= 0) return out;
  if (total <= most) {
    for (int64_t n = 1; n <= total; ++n) out.push_back(n);
    return out;
  }
  for (int64_t i = 0; i < most; ++i) out.push_back(1 + i * (total - 1) / (most - 1));
  return out;
}

std::string integrity_check(const std::string& path) {
  auto conn = store::sql::connect(path);
  if (!conn.is_ok()) return conn.status().to_string();
  auto rows = (*conn)->query("PRAGMA integrity_check");
  if (!rows.is_ok()) return rows.status().to_string();
  return rows->empty() ? "no answer" : (*rows)[0].text(0);
}

int64_t count(const std::string& path, const std::string& sql) {
  auto conn = store::sql::connect(path);
  if (!conn.is_ok()) return -1;
  auto n = (*conn)->scalar(sql);
  return n.is_ok() ? *n : -1;
}

class IoFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { FaultyVfs::install(); }
  void SetUp() override {
    FaultyVfs::disarm();
    dir_ = fs::temp_directory_path() / ("shouwang-io-faults-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    FaultyVfs::disarm();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  // A copy of `from` (closed, so without WAL) named after the case.
  std::string copy_of(const std::string& from, const std::string& name) {
    std::string to = (dir_ / (name + ".db")).string();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(to + suffix);
    fs::copy_file(from, to);
    return to;
  }

  fs::path dir_;
};

// 60 countries' daily cases over 1600 days: enough pages (over SQLite's 1000-page WAL threshold)
// that the commit is followed by a checkpoint, the only place WAL mode with synchronous=NORMAL
// syncs, so the sync sweep has syncs to fail.
std::string large_report() {
  static const char* kCodes[] = {"AFG", "ALB", "DZA", "AGO", "ARG", "ARM", "AUS", "AUT", "AZE", "BGD",
                                 "BLR", "BEL", "BEN", "BOL", "BRA", "BGR", "BFA", "KHM", "CMR", "CAN",
                                 "TCD", "CHL", "CHN", "COL", "COD", "CRI", "HRV", "CUB", "CZE", "DNK",
                                 "ECU", "EGY", "ETH", "FIN", "FRA", "DEU", "GHA", "GRC", "GTM", "GIN",
                                 "HTI", "HND", "HUN", "IND", "IDN", "IRN", "IRQ", "IRL", "ISR", "ITA",
                                 "JPN", "JOR", "KAZ", "KEN", "LAO", "LBN", "MDG", "MWI", "MYS", "MLI"};
  std::ostringstream csv;
  csv << "location,indicator,date,value\n";
  const Date first = *Date::parse("2024-01-01");
  for (const char* code : kCodes) {
    for (int day = 0; day < 1600; ++day) csv << code << ",cases," << first.plus_days(day).to_string() << "," << (day * 7 + 3) % 997 << "\n";
  }
  return csv.str();
}

TEST_F(IoFaults, AnImportUnderFailingWritesAndSyncsIsAllOrNothingAndSucceedsOnRetry) {
  const std::string content = large_report();
  const int64_t rows = 60 * 1600;
  ManualClock clock(*Timestamp::parse("2030-01-10T00:00:00Z"));
  ingest::ImportOptions options;
  options.source = "ministry";
  const std::string kStored =
      "SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.source = 'ministry'";

  // The base: an empty store with its schema and the reference locations (a first small import).
  const std::string base = (dir_ / "base.db").string();
  {
    auto store = store::open_store(base);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto first = ingest::import_content(**store, "location,indicator,date,value\nFRA,cases,2023-12-31,1\n",
                                        ingest::Format::kCsv, ingest::ImportOptions{.source = "seed"}, clock);
    ASSERT_TRUE(first.is_ok() && first->written) << first.status().to_string();
  }
  // How many writes and syncs the import makes without faults.
  int64_t writes = 0, syncs = 0;
  {
    std::string db = copy_of(base, "count");
    auto store = store::open_store(db);
    ASSERT_TRUE(store.is_ok());
    FaultyVfs::disarm();
    auto report = ingest::import_content(**store, content, ingest::Format::kCsv, options, clock);
    writes = FaultyVfs::writes();
    syncs = FaultyVfs::syncs();
    ASSERT_TRUE(report.is_ok() && report->new_revisions == rows)
        << report.status().to_string() << (report.is_ok() ? " " + std::to_string(report->errors.size()) + " errors" : "");
  }
  ASSERT_GT(writes, 1000);
  ASSERT_GT(syncs, 0) << "the import made no sync: the sync sweep would test nothing";

  int cases = 0, failed_operations = 0;
  for (IoOperation operation : {IoOperation::kWrite, IoOperation::kSync}) {
    const int64_t total = operation == IoOperation::kWrite ? writes : syncs;
    for (bool persistent : {false, true}) {
      for (int64_t nth : sweep_points(total, operation == IoOperation::kWrite ? 12 : 8)) {
        const std::string name = operation_name(operation) + "-" + std::to_string(nth) + (persistent ? "-on" : "-once");
        SCOPED_TRACE(name);
        std::string db = copy_of(base, "import");
        {
          auto store = store::open_store(db);
          ASSERT_TRUE(store.is_ok()) << store.status().to_string();
          FaultyVfs::arm(IoFault{operation, nth, persistent});
          auto report = ingest::import_content(**store, content, ingest::Format::kCsv, options, clock);
          const int64_t failures = FaultyVfs::failures();
          FaultyVfs::disarm();
          EXPECT_GT(failures, 0) << "the fault never fired";
          const bool ok = report.is_ok() && report->written;
          if (!ok) ++failed_operations;
          EXPECT_EQ(integrity_check(db), "ok");
          EXPECT_EQ(count(db, kStored), ok ? rows : 0) << (ok ? "answered OK" : report.status().to_string());
          // The retry, on the same store, once the fault has cleared.
          auto retry = ingest::import_content(**store, content, ingest::Format::kCsv, options, clock);
          ASSERT_TRUE(retry.is_ok()) << retry.status().to_string();
          EXPECT_EQ(retry->new_revisions, ok ? 0 : rows);
        }
        EXPECT_EQ(count(db, kStored), rows);
        EXPECT_EQ(integrity_check(db), "ok");
        ++cases;
      }
    }
  }
  std::printf("import of %lld rows: %lld writes and %lld syncs; %d faults injected, %d imports answered an error\n",
              static_cast<long long>(rows), static_cast<long long>(writes), static_cast<long long>(syncs), cases,
              failed_operations);
  // Failing writes must make imports fail: otherwise the sweep did not reach the writes.
  EXPECT_GT(failed_operations, 0);
}

TEST_F(IoFaults, AnAcknowledgementUnderFailingWritesIsAllOrNothingAndSucceedsOnRetry) {
  ManualClock clock(*Timestamp::parse("2026-01-10T08:00:00Z"));
  auto transport = std::make_shared<alert::testing::FakeTransport>();
  auto open = [&](const std::string& db) {
    alert::LiaisonOptions options;
    options.db_path = db;
    options.clock = &clock;
    options.webhook_transport = transport;
    return alert::LiaisonService::open(options);
  };
  // The base: an open alert at NGA, two subscribers, its "opened" notifications delivered.
  const std::string base = (dir_ / "alert-base.db").string();
  int64_t alert_id = 0;
  {
    ASSERT_TRUE(alert::testing::seed_test_locations(base).is_ok());
    auto service = open(base);
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    for (const char* location : {"NGA", "AFRO"}) {
      alert::Subscription s;
      s.name = location;
      s.location = location;
      s.webhook = std::string("http://receiver.test/") + location;
      ASSERT_TRUE((*service)->add_subscription(s).is_ok());
    }
    auto opened = (*service)->on_signals({alert::Signal{"NGA", "cases", "2026-W01", "ears-c2", 90, 10, true, 4}});
    ASSERT_TRUE(opened.is_ok() && opened->size() == 1) << opened.status().to_string();
    alert_id = (*opened)[0].alert_id;
    ASSERT_EQ(*(*service)->deliver_due(), 2);
  }
  const std::string kAcknowledgedNotifications =
      "SELECT COUNT(*) FROM alert_outbox WHERE kind = 'acknowledged'";
  const std::string kAcknowledgedState =
      "SELECT COUNT(*) FROM alert_alerts WHERE state = 'acknowledged'";

  int64_t writes = 0;
  {
    std::string db = copy_of(base, "alert-count");
    auto service = open(db);
    ASSERT_TRUE(service.is_ok());
    FaultyVfs::disarm();
    ASSERT_TRUE((*service)->acknowledge(alert_id, "focal-point").is_ok());
    writes = FaultyVfs::writes();
  }
  ASSERT_GT(writes, 0);

  int cases = 0, failed_operations = 0;
  for (bool persistent : {false, true}) {
    for (int64_t nth : sweep_points(writes, 30)) {
      SCOPED_TRACE("write " + std::to_string(nth) + (persistent ? " and every later one" : " once"));
      std::string db = copy_of(base, "alert");
      {
        auto service = open(db);
        ASSERT_TRUE(service.is_ok()) << service.status().to_string();
        FaultyVfs::arm(IoFault{IoOperation::kWrite, nth, persistent});
        auto acknowledged = (*service)->acknowledge(alert_id, "focal-point");
        const int64_t failures = FaultyVfs::failures();
        FaultyVfs::disarm();
        EXPECT_GT(failures, 0) << "the fault never fired";
        if (!acknowledged.is_ok()) ++failed_operations;
        const int64_t all = acknowledged.is_ok() ? 1 : 0;
        EXPECT_EQ(integrity_check(db), "ok");
        EXPECT_EQ(count(db, kAcknowledgedState), all) << acknowledged.status().to_string();
        EXPECT_EQ(count(db, kAcknowledgedNotifications), 2 * all);
        if (!acknowledged.is_ok()) {
          auto retry = (*service)->acknowledge(alert_id, "focal-point");
          EXPECT_TRUE(retry.is_ok()) << retry.status().to_string();
        }
        EXPECT_EQ(count(db, kAcknowledgedState), 1);
        EXPECT_EQ(count(db, kAcknowledgedNotifications), 2);
      }
      ++cases;
    }
  }
  std::printf("acknowledgement: %lld writes; %d faults injected, %d acknowledgements answered an error\n",
              static_cast<long long>(writes), cases, failed_operations);
  EXPECT_GT(failed_operations, 0);
}

// An alert opened and its three notifications delivered, with the Nth write failing: opening is
// all-or-none (the alert with its outbox rows, or nothing), no notification is lost (after the
// fault clears and the claims run out, each one reaches its receiver), and one is sent twice only
// when its delivery could not be recorded. Once a record fails the pass stops sending, so a
// failing database repeats at most the one notification whose record failed.
TEST_F(IoFaults, AnAlertOpenedAndDeliveredUnderFailingWritesLosesNoNotificationAndRepeatsOnlyAnUnrecordedOne) {
  const Timestamp start = *Timestamp::parse("2026-01-10T08:00:00Z");
  auto open = [](const std::string& db, const Clock& clock, std::shared_ptr<alert::testing::FakeTransport> transport) {
    alert::LiaisonOptions options;
    options.db_path = db;
    options.clock = &clock;
    options.webhook_transport = std::move(transport);
    // One sender: the notifications go out one after another, so how many are sent after a
    // failed record is determined (in parallel, the others may already be under way).
    options.delivery_parallelism = 1;
    return alert::LiaisonService::open(options);
  };
  const alert::Signal signal{"NGA", "cases", "2026-W01", "ears-c2", 90, 10, true, 4};
  const std::string base = (dir_ / "deliver-base.db").string();
  {
    ASSERT_TRUE(alert::testing::seed_test_locations(base).is_ok());
    ManualClock clock(start);
    auto service = open(base, clock, std::make_shared<alert::testing::FakeTransport>());
    ASSERT_TRUE(service.is_ok()) << service.status().to_string();
    for (const char* location : {"NGA", "AFRO", "WORLD"}) {
      alert::Subscription s;
      s.name = location;
      s.location = location;
      s.webhook = std::string("http://receiver.test/") + location;
      ASSERT_TRUE((*service)->add_subscription(s).is_ok());
    }
  }
  const std::string kAlerts = "SELECT COUNT(*) FROM alert_alerts";
  const std::string kOutbox = "SELECT COUNT(*) FROM alert_outbox";
  const std::string kDelivered = "SELECT COUNT(*) FROM alert_outbox WHERE delivered_at IS NOT NULL";

  int64_t writes = 0;
  {
    std::string db = copy_of(base, "deliver-count");
    ManualClock clock(start);
    auto transport = std::make_shared<alert::testing::FakeTransport>();
    auto service = open(db, clock, transport);
    ASSERT_TRUE(service.is_ok());
    FaultyVfs::disarm();
    auto opened = (*service)->on_signals({signal});
    ASSERT_TRUE(opened.is_ok() && opened->size() == 1) << opened.status().to_string();
    ASSERT_EQ(*(*service)->deliver_due(), 3);
    writes = FaultyVfs::writes();
    ASSERT_EQ(transport->posts().size(), 3u);
  }
  ASSERT_GT(writes, 0);

  int cases = 0, failed_openings = 0, failed_deliveries = 0, repeats = 0;
  for (bool persistent : {false, true}) {
    for (int64_t nth : sweep_points(writes, 64)) {
      SCOPED_TRACE("write " + std::to_string(nth) + (persistent ? " and every later one" : " once"));
      std::string db = copy_of(base, "deliver");
      ManualClock clock(start);
      auto transport = std::make_shared<alert::testing::FakeTransport>();
      auto service = open(db, clock, transport);
      ASSERT_TRUE(service.is_ok()) << service.status().to_string();

      FaultyVfs::arm(IoFault{IoOperation::kWrite, nth, persistent});
      auto opened = (*service)->on_signals({signal});
      std::optional<Result<int>> first_pass;
      if (opened.is_ok()) first_pass = (*service)->deliver_due();
      const int64_t failures = FaultyVfs::failures();
      FaultyVfs::disarm();
      EXPECT_GT(failures, 0) << "the fault never fired";
      EXPECT_EQ(integrity_check(db), "ok");

      // Opening: the alert and its three notifications, or none of them.
      EXPECT_EQ(count(db, kAlerts), opened.is_ok() ? 1 : 0) << opened.status().to_string();
      EXPECT_EQ(count(db, kOutbox), opened.is_ok() ? 3 : 0);
      if (!opened.is_ok()) {
        ++failed_openings;
        EXPECT_TRUE(transport->posts().empty());
        auto retry = (*service)->on_signals({signal});
        ASSERT_TRUE(retry.is_ok() && retry->size() == 1) << retry.status().to_string();
      }
      if (first_pass && !first_pass->is_ok()) ++failed_deliveries;
      // What the first pass recorded as delivered was sent once, and is never sent again.
      const int64_t recorded = count(db, kDelivered);
      EXPECT_LE(static_cast<size_t>(recorded), transport->posts().size());
      const size_t sent_first = transport->posts().size();

      // The fault has cleared; once the claims have run out every notification goes out.
      clock.advance_seconds(11 * 60);
      for (int pass = 0; pass < 3 && count(db, kDelivered) < 3; ++pass) {
        auto delivered = (*service)->deliver_due();
        EXPECT_TRUE(delivered.is_ok()) << delivered.status().to_string();
      }
      EXPECT_EQ(count(db, kDelivered), 3);
      EXPECT_EQ(integrity_check(db), "ok");
      std::map<std::string, int> posts_per_key;
      for (const auto& post : transport->posts()) ++posts_per_key[post.header("Idempotency-Key")];
      EXPECT_EQ(posts_per_key.size(), 3u) << "a notification was lost";
      int repeated = 0;
      for (const auto& [key, n] : posts_per_key) {
        EXPECT_LE(n, 2) << key;
        if (n > 1) ++repeated;
      }
      // Only a send whose record failed is repeated: the first pass sent `sent_first`, recorded
      // `recorded`, and stopped at the first failed record.
      EXPECT_EQ(repeated, static_cast<int>(sent_first) - recorded);
      EXPECT_LE(repeated, 1) << "the first pass went on sending after a record had failed";
      repeats += repeated;
      ++cases;
    }
  }
  std::printf("alert opened and delivered: %lld writes; %d faults injected, %d openings and %d delivery passes "
              "answered an error, %d notifications sent again\n",
              static_cast<long long>(writes), cases, failed_openings, failed_deliveries, repeats);
  EXPECT_GT(failed_openings, 0);
  EXPECT_GT(failed_deliveries, 0);
}

}  // namespace
}  // namespace shouwang
