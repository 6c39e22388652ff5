/*
 * TV_PRINTF(fmt, args): the compiler checks a printf-like function's
 * arguments against its format. mingw-w64 builds use mingw's C99 printf
 * (__USE_MINGW_ANSI_STDIO), whose format archetype has its own name.
 */
#ifndef TV_PRINTF_FORMAT_H
#define TV_PRINTF_FORMAT_H

#include <stdio.h>

#ifdef __MINGW_PRINTF_FORMAT
#define TV_PRINTF(fmt_idx, arg_idx) __attribute__((format(__MINGW_PRINTF_FORMAT, fmt_idx, arg_idx)))
#else
#define TV_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#endif

#endif
