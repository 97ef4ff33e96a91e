// Fault injection for tests: every call through which tend writes — its own
// (core/fs.hpp's Env) and SQLite's (a VFS wrapped around the default one) —
// is counted, and the N-th can be made to fail as a full disk (ENOSPC), a
// failing device (EIO), or a short write (half the bytes land, then the disk
// is full).
#pragma once

#include <cstdint>
#include <string>

namespace tend::test {

enum class Fault { kNone = 0, kNoSpace = 1, kIo = 2, kShortWrite = 3 };
const char* fault_name(Fault f);

// While one exists, tend's writes go through it; at most one at a time.
class ScopedFaults {
 public:
  // Fails call number `at` (1-based) with `fault`; 0 counts without failing.
  ScopedFaults(std::uint64_t at, Fault fault);
  ~ScopedFaults();
  ScopedFaults(const ScopedFaults&) = delete;
  ScopedFaults& operator=(const ScopedFaults&) = delete;

  // How many write-class calls were made so far.
  std::uint64_t calls() const;
  // Whether the fault was delivered.
  bool fired() const;
  // What the call that failed was ("write", "fsync", "sqlite xWrite", ...).
  const std::string& where() const;
};

}  // namespace tend::test
