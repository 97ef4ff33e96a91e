// What age_decrypt did, in the words of the C2SP age test vectors: "success",
// "header failure", "armor failure", "no match", "HMAC failure" or "payload
// failure". crypto/age.hpp documents the kinds and messages this reads.
#pragma once

#include <string>

#include "crypto/age.hpp"

namespace tend::test {

inline std::string age_outcome(const Result<crypto::SecretBytes>& r) {
  if (r.is_ok()) return "success";
  const Status& s = r.status();
  switch (s.kind()) {
    case ErrorKind::kWrongPassphrase:
      return "no match";
    case ErrorKind::kInvalidInput:
      return s.message() == "malformed ASCII armor" ? "armor failure" : "header failure";
    case ErrorKind::kCorrupt:
      return s.message().find("MAC") != std::string::npos ? "HMAC failure" : "payload failure";
    default:
      return "unexpected: " + s.message();
  }
}

}  // namespace tend::test
