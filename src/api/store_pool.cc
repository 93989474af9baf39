// Borrowing and returning store connections; the tokens and locations the routes read through them.
#include "api/store_pool.h"

#include "store/auth.h"
#include "store/open_store.h"

namespace shouwang::api {

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  ASSIGN_OR_RETURN(auto store, store::open_store(db_path_));
  return Lease(this, std::move(store));
}

http::Authenticator StorePool::authenticator() {
  return [this](const std::string& secret) -> Result<http::Caller> {
    ASSIGN_OR_RETURN(auto lease, acquire());
    ASSIGN_OR_RETURN(store::Token token, store::authenticate(*lease, secret));
    return caller_of(token);
  };
}

std::function<Result<std::vector<Location>>()> StorePool::location_catalogue() {
  return [this]() -> Result<std::vector<Location>> {
    ASSIGN_OR_RETURN(auto lease, acquire());
    return lease->list_locations();
  };
}

void StorePool::give_back(std::unique_ptr<store::Store> store) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 64) idle_.push_back(std::move(store));
}

http::Caller caller_of(const store::Token& token) {
  return http::Caller{.role = std::string(store::role_name(token.role)),
                      .location = token.location,
                      .label = token.label,
                      .token_hash = token.token_hash};
}

}  // namespace shouwang::api
