/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "../src/greet.h"

static int failures = 0;

static void expect(const char *name, const char *want) {
  char buf[64];
  int n = greet(name, buf, sizeof buf);
  if (n < 0 || strcmp(buf, want) != 0) {
    printf("FAIL greet(%s): got \"%s\", want \"%s\"\n", name ? name : "NULL", buf, want);
    failures++;
  } else {
    printf("ok   greet(%s)\n", name ? name : "NULL");
  }
}

int main(void) {
  expect("kiln", "Hello, kiln!");
  expect("", "Hello, world!");
  expect(NULL, "Hello, world!");
  char small[4];
  if (greet("kiln", small, sizeof small) != -1) {
    printf("FAIL greet into a 4-byte buffer should report -1\n");
    failures++;
  }
  printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
