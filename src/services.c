/*
 * Known services, likely server ports and address roles.
 *
 * The likely-server list decides who is the originator when a flow starts
 * without a SYN: the side on a well-known service port is the responder.
 * It holds the services tcpverdict was built for (WSUS, Arcserve agents)
 * and the ports network monitors commonly treat as servers. Sorted, so a
 * binary search answers; consulted once per new flow, not per packet.
 */
#include "services.h"

#include <stddef.h>
#include <string.h>

#include "banned.h"

struct service {
    uint16_t port;
    const char *name;
};

/* WSUS serves over 80/443 on older setups and 8530/8531 since Server 2012;
 * the Arcserve Universal Agent listens on 6050, the client agent on 6051. */
static const struct service services[] = {
    {80, "wsus-http"},        {443, "wsus-https"}, {6050, "arcserve-agent"},
    {6051, "arcserve-agent"}, {8530, "wsus-http"}, {8531, "wsus-https"},
};

static const uint16_t server_ports[] = {
    21,   22,   23,   25,   53,   80,   81,   88,   110,  111,  135,  139,  143,   389,  443,
    445,  465,  502,  563,  585,  587,  614,  631,  636,  989,  990,  992,  993,   995,  1080,
    1433, 1883, 2049, 2811, 3128, 3268, 3306, 3389, 5060, 5222, 5223, 5269, 5432,  5900, 6050,
    6051, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8443, 8530, 8531, 8888, 20000,
};

void services_init(struct services *s, const struct tv_config *cfg)
{
    s->user = cfg->services;
    s->user_count = cfg->services ? cfg->service_count : 0;
    s->roles = cfg->roles;
    s->role_count = cfg->roles ? cfg->role_count : 0;
}

const char *services_name(const struct services *s, uint16_t port)
{
    /* The last definition of a port wins, as on a command line. */
    for (size_t i = s->user_count; i-- > 0;)
        if (s->user[i].port == port)
            return s->user[i].name;
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (services[i].port == port)
            return services[i].name;
    return NULL;
}

bool services_is_server_port(const struct services *s, uint16_t port)
{
    for (size_t i = 0; i < s->user_count; i++)
        if (s->user[i].port == port)
            return true;
    size_t lo = 0;
    size_t hi = sizeof(server_ports) / sizeof(server_ports[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (server_ports[mid] == port)
            return true;
        if (server_ports[mid] < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

const char *services_role(const struct services *s, uint8_t family, const uint8_t addr[16])
{
    for (size_t i = 0; i < s->role_count; i++)
        if (s->roles[i].family == family && memcmp(s->roles[i].addr, addr, 16) == 0)
            return s->roles[i].name;
    return NULL;
}

size_t services_name_cap(const struct services *s)
{
    return sizeof(services) / sizeof(services[0]) + s->user_count;
}

static bool has_name(const char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

size_t services_all_names(const struct services *s, const char **names)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (!has_name(names, n, services[i].name))
            names[n++] = services[i].name;
    for (size_t i = 0; i < s->user_count; i++)
        if (!has_name(names, n, s->user[i].name))
            names[n++] = s->user[i].name;
    return n;
}
