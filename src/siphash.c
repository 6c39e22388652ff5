/*
 * SipHash, from the description in the paper (section 2): four 64-bit
 * words of state initialised from the key and four constants, each 8-byte
 * little-endian message word xored into v3, mixed by c rounds, xored into
 * v0; the last word holds the remaining bytes and, in its top byte, the
 * length modulo 256; then v2 ^= 0xff, d rounds, and the xor of the four
 * words. Byte order never matters: words are assembled byte by byte.
 */
#include "siphash.h"

#include "banned.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64 - b);
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

/* One SipRound: two ARX half-rounds over the pairs (v0, v1) and (v2, v3). */
static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[SIPHASH_KEY_LEN])
{
    return (struct siphash_key){load_le64(bytes, 8), load_le64(bytes + 8, 8)};
}

static void sip_compress(struct sip_state *s, uint64_t m, unsigned c_rounds)
{
    s->v3 ^= m;
    for (unsigned i = 0; i < c_rounds; i++)
        sip_round(s);
    s->v0 ^= m;
}

static uint64_t sip_hash(const struct siphash_key *key, const uint8_t *data, size_t len,
                         unsigned c_rounds, unsigned d_rounds)
{
    /* "somepseudorandomlygeneratedbytes", as four big-endian words. */
    struct sip_state s = {
        key->k0 ^ UINT64_C(0x736f6d6570736575),
        key->k1 ^ UINT64_C(0x646f72616e646f6d),
        key->k0 ^ UINT64_C(0x6c7967656e657261),
        key->k1 ^ UINT64_C(0x7465646279746573),
    };
    size_t whole = len - len % 8;
    for (size_t off = 0; off < whole; off += 8)
        sip_compress(&s, load_le64(data + off, 8), c_rounds);
    uint64_t last = load_le64(data + whole, len % 8) | (uint64_t)(len & 0xff) << 56;
    sip_compress(&s, last, c_rounds);
    s.v2 ^= 0xff;
    for (unsigned i = 0; i < d_rounds; i++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t siphash13(const struct siphash_key *key, const uint8_t *data, size_t len)
{
    return sip_hash(key, data, len, 1, 3);
}

uint64_t siphash24(const struct siphash_key *key, const uint8_t *data, size_t len)
{
    return sip_hash(key, data, len, 2, 4);
}
