# Runs raft_sim with ARGS (a ;-list) and passes only if it exits with status EXPECT exactly:
# 1 for a planted bug (a violation was found, not 0 "bug missed", 2 "usage error" or a crash),
# 2 for a usage error.
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "raft_sim ${ARGS} exited with ${rc}, expected ${EXPECT}")
endif()
