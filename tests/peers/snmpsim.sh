#!/bin/sh
# snmpsim.sh start DATADIR PORT [RUNDIR] | stop PORT [RUNDIR]
#
# Runs snmpsimd (snmpsim 0.4.5) on 127.0.0.1:PORT, serving every DATADIR/*.snmprec:
#   SNMPv2c: community = recording name (ups-rfc1628, probe-akcp, ...)
#   SNMPv3:  context   = recording name (an empty context gets no answer), users
#            envmon-sha-aes  SHA/AES  auth "envmon-auth-pass" priv "envmon-priv-pass"
#            envmon-md5-des  MD5/DES  same passphrases
#            envmon-noauth   noAuthNoPriv
# "start" copies the recordings into RUNDIR/data (readable by the unprivileged
# user snmpsimd switches to), runs snmpsimd under timeout(1) so it dies after
# MAX_SECONDS (env, default 600) whatever happens, waits until it answers, and
# writes RUNDIR/snmpsimd.pid (the process group). "stop" kills that group.
# RUNDIR defaults to /tmp/envmond-snmpsim-PORT; the log is RUNDIR/snmpsimd.log.
set -eu

usage() { echo "usage: $0 start DATADIR PORT [RUNDIR] | stop PORT [RUNDIR]" >&2; exit 2; }

V3_AUTH=envmon-auth-pass
V3_PRIV=envmon-priv-pass

start() {
	datadir=$1 port=$2 rundir=${3:-/tmp/envmond-snmpsim-$port}
	[ -d "$datadir" ] || { echo "$0: no directory $datadir" >&2; exit 2; }
	stop "$port" "$rundir" 2>/dev/null || true
	rm -rf "$rundir/data" "$rundir/cache"
	mkdir -p "$rundir/data" "$rundir/cache"
	cp "$datadir"/*.snmprec "$rundir/data/"


	chmod 755 "$rundir" "$rundir/data"
	chmod 644 "$rundir"/data/*
	user_opts=
	if [ "$(id -u)" -eq 0 ]; then
		# snmpsimd refuses to run as root; it drops to nobody before it
		# builds its index, so the cache directory must be nobody's.
		chown nobody:nogroup "$rundir/cache"
		user_opts="--process-user=nobody --process-group=nogroup"
	fi
	# shellcheck disable=SC2086 # user_opts is a list of words
	HOME=$rundir setsid timeout --kill-after=5 "${MAX_SECONDS:-600}" \
		snmpsimd --agent-udpv4-endpoint="127.0.0.1:$port" \
		--data-dir="$rundir/data" --cache-dir="$rundir/cache" $user_opts \
		--v3-user=envmon-sha-aes --v3-auth-key=$V3_AUTH --v3-auth-proto=SHA \
		--v3-priv-key=$V3_PRIV --v3-priv-proto=AES \
		--v3-user=envmon-md5-des --v3-auth-key=$V3_AUTH --v3-auth-proto=MD5 \
		--v3-priv-key=$V3_PRIV --v3-priv-proto=DES \
		--v3-user=envmon-noauth \
		>"$rundir/snmpsimd.log" 2>&1 </dev/null &
	echo $! >"$rundir/snmpsimd.pid"
	# Up when it answers a GETNEXT on its built-in "index" community (a list
	# of the recordings), which no recording can make slow or mute.
	tries=0
	until snmpgetnext -v2c -c index -t 0.2 -r 0 -On "127.0.0.1:$port" 1.3.6 >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -ge 150 ] || ! kill -0 "$(cat "$rundir/snmpsimd.pid")" 2>/dev/null; then
			echo "$0: snmpsimd did not come up on port $port; log follows" >&2
			tail -n 20 "$rundir/snmpsimd.log" >&2
			stop "$port" "$rundir" || true
			exit 1
		fi
		sleep 0.1
	done
	echo "snmpsimd up on 127.0.0.1:$port (pid $(cat "$rundir/snmpsimd.pid"), communities: $(cd "$rundir/data" && ls | sed 's/\.snmprec$//' | tr '\n' ' '))"
}

stop() {
	port=$1 rundir=${2:-/tmp/envmond-snmpsim-$port}
	pidfile=$rundir/snmpsimd.pid
	[ -f "$pidfile" ] || return 0
	pgid=$(cat "$pidfile")
	kill -TERM "-$pgid" 2>/dev/null || true
	n=0
	while kill -0 "-$pgid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill -KILL "-$pgid" 2>/dev/null || true
	rm -f "$pidfile"
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
start) [ $# -ge 2 ] || usage; start "$@" ;;
stop) [ $# -ge 1 ] || usage; stop "$@" ;;
*) usage ;;
esac
