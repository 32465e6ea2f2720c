# SPDX-License-Identifier: Apache-2.0
# Embeds a file in a C++ library as a function returning its bytes.
#
#   include(${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake)
#   kiln_embed_file(<target> <input file> <qualified function name>)
#
# adds to <target> a generated .cc defining `std::string <function>()`; the
# caller declares the function in one of its own headers. The text is split
# into raw-string chunks of 16 KiB held in an array and joined at run time,
# since a single literal over 64 KiB is not portable. The same file, run as a
# script (cmake -P), does the generating.

if(CMAKE_SCRIPT_MODE_FILE)
  # -DINPUT=<file> -DOUTPUT=<file.cc> -DFUNCTION=<ns::name>
  set(delimiter "kiln_embed")
  file(READ "${INPUT}" content)
  string(FIND "${content}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(REGEX MATCH "^(.*)::([^:]+)$" qualified "${FUNCTION}")
  set(namespace "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  get_filename_component(input_name "${INPUT}" NAME)
  set(out "// Generated from ${input_name} by cmake/embed_file.cmake; do not edit.\n")
  string(APPEND out "#include <string>\n\nnamespace ${namespace} {\n\n")
  string(APPEND out "std::string ${name}() {\n  static const char* const kChunks[] = {\n")
  string(LENGTH "${content}" length)
  set(chunk_size 16384)
  set(offset 0)
  while(offset LESS length)
    string(SUBSTRING "${content}" ${offset} ${chunk_size} chunk)
    string(APPEND out "R\"${delimiter}(${chunk})${delimiter}\",\n")
    math(EXPR offset "${offset} + ${chunk_size}")
  endwhile()
  string(APPEND out "  };\n  std::string text;\n  text.reserve(${length});\n")
  string(APPEND out "  for (const char* chunk : kChunks) text += chunk;\n  return text;\n}\n\n")
  string(APPEND out "}  // namespace ${namespace}\n")
  file(WRITE "${OUTPUT}" "${out}")
  return()
endif()

function(kiln_embed_file target input function)
  get_filename_component(input "${input}" ABSOLUTE)
  get_filename_component(stem "${input}" NAME_WE)
  set(output "${CMAKE_CURRENT_BINARY_DIR}/embedded/${stem}.cc")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DFUNCTION=${function}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS "${input}" "${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake"
    COMMENT "Embedding ${stem}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
