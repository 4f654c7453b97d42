#!/bin/sh
# wine.sh PROGRAM.exe [ARGS...]: runs a windows-amd64 program here under Wine (Debian's
# wine64), in the Wine prefix of the cross builds ($RDB_CACHE/wine), without Wine's debug
# chatter. The CMAKE_CROSSCOMPILING_EMULATOR of the windows-amd64 build (tools/cross/build.sh),
# so ctest runs the Windows suite through it.
RDB_CACHE=${RDB_CACHE:-$HOME/.cache/rdbundle}
export WINEPREFIX="${WINEPREFIX:-$RDB_CACHE/wine}" WINEDEBUG="${WINEDEBUG:--all}" WINEARCH=win64
exec /usr/lib/wine/wine64 "$@"
