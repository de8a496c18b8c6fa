#!/bin/sh
# snmpsim.sh start DATADIR PORT [RUNDIR] | stop PORT [RUNDIR]
#
# Runs snmpsimd (snmpsim 0.4.5) on 127.0.0.1:PORT, serving every DATADIR/*.snmprec:
#   SNMPv2c: community = recording name (ups-rfc1628, probe-akcp, ...)
#   SNMPv3:  context   = recording name (an empty context gets no answer), users
#            envmon-sha-aes  SHA/AES  auth "envmon-auth-pass" priv "envmon-priv-pass"
#            envmon-md5-des  MD5/DES  same passphrases
#            envmon-noauth   noAuthNoPriv
# "start" copies the recordings into a fresh /tmp/envmond-snmpsim.XXXXXX:
# snmpsimd drops to nobody, who may not reach RUNDIR (pytest's tmp_path is
# 0700) and needs a writable cache directory for its index. snmpsimd runs
# under timeout(1), so it dies after MAX_SECONDS (env, default 600) whatever
# happens. "start" returns once the agent answers and leaves RUNDIR/snmpsimd.pid
# (the process group); "stop" kills that group and removes the copy.
# RUNDIR defaults to /tmp/envmond-snmpsim-PORT; the log is RUNDIR/snmpsimd.log.
set -eu

usage() { echo "usage: $0 start DATADIR PORT [RUNDIR] | stop PORT [RUNDIR]" >&2; exit 2; }

V3_AUTH=envmon-auth-pass

# Is a process of group $1 still running? (Zombies do not count: once the
# script that started the group has exited, nobody may reap them quickly.)
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}
V3_PRIV=envmon-priv-pass

start() {
	datadir=$1 port=$2 rundir=${3:-/tmp/envmond-snmpsim-$port}
	[ -d "$datadir" ] || { echo "$0: no directory $datadir" >&2; exit 2; }
	stop "$port" "$rundir"
	mkdir -p "$rundir"
	work=$(mktemp -d /tmp/envmond-snmpsim.XXXXXX)
	echo "$work" >"$rundir/snmpsimd.work"
	mkdir "$work/data" "$work/cache"
	cp "$datadir"/*.snmprec "$work/data/"
	chmod 755 "$work" "$work/data"
	chmod 644 "$work"/data/*
	user_opts=
	if [ "$(id -u)" -eq 0 ]; then
		# snmpsimd refuses to run as root; it drops to nobody before it
		# builds its index, so the cache directory must be nobody's.
		chown nobody:nogroup "$work/cache"
		user_opts="--process-user=nobody --process-group=nogroup"
	fi
	# shellcheck disable=SC2086 # user_opts is a list of words
	HOME=$work setsid timeout --kill-after=5 "${MAX_SECONDS:-600}" \
		snmpsimd --agent-udpv4-endpoint="127.0.0.1:$port" \
		--data-dir="$work/data" --cache-dir="$work/cache" $user_opts \
		--v3-user=envmon-sha-aes --v3-auth-key=$V3_AUTH --v3-auth-proto=SHA \
		--v3-priv-key=$V3_PRIV --v3-priv-proto=AES \
		--v3-user=envmon-md5-des --v3-auth-key=$V3_AUTH --v3-auth-proto=MD5 \
		--v3-priv-key=$V3_PRIV --v3-priv-proto=DES \
		--v3-user=envmon-noauth \
		>"$rundir/snmpsimd.log" 2>&1 </dev/null &
	echo $! >"$rundir/snmpsimd.pid"
	# Up when it answers a GETNEXT on its built-in "index" community (the list
	# of recordings), which no recording can make slow or mute.
	tries=0
	until snmpgetnext -v2c -c index -t 0.2 -r 0 "127.0.0.1:$port" 1.3.6 >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ $tries -ge 150 ] || ! group_alive "$(cat "$rundir/snmpsimd.pid")"; then
			echo "$0: snmpsimd did not come up on port $port; log follows" >&2
			tail -n 20 "$rundir/snmpsimd.log" >&2
			stop "$port" "$rundir"
			exit 1
		fi
		sleep 0.1
	done
	echo "snmpsimd up on 127.0.0.1:$port (process group $(cat "$rundir/snmpsimd.pid")," \
		"communities: $(cd "$work/data" && ls | sed 's/\.snmprec$//' | tr '\n' ' '))"
}

# POSIX sh has no local variables: stop() uses its own names.
stop() {
	s_rundir=${2:-/tmp/envmond-snmpsim-$1}
	if [ -f "$s_rundir/snmpsimd.pid" ]; then
		s_pgid=$(cat "$s_rundir/snmpsimd.pid")
		kill -TERM "-$s_pgid" 2>/dev/null || true
		s_tries=0
		while group_alive "$s_pgid" && [ $s_tries -lt 50 ]; do
			sleep 0.1
			s_tries=$((s_tries + 1))
		done
		kill -KILL "-$s_pgid" 2>/dev/null || true
		rm -f "$s_rundir/snmpsimd.pid"
	fi
	if [ -f "$s_rundir/snmpsimd.work" ]; then
		rm -rf "$(cat "$s_rundir/snmpsimd.work")"
		rm -f "$s_rundir/snmpsimd.work"
	fi
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case $cmd in
start) [ $# -ge 2 ] || usage; start "$@" ;;
stop) [ $# -ge 1 ] || usage; stop "$@" ;;
*) usage ;;
esac
