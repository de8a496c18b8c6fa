#!/bin/sh
# ENVMON-MIB is valid SMIv2 (TAP): smilint at level 6 prints nothing on it. smilint exits
# 0 even when it reports errors, so any output fails. Without the IETF base modules
# (SNMPv2-SMI/TC/CONF, SNMP-FRAMEWORK-MIB: ../shared/mibs-base beside the sources, or
# $ENVMON_MIBS_BASE) it would fall back to SMIv1 and misreport: the test is skipped.
set -u
mib="$top_srcdir/mibs/ENVMON-MIB.txt"
base=""
for d in ${ENVMON_MIBS_BASE:-} "$top_srcdir/../shared/mibs-base" "$top_srcdir/../../shared/mibs-base" \
	/usr/share/snmp/mibs/ietf; do
	if [ -f "$d/SNMPv2-SMI" ] && [ -f "$d/SNMPv2-TC" ] && [ -f "$d/SNMPv2-CONF" ] &&
	   [ -f "$d/SNMP-FRAMEWORK-MIB" ]; then
		base="$d"; break
	fi
done
netsnmp=/usr/share/snmp/mibs
if ! command -v smilint >/dev/null 2>&1; then
	echo "1..0 # SKIP smilint not installed (Debian package smitools)"; exit 0
fi
if [ -z "$base" ]; then
	echo "1..0 # SKIP SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, SNMP-FRAMEWORK-MIB not found (../shared/mibs-base, \$ENVMON_MIBS_BASE)"
	exit 0
fi
if [ ! -f "$netsnmp/NET-SNMP-MIB.txt" ]; then
	echo "1..0 # SKIP NET-SNMP-MIB not found in $netsnmp (Debian package libsnmp-base)"; exit 0
fi
SMIPATH="$base:$netsnmp"; export SMIPATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

echo "1..3"
smilint -l 6 -s "$mib" >"$tmp/out" 2>&1
sed 's/^/# /' "$tmp/out"
[ ! -s "$tmp/out" ]
ok $? "smilint -l 6 prints nothing on ENVMON-MIB (base modules from $base)"

# The lint must be able to fail: an object whose type is not the one in its row's
# SEQUENCE is reported.
sed 's/^    SYNTAX      EnvmonUnixTime$/    SYNTAX      Integer32/' "$mib" >"$tmp/ENVMON-MIB.txt"
smilint -l 6 "$tmp/ENVMON-MIB.txt" >"$tmp/bad" 2>&1
sed 's/^/# /' "$tmp/bad"
grep -q "do not match" "$tmp/bad"
ok $? "a broken copy of the MIB is reported (the lint runs for real)"


# The module is rooted where the daemon registers it by default (src/daemon/agentx.h,
# the one place in the code): smidump resolves netSnmpPlaypen from NET-SNMP-MIB.
oid=$(smidump -f identifiers "$mib" 2>/dev/null | awk '$2 == "envmonMIB" { print $4 }')
code=$(sed -n 's/^#define AGENTX_DEFAULT_ROOT "\(.*\)"$/\1/p' "$top_srcdir/src/daemon/agentx.h")
echo "# MIB root: $oid, code: $code"
[ -n "$oid" ] && [ "$oid" = "$code" ]
ok $? "the MIB's root is the daemon's default root"
