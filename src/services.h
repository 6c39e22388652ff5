/*
 * Known services: which TCP ports name a service (WSUS, Arcserve agent,
 * and the ports Zeek treats as likely servers), used to name a flow's
 * service and to guess which side is the server when no SYN was seen.
 */
#ifndef TV_SERVICES_H
#define TV_SERVICES_H

#include <stdbool.h>
#include <stdint.h>

/* Service name for a responder port, or NULL. */
const char *services_name(uint16_t port);

/* Is this port one a server is likely to listen on? */
bool services_is_server_port(uint16_t port);

#endif
