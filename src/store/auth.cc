// Token hashing and issuing with OpenSSL (SHA-256, RAND_bytes).
#include "store/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace shouwang::store {
namespace {

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string hash_token_secret(const std::string& secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

Result<std::string> issue_token(Store& store, Role role, const std::string& location, const std::string& label,
                                Timestamp now) {
  if (role == Role::kReporter && location.empty()) {
    return invalid_argument("a reporter token needs --location (the country it reports for)");
  }
  if (!location.empty()) {
    auto level = level_of_location_code(location);
    if (!level) return level.status();
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return internal_error("the system's random generator failed");
  std::string secret = "sw_" + to_hex(bytes, sizeof bytes);
  Token token{hash_token_secret(secret), role, location, label, now};
  RETURN_IF_ERROR(store.create_token(token));
  return secret;
}

Result<Token> authenticate(Store& store, const std::string& secret) {
  if (secret.empty()) return unauthenticated("this request needs a bearer token (Authorization: Bearer <token>)");
  const std::string hash = hash_token_secret(secret);
  auto token = store.find_token(hash);
  if (!token) {
    if (token.status().code() == StatusCode::kUnauthenticated) return unauthenticated("the bearer token is not valid");
    // The store failed, not the caller: 503, so a client retries instead of discarding its token.
    return unavailable("the token could not be checked: " + token.status().message());
  }
  // The store looked the token up by the SHA-256 of the secret, so timing reveals at most a prefix
  // of a hash, not of a secret. The comparison here is constant-time all the same, so that no
  // store's lookup strategy can turn into a timing oracle.
  if (token->token_hash.size() != hash.size() ||
      CRYPTO_memcmp(token->token_hash.data(), hash.data(), hash.size()) != 0) {
    return unauthenticated("the bearer token is not valid");
  }
  return token;
}

bool may_report_for(const Token& token, const std::string& location_code) {
  if (token.role == Role::kAdmin) return true;
  if (token.role != Role::kReporter || token.location.empty()) return false;
  return is_country_or_below(location_code, token.location);
}

}  // namespace shouwang::store
