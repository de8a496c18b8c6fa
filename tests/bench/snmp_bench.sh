#!/bin/sh
# snmp_bench.sh [N ...] — envmond's SNMP acquisition against collectd 5's snmp plugin,
# same simulated devices, same OIDs, in the same run. Not part of check.sh.
#
#   ENVMOND_BUILDDIR=$PWD/_build tests/bench/snmp_bench.sh 10 100 1000
#
# For each N: N UPS agents (Net-SNMP snmpd serving the ups-rfc1628 recording,
# tests/peers/snmpd.sh, 100 ports per process) behind a UDP delay relay that adds
# DELAY_MS (default 25) each way, so ~50 ms to every round trip
# (tests/peers/udp_delay_relay.py; the kernel has no netem). Both pollers read the 10
# OIDs of the ups-rfc1628 profile from every device over SNMPv2c, one GET per device
# (collectd: one "Data" block of a 10-value type, so it also sends one GET).
#
# envmond: `envmond --probe-all CYCLES` opens every device, then polls them all at once
#   CYCLES times, back to back, printing the wall time from the first send to the
#   last result of each cycle (the daemon's own poller uses the same driver calls).
# collectd 5 (Debian's collectd-core): the snmp plugin with Interval INTERVAL_S and
#   its default 5 read threads, csv output; its cycle time is the spread of the csv
#   timestamps of one interval (first to last device read) plus one round trip.
# Figures: cycle wall time, CPU seconds per 1000 samples (user+sys of the whole
# process, start-up included, over all cycles), peak RSS; then collectd/envmond ratios.
# envmond also stores every cycle's answers in its RRD files (one file per device, one
# update per device per cycle, as the daemon does) and reports the writes per cycle and
# their wall time, apart from the poll time; RRDCACHED=unix:/path sends them through
# a running rrdcached instead of direct librrd writes. It also prints the CPU time
# envmond spent in one poll cycle: on a two-core machine the simulated agents and the
# relay share the cores with it, and the cycle's wall time then measures them as much
# as envmond.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${ENVMOND_BUILDDIR:-$top/_build}
envmond=$build/src/daemon/envmond
peers=$top/tests/peers
DELAY_MS=${DELAY_MS:-25}
CYCLES=${CYCLES:-10}
AGENT_BASE=${AGENT_BASE:-21000}
RELAY_BASE=${RELAY_BASE:-31000}
OIDS="1.3.6.1.2.1.33.1.4.1.0 1.3.6.1.2.1.33.1.2.1.0 1.3.6.1.2.1.33.1.2.4.0 1.3.6.1.2.1.33.1.2.3.0
1.3.6.1.2.1.33.1.4.4.1.5.1 1.3.6.1.2.1.33.1.3.3.1.3.1 1.3.6.1.2.1.33.1.3.3.1.2.1
1.3.6.1.2.1.33.1.4.4.1.2.1 1.3.6.1.2.1.33.1.2.7.0 1.3.6.1.2.1.33.1.7.3.0"

. "$here/benchlib.sh"

[ -x "$envmond" ] || { echo "$0: build envmond first ($envmond)" >&2; exit 2; }
command -v collectd >/dev/null || { echo "$0: collectd-core is not installed" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/envmond-bench-XXXXXX)
chmod 755 "$work"
cleanup() {
	agents_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

envmond_conf() { # n
	{
		cat <<EOF
site = { name = "Banc d'essai"; code = "BENCH"; ressort = "-"; contacts = { arsit = [ "a@example.org" ]; }; };
paths = { state_dir = "$work"; profiles_dir = "$top/etc/profiles"; pid_file = "$work/pid"; control_socket = "$work/sock"; };
storage = { step = 30; rrdcached = "${RRDCACHED:-}"; };
devices = (
EOF
		i=0
		while [ $i -lt "$1" ]; do
			[ $i -gt 0 ] && echo ","
			printf '{ name = "ups%d"; profile = "ups-rfc1628"; timeout = 2000; retries = 1; snmp = { host = "127.0.0.1"; port = %d; community = "public"; }; }' \
				$i $((RELAY_BASE + i))
			i=$((i + 1))
		done
		echo ");"
	} >"$work/envmond.conf"
}

collectd_conf() { # n interval
	mkdir -p "$work/csv"
	echo "ups10 $(for k in 0 1 2 3 4 5 6 7 8 9; do printf 'v%d:GAUGE:U:U, ' $k; done | sed 's/, $//')" >"$work/types.db"
	{
		cat <<EOF
Hostname "bench"
FQDNLookup false
Interval $2
TypesDB "/usr/share/collectd/types.db" "$work/types.db"
PIDFile "$work/collectd.pid"
LoadPlugin csv
<Plugin csv>
  DataDir "$work/csv"
</Plugin>
EOF
		collectd_snmp_plugin "$1"
	} >"$work/collectd.conf"
}


median_of() { # field file: median of that field over the cycle lines but the first
	awk -v f="$1" '/^cycle/ && $2 != "1:" { print $f }' "$2" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

run_envmond() { # n -> sets e_cycle_ms e_writes e_write_ms e_cpu e_rss e_samples
	envmond_conf "$1"
	# A first, unmeasured pass creates the RRD files (~6 MB each, preallocated): the
	# daemon does that once in its life, not per cycle. Its one update is stamped a
	# second before the measured run's first one.
	rm -rf "$work/rrd"
	"$envmond" -c "$work/envmond.conf" --probe-all 1 >/dev/null 2>"$work/envmond.err" || true
	sleep 1
	/usr/bin/time -f "%U %S %M" -o "$work/envmond.time" "$envmond" -c "$work/envmond.conf" \
		--probe-all "$CYCLES" >"$work/envmond.out" 2>"$work/envmond.err" || {
		echo "envmond --probe-all failed:"; cat "$work/envmond.out" "$work/envmond.err" | tail -5; }
	# "cycle K: D devices, A answered, R readings, P ms; W rrd writes, F failed, S ms; poll cpu C ms"
	# The first cycle includes the sockets' first use and the RRD files' creation:
	# report the median of the others.
	e_cycle_ms=$(median_of 9 "$work/envmond.out")
	e_writes=$(median_of 11 "$work/envmond.out")
	e_write_ms=$(median_of 16 "$work/envmond.out")
	e_poll_cpu=$(median_of 20 "$work/envmond.out")
	e_samples=$(awk '/^cycle/ { s += $7 } END { print s }' "$work/envmond.out")
	# /usr/bin/time writes "Command exited with non-zero status" first on a failure.
	e_cpu=$(tail -1 "$work/envmond.time" | awk '{ printf "%.2f", $1 + $2 }')
	e_rss=$(tail -1 "$work/envmond.time" | awk '{ print $3 }')
}

run_collectd() { # n -> sets c_cycle_ms c_cpu c_rss c_samples
	interval=$(( $1 / 50 + 5 ))
	collectd_conf "$1" "$interval"
	collectd -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
	cpid=$!
	sleep $((interval * CYCLES + interval / 2))
	c_cpu=$(proc_cpu $cpid)
	c_rss=$(proc_rss $cpid)
	kill $cpid; wait $cpid 2>/dev/null || true
	c_samples=$(find "$work/csv" -type f -exec cat {} + | grep -vc '^epoch' || true)
	c_samples=$((c_samples * 10))
	# Cycle: per interval, the spread of the devices' timestamps, plus one round trip.
	c_cycle_ms=$(find "$work/csv" -type f -exec cat {} + | awk -F, -v iv="$interval" -v rtt=$((2 * DELAY_MS)) '
		$1 != "epoch" { k = int($1 / iv); if (!(k in lo) || $1 < lo[k]) lo[k] = $1; if ($1 > hi[k]) hi[k] = $1; n[k]++ }
		END { best = 0; for (k in n) if (n[k] > best) { best = n[k]; key = k }
		      printf "%d", (hi[key] - lo[key]) * 1000 + rtt }')
	rm -rf "$work/csv"
}

printf '%6s | %-8s %10s %12s %10s | %-8s %10s %12s %10s | %s\n' N poller "cycle ms" "cpu s/1000" "rss kB" \
	poller "cycle ms" "cpu s/1000" "rss kB" "collectd/envmond: cycle cpu rss"
[ $# -gt 0 ] || set -- 10 100 1000
for m in "$@"; do
	{
		agents_start "$m"
		run_envmond 1           # one device's round trip, through the relay
		rtt_ms=$e_cycle_ms
		run_envmond "$m"
		run_collectd "$m"
		agents_stop
		e_per=$(awk -v c="$e_cpu" -v s="$e_samples" 'BEGIN { printf "%.4f", s ? c * 1000 / s : 0 }')
		c_per=$(awk -v c="$c_cpu" -v s="$c_samples" 'BEGIN { printf "%.4f", s ? c * 1000 / s : 0 }')
		printf '%6d | %-8s %10s %12s %10s | %-8s %10s %12s %10s | %s %s %s   (one round trip %s ms, %s+%s samples)\n' \
			"$m" envmond "$e_cycle_ms" "$e_per" "$e_rss" collectd "$c_cycle_ms" "$c_per" "$c_rss" \
			"$(awk -v a="$c_cycle_ms" -v b="$e_cycle_ms" 'BEGIN { printf "%.1fx", b ? a / b : 0 }')" \
			"$(awk -v a="$c_per" -v b="$e_per" 'BEGIN { printf "%.1fx", (b > 0) ? a / b : 0 }')" \
			"$(awk -v a="$c_rss" -v b="$e_rss" 'BEGIN { printf "%.1fx", b ? a / b : 0 }')" \
			"$rtt_ms" "$e_samples" "$c_samples"
		printf '%6s   envmond: %s ms of CPU per poll cycle; storage: %s rrd writes per cycle (one per device), %s ms per cycle (%s)\n' \
			"" "$e_poll_cpu" "$e_writes" "$e_write_ms" "${RRDCACHED:-direct librrd writes}"
	}
done
