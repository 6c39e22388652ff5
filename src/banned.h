/*
 * Poisons libc calls that invite overflows or hide errors, so that using
 * one is a compile error under GCC and clang. Alternatives: snprintf,
 * memcpy with an explicit length, strtol/strtoul with error checks,
 * strtok_r. Include it last: system headers may mention the names.
 */
#ifndef TV_BANNED_H
#define TV_BANNED_H

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok atoi atol
#endif

#endif
