// Running a test against both storage dialects: a throwaway PostgreSQL cluster shared by the test
// binary (started before the first test, stopped after the last) and a fresh database per test on
// either backend, named the way `--db` names it. PostgreSQL tests fail with the cluster's start
// error when it cannot start; they are never skipped.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include "store/open_store.h"
#include "tests/support/postgres_cluster.h"

namespace shouwang::testing {

class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = PostgresCluster::start();
    if (started) {
      cluster = std::move(started).value();
    } else {
      error = started.status().to_string();
    }
  }
  void TearDown() override { cluster.reset(); }

  static inline std::unique_ptr<PostgresCluster> cluster;
  static inline std::string error;
};
[[maybe_unused]] inline const auto* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

enum class Backend { kSqlite, kPostgres };
inline std::string_view backend_name(Backend backend) {
  return backend == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}
inline void PrintTo(Backend backend, std::ostream* out) { *out << backend_name(backend); }
inline const auto kBothBackends = ::testing::Values(Backend::kSqlite, Backend::kPostgres);
inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return std::string(backend_name(info.param));
}

// A fresh, empty database of one backend; a SQLite file in a directory removed on destruction.
class FreshDatabase {
 public:
  FreshDatabase() = default;
  FreshDatabase(const FreshDatabase&) = delete;
  FreshDatabase& operator=(const FreshDatabase&) = delete;
  ~FreshDatabase() {
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // What to pass as `--db`. Fails the test (and returns "") when PostgreSQL is unavailable.
  std::string create(Backend backend) {
    static std::atomic<int> created{0};
    int n = ++created;
    if (backend == Backend::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() /
             ("shouwang-db-" + std::to_string(::getpid()) + "-" + std::to_string(n));
      std::filesystem::remove_all(dir_);
      std::filesystem::create_directories(dir_);
      db_ = (dir_ / "test.db").string();
      return db_;
    }
    if (PostgresEnvironment::cluster == nullptr) {
      ADD_FAILURE() << "no PostgreSQL cluster: " << PostgresEnvironment::error;
      return "";
    }
    name_ = "test_" + std::to_string(::getpid()) + "_" + std::to_string(n);
    auto url = PostgresEnvironment::cluster->create_database(name_);
    if (!url.is_ok()) {
      ADD_FAILURE() << url.status().to_string();
      return "";
    }
    db_ = *url;
    return db_;
  }
  // create(), then the store opened on it as `--db` opens it (db() names it).
  Result<std::unique_ptr<store::Store>> create_store(Backend backend) {
    if (create(backend).empty()) return unavailable("no fresh " + std::string(backend_name(backend)) + " database");
    return store::open_store(db_);
  }
  const std::string& db() const { return db_; }
  const std::string& postgres_name() const { return name_; }  // PostgreSQL only

 private:
  std::filesystem::path dir_;
  std::string db_;
  std::string name_;
};

}  // namespace shouwang::testing
