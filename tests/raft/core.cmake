# Tests and tools of the Raft consensus core (src/raft, except the durable log storage).
redraft_test(raft_core_test LIBS redraft_raft SOURCES
  core_unit_test.cc
  raft_core_paper_test.cc
  raft_core_test.cc
  divergence_test.cc
  ready_order_test.cc
  sim/sim_dedup.cc)

# Deterministic simulation (tests/raft/sim): a CTest budget of seeds, and the raft_sim CLI for
# replaying one seed or soaking many (raft_sim --seeds 100000).
set(RAFT_SIM_DIR ${CMAKE_CURRENT_LIST_DIR}/sim)
# The world of one run is class Simulation (sim_simulation.h), one file per responsibility.
add_library(redraft_raft_sim STATIC
  ${RAFT_SIM_DIR}/sim_cluster.cc      # the run: setup, random step, checks, convergence
  ${RAFT_SIM_DIR}/sim_node.cc         # node driver: Ready handling, crash points
  ${RAFT_SIM_DIR}/sim_network.cc      # delivery, loss, duplication, partitions
  ${RAFT_SIM_DIR}/sim_workload.cc     # clients: puts, ReadIndex gets, timeouts
  ${RAFT_SIM_DIR}/sim_membership.cc   # membership changes, transfer, disk loss and replacement
  ${RAFT_SIM_DIR}/sim_scenarios.cc    # Figure 8, wipe trap
  ${RAFT_SIM_DIR}/sim_checker.cc
  ${RAFT_SIM_DIR}/sim_history.cc
  ${RAFT_SIM_DIR}/sim_dedup.cc)
target_include_directories(redraft_raft_sim PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(redraft_raft_sim PUBLIC redraft_raft)
# Label "sim": the sanitizer run replays a smaller budget through raft_sim instead (tools/test).
redraft_test(raft_sim_test LABEL sim LIBS redraft_raft_sim SOURCES sim/sim_test.cc)
add_executable(raft_sim ${RAFT_SIM_DIR}/sim_main.cc)
target_link_libraries(raft_sim PRIVATE redraft_raft_sim)

# Not a test: committed entries/s of a 3-node in-memory group, core only (tools/raft_bench.cc).
add_executable(raft_bench ${CMAKE_CURRENT_LIST_DIR}/../../tools/raft_bench.cc)
target_link_libraries(raft_bench PRIVATE redraft_raft)
