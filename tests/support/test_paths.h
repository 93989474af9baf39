// Where a test finds the checkout, its build folder, the shared real data (../shared) and the
// `shouwang` binary: SHOUWANG_SOURCE_DIR, SHOUWANG_BINARY_DIR, SHOUWANG_SHARED_DIR, SHOUWANG_BIN.
// cmake/shouwang.cmake includes this header in every test (-include). The paths themselves are
// compiled into one small object, test_paths.cc, rather than into every test as -D definitions:
// a test's object then does not depend on where the checkout lies, so ccache reuses it in a fresh
// clone (CI builds three folders: build/, build-asan/, build-tsan/).
#pragma once

// Not inside namespace shouwang: a shouwang::testing declared in every test would hide GoogleTest's
// ::testing from the tests' `testing::TestWithParam`.
namespace shouwang_test_paths {
const char* source_dir();
const char* binary_dir();
const char* shared_dir();
const char* shouwang_binary();  // empty when the build has no `shouwang` (SHOUWANG_ONLY_MODULES)
}  // namespace shouwang_test_paths

#ifndef SHOUWANG_SOURCE_DIR
#define SHOUWANG_SOURCE_DIR (::shouwang_test_paths::source_dir())
#endif
#ifndef SHOUWANG_BINARY_DIR
#define SHOUWANG_BINARY_DIR (::shouwang_test_paths::binary_dir())
#endif
#ifndef SHOUWANG_SHARED_DIR
#define SHOUWANG_SHARED_DIR (::shouwang_test_paths::shared_dir())
#endif
#ifndef SHOUWANG_BIN
#define SHOUWANG_BIN (::shouwang_test_paths::shouwang_binary())
#endif
