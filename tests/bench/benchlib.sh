# benchlib.sh — shared by the benchmarks: simulated SNMP agents behind the UDP delay
# relay, and what /proc says of a running process. Sourced, not run; expects $work,
# $peers, $DELAY_MS, $AGENT_BASE and $RELAY_BASE.

relay_pids=

# agents_start N: N UPS agents (tests/peers/snmpd.sh, 100 ports per snmpd) behind
# delay relays adding DELAY_MS each way. One relay process per RELAY_SHARD ports: a
# single Python relay for 1000 ports becomes the bottleneck (~0.4 s per cycle by itself).
agents_start() {
	PER_PROCESS=100 MAX_SECONDS=3600 "$peers/snmpd.sh" start "$work/agents" "$AGENT_BASE" "$1" >/dev/null
	off=0
	while [ $off -lt "$1" ]; do
		k=$(($1 - off)); [ $k -gt "${RELAY_SHARD:-100}" ] && k=${RELAY_SHARD:-100}
		/usr/bin/python3 "$peers/udp_delay_relay.py" --delay-ms "$DELAY_MS" \
			--range "$((RELAY_BASE + off)):$((AGENT_BASE + off)):$k" --max-seconds 3600 \
			>>"$work/relay.log" 2>&1 &
		relay_pids="$relay_pids $!"
		off=$((off + k))
	done
	sleep 1
}

agents_stop() {
	[ -n "$relay_pids" ] && kill $relay_pids 2>/dev/null || true
	relay_pids=
	"$peers/snmpd.sh" stop "$work/agents" >/dev/null 2>&1 || true
}

# CPU seconds (user + sys, every thread) of running processes (summed).
proc_cpu() { for p in "$@"; do cat "/proc/$p/stat"; done | awk '{ s += $14 + $15 } END { printf "%.3f", s / 100 }'; }
# Peak RSS, kB.
proc_rss() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
# Anonymous memory and proportional set size, kB (smaps_rollup: shared library text
# counted once per process sharing it, so PSS is what the process really costs).
proc_anon() { awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup"; }
proc_pss() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
# Bytes the process handed to write()-like calls, and bytes it made the block layer
# write (page cache writeback it caused; RRD files written through mmap show here).
proc_wchar() { for p in "$@"; do cat "/proc/$p/io"; done | awk '/^wchar:/ { s += $2 } END { print s + 0 }'; }
proc_wbytes() { for p in "$@"; do cat "/proc/$p/io"; done | awk '/^write_bytes:/ { s += $2 } END { print s + 0 }'; }

# syscalls_during "PID ..." SECONDS FILE: the fsync-like calls, opens and renames of every
# thread of the PIDs during SECONDS, one line each in FILE (strace with a seccomp filter: the
# other calls run untraced, at full speed). librrd writes through mmap, so its writes
# show as opens of a .rrd file, not as write() bytes.
syscalls_during() {
	timeout -s INT "$2" strace -f -qq --seccomp-bpf \
		-e trace=fsync,fdatasync,msync,sync_file_range,openat,rename,renameat,renameat2 \
		-o "$3" $(for p in $1; do printf -- '-p %s ' "$p"; done) 2>/dev/null || true
}
# count_calls FILE KIND: fsync | rrd (opens of an RRD file) | rename
count_calls() {
	case $2 in
		fsync) grep -cE ' (fsync|fdatasync|msync|sync_file_range)\(' "$1" ;;
		rrd) grep -cE ' openat\(.*\.rrd"' "$1" ;;
		rename) grep -cE ' rename(at2?)?\(' "$1" ;;
	esac
}

# ratio A B: A / B with one decimal, "-" when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# loglog_slope "N1 Y1 N2 Y2 ...": least-squares exponent k of Y = c N^k.
loglog_slope() {
	echo "$1" | awk '{ for (i = 1; i < NF; i += 2) if ($i > 0 && $(i + 1) > 0) {
		x = log($i); y = log($(i + 1)); n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
		if (n < 2 || n * sxx == sx * sx) print "-"; else printf "%.2f", (n * sxy - sx * sy) / (n * sxx - sx * sx) }'
}

# collectd_snmp_plugin N: collectd's snmp plugin block reading the OIDS of the
# ups-rfc1628 profile (one "Data" of a 10-value type, so one GET per device) from the N
# agents behind the relays, as both benchmarks configure it.
collectd_snmp_plugin() {
	cat <<EOF
LoadPlugin snmp
<Plugin snmp>
  <Data "ups">
    Type "ups10"
    Table false
    Instance "rfc1628"
    Values $(for o in $OIDS; do printf '"%s" ' "$o"; done)
  </Data>
EOF
	i=0
	while [ $i -lt "$1" ]; do
		printf '  <Host "ups%d">\n    Address "127.0.0.1:%d"\n    Version 2\n    Community "public"\n    Collect "ups"\n    Timeout 2\n    Retries 1\n  </Host>\n' \
		$i $((RELAY_BASE + i))
		i=$((i + 1))
	done
	echo "</Plugin>"
}
