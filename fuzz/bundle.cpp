// Export bundles as their recipient opens them (tend bundle open): an age file
// from a sender who may be hostile, its payload's JSON checked as it streams.
#include <fstream>

#include "core/bundle.hpp"
#include "core/json.hpp"
#include "fuzz/fuzz.hpp"

using namespace tend;

TEND_FUZZ_TARGET(bundle) {
  static const std::string identity_path = [] {
    std::string text;
    for (const char* id : fuzz::kCctvIdentities) text += std::string(id) + "\n";
    return fuzz::file_with("identity.txt", text);
  }();
  BundleRequest request;
  request.path = fuzz::file_with("bundle.age", input);
  request.identity_path = identity_path;
  Result<OpenedBundle> opened = bundle_open(request);
  if (!opened.is_ok() || opened->tar) return;
  TEND_FUZZ_CHECK(check_json(crypto::as_text(opened->payload), "payload").is_ok());
}
