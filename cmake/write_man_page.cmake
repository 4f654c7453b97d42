# cmake -DPROGRAM=<rdbundle-pack> -DOUT=<file> [-DEMULATOR=<qemu-aarch64>] -P write_man_page.cmake:
# writes the man page that the program generates from its option table ("PROGRAM man") to OUT;
# EMULATOR runs a cross-built PROGRAM (CMAKE_CROSSCOMPILING_EMULATOR).
execute_process(COMMAND ${EMULATOR} ${PROGRAM} man OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${PROGRAM} man: exit ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
