#!/bin/bash
# build-libovs.sh -- build libopenvswitch from Debian's openvswitch-source and
# install what ovnmig links against: the static library, its pkg-config file,
# the public headers, the internal headers the OVSDB IDL needs, OVS's own
# config.h (as ovs-config.h) and ovsdb-idlc.
#
# Debian ships no libopenvswitch-dev; this is how Debian's own OVN package
# builds against OVS.  Idempotent: a stamp records the source package version
# and a second run with the same version does nothing.
#
# Layout under $PREFIX (default /usr/local):
#   lib/libopenvswitch.a, lib/pkgconfig/libopenvswitch.pc
#   include/openvswitch/*.h           public API
#   include/ovs-internal/{lib,include}/  internal headers, reached with -iquote
#   include/ovs-internal/ovs-config.h OVS's config.h (HAVE_* change layouts)
#   bin/ovsdb-idlc                    + share/ovnmig/ovs-python (its modules)
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
SRC_TARBALL=${SRC_TARBALL:-/usr/src/openvswitch/openvswitch.tar.gz}
BUILD_DIR=${BUILD_DIR:-/var/tmp/ovnmig-libovs-build}
STAMP=$PREFIX/lib/ovnmig-libovs.stamp

if [ ! -f "$SRC_TARBALL" ]; then
    echo "build-libovs.sh: $SRC_TARBALL not found (apt-get install openvswitch-source)" >&2
    exit 1
fi
version=$(dpkg-query -W -f='${Version}' openvswitch-source 2>/dev/null || echo unknown)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$version" ] \
   && [ -f "$PREFIX/lib/libopenvswitch.a" ]; then
    echo "   libopenvswitch $version already installed in $PREFIX (skipping)"
    exit 0
fi

echo "   building libopenvswitch $version in $BUILD_DIR"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"
tar -C "$BUILD_DIR" -xzf "$SRC_TARBALL"
cd "$BUILD_DIR/openvswitch"

./configure -q --prefix="$PREFIX" PYTHON3="$(command -v python3)" \
    --enable-ssl --disable-libcapng --disable-afxdp --disable-shared \
    CFLAGS="-O2 -g -fPIC" >configure.log 2>&1 \
    || { tail -30 configure.log; exit 1; }

jobs=$(nproc)
# Generated headers first: lib/ includes them.
make -s -j"$jobs" include/odp-netlink.h include/odp-netlink-macros.h \
    lib/dirs.c lib/vswitch-idl.h lib/ovsdb-server-idl.h lib/ofp-errors.inc \
    >/dev/null
make -s -j"$jobs" lib/libopenvswitch.la ovsdb/ovsdb-idlc >/dev/null

install -d "$PREFIX/lib/pkgconfig" "$PREFIX/bin" \
    "$PREFIX/include/openvswitch" \
    "$PREFIX/include/ovs-internal/lib" "$PREFIX/include/ovs-internal/include" \
    "$PREFIX/share/ovnmig/ovs-python"
install -m 644 lib/.libs/libopenvswitch.a "$PREFIX/lib/"
install -m 644 lib/libopenvswitch.pc "$PREFIX/lib/pkgconfig/"
install -m 644 include/openvswitch/*.h "$PREFIX/include/openvswitch/"
install -m 644 lib/*.h "$PREFIX/include/ovs-internal/lib/"
(cd include && find . -name '*.h' ! -path './openvswitch/*' \
     -exec install -D -m 644 {} "$PREFIX/include/ovs-internal/include/{}" \;)
# Without its PACKAGE_* and VERSION macros, which would clash with ovnmig's.
grep -v -E '^#define (PACKAGE|VERSION)' config.h \
    > "$PREFIX/include/ovs-internal/ovs-config.h"
cp -r python/ovs "$PREFIX/share/ovnmig/ovs-python/"
# ovsdb-idlc imports the 'ovs' python package of the same source tree.
sed "1a import sys; sys.path.insert(0, '$PREFIX/share/ovnmig/ovs-python')" \
    ovsdb/ovsdb-idlc > "$PREFIX/bin/ovsdb-idlc"
chmod 755 "$PREFIX/bin/ovsdb-idlc"

echo "$version" > "$STAMP"
echo "   libopenvswitch $version installed in $PREFIX"
