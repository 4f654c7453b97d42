# Cross-compiling with zig cc / zig c++ for one of the targets in tools/cross/targets:
#
#   ./dev cross-deps linux-arm64          # the toolchain and the static dependencies, once
#   cmake -S . -B build-linux-arm64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-zig.cmake -DRDB_TARGET=linux-arm64
#
# RDB_TARGET may also come from the environment. Dependencies are found in the finished
# prefixes under $RDB_CACHE/cross/<target>/ (default ~/.cache/rdbundle): find_package,
# find_library and pkg-config (always --static) see those and nothing of the host.
# The same file builds the dependencies themselves (tools/cross/cross-deps.sh).

if(NOT RDB_TARGET AND DEFINED ENV{RDB_TARGET})
  set(RDB_TARGET "$ENV{RDB_TARGET}")
endif()
if(NOT RDB_TARGET)
  message(FATAL_ERROR "toolchain-zig.cmake: set RDB_TARGET (one of linux-amd64 linux-arm64 "
                      "windows-amd64 darwin-arm64 darwin-amd64)")
endif()
set(RDB_TARGET "${RDB_TARGET}" CACHE STRING "rdbundle cross target (tools/cross/targets)")
# try_compile projects re-read this file: hand them the target
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES RDB_TARGET)

get_filename_component(_rdb_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
file(STRINGS "${_rdb_root}/tools/cross/zig-version" _rdb_zig_version LIMIT_COUNT 1)
string(STRIP "${_rdb_zig_version}" _rdb_zig_version)
if(DEFINED ENV{RDB_CACHE})
  set(_rdb_cache "$ENV{RDB_CACHE}")
else()
  set(_rdb_cache "$ENV{HOME}/.cache/rdbundle")
endif()
set(_rdb_bin "${_rdb_cache}/zig/${_rdb_zig_version}/bin")

file(STRINGS "${_rdb_root}/tools/cross/targets" _rdb_rows REGEX "^${RDB_TARGET}[ \t]")
if(NOT _rdb_rows)
  message(FATAL_ERROR "toolchain-zig.cmake: unknown RDB_TARGET '${RDB_TARGET}'")
endif()
string(REGEX REPLACE "[ \t]+" ";" _rdb_row "${_rdb_rows}")
list(GET _rdb_row 1 RDB_ZIG_TRIPLE)
list(GET _rdb_row 4 CMAKE_SYSTEM_NAME)
list(GET _rdb_row 5 CMAKE_SYSTEM_PROCESSOR)
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_CROSSCOMPILING TRUE)

if(NOT EXISTS "${_rdb_bin}/zcc-${RDB_TARGET}")
  message(FATAL_ERROR "toolchain-zig.cmake: ${_rdb_bin}/zcc-${RDB_TARGET} is missing: "
                      "run ./dev cross-deps ${RDB_TARGET} first")
endif()
set(CMAKE_C_COMPILER "${_rdb_bin}/zcc-${RDB_TARGET}")
set(CMAKE_CXX_COMPILER "${_rdb_bin}/zc++-${RDB_TARGET}")
set(CMAKE_ASM_COMPILER "${_rdb_bin}/zcc-${RDB_TARGET}")
set(CMAKE_AR "${_rdb_bin}/zar" CACHE FILEPATH "" FORCE)
set(CMAKE_RANLIB "${_rdb_bin}/zranlib" CACHE FILEPATH "" FORCE)
set(PKG_CONFIG_EXECUTABLE "${_rdb_bin}/zpkg-config-${RDB_TARGET}" CACHE FILEPATH "" FORCE)

if(CMAKE_SYSTEM_NAME STREQUAL "Darwin")
  # zig carries the macOS libc headers and libSystem stubs; there is no SDK to look for, and
  # the minimum OS is part of the zig target (tools/cross/targets).
  set(CMAKE_OSX_SYSROOT "" CACHE PATH "" FORCE)
  set(CMAKE_OSX_ARCHITECTURES "" CACHE STRING "" FORCE)
  set(CMAKE_OSX_DEPLOYMENT_TARGET "" CACHE STRING "" FORCE)
endif()

# The target's finished dependency prefixes (those with a .rdb-stamp), and nothing of the host.
file(GLOB _rdb_stamps "${_rdb_cache}/cross/${RDB_TARGET}/*/.rdb-stamp")
set(_rdb_prefixes "")
foreach(_s IN LISTS _rdb_stamps)
  get_filename_component(_p "${_s}" DIRECTORY)
  list(APPEND _rdb_prefixes "${_p}")
endforeach()
set(CMAKE_FIND_ROOT_PATH ${_rdb_prefixes})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_LIBRARY_SUFFIXES ".a")
set(RDB_CROSS_PREFIXES ${_rdb_prefixes} CACHE INTERNAL "")

# Static executables: musl links fully static; windows and darwin get zig's libc++ (and on
# windows its mingw-w64 runtime) statically, so the only dynamic dependencies are the OS's.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
elseif(CMAKE_SYSTEM_NAME STREQUAL "Windows")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
endif()
