#!/bin/sh
# daemon_bench.sh [--sim-only | --snmp-only] [N ...] — the whole daemon (poll, derive,
# rules, alerts, RRD store, journal), not one path of it, measured at N devices, and
# collectd 5 as a user runs it in the same run. Not part of check.sh (run it on a quiet
# machine; ~12 minutes for 10 100 1000).
#
#   ENVMOND_BUILDDIR=$PWD/_build tests/bench/daemon_bench.sh 10 100 1000
#
# Mode "sim": envmond -f on the simulated driver alone (racks of three: a probe, a UPS,
#   an air conditioner, one server each; 5 s interval; a healthy room, so no transition
#   at all in steady state): the daemon's own pipeline cost and how it grows with N,
#   with no agent sharing the cores.
# Mode "snmp": N UPS agents (Net-SNMP snmpd, ups-rfc1628 recording) behind the UDP delay
#   relay (~2 x DELAY_MS per round trip); envmond -f polls them, and collectd 5
#   (collectd-core) polls the same OIDs with its snmp plugin and writes RRD files with
#   its rrdtool plugin and CacheTimeout, as its documentation recommends for many
#   files. Both at the same interval (5 s at 10 devices, N/50 + 5 s above, so that
#   collectd's 5 read threads keep up). envmond --probe-all gives its cycle time, its
#   CPU per poll cycle and the wall time of its RRD writes per cycle.
# Steady state: CPU between two points well after start-up (one write period and two
#   cycles, then one write period: see BATCH below), from /proc/PID/task/*/schedstat;
#   start-up CPU (up to the first point) apart. Memory: anonymous and PSS from /proc/PID/smaps_rollup, peak RSS. Disk: bytes written
#   (/proc/PID/io write_bytes and wchar), RRD files opened, fsync-like calls and renames
#   (strace, during the CPU window) per cycle.
# BATCH sets envmond's storage.batch (default 120 s, collectd's CacheTimeout; 0 = one rrd
#   update per reading; empty: not set, for a build older than it); RRDCACHED=start writes through an rrdcached the
#   bench starts and counts (-w 300 -f 3600), RRDCACHED=unix:/path through a running one.
# The last line is "targets met: K/5" and the unmet ones by name (those this run did not
#   measure apart).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${ENVMOND_BUILDDIR:-$top/_build}
envmond=$build/src/daemon/envmond
peers=$top/tests/peers
DELAY_MS=${DELAY_MS:-25}
# Both ranges below the kernel's ephemeral ports (32768-60999 here): the daemons' own
# UDP sockets take those, and in one run a relay port among them failed to bind ("Address already
# in use"), which left the agents silent at 10 devices.
AGENT_BASE=${AGENT_BASE:-22000}
RELAY_BASE=${RELAY_BASE:-26000}
WARM=${WARM:-3}
WINDOW=${WINDOW:-6}
# collectd's rrdtool CacheTimeout (its documentation's advice for many files: each file
# written once per CacheTimeout, several values at once).
CACHE_TIMEOUT=${CACHE_TIMEOUT:-120}
# storage.batch of envmond (0: one rrd update per reading; empty: not set): by default the
# same as collectd's CacheTimeout, so that both write each file as often (the daemon's own
# default, 300 s, would amortise 2.5 x better). The CPU window then lasts one period and a
# cycle (at least WINDOW cycles): collectd writes a file when a value finds its cache older
# than CacheTimeout, i.e. every CacheTimeout + one interval, and a window of that length
# holds every file's write once for both (rrd/c shows it). It starts after one period and
# two cycles (at least WARM cycles): collectd creates its files at its first write, a period after
# its start, and that creation is start-up, not steady state.
BATCH=${BATCH-$CACHE_TIMEOUT}
RRDCACHED=${RRDCACHED:-}     # "start": envmond writes through an rrdcached the bench starts
                             # (its CPU and writes counted with envmond's); "unix:/path": a
                             # running one (not counted); "": direct writes
OIDS="1.3.6.1.2.1.33.1.4.1.0 1.3.6.1.2.1.33.1.2.1.0 1.3.6.1.2.1.33.1.2.4.0 1.3.6.1.2.1.33.1.2.3.0
1.3.6.1.2.1.33.1.4.4.1.5.1 1.3.6.1.2.1.33.1.3.3.1.3.1 1.3.6.1.2.1.33.1.3.3.1.2.1
1.3.6.1.2.1.33.1.4.4.1.2.1 1.3.6.1.2.1.33.1.2.7.0 1.3.6.1.2.1.33.1.7.3.0"
. "$here/benchlib.sh"

modes="sim snmp"
case "${1:-}" in
	--sim-only) modes=sim; shift ;;
	--snmp-only) modes=snmp; shift ;;
esac
[ $# -gt 0 ] || set -- 10 100 1000
[ -x "$envmond" ] || { echo "$0: build envmond first ($envmond)" >&2; exit 2; }
command -v strace >/dev/null || { echo "$0: strace is not installed" >&2; exit 2; }
case $modes in *snmp*)
	command -v collectd >/dev/null || { echo "$0: collectd-core is not installed" >&2; exit 2; } ;;
esac
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /var/tmp/envmond-dbench-XXXXXX)   # on disk, not tmpfs: writes count
chmod 755 "$work"
dpid= cpid= rpid=
case $RRDCACHED in start) rrdc_addr=unix:$work/rrdcached.sock ;; *) rrdc_addr=$RRDCACHED ;; esac
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null || true
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null || true
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null || true
	agents_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

conf_head() { # dir interval
	cat <<EOF
site = { name = "Banc d'essai"; code = "BENCH"; ressort = "-"; contacts = { arsit = [ "a@example.org" ]; }; };
paths = { state_dir = "$1/state"; profiles_dir = "$2"; pid_file = "$1/pid"; control_socket = "$1/sock"; };
storage = { step = $3; ${BATCH:+batch = $BATCH; }rrdcached = "$rrdc_addr"; };
daemon = { allow_root = true; };
EOF
}

sim_conf() { # n dir: racks of three simulated devices
	mkdir -p "$2/state"
	{
		conf_head "$2" "$top/tests/sim/profiles" 5
		echo "devices = ("
		i=0
		while [ $i -lt "$1" ]; do
			case $((i % 3)) in 0) p=sim-probe ;; 1) p=sim-ups ;; 2) p=sim-cooling ;; esac
			[ $i -gt 0 ] && echo ","
			printf '{ name = "d%d"; profile = "%s"; interval = 5; sim = { scenario = "%s"; }; }' \
				$i $p "$top/tests/sim/scenarios/common.scn"
			i=$((i + 1))
		done
		printf ');\nracks = (\n'
		r=0
		while [ $((r * 3)) -lt "$1" ]; do
			[ $r -gt 0 ] && echo ","
			a=$((r * 3)) ; probes="\"d$a\"" ups= cool=
			[ $((a + 1)) -lt "$1" ] && ups="ups = [ \"d$((a + 1))\" ];"
			[ $((a + 2)) -lt "$1" ] && cool="\"d$((a + 2))\""
			printf '{ name = "r%d"; probes = [ %s ]; cooling = [ %s ]; servers = ( { name = "s%d"; role = "other"; %s } ); }' \
				$r "$probes" "$cool" $r "$ups"
			r=$((r + 1))
		done
		echo ");"
	} >"$2/envmond.conf"
}

snmp_conf() { # n dir interval
	mkdir -p "$2/state"
	{
		conf_head "$2" "$top/etc/profiles" "$3"
		echo "devices = ("
		i=0
		while [ $i -lt "$1" ]; do
			[ $i -gt 0 ] && echo ","
			printf '{ name = "ups%d"; profile = "ups-rfc1628"; interval = %d; timeout = 2000; retries = 1; snmp = { host = "127.0.0.1"; port = %d; community = "public"; }; }' \
				$i "$3" $((RELAY_BASE + i))
			i=$((i + 1))
		done
		echo ");"
	} >"$2/envmond.conf"
}

collectd_conf() { # n dir interval
	mkdir -p "$2/rrd"
	echo "ups10 $(for k in 0 1 2 3 4 5 6 7 8 9; do printf 'v%d:GAUGE:U:U, ' $k; done | sed 's/, $//')" >"$2/types.db"
	{
		cat <<EOF
Hostname "bench"
FQDNLookup false
Interval $3
TypesDB "/usr/share/collectd/types.db" "$2/types.db"
PIDFile "$2/collectd.pid"
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$2/rrd"
  CacheTimeout $CACHE_TIMEOUT
  CacheFlush 900
</Plugin>
EOF
		collectd_snmp_plugin "$1"
	} >"$2/collectd.conf"
}

# The write period both daemons amortise their RRD writes over (s), and from it, for an
# interval: the cycles of the CPU window (a period and a cycle) and the warm-up before it (s).
period() { p=${BATCH:-0}; [ "$p" -lt "$CACHE_TIMEOUT" ] && p=$CACHE_TIMEOUT; echo "$p"; }
window_cycles() { w=$(( ($(period) + $1 - 1) / $1 + 1 )); [ $w -lt "$WINDOW" ] && w=$WINDOW; echo $w; }
warm_seconds() { w=$(( $(period) + 2 * $1 )); [ $w -lt $((WARM * $1)) ] && w=$((WARM * $1)); echo $w; }

# measure PID INTERVAL SAMPLES_PER_CYCLE [HELPER_PID]: waits warm_seconds, then
# window_cycles cycles (the helper's CPU, writes and calls counted with PID's, not its
# memory); sets m_start (start-up CPU s), m_cpu (CPU s per cycle), m_per (ms of CPU per
# 1000 samples), m_wb / m_wc (write_bytes / wchar per cycle), m_fsync / m_rrdw / m_ren
# (fsync-like calls, RRD files opened for writing, renames per cycle),
# m_anon, m_pss, m_rss (kB).
measure() {
	win=$(window_cycles "$2")
	sleep "$(warm_seconds "$2")"
	kill -0 "$1" 2>/dev/null || { echo "process $1 died during start-up" >&2; return 1; }
	pids="$1${4:+ $4}"
	c0=$(proc_cpu $pids); b0=$(proc_wbytes $pids); w0=$(proc_wchar $pids)
	# The file opens, fsyncs and renames of the CPU window itself (strace stops only on
	# those calls): rrd/c then says that each daemon wrote its files in the window.
	syscalls_during "$pids" $(($2 * win)) "$work/strace.out"
	c1=$(proc_cpu $pids); b1=$(proc_wbytes $pids); w1=$(proc_wchar $pids)
	m_start=$c0
	m_cpu=$(awk -v a="$c0" -v b="$c1" -v n="$win" 'BEGIN { printf "%.4f", (b - a) / n }')
	m_per=$(awk -v c="$m_cpu" -v s="$3" 'BEGIN { printf "%.3f", s ? c * 1e6 / s : 0 }')
	m_wb=$(( (b1 - b0) / win )); m_wc=$(( (w1 - w0) / win ))
	m_fsync=$(ratio "$(count_calls "$work/strace.out" fsync)" "$win")
	m_rrdw=$(ratio "$(count_calls "$work/strace.out" rrd)" "$win")
	m_ren=$(ratio "$(count_calls "$work/strace.out" rename)" "$win")
	m_anon=$(proc_anon "$1"); m_pss=$(proc_pss "$1"); m_rss=$(proc_rss "$1")
}

# Values one cycle stores: the data sources of every RRD file the daemon made.
stored_per_cycle() { # state dir
	for f in "$1"/rrd/*.rrd "$1"/*.rrd; do
		[ -f "$f" ] && rrdtool info "$f" | grep -c '^ds\[.*\]\.index'
	done 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'
}

daemon_start() { # conf
	if [ "$RRDCACHED" = start ]; then
		# As a site would run it: writes delayed up to 300 s, flushed at its stop.
		rrdcached -g -l "$rrdc_addr" -p "$work/rrdcached.pid" -w 300 -z 60 -f 3600 \
			>"$work/rrdcached.log" 2>&1 &
		rpid=$!
		sleep 0.5
	fi
	"$envmond" -f -c "$1" >"$work/daemon.log" 2>&1 &
	dpid=$!
}
daemon_stop() {
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=
	if [ -n "$rpid" ]; then
		kill "$rpid" 2>/dev/null || true
		wait "$rpid" 2>/dev/null || true
		rpid=
		rm -f "$work/rrdcached.pid"
	fi
}

fmt_row() { printf '%-8s %5s | %7s %10s %9s | %10s %10s %6s %6s %6s | %7s %7s %7s\n' "$@"; }
header() {
	fmt_row who N "start s" "cpu ms/cyc" "us/sample" "bytes/cyc" "wchar/cyc" "rrd/c" "fsync" "rename" \
		"anon kB" "pss kB" "rss kB"
}
row() { # who n
	fmt_row "$1" "$2" "$m_start" "$(awk -v c="$m_cpu" 'BEGIN { printf "%.2f", c * 1000 }')" "$m_per" \
		"$m_wb" "$m_wc" "$m_rrdw" "$m_fsync" "$m_ren" "$m_anon" "$m_pss" "$m_rss"
}

sim_points=; sim_wb_points=; sim_mem_points=; sim_fsync_ok=yes
snmp_cpu_points=; snmp_mem_points=; cd_mem_points=
run_sim() { # n
	d=$work/sim$1
	sim_conf "$1" "$d"
	daemon_start "$d/envmond.conf"
	# Every RRD file created (at 1000 devices and a 5 s step, 6.6 MB each: minutes of
	# start-up on a busy disk) before its sources are counted and the warm-up begins.
	waited=0
	while [ "$(ls "$d/state/rrd" 2>/dev/null | grep -c '\.rrd$')" -lt "$1" ] && [ $waited -lt 300 ]; do
		sleep 2; waited=$((waited + 2))
	done
	# ... and on disk: the creation's writeback (6.6 GB at 1000) stalled the measured
	# window on page faults, reading too little CPU per cycle.
	timeout 300 sync -f "$d/state/rrd/" 2>/dev/null || true
	sleep 6
	spc=$(stored_per_cycle "$d/state")
	measure "$dpid" 5 "$spc" "$rpid" || { tail -5 "$work/daemon.log"; daemon_stop; return 1; }
	daemon_stop
	row "$who" "$1"
	sim_points="$sim_points $1 $m_cpu"
	sim_mem_points="$sim_mem_points $1 $m_anon"
	sim_wb_points="$sim_wb_points $1 $((m_wb + m_wc))"
	awk -v f="$m_fsync" 'BEGIN { exit !(f <= 1) }' || sim_fsync_ok=no
	rm -rf "$d"
}

t_cpu=yes t_anon=yes t_store=yes t_cycle=-
run_snmp() { # n
	# N/50 + 5 s rounded up to a step envmond accepts (a divisor of 300: 5 s at 10, 10 s at
	# 100, 30 s at 1000); 7 s was refused as a step.
	iv=5; [ "$1" -gt 10 ] && iv=$(($1 / 50 + 5))
	for s in 5 6 10 12 15 20 25 30 50 60; do [ "$iv" -le "$s" ] && iv=$s && break; done
	d=$work/snmp$1
	agents_start "$1"
	# Cycle time, CPU per poll cycle and RRD writes per cycle: --probe-all, the poller's
	# own driver calls, back to back ("cycle K: ... P ms; W rrd writes, F failed, S ms;
	# poll cpu C ms"); the first cycle (files created) is left out.
	snmp_conf 1 "$d.rtt" "$iv"
	"$envmond" -c "$d.rtt/envmond.conf" --probe-all 4 >"$work/rtt.out" 2>&1 || true
	rtt=$(awk '/^cycle/ && $2 != "1:" { print $9 }' "$work/rtt.out" | sort -n | head -1)
	snmp_conf "$1" "$d" "$iv"
	"$envmond" -c "$d/envmond.conf" --probe-all 6 >"$work/probe.out" 2>&1 || true
	med() { awk -v f="$1" '/^cycle/ && $2 != "1:" { print $f }' "$work/probe.out" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] + 0 }'; }
	cyc=$(med 9); poll_cpu=$(med 20)
	# Storage per cycle: each cycle's own store time and its share of the batches
	# written at the end (the first cycle, which creates the files, left out).
	wr_ms=$(awk '/^cycle/ && $2 != "1:" { s += $16; n++ } /^flush/ && $2 != "1:" { s += $6 }
		END { printf "%.1f", n ? s / n : 0 }' "$work/probe.out")
	rm -rf "$d/state"; mkdir -p "$d/state"
	daemon_start "$d/envmond.conf"
	sleep $((iv + 2))
	spc=$(stored_per_cycle "$d/state")
	measure "$dpid" "$iv" "$spc" "$rpid" || { tail -5 "$work/daemon.log"; daemon_stop; agents_stop; return 1; }
	daemon_stop
	e_per=$m_per e_anon=$m_anon
	snmp_cpu_points="$snmp_cpu_points $1 $m_cpu"
	snmp_mem_points="$snmp_mem_points $1 $m_anon"
	row "$who" "$1"
	collectd_conf "$1" "$d" "$iv"
	collectd -f -C "$d/collectd.conf" >"$work/collectd.log" 2>&1 &
	cpid=$!
	# collectd reads 10 values per device per interval (nominal: if it falls behind,
	# its real cost per sample is higher, which favours it).
	measure "$cpid" "$iv" $(($1 * 10)) || { tail -5 "$work/collectd.log"; return 1; }
	kill "$cpid"; wait "$cpid" 2>/dev/null || true; cpid=
	row collectd "$1"
	cd_mem_points="$cd_mem_points $1 $m_anon"
	agents_stop
	printf '%15s   collectd/envmond: CPU per sample %sx, anonymous memory %sx; envmond cycle %s ms = %sx one round trip (%s ms), its CPU per poll cycle %s ms, RRD writes %s ms per cycle (wall, an upper bound of their CPU)\n' \
		"" "$(ratio "$m_per" "$e_per")" "$(ratio "$m_anon" "$e_anon")" "$cyc" "$(ratio "$cyc" "$rtt")" "$rtt" "$poll_cpu" "$wr_ms"
	awk -v e="$e_per" -v c="$m_per" 'BEGIN { exit !(e <= c / 2) }' || t_cpu=no
	if [ "$1" -ge 100 ]; then awk -v e="$e_anon" -v c="$m_anon" 'BEGIN { exit !(e <= c / 2) }' || t_anon=no; fi
	awk -v s="$wr_ms" -v p="$poll_cpu" 'BEGIN { exit !(s <= p) }' || t_store=no
	if [ "$1" -ge 1000 ]; then
		t_cycle=no; awk -v c="$cyc" -v r="$rtt" 'BEGIN { exit !(c <= 1.5 * r) }' && t_cycle=yes
	fi
	rm -rf "$d" "$d.rtt"
}

who=envmond
[ -n "$rrdc_addr" ] && who=env+rrdc
echo "envmond storage.batch = ${BATCH:-unset}, collectd CacheTimeout = $CACHE_TIMEOUT, rrdcached: ${rrdc_addr:-none}; CPU window: one write period and a cycle (at least $WINDOW cycles), after $(period) s + 2 cycles (at least $WARM cycles)"
header
for mode in $modes; do
	for n in "$@"; do "run_$mode" "$n"; done
done

met=0 unmet= unmeasured=
# slope "N1 Y1 N2 Y2 ...": (Y_last - Y_first) / (N_last - N_first), "-" with one point.
slope() { echo "$1" | awk -v k="${2:-1}" '{ if (NF < 4 || $(NF - 1) == $1) print "-";
	else printf "%.3f", ($(NF) - $2) * k / ($(NF - 1) - $1) }'; }
growth() { # label "N Y ..." unit scale: "label grows as N^k, S unit per device"
	echo "$1 grows as N^$(loglog_slope "$2"), $(slope "$2" "$4") $3 per device"
}
check() { # name yes/no/- (not measured in this run)
	case $2 in yes) met=$((met + 1)) ;; -) unmeasured="$unmeasured $1" ;; *) unmet="$unmet $1" ;; esac
}
case $modes in *sim*)
	k_cpu=$(loglog_slope "$sim_points"); k_wr=$(loglog_slope "$sim_wb_points")
	echo "sim: CPU per cycle grows as N^$k_cpu, bytes written as N^$k_wr; fsyncs per cycle without transitions <= 1: $sim_fsync_ok"
	echo "sim: CPU per device per cycle (slope): $(echo "$sim_points" | awk '{ n = NF / 2; printf "%.3f ms", ($(NF) - $2) * 1000 / ($(NF - 1) - $1) }')"
	echo "sim: $(growth "envmond's anonymous memory" "$sim_mem_points" kB 1)"
	lin=no
	awk -v a="$k_cpu" -v b="$k_wr" 'BEGIN { exit !(a != "-" && a <= 1.1 && (b == "-" || b <= 1.1)) }' &&
		[ "$sim_fsync_ok" = yes ] && lin=yes
	check linear "$lin" ;;
*) check linear - ;;
esac
case $modes in *snmp*)
	echo "snmp: $(growth "envmond's CPU per cycle" "$snmp_cpu_points" ms 1000)"
	echo "snmp: $(growth "envmond's anonymous memory" "$snmp_mem_points" kB 1); $(growth "collectd's" "$cd_mem_points" kB 1)"
	check cpu-per-sample "$t_cpu"; check anonymous-memory "$t_anon"; check storage-vs-polling "$t_store"
	check cycle-1000 "$t_cycle" ;;
*) check cpu-per-sample -; check anonymous-memory -; check storage-vs-polling -; check cycle-1000 - ;;
esac
echo "targets met: $met/5${unmet:+ (unmet:$unmet)}${unmeasured:+ (not measured:$unmeasured)}"
