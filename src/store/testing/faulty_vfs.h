// A SQLite VFS for the I/O fault tests: it passes every call to the platform's default VFS and,
// when armed, fails the Nth write or the Nth sync (once, or that one and every later one) with
// SQLITE_IOERR, as a full disk or a failing device would. Test-only (target
// shouwang_store_faulty_vfs); installed as SQLite's default VFS, so every connection the process
// opens afterwards (Store, store::sql::Database) goes through it.
#pragma once

#include <cstdint>

namespace shouwang::store::testing {

enum class IoOperation { kWrite, kSync };

struct IoFault {
  IoOperation operation = IoOperation::kWrite;
  int64_t nth = 1;          // counted from the arming, over every file (database, WAL, journal)
  bool persistent = false;  // false: only the nth fails; true: the nth and every later one
};

class FaultyVfs {
 public:
  // Registers the VFS as SQLite's default (once per process; later calls do nothing).
  static void install();
  // Resets the counters and fails as `fault` says from now on.
  static void arm(const IoFault& fault);
  // Resets the counters and fails nothing: every call passes through, still counted.
  static void disarm();
  // Writes and syncs since the last arm() or disarm().
  static int64_t writes();
  static int64_t syncs();
  // How many calls were failed since the last arm().
  static int64_t failures();
};

}  // namespace shouwang::store::testing
