#!/usr/bin/env bash
# A simulated court server room watched by envmond. Installs what is missing (Debian 12,
# as root), builds, then runs the daemon on the demo configuration.
set -eu
cd "$(dirname "$0")"
top=$PWD
out="$top/demo-out"
jobs=$(nproc 2>/dev/null || echo 2)

echo "==> dependencies"
contrib/install-deps.sh --demo
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    echo "==> autoreconf"
    autoreconf -fi >/dev/null 2>&1
fi
echo "==> build"
mkdir -p _build/demo
( cd _build/demo && { [ -f Makefile ] || "$top/configure" >configure.out 2>&1; } && make -j"$jobs" >make.out 2>&1 ) ||
    { tail -30 _build/demo/make.out; exit 1; }
envmond="$top/_build/demo/src/daemon/envmond"

rm -rf "$out"
mkdir -p "$out/state"
sed -e "s|@STATE@|$out/state|g" -e "s|@PROFILES@|$top/etc/profiles|g" \
    contrib/demo/court.conf.in >"$out/court.conf"

echo "==> configuration check (envmond -t)"
"$envmond" -t -c "$top/etc/envmond.conf"
"$envmond" -t -c "$out/court.conf"

echo "==> envmond running for 5 seconds on the demo court"
"$envmond" -f -c "$out/court.conf" 2>"$out/envmond.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 5
kill -TERM $pid
wait $pid || true
trap - EXIT
cat "$out/envmond.log"
echo "==> done: the daemon's log is in $out/envmond.log"
