/*
 * The libpcap part of platform.h for Windows, with Npcap's wpcap.dll.
 * wpcap.dll is linked with delayed loading, so that files can be read
 * where Npcap is not installed; platform_pcap_available() looks for it
 * where Npcap puts it before anything calls into it.
 */
#include "platform.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "banned.h"

static HMODULE platform_wpcap;

bool platform_pcap_available(char *err, size_t err_len)
{
    if (platform_wpcap != NULL)
        return true;
    /* Npcap installs its DLLs in System32\Npcap, which is not on the
     * search path (its "WinPcap API-compatible mode" also puts them in
     * System32 itself). */
    char sys[MAX_PATH];
    char dir[MAX_PATH + 16];
    UINT n = GetSystemDirectoryA(sys, sizeof(sys));
    if (n > 0 && n < sizeof(sys)) {
        snprintf(dir, sizeof(dir), "%s\\Npcap", sys);
        SetDllDirectoryA(dir);
    }
    platform_wpcap = LoadLibraryA("wpcap.dll");
    if (platform_wpcap == NULL) {
        snprintf(err, err_len,
                 "wpcap.dll not found: install Npcap to capture, filter or "
                 "write packets");
        return false;
    }
    return true;
}

bool platform_pcap_wait(struct pcap *p, int timeout_ms)
{
    HANDLE ev = pcap_getevent(p);
    if (ev == NULL) {
        Sleep((DWORD)timeout_ms);
        return true;
    }
    return WaitForSingleObject(ev, (DWORD)timeout_ms) != WAIT_FAILED;
}

int platform_pcap_immediate(struct pcap *p)
{
    /* Older wpcap.dll builds lack the setting: look it up rather than let
     * the delayed import fail. */
    typedef int(__cdecl * set_fn)(pcap_t *, int);
    set_fn set = NULL;
    if (platform_wpcap != NULL) {
        FARPROC proc = GetProcAddress(platform_wpcap, "pcap_set_immediate_mode");
        memcpy(&set, &proc, sizeof(set));
    }
    return set != NULL ? set(p, 1) : 0;
}
