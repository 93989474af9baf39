// Borrowing and returning store connections.
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

Authenticator StorePool::authenticator() {
  return [this](const std::string& secret) -> Result<store::Token> {
    ASSIGN_OR_RETURN(auto lease, acquire());
    return store::authenticate(*lease, secret);
  };
}

void StorePool::give_back(std::unique_ptr<store::Store> store) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 64) idle_.push_back(std::move(store));
}

}  // namespace shouwang::api
