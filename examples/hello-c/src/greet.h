/* SPDX-License-Identifier: Apache-2.0 */
#ifndef GREET_H
#define GREET_H
#include <stddef.h>

/* Writes "Hello, NAME!" (or "Hello, world!" for NULL/empty) into buf.
 * Returns the length written, or -1 if buf is too small. */
int greet(const char *name, char *buf, size_t size);

#endif
