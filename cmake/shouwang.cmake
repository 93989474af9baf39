# Build helpers: one library target per src/ folder, tests beside the code they test.
#
#   shouwang_library(NAME core SRCS a.cc b.cc DEPS Boost::json)
#     defines target shouwang_core; headers are included as "core/x.h" from src/.
#   shouwang_test(NAME core_test SRCS x_test.cc DEPS shouwang_core [LABELS unit] [TIMEOUT 300])
#     a GoogleTest executable registered with ctest; SHOUWANG_SHARED_DIR (tests/support/test_paths.h)
#     names ../shared/ so tests read it in place.

function(shouwang_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(shouwang_${ARG_NAME} STATIC ${ARG_SRCS})
  target_include_directories(shouwang_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(shouwang_${ARG_NAME} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_link_libraries(shouwang_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(shouwang_test)
  if(NOT SHOUWANG_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  # SHOUWANG_SHARED_DIR, SHOUWANG_SOURCE_DIR, SHOUWANG_BINARY_DIR, SHOUWANG_BIN (tests/support/test_paths.h).
  target_compile_options(${ARG_NAME} PRIVATE "SHELL:-include ${PROJECT_SOURCE_DIR}/tests/support/test_paths.h")
  if(NOT TARGET shouwang_test_paths)
    # The paths themselves, compiled into this one object and no test's (see test_paths.h).
    add_library(shouwang_test_paths STATIC ${PROJECT_SOURCE_DIR}/tests/support/test_paths.cc)
    target_include_directories(shouwang_test_paths PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_definitions(shouwang_test_paths PRIVATE
      SHOUWANG_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      SHOUWANG_TEST_BINARY_DIR="${PROJECT_BINARY_DIR}"
      SHOUWANG_TEST_SHARED_DIR="${SHOUWANG_SHARED_DIR}"
      SHOUWANG_TEST_BIN="$<$<TARGET_EXISTS:shouwang>:$<TARGET_FILE:shouwang>>")
  endif()
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} shouwang_test_paths GTest::gtest GTest::gtest_main Threads::Threads)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --gtest_brief=1)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
endfunction()
