// The paths of test_paths.h, given by CMake to this one object (cmake/shouwang.cmake).
#include "tests/support/test_paths.h"

namespace shouwang_test_paths {
const char* source_dir() { return SHOUWANG_TEST_SOURCE_DIR; }
const char* binary_dir() { return SHOUWANG_TEST_BINARY_DIR; }
const char* shared_dir() { return SHOUWANG_TEST_SHARED_DIR; }
const char* shouwang_binary() { return SHOUWANG_TEST_BIN; }
}  // namespace shouwang_test_paths
