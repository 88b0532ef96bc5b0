# plexus_add_test(NAME name SOURCES a_test.cc ... LIBS lib ...)
# One GoogleTest executable, registered with CTest test by test. Tests run from the source root
# (so fixtures are found as tests/fixtures/...). PLEXUS_SOURCE_DIR and PLEXUS_BINARY_DIR are
# compiled in relative to the source root ("." and e.g. "build"), so a clone elsewhere compiles
# the same command lines and ccache serves it; the environment carries the absolute paths.
file(RELATIVE_PATH PLEXUS_BINARY_DIR_FROM_SOURCE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
if(PLEXUS_BINARY_DIR_FROM_SOURCE STREQUAL "")
  set(PLEXUS_BINARY_DIR_FROM_SOURCE ".")
endif()

function(plexus_add_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_compile_definitions(${T_NAME} PRIVATE
    PLEXUS_SOURCE_DIR="." PLEXUS_BINARY_DIR="${PLEXUS_BINARY_DIR_FROM_SOURCE}")
  gtest_discover_tests(${T_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "PLEXUS_SOURCE_DIR=${PROJECT_SOURCE_DIR};PLEXUS_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
