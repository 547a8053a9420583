#!/usr/bin/env bash
# Builds the Debian package of the PCE: target/debian/pce_<version>_<arch>.deb
# with /usr/bin/pce (release build), the systemd unit (LimitNOFILE raised,
# a dedicated user `pce`, hardening), /etc/pce/pce.toml (a conffile: kept
# on upgrade when edited), the system user (sysusers.d), the README, the
# OpenAPI description and the licence. Only Debian's own dpkg-deb is used.
#
#   tools/deb.sh            # prints the package's path on its last line
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p pce-engine --bin pce
version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "pce-engine"))')
arch=$(dpkg --print-architecture)
out=target/debian
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
install -Dm755 target/release/pce "$root/usr/bin/pce"
strip --strip-debug "$root/usr/bin/pce"
install -Dm644 tools/package/pce.service "$root/usr/lib/systemd/system/pce.service"
install -Dm644 tools/package/sysusers.conf "$root/usr/lib/sysusers.d/pce.conf"
install -Dm640 tools/package/pce.toml "$root/etc/pce/pce.toml"
install -Dm644 README.md "$root/usr/share/doc/pce/README.md"
install -Dm644 engine/openapi.yaml "$root/usr/share/doc/pce/openapi.yaml"
install -Dm644 LICENSE "$root/usr/share/doc/pce/copyright"
mkdir -p "$root/DEBIAN"
echo /etc/pce/pce.toml > "$root/DEBIAN/conffiles"
# The binary links glibc and libgcc_s only (rustls, ring and redb are
# Rust): at least the glibc it was built against.
glibc=$(ldd --version | awk 'NR == 1 { print $NF }')
cat > "$root/DEBIAN/control" <<CONTROL
Package: pce
Version: $version
Architecture: $arch
Maintainer: PCE developers <pce@example.invalid>
Depends: libc6 (>= $glibc), libgcc-s1, adduser | systemd
Section: net
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Homepage: https://example.invalid/pce
Description: stateful PCE with inter-PCE state synchronization
 A Path Computation Element speaking PCEP (RFC 5440, 8231, 8281, 8253) to
 routers, computing constrained and disjoint paths, and synchronizing its
 state with peer PCEs (draft-ietf-pce-state-sync) so that redundant PCEs
 never fall into split-brain.
CONTROL
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  systemd-sysusers /usr/lib/sysusers.d/pce.conf 2>/dev/null ||
    getent passwd pce >/dev/null ||
    adduser --system --group --home /var/lib/pce --no-create-home pce
  chgrp pce /etc/pce/pce.toml
  install -d -o pce -g pce -m 0750 /var/lib/pce
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable pce.service >/dev/null || true
    systemctl restart pce.service || true
  fi
fi
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl stop pce.service || true
  systemctl disable pce.service >/dev/null || true
fi
PRERM
cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  # The operator's intent goes only with a purge.
  rm -rf /var/lib/pce
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
POSTRM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
mkdir -p "$out"
deb="$out/pce_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
