// Guarded memory for passphrases and keys (crypto/secret.hpp), as the layers
// above core see it: they hold and pass secrets; core and crypto compute with them.
#pragma once

#include "crypto/kdf.hpp"
#include "crypto/secret.hpp"

namespace tend {

using crypto::as_text;
using crypto::KdfParams;
using crypto::SecretBytes;

// Prepares the libraries tend uses (libsodium). Call once, first.
Status init_libraries();

}  // namespace tend
