#!/bin/sh
# Install the Debian 12 packages envmond needs to build (and, with --test, to run its
# test suite and demo). Only what is missing is installed; safe to run again.
# --pkg: what the Debian package test needs (make check-deb), which check.sh installs only
# when it runs that test.
# Usage: contrib/install-deps.sh [--build|--test|--demo|--pkg|--all]
set -eu

build="autoconf automake autopoint libtool pkg-config gettext make gcc
       libsnmp-dev libmodbus-dev librrd-dev libesmtp-dev libconfig-dev
       libsystemd-dev libjson-c-dev libssl-dev libcmocka-dev
       libupsclient-dev libipmimonitoring-dev libcairo2-dev libpango1.0-dev"
test="snmpd snmp snmpsim python3-pymodbus python3-serial python3-serial-asyncio socat
      python3-aiosmtpd python3-pytest python3-pytest-xdist rrdtool rrdcached openssl procps systemd chromium man-db groff-base
      nut-server nut-client openipmi
      snmptrapd smitools libsnmp-base nagios4-core poppler-utils"
fuzz="clang libclang-rt-14-dev"   # libFuzzer harnesses (tests/fuzz)
bench="collectd-core strace"
browser="chromium"
pkg="dpkg-dev debhelper lintian snmp"   # make deb, make check-deb (debhelper 13 is Debian 12's)

want=$build
case "${1:---build}" in
    --build) ;;
    --test)  want="$build $test $fuzz" ;;
    --demo)  want="$build $test" ;;
    --pkg)   want="$build $pkg" ;;
    --all)   want="$build $test $fuzz $bench $browser $pkg" ;;
    *) echo "usage: $0 [--build|--test|--demo|--pkg|--all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages:$missing" >&2
    echo "run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing </dev/null >/dev/null
