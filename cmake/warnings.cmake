# SPDX-License-Identifier: Apache-2.0
# One INTERFACE target carries the warning flags; every kiln target links it.
add_library(kiln_warnings INTERFACE)
target_compile_options(kiln_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2)
if(DEFINED ENV{CI} OR KILN_WERROR)
  # GCC 12 at -O2 reports false "potential null pointer dereference"s in
  # libstdc++ code inlined from CLI11 and nlohmann-json; they stay warnings.
  target_compile_options(kiln_warnings INTERFACE -Werror -Wno-error=null-dereference)
endif()
