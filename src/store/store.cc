// Role names shared by every Store implementation.
#include "store/store.h"

#include <array>
#include <utility>

namespace shouwang::store {
namespace {
constexpr std::array<std::pair<Role, std::string_view>, 7> kRoles = {{
    {Role::kAdmin, "admin"},
    {Role::kReporter, "reporter"},
    {Role::kFocalPoint, "focal_point"},
    {Role::kEditor, "editor"},
    {Role::kDonor, "donor"},
    {Role::kCoordinator, "coordinator"},
    {Role::kNode, "node"},
}};
}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "reporter";
}

Result<Role> parse_role(std::string_view name) {
  for (const auto& [r, n] : kRoles) {
    if (n == name) return r;
  }
  return invalid_argument("unknown role '" + std::string(name) +
                          "' (admin, reporter, focal_point, editor, donor, coordinator, node)");
}

}  // namespace shouwang::store
