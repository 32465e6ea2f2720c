/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "greet.h"

int main(int argc, char **argv) {
  char buf[256];
  if (greet(argc > 1 ? argv[1] : NULL, buf, sizeof buf) < 0) {
    fprintf(stderr, "name too long\n");
    return 1;
  }
  puts(buf);
  return 0;
}
