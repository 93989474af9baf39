// The hub's register of national nodes (module "federation", table federation_nodes, through
// store::sql): which country each node owns, the hash of its token, and how far its replication
// has come (cursor, the node's head, when its last batch arrived, its last refusal). A country with
// a registered node is owned by it: the hub takes that country's figures from the node only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "store/sql.h"

namespace shouwang::federation {

struct Node {
  std::string country;  // ISO 3166-1 alpha-3: the node owns it and its subdivisions
  std::string label;
  std::string token_hash;
  Timestamp registered_at;
  int64_t cursor = 0;     // the node's feed position the hub has committed up to
  int64_t node_head = 0;  // the node's newest position, as its last batch said
  int64_t revisions_received = 0;
  std::optional<Timestamp> last_batch_at;
  std::optional<Timestamp> caught_up_at;  // last time the cursor reached the node's head
  std::string last_error;                 // why the last refused batch was refused; "" after a success
  std::optional<Timestamp> last_error_at;

  int64_t lag_entries() const { return node_head > cursor ? node_head - cursor : 0; }
  // Seconds since the hub last held everything the node had (0 when it does now).
  double lag_seconds(Timestamp now) const;
};

class NodeRegistry {
 public:
  // Migrates the module's table when needed.
  static Result<std::unique_ptr<NodeRegistry>> open(store::sql::Database& db);

  // AlreadyExists when the country has a node.
  Status add(const Node& node);
  Result<std::vector<Node>> list();
  // NotFound when no node has this token.
  Result<Node> find_by_token(const std::string& token_hash);
  // The node owning `location` (a country or one of its subdivisions), if any. Read through a cache
  // renewed every second, so that every report's check costs no query while a node registered by
  // another process is seen within a second.
  Result<std::optional<std::string>> owner_of(const std::string& location, Timestamp now);

  // A committed batch: the cursor moves to `through` (never back), the head and counts are noted.
  Status record_batch(const std::string& country, int64_t through, int64_t head, int64_t revisions, Timestamp now);
  Status record_refusal(const std::string& country, const std::string& error, Timestamp now);

 private:
  explicit NodeRegistry(store::sql::Database& db) : db_(db) {}
  store::sql::Database& db_;
  std::mutex cache_mutex_;
  std::set<std::string, std::less<>> owned_;
  std::optional<Timestamp> owned_read_at_;
};

// OK, or AlreadyExists naming the node when `location`'s country has a registered node (the
// reporting routes' api::OwnershipCheck: 409 owned_by_node).
Status check_not_owned(NodeRegistry& registry, const std::string& location, Timestamp now);

// The country a location code belongs to ("CHN" for CHN and CHN-HB), or "" for WORLD and regions.
std::string country_of(const std::string& location);

}  // namespace shouwang::federation
