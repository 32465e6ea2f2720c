/* SPDX-License-Identifier: Apache-2.0 */
#include "greet.h"

#include <stdio.h>

int greet(const char *name, char *buf, size_t size) {
  if (name == NULL || name[0] == '\0') name = "world";
  int n = snprintf(buf, size, "Hello, %s!", name);
  if (n < 0 || (size_t)n >= size) return -1;
  return n;
}
