# The durable Raft log (src/raft/log_store*.cc). Its library, redraft_log_store, is declared in
# src/raft/CMakeLists.txt (globbed, separate from the consensus core, so these build on their own).
redraft_test(log_store_test LIBS redraft_log_store SOURCES
  log_store_test.cc log_store_recovery_test.cc log_store_fault_test.cc log_store_random_test.cc
  log_store_replay_test.cc log_store_nospace_test.cc)

# Not a test: tools/storage_bench measures fdatasync rates, LogStore and (if found) RocksDB.
add_executable(storage_bench ${CMAKE_SOURCE_DIR}/tools/storage_bench.cc)
target_link_libraries(storage_bench PRIVATE redraft_log_store Threads::Threads)
find_package(RocksDB QUIET CONFIG)
if(RocksDB_FOUND)
  target_link_libraries(storage_bench PRIVATE RocksDB::rocksdb)
  target_compile_definitions(storage_bench PRIVATE REDRAFT_BENCH_ROCKSDB=1)
endif()
