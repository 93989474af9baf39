// A pool of Store connections for the server's threads: SQLite connections are not shared
// between threads, so each request borrows one and gives it back. It also answers, for every
// module's routes, who holds a bearer token (the http layer's Authenticator) and what the location
// catalogue holds.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/location.h"
#include "http/http.h"
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
  // Checks bearer secrets against this database's tokens, for route guards (RouteContext).
  http::Authenticator authenticator();
  // The location catalogue, read on each call (populations, a region's countries).
  std::function<Result<std::vector<Location>>()> location_catalogue();

 private:
  void give_back(std::unique_ptr<store::Store> store);
  std::string db_path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<store::Store>> idle_;
};

// The http layer's view of a token: its role by name, location, label and hash.
http::Caller caller_of(const store::Token& token);

}  // namespace shouwang::api
