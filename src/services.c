/*
 * Known services and likely server ports.
 *
 * The likely-server list decides who is the originator when a flow starts
 * without a SYN: the side on a well-known service port is the responder.
 * It holds the services tcpverdict was built for (WSUS, Arcserve agents)
 * and the ports network monitors commonly treat as servers. Sorted, so a
 * binary search answers; consulted once per new flow, not per packet.
 */
#include "services.h"

#include <stddef.h>

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

const char *services_name(uint16_t port)
{
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        if (services[i].port == port)
            return services[i].name;
    return NULL;
}

bool services_is_server_port(uint16_t port)
{
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
