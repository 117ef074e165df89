/* SPDX-License-Identifier: GPL-2.0 */
/* Macros every layer uses; this header depends on nothing. */
#ifndef __KSNOOP_COMPILER_H
#define __KSNOOP_COMPILER_H

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#endif /* __KSNOOP_COMPILER_H */
