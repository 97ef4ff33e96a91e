#include "tests/faults.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <stdexcept>

#include "core/fs.hpp"

namespace tend::test {
namespace {

struct Plan {
  std::uint64_t at = 0;
  Fault fault = Fault::kNone;
  std::uint64_t calls = 0;
  bool fired = false;
  std::string where;
  int short_fd = -1;  // after a short write to it, the disk is full
};
Plan* g_plan = nullptr;

// Counts a call; the fault to deliver to it, if it is the chosen one.
Fault next(const char* what) {
  if (g_plan == nullptr) return Fault::kNone;
  ++g_plan->calls;
  if (g_plan->at == 0 || g_plan->calls != g_plan->at) return Fault::kNone;
  g_plan->fired = true;
  g_plan->where = what;
  return g_plan->fault;
}

int fail_with(Fault f) {
  errno = f == Fault::kIo ? EIO : ENOSPC;
  return -1;
}

class FaultEnv final : public fs::Env {
 public:
  int create(int dirfd, const char* path, int flags, mode_t mode) override {
    const Fault f = next("create");
    return f == Fault::kNone ? Env::create(dirfd, path, flags, mode) : fail_with(f);
  }
  ssize_t write(int fd, const void* data, std::size_t size) override {
    if (g_plan != nullptr && g_plan->short_fd == fd) {
      g_plan->short_fd = -1;
      return fail_with(Fault::kNoSpace);
    }
    const Fault f = next("write");
    if (f == Fault::kShortWrite && size > 1) {
      g_plan->short_fd = fd;
      return Env::write(fd, data, size / 2);
    }
    return f == Fault::kNone ? Env::write(fd, data, size) : fail_with(f);
  }
  int fsync(int fd) override {
    const Fault f = next("fsync");
    return f == Fault::kNone ? Env::fsync(fd) : fail_with(f);
  }
  int linkat(int a, const char* b, int c, const char* d, int e) override {
    const Fault f = next("linkat");
    return f == Fault::kNone ? Env::linkat(a, b, c, d, e) : fail_with(f);
  }
  int renameat2(int a, const char* b, int c, const char* d, unsigned int e) override {
    const Fault f = next("renameat2");
    return f == Fault::kNone ? Env::renameat2(a, b, c, d, e) : fail_with(f);
  }
  int mkdir(const char* path, mode_t mode) override {
    const Fault f = next("mkdir");
    return f == Fault::kNone ? Env::mkdir(path, mode) : fail_with(f);
  }
};
FaultEnv g_env;

// SQLite's writes: a VFS that wraps the default one and asks the plan first.
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_shim{};
sqlite3_io_methods g_methods{};

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) {
  return reinterpret_cast<ShimFile*>(f)->real;
}

int sqlite_error(Fault f, int io_code) {
  return f == Fault::kIo ? io_code : SQLITE_FULL;
}

int shim_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 off) {
  sqlite3_file* r = real_of(f);
  const Fault fault = next("sqlite write");
  if (fault == Fault::kShortWrite && n > 1) {
    (void)r->pMethods->xWrite(r, data, n / 2, off);
    return SQLITE_FULL;  // as SQLite's own unix VFS reports a short write
  }
  if (fault != Fault::kNone) return sqlite_error(fault, SQLITE_IOERR_WRITE);
  return r->pMethods->xWrite(r, data, n, off);
}
int shim_sync(sqlite3_file* f, int flags) {
  const Fault fault = next("sqlite sync");
  if (fault != Fault::kNone) return sqlite_error(fault, SQLITE_IOERR_FSYNC);
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  const Fault fault = next("sqlite truncate");
  if (fault != Fault::kNone) return sqlite_error(fault, SQLITE_IOERR_TRUNCATE);
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int shim_close(sqlite3_file* f) {
  return real_of(f)->pMethods->xClose(real_of(f));
}
int shim_read(sqlite3_file* f, void* data, int n, sqlite3_int64 off) {
  return real_of(f)->pMethods->xRead(real_of(f), data, n, off);
}
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int shim_lock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xLock(real_of(f), l);
}
int shim_unlock(sqlite3_file* f, int l) {
  return real_of(f)->pMethods->xUnlock(real_of(f), l);
}
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) {
  return real_of(f)->pMethods->xSectorSize(real_of(f));
}
int shim_device(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int shim_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) {
  real_of(f)->pMethods->xShmBarrier(real_of(f));
}
int shim_shm_unmap(sqlite3_file* f, int del) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}
int shim_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real_of(f)->pMethods->xFetch(real_of(f), off, n, out);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

int shim_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  s->base.pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, s->real, flags, out_flags);
  if (s->real->pMethods != nullptr) s->base.pMethods = &g_methods;
  return rc;
}
int shim_delete(sqlite3_vfs*, const char* name, int sync) {
  return g_real->xDelete(g_real, name, sync);
}
int shim_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int shim_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
int shim_randomness(sqlite3_vfs*, int n, char* out) {
  return g_real->xRandomness(g_real, n, out);
}
int shim_sleep(sqlite3_vfs*, int us) {
  return g_real->xSleep(g_real, us);
}
int shim_current_time(sqlite3_vfs*, double* out) {
  return g_real->xCurrentTime(g_real, out);
}
int shim_last_error(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError(g_real, n, out);
}
int shim_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

void install_vfs() {
  g_real = sqlite3_vfs_find(nullptr);
  g_shim = sqlite3_vfs{};
  g_shim.iVersion = 2;
  g_shim.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
  g_shim.mxPathname = g_real->mxPathname;
  g_shim.zName = "tend-faults";
  g_shim.xOpen = shim_open;
  g_shim.xDelete = shim_delete;
  g_shim.xAccess = shim_access;
  g_shim.xFullPathname = shim_full_pathname;
  g_shim.xRandomness = shim_randomness;
  g_shim.xSleep = shim_sleep;
  g_shim.xCurrentTime = shim_current_time;
  g_shim.xGetLastError = shim_last_error;
  g_shim.xCurrentTimeInt64 = shim_current_time_int64;
  g_methods = sqlite3_io_methods{};
  g_methods.iVersion = 3;
  g_methods.xClose = shim_close;
  g_methods.xRead = shim_read;
  g_methods.xWrite = shim_write;
  g_methods.xTruncate = shim_truncate;
  g_methods.xSync = shim_sync;
  g_methods.xFileSize = shim_file_size;
  g_methods.xLock = shim_lock;
  g_methods.xUnlock = shim_unlock;
  g_methods.xCheckReservedLock = shim_check_reserved;
  g_methods.xFileControl = shim_file_control;
  g_methods.xSectorSize = shim_sector_size;
  g_methods.xDeviceCharacteristics = shim_device;
  g_methods.xShmMap = shim_shm_map;
  g_methods.xShmLock = shim_shm_lock;
  g_methods.xShmBarrier = shim_shm_barrier;
  g_methods.xShmUnmap = shim_shm_unmap;
  g_methods.xFetch = shim_fetch;
  g_methods.xUnfetch = shim_unfetch;
  sqlite3_vfs_register(&g_shim, 1);
}

Plan g_the_plan;

}  // namespace

const char* fault_name(Fault f) {
  switch (f) {
    case Fault::kNone:
      return "none";
    case Fault::kNoSpace:
      return "ENOSPC";
    case Fault::kIo:
      return "EIO";
    case Fault::kShortWrite:
      return "a short write";
  }
  return "?";
}

ScopedFaults::ScopedFaults(std::uint64_t at, Fault fault) {
  if (g_plan != nullptr) throw std::logic_error("faults are already being injected");
  g_the_plan = Plan{at, fault, 0, false, {}, -1};
  g_plan = &g_the_plan;
  fs::set_env_for_tests(&g_env);
  install_vfs();
}

ScopedFaults::~ScopedFaults() {
  sqlite3_vfs_unregister(&g_shim);
  fs::set_env_for_tests(nullptr);
  g_plan = nullptr;
}

std::uint64_t ScopedFaults::calls() const {
  return g_the_plan.calls;
}

bool ScopedFaults::fired() const {
  return g_the_plan.fired;
}

const std::string& ScopedFaults::where() const {
  return g_the_plan.where;
}

}  // namespace tend::test
