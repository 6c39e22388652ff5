#!/usr/bin/env bash
# Quick start on Debian (12 or later): installs what the build needs, builds
# tcpverdict in this directory and runs it on the bundled demo capture.
# Safe to run again: packages already installed are not installed twice and the
# build only redoes what changed.
set -euo pipefail

cd "$(dirname "$0")"

PACKAGES=(
    build-essential autoconf automake libtool pkg-config
    libpcap-dev libjson-c-dev zlib1g-dev libzstd-dev libhiredis-dev check python3
    # for make check: the live test's network namespaces (ip), and the
    # readers that tests compare tcpverdict against
    iproute2 tcpdump tshark python3-jsonschema
    # and the servers that --redis and --syslog send to
    redis-server rsyslog
)

say() {
    printf '\n== %s\n' "$*"
}

missing_packages() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            printf '%s\n' "$pkg"
    done
}

install_packages() {
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        echo "quickstart: apt-get not found. This script is for Debian; elsewhere install" >&2
        echo "  ${PACKAGES[*]} (or your system's names for them), then run" >&2
        echo "  ./autogen.sh && ./configure && make" >&2
        exit 1
    fi
    local missing
    missing=$(missing_packages)
    if [ -z "$missing" ]; then
        say "Build dependencies already installed"
        return
    fi
    local -a sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "quickstart: installing packages needs root, and sudo is not available." >&2
            echo "  As root, run: apt-get install $(echo "$missing" | tr '\n' ' ')" >&2
            echo "  then run ./quickstart.sh again." >&2
            exit 1
        fi
    fi
    say "Installing build dependencies: $(echo "$missing" | tr "\n" " ")"
    "${sudo[@]}" apt-get update
    # shellcheck disable=SC2086 # one package name per word
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $missing
}

install_packages

say "Building"
./autogen.sh
./configure
make -j"$(nproc 2>/dev/null || echo 2)"

say "Running: src/tcpverdict -r capture-samples/demo.pcap"
status=0
src/tcpverdict -r capture-samples/demo.pcap || status=$?
case $status in
0) echo "(exit status 0: no flow has a fail verdict)" ;;
1) echo "(exit status 1: at least one flow has a fail verdict)" ;;
*) exit "$status" ;;
esac
echo
echo "Built src/tcpverdict. Next: make check (the test suite, which says why it skips"
echo "a test); the manual: man -l man/tcpverdict.1 and man -l man/tcpverdict-json.5"
command -v man >/dev/null 2>&1 || echo "(no man here: apt-get install man-db, or read it with mandoc)"
