#!/bin/sh
# ptypair.sh start DIR | stop DIR
#
# A virtual serial line for Modbus RTU tests: socat joins two pseudo-terminals,
# reachable as DIR/server (give it to modbus_server.py --rtu) and DIR/client
# (give it to the daemon). A pty has no baud rate or parity of its own: both
# ends may set any, bytes pass unchanged. socat runs under timeout(1) for
# MAX_SECONDS (env, default 600) in its own process group, kept in DIR/socat.pid.
set -eu

usage() { echo "usage: $0 start DIR | stop DIR" >&2; exit 2; }

# Is a process of group $1 still running? (Zombies do not count: once the
# script that started the group has exited, nobody may reap them quickly.)
group_alive() {
	ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

start() {
	dir=$1
	stop "$dir"
	mkdir -p "$dir"
	rm -f "$dir/server" "$dir/client"
	setsid timeout --kill-after=5 "${MAX_SECONDS:-600}" \
		socat -d -d "pty,raw,echo=0,link=$dir/server" "pty,raw,echo=0,link=$dir/client" \
		</dev/null >"$dir/socat.log" 2>&1 &
	echo $! >"$dir/socat.pid"
	tries=0
	until [ -e "$dir/server" ] && [ -e "$dir/client" ]; do
		tries=$((tries + 1))
		if [ $tries -ge 100 ]; then
			echo "$0: socat did not create $dir/server and $dir/client" >&2
			cat "$dir/socat.log" >&2
			stop "$dir"
			exit 1
		fi
		sleep 0.05
	done
	echo "pty pair: $dir/server <-> $dir/client ($(readlink "$dir/server") <-> $(readlink "$dir/client"))"
}

stop() {
	dir=$1
	[ -f "$dir/socat.pid" ] || return 0
	pgid=$(cat "$dir/socat.pid")
	kill -TERM "-$pgid" 2>/dev/null || true
	tries=0
	while group_alive "$pgid" && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
	kill -KILL "-$pgid" 2>/dev/null || true
	rm -f "$dir/socat.pid"
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) usage ;;
esac
