// A pool of Store connections for the server's threads: SQLite connections are not shared
// between threads, so each request borrows one and gives it back.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/http.h"
#include "store/store.h"

namespace shouwang::api {

class StorePool {
 public:
  explicit StorePool(std::string db_path) : db_path_(std::move(db_path)) {}

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<store::Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->give_back(std::move(store_));
    }
    store::Store& operator*() { return *store_; }
    store::Store* operator->() { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<store::Store> store_;
  };

  Result<Lease> acquire();
  const std::string& db_path() const { return db_path_; }
  // Checks bearer secrets against this database's tokens, for route guards.
  Authenticator authenticator();

 private:
  void give_back(std::unique_ptr<store::Store> store);
  std::string db_path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<store::Store>> idle_;
};

}  // namespace shouwang::api
