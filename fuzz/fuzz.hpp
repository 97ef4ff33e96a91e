// Coverage-guided fuzz targets for every parser of untrusted input.
//
// Each target is a function of the input bytes, declared with TEND_FUZZ_TARGET.
// Built with clang's -fsanitize=fuzzer (TEND_FUZZ=ON) each file is a libFuzzer
// binary; built into fuzz_replay (every build with tests) the same functions
// run over the committed seeds and the inputs of crashes once found, so that a
// fixed crash stays fixed under GCC's sanitizers too.
//
// A target checks more than "no crash": where a parser accepts, what it
// returns must agree with the input (a round trip, a prefix), and a
// disagreement aborts with TEND_FUZZ_CHECK's message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tend::fuzz {

using Target = void (*)(std::string_view input);

// Sodium initialised, a fixed time zone with DST (Europe/Berlin).
void init();

// Prints "fuzz check failed: WHAT (FILE:LINE)" and aborts.
[[noreturn]] void fail(const char* what, const char* file, int line);

// A path that holds `bytes`: a file in a private temporary directory, rewritten
// on each call (for readers that take a path). `name` tells files apart.
const std::string& file_with(std::string_view name, std::string_view bytes);

// The fixed "now" of every target: 2026-11-25 12:00:00 UTC.
constexpr std::int64_t kNow = 1795608000;

// The X25519 identities of the C2SP CCTV age vectors, so that their files
// decrypt (the seeds of the age and bundle targets).
constexpr const char* kCctvIdentities[] = {
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0",
    "AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG",
};

struct Registration {
  Registration(const char* name, Target target);
};

}  // namespace tend::fuzz

#define TEND_FUZZ_CHECK(cond) ((cond) ? (void)0 : ::tend::fuzz::fail(#cond, __FILE__, __LINE__))

#ifdef TEND_FUZZ_REPLAY
#define TEND_FUZZ_TARGET(name)                                                          \
  static void fuzz_##name(std::string_view input);                                      \
  static const ::tend::fuzz::Registration fuzz_registration_##name(#name, fuzz_##name); \
  static void fuzz_##name(std::string_view input)
#else
#define TEND_FUZZ_TARGET(name)                                                        \
  static void fuzz_##name(std::string_view input);                                    \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    fuzz_##name(std::string_view(reinterpret_cast<const char*>(data), size));         \
    return 0;                                                                         \
  }                                                                                   \
  static void fuzz_##name(std::string_view input)
#endif
