#!/bin/sh
# snmpd.sh start RUNDIR FIRST_PORT COUNT [RECORDING] | stop RUNDIR
#
# Fast SNMP agents for benchmarks: Net-SNMP snmpd answering on COUNT UDP ports
# 127.0.0.1:FIRST_PORT..FIRST_PORT+COUNT-1, every port serving the same values,
# taken from RECORDING (default snmprec/ups-rfc1628.snmprec beside this script)
# through "override" directives: plain records only, the system group excepted
# (snmpd serves it itself). snmpd opens at most ~128 agentaddress ports per
# process, so ports are split over processes of PER_PROCESS (env, default 100).
#   SNMPv2c community "public"; SNMPv3 user envmon-sha-aes (SHA/AES, passphrases
#   envmon-auth-pass / envmon-priv-pass), no context.
# Each process runs under timeout(1) for MAX_SECONDS (env, default 600) in its
# own process group, listed in RUNDIR/snmpd.pids; "stop" kills those groups.
# snmpd is started with -C (only our file) and therefore -m '' (DESIGN §10),
# and the addresses are given only in the file, never on the command line.
set -eu

usage() { echo "usage: $0 start RUNDIR FIRST_PORT COUNT [RECORDING] | stop RUNDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)

# Is a process of group $1 still running? (Zombies do not count: once the
# script that started the group has exited, nobody may reap them quickly.)
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# Turn "OID|TAG|VALUE" records into override directives.
overrides() {
	awk -F'|' '
	/^#/ || NF < 3 { next }
	$1 ~ /^1\.3\.6\.1\.2\.1\.1\./ { next }
	$2 == "2"  { print "override " $1 " integer " $3; next }
	$2 == "4"  { v = $3; gsub(/"/, "", v); print "override " $1 " octet_str \"" v "\""; next }
	$2 == "6"  { print "override " $1 " object_id " $3; next }
	$2 == "65" { print "override " $1 " counter " $3; next }
	$2 == "66" { print "override " $1 " uinteger " $3; next }
	$2 == "67" { print "override " $1 " timeticks " $3; next }
	' "$1"
}

write_conf() { # conf first_port count recording
	ports=$(awk -v p="$2" -v n="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%sudp:127.0.0.1:%d", (i ? "," : ""), p + i }')
	cat >"$1" <<EOF
agentaddress $ports
rocommunity public 127.0.0.1
createUser envmon-sha-aes SHA "envmon-auth-pass" AES "envmon-priv-pass"
rouser envmon-sha-aes priv
sysdescr Simulated UPS (Net-SNMP snmpd), envmond benchmark peer
sysname ups-snmpd
dontLogTCPWrappersConnects yes
EOF
	overrides "$4" >>"$1"
}

# POSIX sh has no local variables: helpers use their own names (w_*, s_*).
wait_port() { # port pgid
	w_tries=0
	until snmpget -v2c -c public -t 0.2 -r 0 "127.0.0.1:$1" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; do
		w_tries=$((w_tries + 1))
		if [ $w_tries -ge 100 ] || ! group_alive "$2"; then
			echo "$0: snmpd did not answer on port $1" >&2
			return 1
		fi
		sleep 0.1
	done
}

start() {
	rundir=$1 first=$2 count=$3 recording=${4:-$here/snmprec/ups-rfc1628.snmprec}
	per=${PER_PROCESS:-100}
	stop "$rundir"
	mkdir -p "$rundir"
	: >"$rundir/snmpd.pids"
	i=0 port=$first left=$count
	while [ "$left" -gt 0 ]; do
		n=$per; [ "$left" -lt "$n" ] && n=$left
		write_conf "$rundir/snmpd.$i.conf" "$port" "$n" "$recording"
		mkdir -p "$rundir/persist.$i"
		SNMP_PERSISTENT_DIR=$rundir/persist.$i setsid timeout --kill-after=5 "${MAX_SECONDS:-600}" \
			snmpd -f -C -m '' -I -smux -c "$rundir/snmpd.$i.conf" -Lf "$rundir/snmpd.$i.log" \
			-u nobody -g nogroup </dev/null >/dev/null 2>&1 &
		echo "$!" >>"$rundir/snmpd.pids"
		if ! wait_port "$port" "$!" || ! wait_port $((port + n - 1)) "$!"; then
			stop "$rundir"
			exit 1
		fi
		i=$((i + 1)) port=$((port + n)) left=$((left - n))
	done
	echo "snmpd up on 127.0.0.1:$first..$((first + count - 1)) ($i process(es))"
}

stop() {
	rundir=$1
	[ -f "$rundir/snmpd.pids" ] || return 0
	for s_pgid in $(cat "$rundir/snmpd.pids"); do
		kill -TERM "-$s_pgid" 2>/dev/null || true
	done
	for s_pgid in $(cat "$rundir/snmpd.pids"); do
		s_tries=0
		while group_alive "$s_pgid" && [ $s_tries -lt 50 ]; do sleep 0.1; s_tries=$((s_tries + 1)); done
		kill -KILL "-$s_pgid" 2>/dev/null || true
	done
	rm -f "$rundir/snmpd.pids"
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
start) [ $# -ge 3 ] || usage; start "$@" ;;
stop) [ $# -eq 1 ] || usage; stop "$@" ;;
*) usage ;;
esac
