#!/bin/sh
# Install the Debian 12 packages envmond needs to build (and, with --test, to run its
# test suite and demo). Only what is missing is installed; safe to run again.
# Usage: contrib/install-deps.sh [--build|--test|--demo|--all]
set -eu

build="autoconf automake autopoint libtool pkg-config gettext make gcc
       libsnmp-dev libmodbus-dev librrd-dev libesmtp-dev libconfig-dev
       libsystemd-dev libjson-c-dev libssl-dev libcmocka-dev
       libupsclient-dev libipmimonitoring-dev"
test="snmpd snmp snmpsim python3-pymodbus python3-serial python3-serial-asyncio socat
      python3-aiosmtpd python3-pytest python3-pytest-xdist rrdtool rrdcached openssl procps systemd chromium man-db groff-base
      nut-server nut-client openipmi
      snmptrapd smitools libsnmp-base nagios4-core"
fuzz="clang libclang-rt-14-dev"   # libFuzzer harnesses (tests/fuzz)
bench="collectd-core strace"
browser="chromium"

want=$build
case "${1:---build}" in
    --build) ;;
    --test)  want="$build $test $fuzz" ;;
    --demo)  want="$build $test" ;;
    --all)   want="$build $test $fuzz $bench $browser" ;;
    *) echo "usage: $0 [--build|--test|--demo|--all]" >&2; exit 2 ;;
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
