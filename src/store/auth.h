// Access tokens: issued once (the secret is shown to its owner and never stored), checked by
// hashing the presented secret. Roles: admin, reporter (writes its country and subdivisions),
// focal_point, editor, donor, coordinator; reading is public.
#pragma once

#include <string>

#include "core/time.h"
#include "store/store.h"

namespace shouwang::store {

// Hex SHA-256 of the secret.
std::string hash_token_secret(const std::string& secret);

// Creates a token and returns its secret ("sw_" + 64 hex characters from the OS's CSPRNG).
Result<std::string> issue_token(Store& store, Role role, const std::string& location, const std::string& label,
                                Timestamp now);

// Unauthenticated when the secret is empty or unknown.
Result<Token> authenticate(Store& store, const std::string& secret);

// May this token write figures for `location_code`? Admins anywhere; reporters their own
// country and its subdivisions (CHN covers CHN and CHN-HB); nobody else.
bool may_report_for(const Token& token, const std::string& location_code);

}  // namespace shouwang::store
