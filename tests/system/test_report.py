"""envmon-report against 30 days of known history.

The test writes RRD files in the store's layout (rrdtool create/update: step 30 s, one
GAUGE data source per metric, the store's archives) and journal episodes (through the
journal's writer, tests/system/journal-append), runs envmon-report, and compares every
figure of the CSV with values computed here independently from the same generated
series; then checks the French text and renders the HTML in headless Chromium.

History: March 2026 in Europe/Paris (the 29th has 23 hours), one value per 5-minute
bucket (the archive a 30-day period is read from), with gaps of unknown points."""

import csv
import io
import math
import os
import random
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("ENVMOND_BUILDDIR", os.path.join(ROOT, "_build", "check"))
REPORT = os.path.join(BUILD, "src", "report", "envmon-report")
JOURNAL_APPEND = os.path.join(BUILD, "tests", "system", "journal-append")
TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)
FROM = int(datetime(2026, 3, 1, tzinfo=PARIS).timestamp())
TO = int(datetime(2026, 3, 31, tzinfo=PARIS).timestamp())      # --to 2026-03-30, inclusive
BUCKET = 300
NAN = float("nan")

# The default spec (conf_default_thresholds): recommended = warning, allowable = critical.
ENVELOPES = {
    "temperature": (18.0, 27.0, 15.0, 32.0),
    "humidity": (NAN, 60.0, 8.0, 80.0),
    "dew_point": (-9.0, 15.0, NAN, 17.0),
    "temp_rate_hour": (-10.0, 10.0, -20.0, 20.0),
    "temp_rate_15min": (-3.0, 3.0, -5.0, 5.0),
    "ups_runtime": (900.0, NAN, 600.0, NAN),
    "ups_load": (NAN, 80.0, NAN, 90.0, True),   # at or above the bound is outside (DESIGN §8)
    "ups_charge": (50.0, NAN, 25.0, NAN),
    "input_voltage": (207.0, 253.0, 196.0, 264.0),
    "input_frequency": (49.5, 50.5, 49.0, 51.0),
}
# States: the severity of each state code (metric.c's order) as the alerts grade it,
# written from the domain (DESIGN.md §5, §8) -- 0 normal, 1 warning, 2 critical -- and
# judged against 0.5 / 1.5.
LEVELS = {
    # online; on battery: carried, alerted after a short hold; bypass and output off:
    # the load is unprotected or unpowered
    "ups_source": [0, 1, 2, 2],
    # normal; low, depleted, fault: the shutdown is near -- alert at once
    "ups_battery": [0, 2, 2, 2],
    # no; yes: new batteries to plan
    "ups_replace_battery": [0, 1],
    # running; stopped: the room heats up; alarm: the unit reports a fault but still runs
    "cooling_state": [0, 2, 1],
    # passed; failed: batteries to check; in progress; none
    "ups_selftest": [0, 1, 0, 0],
}
STATE_ENV = (NAN, 0.5, NAN, 1.5)

PROBE_DS = ["temperature", "humidity", "dew_point", "temp_rate_hour", "temp_rate_15min"]
UPS_DS = ["ups_source", "ups_battery", "ups_charge", "ups_runtime", "ups_load",
          "ups_replace_battery", "ups_selftest", "input_voltage", "input_frequency"]
COOLING_DS = ["cooling_state"]
UPS_ORDER = ["ups_source", "ups_runtime", "ups_load", "ups_charge", "ups_battery",
             "ups_replace_battery", "ups_selftest", "input_voltage", "input_frequency"]


def bucket_index(day, hour, minute=0):
    t = int(datetime(2026, 3, day, hour, minute, tzinfo=PARIS).timestamp())
    return (t - FROM) // BUCKET


def generate():
    """The history, one list of values per metric of each device (NAN = unknown)."""
    rnd = random.Random(20260301)
    n = (TO - FROM) // BUCKET
    probe = {k: [0.0] * n for k in PROBE_DS}
    for i in range(n):
        t = FROM + i * BUCKET
        hour = ((t - FROM) % 86400) / 3600.0
        probe["temperature"][i] = round(22.5 + 2.5 * math.sin(2 * math.pi * (hour - 9) / 24)
                                        + rnd.uniform(-0.4, 0.4), 2)
        probe["humidity"][i] = round(42 + 8 * math.sin(2 * math.pi * hour / 24)
                                     + rnd.uniform(-1, 1), 2)
        probe["temp_rate_hour"][i] = round(rnd.uniform(-3, 3), 2)
        probe["temp_rate_15min"][i] = round(rnd.uniform(-1, 1), 2)
    # A hot afternoon: the air conditioning stops on the 10th from 13:00 to 17:00.
    a, b = bucket_index(10, 13), bucket_index(10, 17)
    for k, i in enumerate(range(a, b)):
        probe["temperature"][i] = round(27.5 + 6 * math.sin(math.pi * k / (b - a)), 2)
    probe["temp_rate_hour"][a + 2] = 12.5
    # A humid day: the 15th from 06:00 to 18:00 above 60 %RH.
    for i in range(bucket_index(15, 6), bucket_index(15, 18)):
        probe["humidity"][i] = round(64 + rnd.uniform(-2, 2), 2)
    for i in range(n):
        t, rh = probe["temperature"][i], probe["humidity"][i]
        g = math.log(rh / 100) + 17.62 * t / (243.12 + t)
        probe["dew_point"][i] = round(243.12 * g / (17.62 - g), 2)
    # The probe went silent for six hours on the 5th, and for one day on the 22nd.
    for lo, hi in ((bucket_index(5, 2), bucket_index(5, 8)), (bucket_index(22, 0), bucket_index(23, 0))):
        for i in range(lo, hi):
            for k in PROBE_DS:
                probe[k][i] = NAN

    ups = {k: [0.0] * n for k in UPS_DS}
    for i in range(n):
        ups["ups_charge"][i] = 100.0
        ups["ups_runtime"][i] = 1500.0 + rnd.choice((0, 60, -60))
        ups["ups_load"][i] = round(38 + rnd.uniform(-4, 4), 1)
        ups["input_voltage"][i] = round(230 + rnd.uniform(-3, 3), 1)
        ups["input_frequency"][i] = round(50 + rnd.uniform(-0.05, 0.05), 2)
    # A load of exactly 80 % for 15 minutes on the 12th: a warning (>= 80 %), not inside.
    for k in range(3):
        ups["ups_load"][bucket_index(12, 10) + k] = 80.0
    # Outages: 10 min on the 8th, 33 min on the 20th from 11:02:30 (runtime under the
    # budget; its 5-minute buckets hold 35 min), 5 min on the 25th; the 8th and the 25th
    # are not in the journal (as if it had been lost). 90 s on the 14th: see SUBSTEPS.
    for day, hour, minute, buckets in ((8, 3, 0, 2), (20, 11, 0, 7), (25, 23, 55, 1), (14, 14, 0, 1)):
        s = bucket_index(day, hour, minute)
        if day == 14:
            ups["ups_source"][s] = 1        # the bucket's maximum; the readings are in SUBSTEPS
            continue
        for k in range(buckets):
            ups["ups_source"][s + k] = 1
            ups["input_voltage"][s + k] = 0.0
            ups["input_frequency"][s + k] = NAN
            ups["ups_runtime"][s + k] = 1500.0 - 180 * (k + 1)
            ups["ups_charge"][s + k] = 100.0 - 12 * (k + 1)
        for k in range(6):
            ups["ups_charge"][s + buckets + k] = max(ups["ups_charge"][s + buckets + k] - 10, 60)
    # A failed self-test on the 27th at 09:00, then the UPS asks for new batteries.
    ups["ups_selftest"][bucket_index(27, 9)] = 1
    for i in range(bucket_index(27, 9), n):
        ups["ups_replace_battery"][i] = 1
    # Network trouble: the UPS did not answer for two hours on the 12th.
    for i in range(bucket_index(12, 10), bucket_index(12, 12)):
        for k in UPS_DS:
            ups[k][i] = NAN

    cooling = {"cooling_state": [0.0] * n}
    for i in range(a, b):
        cooling["cooling_state"][i] = 1
    return {"sonde-baie-a": probe, "ups-general": ups, "clim-1": cooling}


def at(d, h, m, sec=0):
    return int(datetime(2026, 3, d, h, m, sec, tzinfo=PARIS).timestamp())


# Outages that start or end inside a bucket, as the daemon reads them every 30 s: an
# update at t gives the value of (previous update, t]. ups_source = 1 on battery.
# The 20th: on mains until 11:02:00, on battery from the reading of 11:02:30 to that of
# 11:35:00 (the bucket ends carry the 1s of generate()): 66 readings, 33 min.
# The 14th: on battery for the readings of 14:02:30, 14:03:00 and 14:03:30 (90 s), back
# on mains at 14:04:00; its bucket (14:00, 14:05] has a maximum of 1, an average of 0.3.
SUBSTEPS = {
    "ups-general": {
        at(20, 11, 2): {"ups_source": 0},
        at(14, 14, 2): {"ups_source": 0},
        at(14, 14, 3, 30): {"ups_source": 1},
        at(14, 14, 5): {"ups_source": 0},
    },
}
# Each outage carried, as the journal's readings show it: (first reading on battery,
# seconds on battery, in the journal). Those not in the journal are only known from
# the 5-minute buckets the month is read from.
OUTAGES = [
    (at(8, 3, 0), 2 * BUCKET, False),
    (at(14, 14, 2, 30), 90, True),
    (at(20, 11, 2, 30), 66 * 30, True),
    (at(25, 23, 55), BUCKET, False),
]


def write_rrd(path, series, substeps=None):
    """An RRD file in the store's layout; every 5-minute bucket written at its end, and
    the readings of substeps {t: {metric: value}} inside their bucket."""
    substeps = substeps or {}
    names = list(series)
    rras = []
    for cf in ("AVERAGE", "MIN", "MAX"):
        rras += ["RRA:%s:0.5:1:5760" % cf, "RRA:%s:0.5:10:8928" % cf,
                 "RRA:%s:0.5:120:9504" % cf, "RRA:%s:0.5:2880:1827" % cf]
    subprocess.run(["rrdtool", "create", path, "--start", str(FROM), "--step", "30"]
                   + ["DS:%s:GAUGE:600:U:U" % k for k in names] + rras, check=True)
    n = len(series[names[0]])
    lines = []
    times = sorted(set(FROM + (i + 1) * BUCKET for i in range(n)) | set(substeps))
    for t in times:
        i = -(-(t - FROM) // BUCKET) - 1          # the bucket (t - BUCKET, t] lies in
        row = dict((k, series[k][i]) for k in names)
        row.update(substeps.get(t, {}))
        vals = ["U" if math.isnan(row[k]) else repr(row[k]) for k in names]
        lines.append("%d:%s" % (t, ":".join(vals)))
    for c in range(0, n, 400):
        subprocess.run(["rrdtool", "update", path] + lines[c:c + 400], check=True)


# Journal: (criterion, cause device, rack, servers, severity, opened, end, value[, since,
# state]); since defaults to 5 min before the opening.
SERVERS = [("srv-numerisation", "digitization"), ("srv-comci", "comci")]
EPISODES = [
    ("temperature", None, "baie-A", SERVERS, "critical",
     (10, 13, 30), (10, 16, 30), 33.4),
    # The daemon's record of the outages above: opened after the 60 s hold, closed 60 s
    # (clear_hold) after the first reading back on mains.
    ("ups_source", "ups-general", None, SERVERS, "warning", (20, 11, 3, 30), (20, 11, 36, 30), NAN,
     (20, 11, 2, 30), "on_battery"),
    ("ups_source", "ups-general", None, SERVERS, "warning", (14, 14, 3, 30), (14, 14, 5, 0), NAN,
     (14, 14, 2, 30), "on_battery"),
    ("ups_runtime", "ups-general", None, SERVERS[1:], "critical", (20, 11, 25), (20, 11, 35), 240.0),
    ("ups_replace_battery", "ups-general", None, SERVERS, "warning", (27, 9, 0), None, NAN),
    ("humidity", None, "baie-A", SERVERS, "warning", (15, 6, 10), (15, 18, 0), 66.1),
]


def ts(dhm):
    return at(*dhm)


def write_journal(state_dir):
    import json
    recs = []
    for n, (crit, dev, rack, servers, sev, start, end, value, *more) in enumerate(EPISODES, 1):
        iid = "TJ-EXV-202603%02d-%d" % (start[0], n)
        cond = "device:%s/%s" % (dev, crit) if dev else "rack:%s/%s" % (rack, crit)
        since = ts(more[0]) if more else ts(start) - 300
        rec = {"type": "open", "t": ts(start), "id": iid, "cond": cond, "criterion": crit,
               "severity": sev, "since": since, "opened": ts(start),
               "servers": [{"name": s, "role": r, "rack": "baie-A"} for s, r in servers],
               "notice": {"seq": 1, "kind": "alert", "silenced": False}}
        if more:
            rec["state"] = rec["worst_state"] = more[1]
        if dev:
            rec["device"] = dev
        if rack:
            rec["rack"] = rack
        if not math.isnan(value):
            rec["value"] = value
        recs.append(rec)
        recs.append({"type": "notified", "t": ts(start) + 1, "id": iid, "seq": 1})
        if end:
            recs.append({"type": "close", "t": ts(end), "id": iid, "severity": sev,
                         "notice": {"seq": 2, "kind": "recovery", "silenced": False}})
    data = "".join(json.dumps(r) + "\n" for r in recs)
    subprocess.run([JOURNAL_APPEND, os.path.join(state_dir, "journal.jsonl")],
                   input=data.encode(), check=True)


CONF = """
site = {{ name = "Tribunal judiciaire d'Exempleville"; code = "TJ-EXV";
  ressort = "Cour d'appel d'Exempleville";
  contacts = {{ arsit = [ "arsit@example.org" ]; local = [ "tip@example.org" ]; }}; }};
paths = {{ state_dir = "{state}"; profiles_dir = "{profiles}"; }};
storage = {{ step = 30; }};
devices = (
  {{ name = "ups-general"; profile = "ups-rfc1628"; snmp = {{ host = "127.0.0.1"; version = "2c"; community = "public"; }}; }},
  {{ name = "clim-1"; profile = "cooling-apc-inrow"; modbus = {{ host = "127.0.0.1"; port = 5020; unit = 1; }}; }},
  {{ name = "sonde-baie-a"; profile = "probe-xy-md02"; modbus = {{ host = "127.0.0.1"; port = 5021; unit = 1; }}; }}
);
racks = (
  {{ name = "baie-A"; probes = [ "sonde-baie-a" ]; cooling = [ "clim-1" ];
    servers = ( {{ name = "srv-numerisation"; role = "digitization"; ups = [ "ups-general" ]; }},
                {{ name = "srv-comci"; role = "comci"; ups = [ "ups-general" ]; }} ); }},
  {{ name = "etagere <script>alert(1)</script>"; is_rack = false;
    servers = ( {{ name = "srv-<b>gestion</b>"; role = "other"; }} ); }}
);
"""


def make_site(prefix, fill, conf_text=CONF):
    """A temporary site: conf_text (CONF), a state directory that fill(state) populates,
    the French catalogue; returns {tmp, conf, locale} plus what fill returns as "hist"."""
    if not os.access(REPORT, os.X_OK):
        pytest.fail("envmon-report not built: %s" % REPORT)
    tmp = tempfile.mkdtemp(prefix=prefix)
    state = os.path.join(tmp, "state")
    os.makedirs(os.path.join(state, "rrd"))
    hist = fill(state)
    conf = os.path.join(tmp, "envmond.conf")
    with open(conf, "w") as f:
        f.write(conf_text.format(state=state, profiles=os.path.join(ROOT, "etc", "profiles")))
    locale = os.path.join(tmp, "locale", "fr", "LC_MESSAGES")
    os.makedirs(locale)
    gmo = os.path.join(BUILD, "po", "fr.gmo")
    if not os.path.exists(gmo):
        gmo = os.path.join(ROOT, "po", "fr.gmo")
    shutil.copy(gmo, os.path.join(locale, "envmond.mo"))
    return {"tmp": tmp, "conf": conf, "hist": hist, "locale": os.path.dirname(os.path.dirname(locale))}


def fill_month(state):
    hist = generate()
    for dev, series in hist.items():
        write_rrd(os.path.join(state, "rrd", dev + ".rrd"), series, SUBSTEPS.get(dev))
    write_journal(state)
    return hist


@pytest.fixture(scope="module")
def site():
    s = make_site("envmon-report-", fill_month)
    yield s
    shutil.rmtree(s["tmp"])


def report_env(site, extra_env=None):
    # librrd's graphs keep font caches for the process's life: see lsan-report.supp.
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lsan-report.supp")
    env = dict(os.environ, TZ=TZ, LC_ALL="C", ENVMOND_LOCALEDIR=site["locale"],
               LSAN_OPTIONS="suppressions=" + supp + ":print_suppressions=0",
               # full stacks: libc's vasprintf breaks the fast unwinder inside librrd
               ASAN_OPTIONS="fast_unwind_on_malloc=0")
    env.pop("LANGUAGE", None)
    env.update(extra_env or {})
    return env


def run_report(site, fmt, extra_env=None, args=()):
    out = os.path.join(site["tmp"], "report." + fmt)
    p = subprocess.run([REPORT, "-c", site["conf"], "--from", "2026-03-01", "--to", "2026-03-30",
                        "--format", fmt, "-o", out] + list(args), env=report_env(site, extra_env),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    with open(out, encoding="utf-8") as f:
        return f.read(), out


# ---------------------------------------------------------------- independent figures

def outside(v, lo, hi, upper_inclusive=False):
    return (not math.isnan(lo) and v < lo) or (not math.isnan(hi) and (v > hi or (upper_inclusive and v == hi)))


def percentile(vals, p):
    k = sorted(vals)
    if not k:
        return NAN
    rank = p / 100 * (len(k) - 1)
    lo = math.floor(rank)
    return k[lo] + (rank - lo) * (k[lo + 1] - k[lo]) if lo + 1 < len(k) else k[lo]


def figures(vals, env):
    known = [v for v in vals if not math.isnan(v)]
    incl = len(env) > 4 and env[4]
    rec = sum(BUCKET for v in known if outside(v, env[0], env[1], incl))
    allow = sum(BUCKET for v in known if outside(v, env[2], env[3], incl))
    ks = len(known) * BUCKET
    return {
        "points": len(vals), "known": len(known),
        "coverage": len(known) / len(vals) if known else 0.0,
        "min": min(known) if known else NAN, "max": max(known) if known else NAN,
        "mean": sum(known) / len(known) if known else NAN,
        "p95": percentile(known, 95),
        "out_rec_s": rec, "out_allow_s": allow,
        "out_rec_share": rec / ks if ks else 0.0, "out_allow_share": allow / ks if ks else 0.0,
    }


def days_of_period():
    """(ISO date, first bucket, count) of each local day."""
    out = []
    for i in range((TO - FROM) // BUCKET):
        d = datetime.fromtimestamp(FROM + i * BUCKET, PARIS).date().isoformat()
        if not out or out[-1][0] != d:
            out.append([d, i, 0])
        out[-1][2] += 1
    return out


def episode_counts(crit, device, server):
    warn = crit_n = 0
    for c, dev, rack, servers, sev, *_ in EPISODES:
        if c != crit or (dev and dev != device) or server not in [s for s, _ in servers]:
            continue
        if sev == "critical":
            crit_n += 1
        else:
            warn += 1
    return warn, crit_n


def verdict(f, warn, crit_n, transfers):
    """verdict.h's rule, written again."""
    if f["known"] == 0:
        return "nodata"
    if crit_n or f["out_allow_share"] > 0.01:
        return "fail"
    if warn or f["out_allow_s"] > 0 or f["out_rec_share"] > 0.05 or transfers or f["coverage"] < 0.9:
        return "watch"
    return "ok"


def expected_rows(hist):
    """(date, server, criterion, device) -> expected figures and, for the period, verdict."""
    exp = {}
    plan = [("sonde-baie-a", PROBE_DS), ("clim-1", COOLING_DS), ("ups-general", UPS_ORDER)]
    for server, _role in SERVERS:
        for dev, crits in plan:
            for crit in crits:
                raw = hist[dev][crit]
                if crit in LEVELS:
                    vals = [NAN if math.isnan(v) else LEVELS[crit][int(v)] for v in raw]
                    env = STATE_ENV
                else:
                    vals, env = raw, ENVELOPES[crit]
                for d, first, count in days_of_period():
                    exp[(d, server, crit, dev)] = figures(vals[first:first + count], env)
                f = figures(vals, env)
                transfers, longest = (len(OUTAGES), max(o[1] for o in OUTAGES)) \
                    if crit == "ups_source" else (0, 0)
                warn, crit_n = episode_counts(crit, dev, server)
                worst = None
                best = 0
                for d, first, count in days_of_period():
                    s = figures(vals[first:first + count], env)["out_rec_s"]
                    if s > best:
                        best, worst = s, d
                f.update(verdict=verdict(f, warn, crit_n, transfers), incidents=warn + crit_n,
                         transfers=transfers, longest=longest, worst_day=worst or "")
                exp[("period", server, crit, dev)] = f
    return exp


def close(got, want, tol):
    if math.isnan(want):
        return got == ""
    return got != "" and abs(float(got) - want) <= tol


# The static findings of the server outside any rack: one period row each, verdict only.
FINDINGS = {"installation:rack": "fail", "installation:ups": "fail",
            "installation:probe": "nodata", "installation:cooling": ""}


def test_csv_figures(site):
    text, _ = run_report(site, "csv", args=["--csv-dialect=rfc4180"])
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    findings = {r["criterion"]: r["verdict"] for r in rows if r["server"] == "srv-<b>gestion</b>"}
    assert findings == FINDINGS
    rows = [r for r in rows if r["server"] != "srv-<b>gestion</b>"]
    exp = expected_rows(site["hist"])
    got = {(r["date"], r["server"], r["criterion"], r["device"]): r for r in rows}
    assert set(got) == set(exp), sorted(set(got) ^ set(exp))[:10]
    assert len(days_of_period()) == 30
    compared = 0
    for key, e in exp.items():
        r = got[key]
        assert int(r["points"]) == e["points"], key
        assert int(r["known"]) == e["known"], key
        assert close(r["coverage"], e["coverage"], 1e-6), (key, r["coverage"], e["coverage"])
        for col in ("min", "mean", "max", "p95"):
            assert close(r[col], e[col], 1e-4), (key, col, r[col], e[col])
        for col in ("out_rec_s", "out_allow_s"):
            assert float(r[col]) == e[col], (key, col, r[col], e[col])
        for col in ("out_rec_share", "out_allow_share"):
            assert close(r[col], e[col], 1e-6), (key, col, r[col], e[col])
        if key[0] == "period":
            assert r["verdict"] == e["verdict"], (key, r["verdict"], e["verdict"])
            assert int(r["incidents"]) == e["incidents"], key
            assert r["worst_day"] == e["worst_day"], (key, r["worst_day"], e["worst_day"])
            if key[2] == "ups_source":
                assert int(r["transfers"]) == e["transfers"] == 4
                assert float(r["longest_outage_s"]) == e["longest"] == 33 * 60
        compared += 1
    assert compared == len(exp) == 2 * 15 * 31     # servers x criteria x (30 days + period)
    # The facts this history was built to show.
    assert exp[("period", "srv-numerisation", "temperature", "sonde-baie-a")]["verdict"] == "fail"
    assert exp[("period", "srv-comci", "ups_runtime", "ups-general")]["verdict"] == "fail"
    assert exp[("period", "srv-numerisation", "ups_load", "ups-general")]["verdict"] == "ok"
    assert exp[("2026-03-29", "srv-comci", "temperature", "sonde-baie-a")]["points"] == 23 * 12
    assert exp[("2026-03-22", "srv-comci", "temperature", "sonde-baie-a")]["known"] == 0


def test_text_in_french(site):
    text, _ = run_report(site, "text")
    assert "Tribunal judiciaire d'Exempleville (TJ-EXV)" in text
    assert "du 01/03/2026 au 30/03/2026" in text
    assert "srv-numerisation (serveur de numérisation des procédures pénales) : non conforme" in text
    assert "srv-<b>gestion</b> (serveur métier) : non conforme" in text
    assert "Le serveur n'est pas installé dans une baie." in text
    assert "Aucun onduleur n'alimente le serveur." in text
    # Evidence in French figures: decimal comma, durations.
    temp = [f for f in figures(site["hist"]["sonde-baie-a"]["temperature"], ENVELOPES["temperature"]).items()]
    tmax = dict(temp)["max"]
    assert ("%.1f °C" % tmax).replace(".", ",") in text
    # Two outages are only in the 5-minute archive: the count says so; the longest
    # comes from the journal, to the reading.
    assert "transferts sur batterie : 4 (à la résolution de l'archive, 5 min" in text
    assert "plus longue coupure supportée : 33 min, à partir du 20/03/2026 11:02\n" in text
    assert "Remplacer les batteries de l'onduleur — ups-general" in text
    assert "Renforcer la climatisation — baie-A" in text
    assert "Installer le serveur dans une baie — srv-<b>gestion</b>" in text
    # In order of urgency: what leaves a server unprotected before what wears.
    assert "Aménagements à prévoir, du plus urgent au moins urgent" in text
    # The probe missed six hours and a day (96 % measured): above the 90 % that the
    # first page would report (see test_unreadable_rrd_file_partial).
    assert "Mesures manquantes" not in text
    order = [text.index(x) for x in ("Installer le serveur dans une baie",
                                     "Remplacer les batteries de l'onduleur",
                                     "Renforcer la climatisation")]
    assert order == sorted(order), order
    for word in ("conforme", "à surveiller", "non conforme"):
        assert word in text
    # French wording: "none" agrees with its noun, no nested parentheses, no "(s)",
    # a space before the unit, one colon per line.
    assert "    sondes : aucune sonde\n    climatisation : aucune climatisation\n" in text
    assert "onduleur : aucun onduleur" in text
    assert "srv-comci (serveur COMCI — échanges électroniques avec les avocats) : non conforme" in text
    assert "(s)" not in text and "%HR" not in text
    assert "incidents au journal : 1 critique, 0 avertissement ; 3 h 00 min au total" in text
    assert "incidents au journal : 0 critique, 2 avertissements ; " in text
    assert "pire journée : aucune (jamais hors de la plage recommandée)" in text
    assert "(plage : 8,0 % HR – 80,0 % HR)" in text
    assert ("Aucune climatisation n'est déclarée là où se trouve le serveur "
            "(il n'est pas dans une baie).") in text
    assert "Aucune climatisation n'est déclarée pour sa baie." not in text
    # Each incident shows the journal's worst reading, the figure of the alert mail.
    assert "critique — température — baie-A — valeur la plus défavorable 33,4 °C — " in text
    for line in (x for x in text.splitlines() if x.startswith("    ")):   # "label : value"
        assert re.sub(r"\([^()]*\)", "", line).count(" : ") <= 1, line


def test_english_when_asked(site):
    """Without the catalogue the msgids show: proof the French comes from fr.po."""
    text, _ = run_report(site, "text", {"ENVMOND_LOCALEDIR": "/nonexistent"})
    assert "not compliant" in text


def png_rows(path):
    """The decoded rows of an 8-bit RGB/RGBA PNG (zlib + struct, no imaging library)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


CHECK_IMAGES = """<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth > 0 && imgs[i].naturalHeight > 0) ok++;
  document.body.setAttribute('data-images', imgs.length + '/' + ok);
});
</script>"""


def chromium(args, tmp):
    exe = shutil.which("chromium")
    profile = tempfile.mkdtemp(dir=tmp, prefix="chromium-")
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + profile] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_html_in_chromium(site):
    if not shutil.which("chromium"):
        pytest.skip("chromium is not installed (contrib/install-deps.sh --test installs it)")
    html, path = run_report(site, "html")
    # Everything configured reaches the page escaped.
    assert "<script>alert(1)" not in html and "<b>gestion" not in html
    assert "etagere &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The rack's graphs once for its 2 servers, one quantity each: temperature, humidity,
    # dew point for the probe, load and charge (%), runtime (min) for the UPS.
    assert html.count("data:image/png;base64,") == 5
    assert "@media print" in html and "size:A4" in html
    for word in ("Synthèse", "non conforme", "à surveiller", "Aménagements à prévoir",
                 "Renforcer la climatisation", "<th>valeur la plus défavorable</th>",
                 "<td>33,4 °C</td>"):
        assert word in html
    # The images decode: an inline script counts those with a natural size.
    checked = os.path.join(site["tmp"], "checked.html")
    with open(checked, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", CHECK_IMAGES + "</body>"))
    p = chromium(["--virtual-time-budget=5000", "--dump-dom", "file://" + checked], site["tmp"])
    assert p.returncode == 0, p.stderr[-2000:]
    n = html.count("<img ")
    assert 'data-images="%d/%d"' % (n, n) in p.stdout, p.stdout[-500:]
    # A screenshot that is a real page: many distinct colours, not a blank sheet.
    png = os.path.join(site["tmp"], "report.png")
    p = chromium(["--screenshot=" + png, "--window-size=1280,4000", "file://" + path], site["tmp"])
    assert p.returncode == 0 and os.path.exists(png), p.stderr[-2000:]
    w, h, bpp, rows = png_rows(png)
    assert (w, h) == (1280, 4000)
    colours = set()
    non_white = 0
    for row in rows[::8]:
        for x in range(0, w * bpp, bpp * 4):
            px = row[x:x + 3]
            colours.add(px)
            non_white += px != b"\xff\xff\xff"
    assert len(colours) > 50, len(colours)
    assert non_white > 0.03 * (h // 8) * (w // 4), non_white
    shutil.copy(png, os.path.join(BUILD, "report-screenshot.png"))


# ---------------------------------------------------------------- errors that tell the truth

def as_nobody():
    """preexec_fn: the report run by a user outside the daemon's group."""
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def run_raw(site, conf, args, user=None):
    p = subprocess.run([REPORT, "-c", conf] + list(args), env=report_env(site),
                       capture_output=True, text=True, timeout=300, preexec_fn=user)
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p


def private_site(site, state_mode=0o750, file_mode=0o640):
    """A directory with a copy of the site whose state belongs to root's group, as
    envmond's own belongs to its group; everything else readable by everyone. Returns
    (directory, configuration, state directory)."""
    for d, _dirs, files in os.walk(site["tmp"]):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    tmp = tempfile.mkdtemp(dir=site["tmp"], prefix="private-")
    state = os.path.join(tmp, "state")
    shutil.copytree(os.path.join(site["tmp"], "state"), state)
    for d, _dirs, files in os.walk(state):
        os.chmod(d, state_mode)
        for f in files:
            os.chmod(os.path.join(d, f), file_mode)
    conf = os.path.join(tmp, "envmond.conf")
    with open(site["conf"]) as f:
        text = f.read().replace(os.path.join(site["tmp"], "state"), state)
    with open(conf, "w") as f:
        f.write(text)
    os.chmod(conf, 0o644)
    os.chmod(tmp, 0o777)          # the report may write its output there
    return tmp, conf, state


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root to run the report as another user")


def test_unreadable_state_directory(site):
    need_root()
    tmp, conf, state = private_site(site)
    out = os.path.join(tmp, "out.html")
    p = run_raw(site, conf, ["--from", "2026-03-01", "--to", "2026-03-30", "-o", out], as_nobody)
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "impossible de lire %s : permission refusée" % state in p.stderr, p.stderr
    assert "membre de ce groupe" in p.stderr, p.stderr
    assert [f for f in os.listdir(tmp) if f.startswith("out")] == []


def refuse_file(site, name):
    """private_site with everything readable by all but rrd/NAME, which only root's group
    may read (needs root): (directory, configuration, path of the file)."""
    need_root()
    tmp, conf, state = private_site(site, state_mode=0o755, file_mode=0o644)
    path = os.path.join(state, "rrd", name)
    os.chmod(path, 0o640)
    return tmp, conf, path


def test_unreadable_rrd_file_partial(site):
    """The directories readable, one RRD file not: an error naming it; with --partial a
    report whose first page says what is missing."""
    tmp, conf, ups = refuse_file(site, "ups-general.rrd")
    out = os.path.join(tmp, "out.txt")
    args = ["--from", "2026-03-01", "--to", "2026-03-30", "--format", "text", "-o", out]
    p = run_raw(site, conf, args, as_nobody)
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "impossible de lire %s : permission refusée" % ups in p.stderr, p.stderr
    assert "--partial" in p.stderr and not os.path.exists(out)
    p = run_raw(site, conf, args + ["--partial"], as_nobody)
    assert p.returncode == 0, p.stderr
    with open(out, encoding="utf-8") as f:
        head = f.read().split("\n\n")[0]
    assert "RAPPORT INCOMPLET" in head, head
    assert "%s : permission refusée" % ups in head, head
    # What could not be read is measured nowhere: said before the summary too.
    assert "Mesures manquantes sur une partie de la période" in head, head
    assert "  - ups-general : 0,0 % de la période mesurée" in head, head


def test_future_period(site):
    p = run_raw(site, site["conf"], ["--from", "2099-01-01", "--to", "2099-01-31"])
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "01/01/2099 00:00, dans le futur" in p.stderr, p.stderr
    assert p.stdout == ""


def test_period_without_data(site):
    p = run_raw(site, site["conf"], ["--from", "2025-01-01", "--to", "2025-01-31"])
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "rien n'a été enregistré du 01/01/2025 au 31/01/2025" in p.stderr, p.stderr
    assert p.stdout == ""


def test_empty_state_directory(site, tmp_path):
    state = os.path.join(str(tmp_path), "empty")
    os.makedirs(state)
    conf = os.path.join(str(tmp_path), "envmond.conf")
    with open(site["conf"]) as f:
        text = f.read().replace(os.path.join(site["tmp"], "state"), state)
    with open(conf, "w") as f:
        f.write(text)
    p = run_raw(site, conf, ["--from", "2026-03-01", "--to", "2026-03-30"])
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "%s ne contient aucun fichier RRD ni journal" % state in p.stderr, p.stderr
    assert p.stdout == ""
    missing = os.path.join(str(tmp_path), "absent")
    with open(conf, "w") as f:
        f.write(text.replace(state, missing))
    p = run_raw(site, conf, ["--from", "2026-03-01", "--to", "2026-03-30"])
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "impossible de lire %s : fichier ou dossier inexistant" % missing in p.stderr, p.stderr


def test_csv_for_a_french_spreadsheet(site):
    """lang = fr (the default): what LibreOffice or Excel in French open as it is."""
    text, path = run_report(site, "csv")
    with open(path, "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    head, body = rows[0], rows[1:]
    assert head[:4] == ["date", "serveur", "rôle", "critère"] and head[-1] == "verdict"
    assert all(len(r) == len(head) for r in body), [r for r in body if len(r) != len(head)][:2]
    col = {name: i for i, name in enumerate(head)}
    assert {r[col["serveur"]] for r in body} == {"srv-numerisation", "srv-comci", "srv-<b>gestion</b>"}
    verdicts = {r[col["verdict"]] for r in body if r[0] == "période"}
    assert {"conforme", "à surveiller", "non conforme"} <= verdicts, verdicts
    assert not verdicts & {"ok", "watch", "fail", "nodata"}
    # Decimal comma, read back with a French number parser; dates DD/MM/YYYY.
    temp = [r for r in body if r[0] == "période" and r[col["serveur"]] == "srv-comci"
            and r[col["critère"]] == "température"]
    assert len(temp) == 1
    tmax = float(temp[0][col["maximum"]].replace(",", "."))
    want = figures(site["hist"]["sonde-baie-a"]["temperature"], ENVELOPES["temperature"])["max"]
    assert "," in temp[0][col["maximum"]] and abs(tmax - want) < 1e-4
    assert re.fullmatch(r"\d\d/\d\d/2026", temp[0][col["pire journée"]])
    assert body[0][0] == "01/03/2026"
    gestion = [r for r in body if r[col["serveur"]] == "srv-<b>gestion</b>"]
    assert [r[col["critère"]] for r in gestion][:2] == ["installation : baie", "installation : onduleur"]
    assert gestion[0][col["verdict"]] == "non conforme"


def pdf_pages(pdf):
    """The text of each page of pdf (pdftotext, poppler-utils)."""
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return info, [p for p in pages[:n]]


def assert_running_lines(pages):
    """Every page has the running header (court, period) and footer (issuer, page N / M)."""
    for i, page in enumerate(pages, 1):
        assert "page %d / %d" % (i, len(pages)) in page, (i, page[-300:])
        assert "Tribunal judiciaire d'Exempleville" in page, i
        assert "Période : du 01/03/2026 au 30/03/2026" in page, i
        assert "Émis le " in page and "par envmond" in page, i


def assert_valid_pdf(data, tmp, phrase):
    """data is a PDF that poppler reads (pdfinfo) and whose text holds phrase."""
    assert data.startswith(b"%PDF-"), data[:20]
    if not shutil.which("pdfinfo"):
        pytest.skip("poppler-utils is needed (contrib/install-deps.sh --test)")
    path = os.path.join(tmp, "attached.pdf")
    with open(path, "wb") as f:
        f.write(data)
    info, pages = pdf_pages(path)
    assert len(pages) >= 3, info
    assert phrase in "\n".join(pages)


def test_html_printed_on_a4(site):
    """Chromium's print to PDF of the report of 3 servers (2 in rack baie-A, 1 outside):
    A4 portrait, a running header, "page N / M", the date of issue, the rack's servers in
    one section, evidence the two share shown once, and no page holding a lone table."""
    if not shutil.which("chromium") or not shutil.which("pdfinfo"):
        pytest.skip("chromium and poppler-utils are needed (contrib/install-deps.sh --test)")
    html, path = run_report(site, "html")
    pdf = os.path.join(site["tmp"], "report-chromium.pdf")
    p = chromium(["--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + path], site["tmp"])
    assert p.returncode == 0 and os.path.exists(pdf), p.stderr[-2000:]
    shutil.copy(pdf, os.path.join(BUILD, "report-chromium.pdf"))
    info, pages = pdf_pages(pdf)
    assert re.search(r"^Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info, re.M), info
    n = len(pages)
    assert 3 <= n <= 9, n
    assert_running_lines(pages)
    first = pages[0]
    assert "date d'émission" in first and "Verdict d'ensemble" in first
    assert "Aménagements à prévoir, du plus urgent au moins urgent" in first
    # One section for baie-A, with both of its servers, and each shared evidence once.
    text = "\n".join(pages)
    assert text.count("Baie baie-A") == 1
    assert html.count("<h4>température — sonde-baie-a") == 1
    assert "srv-numerisation, srv-comci — " in html
    assert "Serveurs hors baie" in text
    # The server known only from its findings: no criteria table, a sentence instead.
    assert "Aucun appareil ne mesure les conditions de ce serveur" in text
    # No page is a lone table: each holds a heading of the report's own.
    heads = ("Synthèse", "Graphiques", "Seuils appliqués", "Baie ", "Serveur ", "Relevés", "Incidents", "Méthode", "Inventaire",
             "Serveurs hors baie", "Aménagements")
    for i, page in enumerate(pages, 1):
        assert any(h in page for h in heads) or page.count("\n") > 40, (i, page[:500])


def test_send_queues_a_multipart_mail(site):
    """--send: one mail in the daemon's durable spool (new/), which its mailer sends and
    retries like an alert: To the ARSIT, Cc the local technician, a French text, the PDF
    report and the French CSV attached. The same period twice is queued once."""
    import email
    import email.policy
    tmp, conf, state = private_site(site, state_mode=0o755, file_mode=0o644)
    args = ["--from", "2026-03-01", "--to", "2026-03-30", "--send"]
    p = run_raw(site, conf, args)
    assert p.returncode == 0, p.stderr
    new = os.path.join(state, "spool", "new")
    files = os.listdir(new)
    assert len(files) == 1 and files[0].startswith("report-TJ-EXV-2026-03-01-2026-03-31"), files
    with open(os.path.join(new, files[0]), "rb") as f:
        raw = f.read()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"] == "arsit@example.org" and msg["Cc"] == "tip@example.org"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Message-ID"]
    assert "TJ-EXV" in msg["Subject"] and "01/03/2026" in msg["Subject"]
    assert msg.get_content_type() == "multipart/mixed"
    parts = list(msg.iter_parts())
    assert [x.get_content_type() for x in parts] == ["text/plain", "application/pdf", "text/csv"]
    assert "Bonjour" in parts[0].get_content()
    assert parts[1].get_filename() == "rapport-TJ-EXV-2026-03-01.pdf"
    assert_valid_pdf(parts[1].get_payload(decode=True), site["tmp"], "Baie baie-A")
    data = parts[2].get_payload(decode=True)
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data.splitlines()[0]
    p = run_raw(site, conf, args)
    assert p.returncode == 0 and "déjà" in p.stderr, p.stderr
    assert len(os.listdir(new)) == 1


def test_monthly_timer_units(site, tmp_path):
    """The shipped timer fires on the 1st and starts a service that sends last month's
    report; systemd-analyze checks both (a copy whose ExecStart is the built program)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze missing: contrib/install-deps.sh --test")
    with open(os.path.join(ROOT, "contrib", "envmon-report-monthly.timer")) as f:
        timer = f.read()
    with open(os.path.join(ROOT, "contrib", "envmon-report-monthly.service.in")) as f:
        service = f.read()
    assert "OnCalendar=*-*-01 06:00:00" in timer and "Persistent=true" in timer
    assert "--last-month --send" in service and "User=envmond" in service
    cal = subprocess.run(["systemd-analyze", "calendar", "--iterations=2", "*-*-01 06:00:00"],
                         capture_output=True, text=True)
    assert cal.returncode == 0 and re.search(r"Next elapse: \w+ \d{4}-\d\d-01 06:00:00", cal.stdout), cal.stdout
    svc = tmp_path / "envmon-report-monthly.service"
    svc.write_text(service.replace("@bindir@/envmon-report", REPORT)
                   .replace("@sysconfdir@", "/etc").replace("@localstatedir@", "/var")
                   .replace("Documentation=", "#Documentation="))
    (tmp_path / "envmon-report-monthly.timer").write_text(timer.replace("Documentation=", "#Documentation="))
    v = subprocess.run(["systemd-analyze", "verify", str(svc), str(tmp_path / "envmon-report-monthly.timer")],
                       capture_output=True, text=True)
    assert v.returncode == 0 and not v.stderr.strip(), v.stderr
    # The service's own command line is accepted: --last-month is a period.
    p = run_raw(site, site["conf"], ["--last-month", "--from", "2026-03-01"])
    assert p.returncode == 64 and "--last-month" in p.stderr, p.stderr


def test_send_delivered_by_the_daemon_once_the_server_is_back(site):
    """The report queued while the mail server is down is sent by the running envmond once
    the server comes back (its spool retries it like an alert): one multipart mail whose
    HTML attachment is the report."""
    import email
    import email.policy
    import time
    from test_mail import Catcher, free_port
    from pathlib import Path
    tmp, conf, state = private_site(site, state_mode=0o755, file_mode=0o644)
    port = free_port()
    with open(conf) as f:
        text = f.read()
    # No device: the daemon only sends mail here.
    text = re.sub(r"devices = \(.*?\n\);\n", "devices = ();\n", text, flags=re.S)
    text = re.sub(r"racks = \(.*\n\);\n", "racks = ();\n", text, flags=re.S)
    daemon_conf = os.path.join(tmp, "daemon.conf")
    with open(daemon_conf, "w") as f:
        f.write(text.replace("storage = {", 'daemon = { allow_root = true; };\n'
                'mail = { server = "127.0.0.1"; port = %d; tls = "none"; timeout = 10; '
                'from = "envmond TJ-EXV <envmond@example.org>"; };\nstorage = {' % port)
                .replace('profiles_dir = ', 'pid_file = "%s/envmond.pid"; control_socket = '
                         '"%s/envmond.sock"; profiles_dir = ' % (tmp, tmp)))
    p = run_raw(site, conf, ["--from", "2026-03-01", "--to", "2026-03-30", "--send"])
    assert p.returncode == 0, p.stderr
    envmond = os.path.join(BUILD, "src", "daemon", "envmond")
    err = open(os.path.join(tmp, "envmond.err"), "wb+")
    d = subprocess.Popen([envmond, "-f", "-d", "-c", daemon_conf], stdout=err, stderr=err,
                         env=dict(report_env(site), ENVMOND_MAIL_RETRY_S="1"))
    c = None
    try:
        time.sleep(1.5)                       # a first attempt meets a closed port
        assert os.listdir(os.path.join(state, "spool", "new"))
        c = Catcher(Path(tmp), port)
        msgs = c.wait(1, 30)
    finally:
        d.terminate()
        d.wait(30)
        if c:
            c.stop()
        err.seek(0)
        log = err.read().decode(errors="replace")
        err.close()
    assert "Sanitizer" not in log and "runtime error:" not in log, log
    assert len(msgs) == 1, log[-2000:]
    meta, msg, _raw = msgs[0]
    assert sorted(meta["rcpt_tos"]) == ["arsit@example.org", "tip@example.org"], meta
    parts = list(msg.iter_parts())
    assert [x.get_content_type() for x in parts] == ["text/plain", "application/pdf", "text/csv"]
    assert_valid_pdf(parts[1].get_payload(decode=True), tmp, "Baie baie-A")
    assert os.listdir(os.path.join(state, "spool", "new")) == []


def test_month_graphs_show_short_outages(site):
    """The month's UPS runtime graph is read from 5-minute points shown about an hour a
    pixel: each transfer to battery (10, 1.5, 33 and 5 min) still shows as a mark as high
    as the graph, and so on the probe's graphs (the server's UPS)."""
    import base64
    html, _ = run_report(site, "html")
    imgs = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)"', html)
    assert len(imgs) == 5
    seen = {}
    for k, (alt, b64) in enumerate(imgs):
        path = os.path.join(site["tmp"], "graph-%d.png" % k)
        with open(path, "wb") as f:
            f.write(base64.b64decode(b64))
        w, h, bpp, rows = png_rows(path)
        cols = []
        for x in range(w):
            orange = sum(1 for row in rows
                         if abs(row[x * bpp] - 0xE6) < 12 and abs(row[x * bpp + 1] - 0x7E) < 12
                         and abs(row[x * bpp + 2] - 0x22) < 12)
            if orange > h // 4:
                cols.append(x)
        groups = [c for i, c in enumerate(cols) if i == 0 or c - cols[i - 1] > 2]
        seen[k] = len(groups)
    # The 4 outages (8th, 14th, 20th, 25th) are days apart: 4 separate marks, no other.
    assert all(n == 4 for n in seen.values()), seen
