/*
 * Location table: where flows are found (struct tv_location: VLAN ids and
 * tunnel path), each distinct one numbered once, so that a flow's key
 * carries two bytes for it rather than the whole path. Id 0 is nowhere in
 * particular (no VLAN, no tunnel) and is never stored.
 *
 * Both directions of a flow must meet in one location although a tunnel's
 * outer addresses are swapped between them: a location is stored with
 * each tunnel's lower address first, and `flips` tells which tunnels a
 * packet carried the other way round.
 */
#ifndef TV_LOCATION_TABLE_H
#define TV_LOCATION_TABLE_H

#include <stdint.h>

#include "tcpverdict.h"

#define LOCATION_NONE 0
#define LOCATION_LOST UINT16_MAX        /* the table was full: not known */
#define LOCATION_CAP  (UINT16_MAX - 1u) /* ids 1 to LOCATION_CAP */

struct location_table;

/* NULL when out of memory. Takes memory as locations come, up to the cap. */
struct location_table *location_table_create(void);
void location_table_destroy(struct location_table *t);

/*
 * The id of loc, numbered the first time it is seen; LOCATION_NONE for a
 * location without VLAN and tunnel; LOCATION_LOST (counted) for a new one
 * when LOCATION_CAP are known or memory is short. *flips gets bit i set
 * when tunnel i's source is the higher of its two addresses.
 */
uint16_t location_table_intern(struct location_table *t, const struct tv_location *loc,
                               uint8_t *flips);

/* The location of an id location_table_intern() gave, in stored order
 * (each tunnel's lower address as src); NULL for NONE and LOST. Valid
 * until the next intern. */
const struct tv_location *location_table_get(const struct location_table *t, uint16_t id);

/* Locations that could not be kept (LOCATION_LOST answers). */
uint64_t location_table_lost(const struct location_table *t);

#endif
