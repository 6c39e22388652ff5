/*
 * The libpcap part of platform.h for Linux and the BSDs.
 */
#include "platform.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>

#include "banned.h"

bool platform_pcap_available(char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    return true;
}

bool platform_pcap_wait(struct pcap *p, int timeout_ms)
{
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(p), .events = POLLIN};
    /* An interrupted poll just goes round again. */
    return poll(&pfd, 1, timeout_ms) >= 0 || errno == EINTR;
}

int platform_pcap_immediate(struct pcap *p)
{
    return pcap_set_immediate_mode(p, 1);
}
