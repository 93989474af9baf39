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
  shouwang_sanitizer_environment(${ARG_NAME})
endfunction()

# The sanitizers' runtime options for test NAME, and three times its timeout since instrumented
# code runs several times slower (nothing in an ordinary build); see below.
function(shouwang_sanitizer_environment name)
  if(SHOUWANG_SANITIZER_TEST_ENVIRONMENT)
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT ${SHOUWANG_SANITIZER_TEST_ENVIRONMENT})
    get_test_property(${name} TIMEOUT timeout)
    if(timeout)
      math(EXPR timeout "${timeout} * 3")
      set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout})
    endif()
  endif()
endfunction()

# ---- Sanitizers (scripts/test builds build-asan/ and build-tsan/ with these; docs/testing.md) ----
#   -DSHOUWANG_SANITIZE=address,undefined   AddressSanitizer (and LeakSanitizer) with UBSan
#   -DSHOUWANG_SANITIZE=thread              ThreadSanitizer
# Every target of ours is compiled and linked with the sanitizers; -fno-sanitize-recover=all makes an
# undefined behaviour abort the test instead of printing and carrying on, so a finding fails the run.
# -O2 (after the build type's -O3) keeps the stacks readable; -g1 gives the reports file and line.
# Not -O1: GCC 12.2 at -O1 computes IsoWeek::containing wrong (2020-02-28 gives 1970-W2618; seen
# without any sanitizer too, while -O0, -O2, -O3 and -O1 -fno-inline are right), which failed
# core_test and watch_test in build-tsan/. ctest hands each test the runtime options and the suppressions
# file of cmake/sanitizers/ (third-party code only), so `ctest` in that folder reports as CI does.
set(SHOUWANG_SANITIZE "" CACHE STRING "Sanitizers to build with: address,undefined or thread (empty: none)")
set(SHOUWANG_SANITIZER_TEST_ENVIRONMENT "")
if(SHOUWANG_SANITIZE)
  string(REPLACE "," ";" shouwang_sanitizers "${SHOUWANG_SANITIZE}")
  foreach(sanitizer ${shouwang_sanitizers})
    if(NOT sanitizer MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "SHOUWANG_SANITIZE: unknown sanitizer '${sanitizer}' (address, undefined, thread)")
    endif()
  endforeach()
  if("thread" IN_LIST shouwang_sanitizers AND "address" IN_LIST shouwang_sanitizers)
    message(FATAL_ERROR "SHOUWANG_SANITIZE: thread and address cannot be combined; use two build folders")
  endif()
  if(SHOUWANG_FUZZ)
    message(FATAL_ERROR "SHOUWANG_SANITIZE and SHOUWANG_FUZZ exclude each other (the fuzz build has its own)")
  endif()
  # -fdebug-prefix-map keeps the checkout's path out of the debug information, so ccache reuses
  # these objects in a fresh clone (with -g it would otherwise hash the folder compiled in).
  add_compile_options(-fsanitize=${SHOUWANG_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer -O2 -g1
    -fdebug-prefix-map=${PROJECT_SOURCE_DIR}=.)
  add_link_options(-fsanitize=${SHOUWANG_SANITIZE})
  set(shouwang_suppressions ${PROJECT_SOURCE_DIR}/cmake/sanitizers)
  if("address" IN_LIST shouwang_sanitizers)
    list(APPEND SHOUWANG_SANITIZER_TEST_ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1"
      "LSAN_OPTIONS=suppressions=${shouwang_suppressions}/lsan.supp:print_suppressions=0")
  endif()
  if("undefined" IN_LIST shouwang_sanitizers)
    list(APPEND SHOUWANG_SANITIZER_TEST_ENVIRONMENT "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endif()
  if("thread" IN_LIST shouwang_sanitizers)
    # GCC warns (-Wtsan) wherever Boost.Asio's std_fenced_block inlines std::atomic_thread_fence,
    # which ThreadSanitizer does not model. Asio hands handlers between threads through queues under
    # a mutex, which it does model, so the fence hides no race from it; the warning is silenced.
    add_compile_options(-Wno-tsan)
    list(APPEND SHOUWANG_SANITIZER_TEST_ENVIRONMENT
      "TSAN_OPTIONS=second_deadlock_stack=1:suppressions=${shouwang_suppressions}/tsan.supp")
  endif()
endif()

