# Included by tests/commands/CMakeLists.txt: the key-space command tests (keys engineer).
list(APPEND COMMANDS_TEST_SOURCES keys_test.cc glob_test.cc scan_cursor_test.cc)
