#!/usr/bin/env bash
# Cross-builds tcpverdict for 64-bit Windows on Debian, as root, and writes
# tcpverdict-VERSION-win64.zip. Its last line of output is the zip's path.
#
#   packaging/windows/build.sh [--no-install] [--with-tests] [-o DIR]
#
#   --no-install  do not install Debian packages (they are already there)
#   --with-tests  also build the Check unit tests as .exe files (Check is
#                 built for mingw from Debian's source package)
#   -o DIR        where the zip and the build go (default: packaging/windows/out)
#
# From Debian: mingw-w64 and its zlib (libz-mingw-w64-dev); json-c, zstd and
# Check are built for mingw from Debian's source packages with their own
# build systems; libpcap's source package gives the headers of libpcap's API,
# which Npcap implements. tcpverdict.exe links everything statically but
# wpcap.dll, Npcap's, which it loads only when it needs it (live capture, a
# filter, -w): the import library made here from wpcap.def is a delayed one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$here/out
install=yes
with_tests=no
while [ "$#" -gt 0 ]; do
    case $1 in
    --no-install) install=no ;;
    --with-tests) with_tests=yes ;;
    -o)
        [ "$#" -ge 2 ] || { echo "build.sh: -o needs a directory" >&2; exit 2; }
        out=$2
        shift
        ;;
    *)
        echo "build.sh: unknown argument: $1" >&2
        exit 2
        ;;
    esac
    shift
done

host=x86_64-w64-mingw32
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src        # Debian source packages, unpacked
prefix=$out/prefix  # the mingw builds of the libraries
build=$out/build    # tcpverdict's own build
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '== %s\n' "$*" >&2; }
# Some of the builds below leave files in the directory they run from.
cd "$out"

if [ "$install" = yes ]; then
    step "Debian packages"
    # Source packages come from the same archive as the binary ones: a
    # deb-src twin of every configured deb822 source.
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        case $f in */tcpverdict-src-*) continue ;; esac
        if grep -q '^Types: deb$' "$f"; then
            sed 's/^Types: deb$/Types: deb-src/' "$f" \
                >"/etc/apt/sources.list.d/tcpverdict-src-$(basename "$f")"
        fi
    done
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list \
            >/etc/apt/sources.list.d/tcpverdict-src.list
    fi
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        mingw-w64 libz-mingw-w64-dev cmake dpkg-dev xz-utils zip mandoc flex bison \
        autoconf automake libtool pkg-config make
fi

# Fetches and unpacks Debian's source package $1 into $src; prints its
# directory. A version whose files the archive no longer holds is skipped
# for the next one it lists.
fetch_source() {
    local name=$1 dir
    mkdir -p "$src/$name"
    dir=$(find "$src/$name" -mindepth 1 -maxdepth 1 -type d -print -quit)
    if [ -n "$dir" ]; then
        echo "$dir"
        return
    fi
    local version
    for version in $(apt-cache showsrc "$name" | sed -n 's/^Version: //p'); do
        if (cd "$src/$name" && apt-get source -q --download-only "$name=$version" >&2); then
            break
        fi
    done
    local orig
    orig=$(find "$src/$name" -maxdepth 1 -name '*.orig.tar.*' ! -name '*.asc' -print -quit)
    [ -n "$orig" ] || { echo "build.sh: cannot fetch Debian's source of $name" >&2; exit 1; }
    tar -xf "$orig" -C "$src/$name"
    find "$src/$name" -mindepth 1 -maxdepth 1 -type d -print -quit
}

mkdir -p "$prefix/include" "$prefix/lib"
cat >"$out/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_C_COMPILER $host-gcc)
set(CMAKE_RC_COMPILER $host-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$host $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF

cmake_build() { # source dir, extra options...
    local dir=$1
    shift
    cmake -S "$dir" -B "$dir/_mingw" -DCMAKE_TOOLCHAIN_FILE="$out/toolchain.cmake" \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release "$@" >&2
    cmake --build "$dir/_mingw" -j "$jobs" >&2
    cmake --install "$dir/_mingw" >&2
}

if [ ! -f "$prefix/lib/libjson-c.a" ]; then
    step "json-c for $host"
    cmake_build "$(fetch_source json-c)" -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
        -DDISABLE_WERROR=ON
fi

if [ ! -f "$prefix/lib/libzstd.a" ]; then
    step "zstd for $host"
    zstd_dir=$(fetch_source libzstd)
    # The library's own makefile: its CMake build wants a C++ compiler.
    make -C "$zstd_dir/lib" -j"$jobs" libzstd.a CC="$host-gcc" AR="$host-ar" \
        ZSTD_LEGACY_SUPPORT=0 >&2
    cp "$zstd_dir/lib/libzstd.a" "$prefix/lib/"
    cp "$zstd_dir/lib/zstd.h" "$zstd_dir/lib/zstd_errors.h" "$zstd_dir/lib/zdict.h" \
        "$prefix/include/"
fi

if [ "$with_tests" = yes ] && [ ! -f "$prefix/lib/libcheck.a" ]; then
    step "Check for $host"
    cmake_build "$(fetch_source check)" -DBUILD_TESTING=OFF -DCHECK_ENABLE_TESTS=OFF \
        -DBUILD_SHARED_LIBS=OFF -DCMAKE_C_FLAGS=-D__USE_MINGW_ANSI_STDIO=1
fi

if [ ! -f "$prefix/include/pcap/pcap.h" ]; then
    step "libpcap's headers"
    pcap_dir=$(fetch_source libpcap)
    cp -r "$pcap_dir/pcap.h" "$pcap_dir/pcap" "$prefix/include/"
fi

if [ "$with_tests" = yes ] && [ ! -f "$out/test-wpcap/wpcap.dll" ]; then
    # Wine's own wpcap.dll captures live but leaves pcap_open_dead and
    # pcap_compile_nopcap unimplemented, so filters cannot be tested with
    # it. For the tests only (never in the zip): libpcap from Debian's
    # source with no capture module ("null"), which does everything but
    # capture, as wpcap.dll.
    step "a stand-in wpcap.dll for the tests"
    pcap_dir=$(fetch_source libpcap)
    opts=()
    for feature in DBUS RDMA BLUETOOTH NETMAP DPDK LINUX_USBMON SNF TC DAG SEPTEL AIRPCAP; do
        opts+=("-DDISABLE_$feature=ON")
    done
    cmake -S "$pcap_dir" -B "$pcap_dir/_mingw" -DCMAKE_TOOLCHAIN_FILE="$out/toolchain.cmake" \
        -DPCAP_TYPE=null -DENABLE_REMOTE=OFF "${opts[@]}" >&2
    cmake --build "$pcap_dir/_mingw" -j "$jobs" --target pcap_static >&2
    mkdir -p "$out/test-wpcap"
    "$host-gcc" -shared -static-libgcc -o "$out/test-wpcap/wpcap.dll" \
        -Wl,--whole-archive "$pcap_dir/_mingw/libpcap.a" -Wl,--no-whole-archive \
        -lws2_32 -liphlpapi
fi

step "wpcap.dll's delayed import library"
"$host-dlltool" --input-def "$here/wpcap.def" --dllname wpcap.dll \
    --output-delaylib "$prefix/lib/libwpcap.a"

step "tcpverdict for $host"
if [ ! -x "$top/configure" ]; then
    (cd "$top" && ./autogen.sh >&2)
fi
mkdir -p "$build"
cd "$build"
pcdir=$prefix/lib/pkgconfig:/usr/$host/lib/pkgconfig
check_flags=()
if [ "$with_tests" != yes ]; then
    # configure insists on Check; without the tests nothing links it.
    check_flags=(CHECK_CFLAGS=-I. CHECK_LIBS=-lcheck-absent)
fi
"$top/configure" --host="$host" --enable-devel \
    PKG_CONFIG_LIBDIR="$pcdir" PKG_CONFIG_PATH= \
    PCAP_CFLAGS="-I$prefix/include" PCAP_LIBS="-L$prefix/lib -lwpcap" \
    ZSTD_CFLAGS="-I$prefix/include" ZSTD_LIBS="-L$prefix/lib -lzstd" \
    LDFLAGS="-static" "${check_flags[@]}" >&2
make -j"$jobs" src/tcpverdict.exe >&2
if [ "$with_tests" = yes ]; then
    # shellcheck disable=SC2046 # one word per test
    make -j"$jobs" $(make -s print-windows-unit-tests) >&2
fi
"$host-strip" src/tcpverdict.exe

step "Zip"
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' config.h)
stage=$out/tcpverdict-$version-win64
rm -rf "$stage"
mkdir -p "$stage"
cp src/tcpverdict.exe "$stage/"
# Every DLL the program imports must be a system one or Npcap's.
imports=$("$host-objdump" -p src/tcpverdict.exe | sed -n 's/^\s*DLL Name: //p')
for dll in $imports; do
    case ${dll,,} in
    kernel32.dll | advapi32.dll | ws2_32.dll | bcrypt.dll | msvcrt.dll | user32.dll | \
        api-ms-win-*) ;;
    *)
        echo "build.sh: tcpverdict.exe needs $dll, which is neither Windows' nor Npcap's" >&2
        exit 1
        ;;
    esac
done
mandoc -T html "$top/man/tcpverdict.1" >"$stage/tcpverdict.1.html"
mandoc -T utf8 "$top/man/tcpverdict.1" | col -b | sed 's/$/\r/' >"$stage/tcpverdict.1.txt"
sed 's/$/\r/' "$here/README-Windows.txt" >"$stage/README.txt"
zip="$out/tcpverdict-$version-win64.zip"
rm -f "$zip"
(cd "$out" && zip -q -r "$zip" "$(basename "$stage")")
echo "$zip"
