"""RRD storage against the real tools: files written by store.c (through store_writer,
which drives it like the daemon) read back with `rrdtool` and with rrdread.h, through a
real rrdcached, and after the writer was killed with SIGKILL while writing."""
import math
import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("ENVMOND_BUILDDIR", TOP / "_build" / "check"))
WRITER = BUILD / "tests" / "system" / "store_writer"
T0 = 1699920000  # 2023-11-14 00:00:00 UTC, day-aligned
STEP = 30
DAY = 86400


def writer(*args, check=True, timeout=600):
    assert WRITER.exists(), f"{WRITER} not built (make check builds it)"
    res = subprocess.run([str(WRITER), *map(str, args)], capture_output=True, text=True,
                         timeout=timeout)
    assert "AddressSanitizer" not in res.stderr and "runtime error:" not in res.stderr, res.stderr
    if check:
        assert res.returncode == 0, res.stderr
    return res


def rrdtool(*args):
    res = subprocess.run(["rrdtool", *map(str, args)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "LC_ALL": "C"})
    assert res.returncode == 0, res.stderr
    return res.stdout


# The known series store_writer writes (see value_of() in store_writer.c).
def temperature(ts):
    return 18.0 + ((ts - 1) // 3600) % 10


def humidity(ts):
    return 40.0 + (ts // 30) % 10


def parse_fetch(out):
    """`rrdtool fetch` output -> (ds names, {label: [values]})."""
    lines = out.splitlines()
    names = lines[0].split()
    rows = {}
    for line in lines[2:]:
        label, values = line.split(":", 1)
        rows[int(label)] = [float(v) for v in values.split()]
    return names, rows


def parse_read(out):
    """`store_writer --read` output -> (header dict, {label: value})."""
    lines = out.splitlines()
    head = dict(kv.split("=") for kv in lines[0].split())
    points = {}
    for line in lines[1:]:
        label, value = line.split()
        points[int(label)] = float(value)
    return head, points


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-9


def info_dict(out):
    d = {}
    for line in out.splitlines():
        key, _, value = line.partition(" = ")
        d[key] = value.strip('"')
    return d


@pytest.fixture
def tmp_state(tmp_path):
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


# ---------------------------------------------------------------- 30 days, rrdtool cross-check

@pytest.fixture(scope="module")
def month_file(tmp_path_factory):
    """One probe with temperature and humidity, 30 days of 30 s updates."""
    state = tmp_path_factory.mktemp("month")
    writer("-d", state, "-n", 1, "-s", 30 * DAY // STEP, "-t", T0, "-m", "temperature,humidity",
           "-p", "probe")
    return state / "rrd" / "probe000.rrd"


def test_rrdtool_info_layout(month_file):
    info = info_dict(rrdtool("info", month_file))
    assert info["step"] == "30"
    assert info["last_update"] == str(T0 + 30 * DAY)
    for ds in ("temperature", "humidity"):
        assert info[f"ds[{ds}].type"] == "GAUGE"
        assert info[f"ds[{ds}].minimal_heartbeat"] == "60"
    # 4 resolutions x AVERAGE, MIN, MAX: 2 days at 30 s, 31 days at 5 min,
    # 13 months at 1 h, 5 years at 1 day.
    rras = {(info[f"rra[{i}].cf"], int(info[f"rra[{i}].pdp_per_row"]), int(info[f"rra[{i}].rows"]))
            for i in range(12)}
    assert f"rra[12].cf" not in info
    for cf in ("AVERAGE", "MIN", "MAX"):
        assert {(cf, 1, 5760), (cf, 10, 8928), (cf, 120, 9504), (cf, 2880, 1827)} <= rras
    assert month_file.stat().st_size < 1_300_000


@pytest.mark.parametrize("cf,metric,start,end,res,want_step", [
    ("AVERAGE", "temperature", T0 + 29 * DAY, T0 + 30 * DAY, 0, 30),
    ("AVERAGE", "humidity", T0, T0 + 30 * DAY, 0, 300),
    ("MIN", "humidity", T0, T0 + 30 * DAY, 0, 300),
    ("MAX", "humidity", T0 + 10 * DAY, T0 + 20 * DAY, 300, 300),
    ("AVERAGE", "temperature", T0, T0 + 30 * DAY, 3600, 3600),
    ("MAX", "temperature", T0, T0 + 30 * DAY, 86400, 86400),
])
def test_fetch_matches_rrdtool(month_file, cf, metric, start, end, res, want_step):
    args = ["fetch", month_file, cf, "-s", start, "-e", end] + (["-r", res] if res else [])
    names, rows = parse_fetch(rrdtool(*args))
    col = names.index(metric)
    head, points = parse_read(writer("--read", month_file, metric, cf, start, end, res).stdout)
    assert int(head["step"]) == want_step
    assert len(points) == (end - start) // want_step
    known = 0
    for label, value in points.items():
        assert same(value, rows[label][col]), (label, value, rows[label])
        # Against the series itself.
        if metric == "humidity":
            assert value == {"AVERAGE": 44.5, "MIN": 40.0, "MAX": 49.0}[cf]
        elif want_step == 86400:
            assert value == 27.0  # each day goes through every hourly value, 18..27
        else:
            assert value == temperature(label)
        known += 1
    assert known == len(points) and int(head["unknown"]) == 0


def test_last_value_matches_rrdtool(month_file):
    out = rrdtool("lastupdate", month_file).splitlines()
    label, values = out[-1].split(":")
    temp, hum = (float(v) for v in values.split())
    head = writer("--info", month_file).stdout.split()
    assert head[1] == f"last_update={int(label)}"
    assert f"temperature={temp:g}" in head and f"humidity={hum:g}" in head
    assert temp == temperature(T0 + 30 * DAY) and hum == humidity(T0 + 30 * DAY)


# ---------------------------------------------------------------- rrdcached

@pytest.fixture
def rrdcached(tmp_state):
    sock = tmp_state / "rrdcached.sock"
    journal = tmp_state / "journal"
    journal.mkdir()
    (tmp_state / "rrd").mkdir()
    proc = subprocess.Popen(["rrdcached", "-g", "-F", "-l", f"unix:{sock}", "-b", str(tmp_state),
                             "-p", str(tmp_state / "rrdcached.pid"), "-j", str(journal),
                             "-w", "3600", "-z", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    assert sock.exists(), "rrdcached did not start"
    yield f"unix:{sock}", proc
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def test_through_rrdcached(tmp_state, rrdcached):
    addr, proc = rrdcached
    start = T0
    writer("-d", tmp_state, "-C", addr, "-n", 20, "-s", 240, "-t", start, "-m",
           "temperature,humidity", "-p", "cached")
    end = start + 240 * STEP
    f = tmp_state / "rrd" / "cached007.rrd"
    # store_fini() flushed the writer's updates to the file.
    assert info_dict(rrdtool("info", f))["last_update"] == str(end)
    head, points = parse_read(writer("-C", addr, "--read", f, "humidity", "MAX",
                                     start, end).stdout)
    names, rows = parse_fetch(rrdtool("fetch", "--daemon", addr, f, "MAX", "-s", start,
                                      "-e", end))
    assert int(head["step"]) == 30 and len(points) == 240
    for label, value in points.items():
        assert value == humidity(label) == rows[label][names.index("humidity")]
    # An update that rrdcached holds in its cache (it writes after an hour, -w 3600): the
    # read API flushes it before reading.
    end += STEP
    rrdtool("update", "--daemon", addr, f, f"{end}:19:41.5")
    assert info_dict(rrdtool("info", f))["last_update"] == str(end - STEP)
    head, points = parse_read(writer("-C", addr, "--read", f, "humidity", "AVERAGE",
                                     end - STEP, end).stdout)
    assert points == {end: 41.5}
    assert info_dict(rrdtool("info", f))["last_update"] == str(end)

    # The profile gains dew_point: the file is re-created through rrdcached, history kept.
    res = writer("-d", tmp_state, "-C", addr, "-n", 20, "-s", 40, "-t", end, "-m",
                 "temperature,humidity,dew_point", "-p", "cached")
    assert res.stderr.count("new data source") == 20
    end2 = end + 40 * STEP
    info = info_dict(rrdtool("info", "--daemon", addr, f))
    assert info["ds[dew_point].type"] == "GAUGE"
    assert info["last_update"] == str(end2)
    head, points = parse_read(writer("-C", addr, "--read", f, "temperature", "AVERAGE",
                                     start, end2).stdout)
    assert len(points) == 281 and head["unknown"] == "0"
    assert all(v == (19 if t == end else temperature(t)) for t, v in points.items())
    head, points = parse_read(writer("-C", addr, "--read", f, "dew_point", "AVERAGE",
                                     start, end2).stdout)
    assert head["unknown"] == "241"
    assert all(v == 7 + 0.2 for t, v in points.items() if t > end)

    # Stopped, rrdcached writes everything out.
    proc.terminate()
    proc.wait(timeout=30)
    assert info_dict(rrdtool("info", f))["last_update"] == str(end2)


def test_rrdcached_restart_is_survived(tmp_state, rrdcached):
    """rrdcached goes away while the writer runs: one error line, readings lost while it is
    away, then the writer reconnects by itself."""
    addr, proc = rrdcached
    w = subprocess.Popen([str(a) for a in (WRITER, "-d", tmp_state, "-C", addr, "-n", 5, "-s", 400,
                                           "-w", 5, "-t", T0, "-m", "temperature")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=30)
    time.sleep(0.3)
    again = subprocess.Popen(["rrdcached", "-g", "-F", "-l", addr, "-b", str(tmp_state), "-p",
                              str(tmp_state / "rrdcached.pid"), "-j", str(tmp_state / "journal")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
        assert err.count("rrdcached") >= 2
        assert len(re.findall(r"error: storage: .*rrdcached", err)) == 1, err
        assert "answers again" in err
        last = int(info_dict(rrdtool("info", "--daemon", addr,
                                     tmp_state / "rrd" / "dev000.rrd"))["last_update"])
        assert last == T0 + 400 * STEP
    finally:
        again.terminate()
        again.wait(timeout=30)


def test_longer_interval_through_rrdcached(tmp_state, rrdcached):
    """A device polled every 30 s (heartbeat 60 s), then every 120 s: the heartbeat of its
    file is raised (librrd has no tune through rrdcached: flushed, then tuned in place),
    so the new readings are stored, not unknown."""
    addr, _ = rrdcached
    f = tmp_state / "rrd" / "slow000.rrd"
    writer("-d", tmp_state, "-C", addr, "-n", 1, "-s", 120, "-t", T0, "-m",
           "temperature,humidity", "-p", "slow")
    assert info_dict(rrdtool("info", f))["ds[temperature].minimal_heartbeat"] == "60"
    mid = T0 + 120 * STEP
    res = writer("-d", tmp_state, "-C", addr, "-n", 1, "-s", 30, "-i", 120, "-t", mid, "-m",
                 "temperature,humidity", "-p", "slow")
    assert "heartbeat raised to 240 s" in res.stderr, res.stderr
    info = info_dict(rrdtool("info", "--daemon", addr, f))
    assert info["ds[temperature].minimal_heartbeat"] == "240"
    assert info["ds[humidity].minimal_heartbeat"] == "240"
    end = mid + 30 * 120
    assert info["last_update"] == str(end)
    head, points = parse_read(writer("-C", addr, "--read", f, "temperature", "AVERAGE",
                                     mid, end, STEP).stdout)
    assert len(points) == 120 and head["unknown"] == "0", head
    # Point t belongs to the update that closed its 120 s interval.
    assert all(v == temperature(mid + 120 * math.ceil((t - mid) / 120)) for t, v in points.items())


# ---------------------------------------------------------------- SIGKILL while writing

def check_files(rrd_dir, lo, hi):
    """Every file opens with `rrdtool info` and `rrdtool fetch`, and its last update lies
    in [lo, hi]. One `rrdtool -` process runs the commands for all the files."""
    files = sorted(rrd_dir.glob("*.rrd"))
    script = "".join(f"info {f}\nfetch {f} AVERAGE -s {hi - 3600} -e {hi}\n" for f in files)
    res = subprocess.run(["rrdtool", "-"], input=script, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "LC_ALL": "C"})
    out = res.stdout
    assert "ERROR" not in out, out[out.index("ERROR"):][:300]
    assert out.count("\nOK ") + out.startswith("OK ") == 2 * len(files)
    lasts = [int(v) for v in re.findall(r"^last_update = (\d+)$", out, re.M)]
    assert len(lasts) == len(files)
    assert all(lo <= t <= hi for t in lasts), (lo, hi, lasts)
    return len(files)


def test_sigkill_while_writing(tmp_state):
    rng = random.Random(5)
    rrd_dir = tmp_state / "rrd"
    hi = T0
    for run in range(20):
        start = T0 + run * 10 * DAY
        w = subprocess.Popen([str(a) for a in (WRITER, "-d", tmp_state, "-n", 50, "-s", 0,
                                               "-w", 2, "-t", start)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.05, 1.5))
        w.send_signal(signal.SIGKILL)
        _, err = w.communicate(timeout=30)
        assert w.returncode == -signal.SIGKILL
        assert "unreadable" not in err and "AddressSanitizer" not in err, err
        hi = start + 10 * DAY
        check_files(rrd_dir, T0 - STEP, hi)
    # A last run opens every file (none is set aside) and leaves no temporary file.
    res = writer("-d", tmp_state, "-n", 50, "-s", 3, "-t", T0 + 20 * 10 * DAY)
    assert "unreadable" not in res.stderr
    assert "updates=150 failed=0" in res.stdout
    assert check_files(rrd_dir, T0 - STEP, T0 + 201 * 10 * DAY) == 50
    assert sorted(p.name for p in rrd_dir.iterdir()) == sorted(f"dev{i:03d}.rrd"
                                                               for i in range(50))


def test_sigkill_daemon_while_writing(tmp_path):
    """The daemon itself, killed 20 times while its 40 simulated probes are polled and
    stored (first polls spread over the 5 s interval, so files are being created and
    updated at any moment): every RRD file still opens and reads, its last update is
    sane, and a final clean run writes a file for every device."""
    envmond = BUILD / "src" / "daemon" / "envmond"
    state = tmp_path / "state"
    devices = ", ".join(
        '{ name = "probe%02d"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }'
        % (i, TOP / "tests" / "sim" / "scenarios" / "common.scn") for i in range(40))
    conf = tmp_path / "envmond.conf"
    conf.write_text('''
site = { name = "T"; code = "T"; contacts = { arsit = [ "a@example.org" ]; }; };
paths = { state_dir = "%s"; profiles_dir = "%s"; pid_file = "%s/envmond.pid";
          control_socket = "%s/sock"; };
storage = { step = 5; };
daemon = { allow_root = true; };
devices = ( %s );
''' % (state, TOP / "tests" / "sim" / "profiles", tmp_path, tmp_path, devices))
    rng = random.Random(7)
    begin = time.time()

    def check_all():
        files = sorted((state / "rrd").glob("*.rrd")) if (state / "rrd").exists() else []
        for f in files:
            info = subprocess.run(["rrdtool", "info", str(f)], capture_output=True, text=True)
            assert info.returncode == 0, (f, info.stderr)
            last = int(re.search(r"^last_update = (\d+)", info.stdout, re.M).group(1))
            assert begin - 3600 <= last <= time.time() + 1, (f, last)
            fetch = subprocess.run(["rrdtool", "fetch", str(f), "AVERAGE", "-s", "-300"],
                                   capture_output=True, text=True)
            assert fetch.returncode == 0, (f, fetch.stderr)
        return len(files)

    for _ in range(20):
        d = subprocess.Popen([str(envmond), "-f", "-c", str(conf)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.3, 2.0))
        d.send_signal(signal.SIGKILL)
        _, err = d.communicate(timeout=30)
        assert d.returncode == -signal.SIGKILL, err
        assert "AddressSanitizer" not in err and "runtime error:" not in err, err
        check_all()
    d = subprocess.Popen([str(envmond), "-f", "-c", str(conf)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(7)
    d.send_signal(signal.SIGTERM)
    _, err = d.communicate(timeout=30)
    assert d.returncode == 0, err
    assert "unreadable" not in err, err
    assert check_all() == 40
    # librrd 1.7 creates "<name>.rrdXXXXXX" (mkstemp) and renames it over <name>.rrd: a
    # kill leaves one behind, which the next start removes.
    names = [p.name for p in (state / "rrd").iterdir()]
    assert not [n for n in names if re.fullmatch(r".+\.rrd[A-Za-z0-9]{6}", n)], names
    assert all(n.endswith(".rrd") for n in names), names


# ---------------------------------------------------------------- cost of a cycle

@pytest.mark.parametrize("mode", ["direct", "rrdcached"])
def test_cycle_time_100_devices(tmp_state, request, mode):
    args = ["-d", tmp_state, "-n", 100, "-s", 30]
    if mode == "rrdcached":
        addr, _ = request.getfixturevalue("rrdcached")
        args += ["-C", addr]
    writer(*args, "-t", T0)  # creates the files
    res = writer(*args, "-t", T0 + 30 * STEP)
    figures = dict(kv.split("=") for kv in res.stdout.split())
    print(f"\n{mode}: 100 devices x 5 metrics: {figures}")
    assert figures["updates"] == "3000" and figures["failed"] == "0"
    # A cycle must not hold the loop for long (a step is 30 s).
    assert float(figures["p95_cycle_ms"]) < 2000


def test_daemon_batch_written_for_the_report(tmp_path):
    """The daemon keeps a device's readings for storage.batch seconds before one rrd
    update; envmon-report asks it (control socket) to write them before it reads, and
    a clean stop writes them too."""
    envmond = BUILD / "src" / "daemon" / "envmond"
    report = BUILD / "src" / "report" / "envmon-report"
    state = tmp_path / "state"
    scenario = TOP / "tests" / "sim" / "scenarios" / "common.scn"
    conf = tmp_path / "envmond.conf"
    conf.write_text('''
site = { name = "T"; code = "T"; contacts = { arsit = [ "a@example.org" ]; }; };
paths = { state_dir = "%s"; profiles_dir = "%s"; pid_file = "%s/envmond.pid";
          control_socket = "%s/sock"; };
storage = { step = 5; batch = 300; };
daemon = { allow_root = true; };
devices = ( { name = "probe"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; } );
racks = ( { name = "baie"; probes = [ "probe" ]; servers = ( { name = "srv"; role = "other"; } ); } );
''' % (state, TOP / "tests" / "sim" / "profiles", tmp_path, tmp_path, scenario))
    f = state / "rrd" / "probe.rrd"
    d = subprocess.Popen([str(envmond), "-f", "-c", str(conf)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while not (f.exists() and (tmp_path / "sock").exists()) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(11)       # two more readings, batched
        created = int(re.search(r"^last_update = (\d+)", rrdtool("info", f), re.M).group(1))
        assert created < time.time() - 8, "the readings were written at once, not batched"
        asked = time.time()
        day = time.strftime("%Y-%m-%d", time.gmtime())
        res = subprocess.run([str(report), "-c", str(conf), "--from", day, "--to", day,
                              "--format", "csv", "-o", str(tmp_path / "r.csv")],
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
        assert "may be missing" not in res.stderr, res.stderr
        last = int(re.search(r"^last_update = (\d+)", rrdtool("info", f), re.M).group(1))
        assert last >= asked - 6, (created, last, asked, res.stderr)
    finally:
        d.send_signal(signal.SIGTERM)
        _, err = d.communicate(timeout=30)
    assert d.returncode == 0, err
    stopped = time.time()
    last = int(re.search(r"^last_update = (\d+)", rrdtool("info", f), re.M).group(1))
    assert last >= stopped - 6, (last, stopped)
