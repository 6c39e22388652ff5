/*
 * Known services: which TCP ports name a service (WSUS, Arcserve agents,
 * and those the user adds), and which ports a server is likely to listen
 * on, to guess who is the server when no SYN was seen. Also the roles the
 * user gave to addresses. Borrowed configuration only; no allocation.
 */
#ifndef TV_SERVICES_H
#define TV_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

struct services {
    const struct tv_service *user; /* borrowed; consulted before the built-ins */
    size_t user_count;
    const struct tv_role *roles; /* borrowed */
    size_t role_count;
};

void services_init(struct services *s, const struct tv_config *cfg);

/* Service name for a responder port, or NULL. */
const char *services_name(const struct services *s, uint16_t port);

/* Is this port one a server is likely to listen on? */
bool services_is_server_port(const struct services *s, uint16_t port);

/* Role name of an address, or NULL. */
const char *services_role(const struct services *s, uint8_t family, const uint8_t addr[16]);

/* Distinct service names, built-in ones first: for per-service counts.
 * Fills names (room for services_name_cap()) and returns how many. */
size_t services_name_cap(const struct services *s);
size_t services_all_names(const struct services *s, const char **names);

#endif
