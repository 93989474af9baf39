// The fault-injecting VFS: a shim over the default VFS whose files wrap the default VFS's files.
#include "store/testing/faulty_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace shouwang::store::testing {
namespace {

std::atomic<int> armed_operation{-1};  // -1: nothing armed, else an IoOperation
std::atomic<int64_t> armed_nth{0};
std::atomic<bool> armed_persistent{false};
std::atomic<int64_t> write_count{0};
std::atomic<int64_t> sync_count{0};
std::atomic<int64_t> failure_count{0};

// Counts a call of `operation` and says whether it fails.
bool should_fail(IoOperation operation) {
  int64_t n = ++(operation == IoOperation::kWrite ? write_count : sync_count);
  if (armed_operation.load() != static_cast<int>(operation)) return false;
  int64_t nth = armed_nth.load();
  bool fail = armed_persistent.load() ? n >= nth : n == nth;
  if (fail) ++failure_count;
  return fail;
}

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs faulty_vfs;

// Our file: the base VFS's file object follows it in the same allocation (szOsFile covers both).
struct FaultyFile {
  sqlite3_file base;  // pMethods points at our methods
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->real(); }

int file_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int file_read(sqlite3_file* f, void* buffer, int amount, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), buffer, amount, offset);
}
int file_write(sqlite3_file* f, const void* buffer, int amount, sqlite3_int64 offset) {
  if (should_fail(IoOperation::kWrite)) return SQLITE_IOERR_WRITE;
  return real(f)->pMethods->xWrite(real(f), buffer, amount, offset);
}
int file_truncate(sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); }
int file_sync(sqlite3_file* f, int flags) {
  if (should_fail(IoOperation::kSync)) return SQLITE_IOERR_FSYNC;
  return real(f)->pMethods->xSync(real(f), flags);
}
int file_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
int file_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int file_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int file_check_reserved(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
int file_control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
int file_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int file_device_characteristics(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int file_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int file_shm_unmap(sqlite3_file* f, int delete_flag) { return real(f)->pMethods->xShmUnmap(real(f), delete_flag); }
int file_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real(f)->pMethods->xFetch(real(f), offset, amount, out);
}
int file_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real(f)->pMethods->xUnfetch(real(f), offset, page);
}

// Version 3 of the methods, whatever the base file offers: the base's own methods are called only
// when its version has them (SQLite checks ours, so ours must not claim more than the base has).
sqlite3_io_methods methods_for(const sqlite3_io_methods* base) {
  sqlite3_io_methods m{};
  m.iVersion = base->iVersion;
  m.xClose = file_close;
  m.xRead = file_read;
  m.xWrite = file_write;
  m.xTruncate = file_truncate;
  m.xSync = file_sync;
  m.xFileSize = file_size;
  m.xLock = file_lock;
  m.xUnlock = file_unlock;
  m.xCheckReservedLock = file_check_reserved;
  m.xFileControl = file_control;
  m.xSectorSize = file_sector_size;
  m.xDeviceCharacteristics = file_device_characteristics;
  if (base->iVersion >= 2) {
    m.xShmMap = file_shm_map;
    m.xShmLock = file_shm_lock;
    m.xShmBarrier = file_shm_barrier;
    m.xShmUnmap = file_shm_unmap;
  }
  if (base->iVersion >= 3) {
    m.xFetch = file_fetch;
    m.xUnfetch = file_unfetch;
  }
  return m;
}

int vfs_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ours = reinterpret_cast<FaultyFile*>(file);
  ours->base.pMethods = nullptr;
  int rc = base_vfs->xOpen(base_vfs, name, ours->real(), flags, out_flags);
  if (rc != SQLITE_OK || ours->real()->pMethods == nullptr) return rc;
  // One methods table per base version; the unix VFS uses at most a few.
  static std::mutex mutex;
  static sqlite3_io_methods tables[4];
  static const sqlite3_io_methods* bases[4] = {};
  std::lock_guard lock(mutex);
  for (int i = 0; i < 4; ++i) {
    if (bases[i] == nullptr) {
      bases[i] = ours->real()->pMethods;
      tables[i] = methods_for(bases[i]);
    }
    if (bases[i] == ours->real()->pMethods) {
      ours->base.pMethods = &tables[i];
      return SQLITE_OK;
    }
  }
  ours->real()->pMethods->xClose(ours->real());
  return SQLITE_CANTOPEN;
}

int vfs_delete(sqlite3_vfs*, const char* name, int sync_dir) { return base_vfs->xDelete(base_vfs, name, sync_dir); }
int vfs_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return base_vfs->xAccess(base_vfs, name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return base_vfs->xFullPathname(base_vfs, name, size, out);
}
void* vfs_dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void vfs_dl_error(sqlite3_vfs*, int size, char* out) { base_vfs->xDlError(base_vfs, size, out); }
void (*vfs_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return base_vfs->xDlSym(base_vfs, handle, symbol);
}
void vfs_dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int vfs_randomness(sqlite3_vfs*, int size, char* out) { return base_vfs->xRandomness(base_vfs, size, out); }
int vfs_sleep(sqlite3_vfs*, int micros) { return base_vfs->xSleep(base_vfs, micros); }
int vfs_current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int vfs_get_last_error(sqlite3_vfs*, int size, char* out) {
  return base_vfs->xGetLastError ? base_vfs->xGetLastError(base_vfs, size, out) : 0;
}
int vfs_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

}  // namespace

void FaultyVfs::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    base_vfs = sqlite3_vfs_find(nullptr);
    faulty_vfs = sqlite3_vfs{};
    faulty_vfs.iVersion = 2;
    faulty_vfs.szOsFile = static_cast<int>(sizeof(FaultyFile)) + base_vfs->szOsFile;
    faulty_vfs.mxPathname = base_vfs->mxPathname;
    faulty_vfs.zName = "shouwang-faulty";
    faulty_vfs.xOpen = vfs_open;
    faulty_vfs.xDelete = vfs_delete;
    faulty_vfs.xAccess = vfs_access;
    faulty_vfs.xFullPathname = vfs_full_pathname;
    faulty_vfs.xDlOpen = vfs_dl_open;
    faulty_vfs.xDlError = vfs_dl_error;
    faulty_vfs.xDlSym = vfs_dl_sym;
    faulty_vfs.xDlClose = vfs_dl_close;
    faulty_vfs.xRandomness = vfs_randomness;
    faulty_vfs.xSleep = vfs_sleep;
    faulty_vfs.xCurrentTime = vfs_current_time;
    faulty_vfs.xGetLastError = vfs_get_last_error;
    faulty_vfs.xCurrentTimeInt64 = vfs_current_time_int64;
    sqlite3_vfs_register(&faulty_vfs, /*makeDflt=*/1);
  });
}

void FaultyVfs::arm(const IoFault& fault) {
  armed_operation = -1;
  write_count = 0;
  sync_count = 0;
  failure_count = 0;
  armed_nth = fault.nth;
  armed_persistent = fault.persistent;
  armed_operation = static_cast<int>(fault.operation);
}

void FaultyVfs::disarm() {
  armed_operation = -1;
  write_count = 0;
  sync_count = 0;
  failure_count = 0;
}

int64_t FaultyVfs::writes() { return write_count; }
int64_t FaultyVfs::syncs() { return sync_count; }
int64_t FaultyVfs::failures() { return failure_count; }

}  // namespace shouwang::store::testing
