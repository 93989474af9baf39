// Shared fixtures of the liaison tests: a temporary database with a small location tree, a
// recording fake webhook transport that can be switched down and up, and a thread-safe clock.
// Tests on both backends seed a tests/support/backends.h FreshDatabase with seed_test_locations.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "alert/webhook.h"
#include "core/location.h"
#include "store/open_store.h"

namespace shouwang::alert::testing {

// WORLD -> AFRO -> NGA -> NGA-LA, AFRO -> GHA, WORLD -> EMRO -> EGY.
inline std::vector<Location> test_locations() {
  return {
      {"WORLD", "World", "", "", std::nullopt, LocationLevel::kWorld},
      {"AFRO", "WHO African Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
      {"EMRO", "WHO Eastern Mediterranean Region", "", "WORLD", std::nullopt, LocationLevel::kRegion},
      {"NGA", "Nigeria", "", "AFRO", 206'000'000, LocationLevel::kCountry},
      {"NGA-LA", "Lagos", "", "NGA", 15'000'000, LocationLevel::kSubnational},
      {"GHA", "Ghana", "", "AFRO", 31'000'000, LocationLevel::kCountry},
      {"EGY", "Egypt", "", "EMRO", 102'000'000, LocationLevel::kCountry},
  };
}

// Creates the figures schema in `db` (a file or a postgresql:// URL) with test_locations().
inline Status seed_test_locations(const std::string& db) {
  ASSIGN_OR_RETURN(auto store, store::open_store(db));
  return store->upsert_locations(test_locations());
}

// A fresh SQLite database file named after the test, seeded with test_locations(); removed on
// destruction.
class TempDatabase {
 public:
  explicit TempDatabase(const std::string& name) {
    path_ = (std::filesystem::temp_directory_path() /
             ("shouwang-alert-" + name + "-" + std::to_string(getpid()) + ".db"))
                .string();
    remove_files();
    ok_ = seed_test_locations(path_).is_ok();
  }
  ~TempDatabase() { remove_files(); }
  const std::string& path() const { return path_; }
  bool ok() const { return ok_; }

 private:
  void remove_files() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  std::string path_;
  bool ok_ = false;
};

struct RecordedPost {
  std::string url;
  Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

// Records successful POSTs; while `down`, every POST fails as a refused connection would.
class FakeTransport final : public WebhookTransport {
 public:
  Status post(const std::string& url, const Headers& headers, const std::string& body) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (down_) return unavailable("connection refused (fake)");
    posts_.push_back({url, headers, body});
    return Status::ok();
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  std::vector<RecordedPost> posts() const {
    std::lock_guard lock(mutex_);
    return posts_;
  }
  std::vector<RecordedPost> posts_to(const std::string& url) const {
    std::vector<RecordedPost> out;
    for (auto& p : posts()) {
      if (p.url == url) out.push_back(p);
    }
    return out;
  }
  int attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  mutable std::mutex mutex_;
  bool down_ = false;
  int attempts_ = 0;
  std::vector<RecordedPost> posts_;
};

}  // namespace shouwang::alert::testing
