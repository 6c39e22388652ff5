/*
 * SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): a keyed hash of a short byte string. Without the 128-bit key,
 * nobody can choose inputs that collide more often than chance, which is
 * what a hash table fed by strangers needs. SipHash-1-3 (one compression
 * round per word, three to finish) is the variant tables use; -2-4, the
 * paper's, is here so that its published test vector checks the rounds.
 */
#ifndef TV_SIPHASH_H
#define TV_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* The key as the two little-endian words the rounds use. */
struct siphash_key {
    uint64_t k0;
    uint64_t k1;
};

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[SIPHASH_KEY_LEN]);

uint64_t siphash13(const struct siphash_key *key, const uint8_t *data, size_t len);
uint64_t siphash24(const struct siphash_key *key, const uint8_t *data, size_t len);

#endif
