# Build helpers: one library target per src/ folder, tests beside the code they test.
#
#   shouwang_library(NAME core SRCS a.cc b.cc DEPS Boost::json)
#     defines target shouwang_core; headers are included as "core/x.h" from src/.
#   shouwang_test(NAME core_test SRCS x_test.cc DEPS shouwang_core [LABELS unit] [TIMEOUT 300])
#     a GoogleTest executable registered with ctest; SHOUWANG_SHARED_DIR is passed as a
#     compile definition so tests read ../shared/ in place.

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
  target_compile_definitions(${ARG_NAME} PRIVATE
    SHOUWANG_SHARED_DIR="${SHOUWANG_SHARED_DIR}"
    SHOUWANG_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SHOUWANG_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
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
