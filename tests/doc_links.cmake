# The repository is self-contained (ctest `doc_links`):
#   - no tracked file refers to ../shared/ (notes outside the repository, which a clone lacks:
#     the facts live in docs/rancher-desktop.md);
#   - every "docs/rancher-desktop.md#<anchor>" names a heading of that file (GitHub's anchors:
#     lowercase, spaces as '-', other punctuation dropped).
# Tracked files are `git ls-files` in a checkout, else every file outside build*/ directories.
# Run: cmake -DROOT=<source dir> -P tests/doc_links.cmake
cmake_policy(SET CMP0007 NEW)
set(self tests/doc_links.cmake)
set(doc docs/rancher-desktop.md)
execute_process(COMMAND git -C ${ROOT} ls-files RESULT_VARIABLE git_rc OUTPUT_VARIABLE listed
                ERROR_QUIET)
if(git_rc EQUAL 0 AND NOT listed STREQUAL "")
  string(STRIP "${listed}" listed)
  string(REPLACE "\n" ";" files "${listed}")
else()
  file(GLOB_RECURSE files RELATIVE ${ROOT} ${ROOT}/*)
  list(FILTER files EXCLUDE REGEX "^(build[^/]*|\\.git|demo-out)/")
endif()

# The anchors of the doc's headings.
set(anchors "")
file(STRINGS ${ROOT}/${doc} headings REGEX "^#+ ")
foreach(h ${headings})
  string(REGEX REPLACE "^#+ +" "" h "${h}")
  string(TOLOWER "${h}" h)
  string(REGEX REPLACE "[^a-z0-9 _-]" "" h "${h}")
  string(REPLACE " " "-" h "${h}")
  list(APPEND anchors "${h}")
endforeach()

set(problems "")
foreach(f ${files})
  if(f STREQUAL "" OR f STREQUAL self OR NOT EXISTS ${ROOT}/${f} OR IS_DIRECTORY ${ROOT}/${f})
    continue()
  endif()
  file(STRINGS ${ROOT}/${f} lines REGEX "\\.\\./shared/|rancher-desktop\\.md#")
  foreach(line ${lines})
    if(line MATCHES "\\.\\./shared/")
      string(APPEND problems
             "${f}: refers to ../shared/ (not in the repository; use ${doc}): ${line}\n")
    endif()
    string(REGEX MATCHALL "rancher-desktop\\.md#[a-z0-9_-]+" refs "${line}")
    foreach(ref ${refs})
      string(REPLACE "rancher-desktop.md#" "" anchor "${ref}")
      list(FIND anchors "${anchor}" found)
      if(found EQUAL -1)
        string(APPEND problems "${f}: ${doc}#${anchor} names no heading (headings: ${anchors})\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(NOT problems STREQUAL "")
  message(FATAL_ERROR "doc links:\n${problems}")
endif()
list(LENGTH files n)
message(STATUS "doc links: ${n} files checked")
