// Support of the crash tests: the real `shouwang` binary (SHOUWANG_BIN) run with a fault point
// armed (core/fault_point.h), proof that it died by SIGKILL at that point and nowhere else, and
// reads of the store it left behind through store::sql (never sqlite3.h).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/sql.h"
#include "tests/support/child_process.h"

namespace shouwang::crash {

// The seed of a test's random choices: SHOUWANG_CRASH_SEED when set (to replay a failure), else
// the clock. Printed, so a failing run can be replayed.
inline uint64_t crash_seed() {
  const char* given = std::getenv("SHOUWANG_CRASH_SEED");
  uint64_t seed = given != nullptr ? std::strtoull(given, nullptr, 10)
                                   : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::printf("crash seed %llu (SHOUWANG_CRASH_SEED=%llu replays it)\n", static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  return seed;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `shouwang ARGS` with a fault point armed (none when empty), its standard error kept in a file.
class Child : public testing::ChildProcess {
 public:
  Child(const std::vector<std::string>& args, const std::string& fault, const std::string& stderr_path)
      : ChildProcess(args, fault, stderr_path), stderr_path_(stderr_path) {}
  std::string stderr_text() const { return read_text(stderr_path_); }

 private:
  std::string stderr_path_;
};

// Whether the child died by SIGKILL at the armed fault point `point` (its name without ":nth"):
// the signal alone is not enough, the point must have said it fired.
inline bool killed_at(int status, const std::string& stderr_text, const std::string& point) {
  return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
         stderr_text.find("shouwang: fault point " + point + " reached") != std::string::npos;
}

inline std::string describe_exit(int status) {
  if (status == -1) return "still running";
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit code " + std::to_string(WEXITSTATUS(status));
}

// One connection to what `db` names (a SQLite file or a postgresql:// URL), for checks.
inline std::unique_ptr<store::sql::Connection> connect_for_checks(const std::string& db) {
  auto conn = store::sql::connect(db);
  EXPECT_TRUE(conn.is_ok()) << conn.status().to_string();
  return conn.is_ok() ? std::move(conn).value() : nullptr;
}

// SQLite's own check of the file ("ok" when sound); PostgreSQL has no equivalent and answers "ok".
inline std::string integrity_check(store::sql::Connection& conn) {
  if (conn.dialect() != store::sql::Dialect::kSqlite) return "ok";
  auto rows = conn.query("PRAGMA integrity_check");
  if (!rows.is_ok()) return rows.status().to_string();
  std::string out;
  for (size_t i = 0; i < rows->size(); ++i) out += (i ? "\n" : "") + (*rows)[i].text(0);
  return out;
}

// Revisions stored under `source`.
inline int64_t revisions_of_source(store::sql::Connection& conn, const std::string& source) {
  auto n = conn.scalar("SELECT COUNT(*) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.source = ?",
                       source);
  EXPECT_TRUE(n.is_ok()) << n.status().to_string();
  return n.is_ok() ? *n : -1;
}

}  // namespace shouwang::crash
