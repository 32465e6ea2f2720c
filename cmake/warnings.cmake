# SPDX-License-Identifier: Apache-2.0
# One INTERFACE target carries the warning flags; every kiln target links it.
add_library(kiln_warnings INTERFACE)
target_compile_options(kiln_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2)
if(DEFINED ENV{CI} OR KILN_WERROR)
  target_compile_options(kiln_warnings INTERFACE -Werror)
endif()
