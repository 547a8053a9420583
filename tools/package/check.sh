#!/usr/bin/env bash
# The Debian package, checked as an operator would use it: built by
# tools/deb.sh, its unit checked by `systemd-analyze verify`, installed with
# dpkg, `pce serve` run from it on its own /etc/pce/pce.toml as its own
# user (what the unit's ExecStart does; a container has no systemd to
# start it), the API answering and the state file in /var/lib/pce, then
# purged. Needs root (CI runs as root); elsewhere it says so and skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  echo "package check skipped: installing a package needs root"
  exit 0
fi
deb=$(tools/deb.sh | tail -1)
echo "built $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}'
if dpkg -s pce >/dev/null 2>&1; then
  echo "a pce package is installed already: not touching it" >&2
  exit 1
fi
PID=""
cleanup() {
  set +e
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  dpkg --purge pce >/dev/null 2>&1
}
trap cleanup EXIT
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null
systemd-analyze verify /usr/lib/systemd/system/pce.service
getent passwd pce >/dev/null || { echo "no user pce after install" >&2; exit 1; }
[ "$(stat -c %U:%G /var/lib/pce)" = pce:pce ] || { echo "/var/lib/pce is $(stat -c %U:%G /var/lib/pce)" >&2; exit 1; }
[ "$(stat -c %a:%G /etc/pce/pce.toml)" = 640:pce ] || { echo "/etc/pce/pce.toml is $(stat -c %a:%G /etc/pce/pce.toml)" >&2; exit 1; }
# As the unit runs it.
(cd /var/lib/pce && exec runuser -u pce -- /usr/bin/pce serve --config /etc/pce/pce.toml) 2>/tmp/pce-package.log &
PID=$!
for _ in $(seq 1 300); do
  curl -sf http://127.0.0.1:9189/health >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { cat /tmp/pce-package.log >&2; exit 1; }
  sleep 0.05
done
curl -sf http://127.0.0.1:9189/health | grep -q '"status":"ok"'
curl -sf http://127.0.0.1:9189/intent | grep -q '"stored":"/var/lib/pce/state.redb"'
[ "$(stat -c %U /var/lib/pce/state.redb)" = pce ] || { echo "the state file is not pce's" >&2; exit 1; }
[ "$(ps -o user= -p "$(pgrep -n -x pce)")" = pce ] || { echo "pce does not run as pce" >&2; exit 1; }
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
dpkg --purge pce >/dev/null
[ ! -e /usr/bin/pce ] && [ ! -e /var/lib/pce ] || { echo "purge left files" >&2; exit 1; }
echo "package: built, unit verified, installed, served as user pce on /etc/pce/pce.toml, purged"
