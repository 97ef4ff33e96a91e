#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "crypto/secret.hpp"

int main(int argc, char** argv) {
  if (!tend::crypto::init().is_ok()) return 2;
  return Catch::Session().run(argc, argv);
}
