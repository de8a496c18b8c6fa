"""Battery health from a real outage (issue 18.2), through envmon-report.

A UPS that promised 25 min (ups_runtime 1500 s as the outage began) carries the room
for 6 min and uses two thirds of its charge (a rate that empties it in 9 min): the
report lists the outage with its figures and plans new batteries, "9 min réelles pour
25 min promises lors de la coupure du 12/03/2026". The RRD file is written reading by
reading (every 30 s, as the daemon's store does), the journal through its writer."""

import json
import os
import shutil
import subprocess
from datetime import datetime

import pytest

from test_report import CONF, JOURNAL_APPEND, PARIS, REPORT, make_site, report_env

UPS_DS = ["ups_source", "ups_charge", "ups_runtime", "ups_load"]


def at(h, m, s=0, d=12):
    return int(datetime(2026, 3, d, h, m, s, tzinfo=PARIS).timestamp())


START = at(0, 0, d=12)
OUT_FIRST, OUT_READINGS = at(14, 5, 30), 12       # on battery from 14:05:30 to 14:11:00


def ups_reading(t):
    k = (t - OUT_FIRST) // 30 + 1                  # 1..12 during the outage
    if 1 <= k <= OUT_READINGS:
        return {"ups_source": 1, "ups_charge": 100 - k * 100 / 9 / 2,
                "ups_runtime": 1500 - k * 60, "ups_load": 40}
    charge = 100.0
    if k > OUT_READINGS:                           # recharging slowly after it
        charge = min(100.0, 100 - OUT_READINGS * 100 / 9 / 2 + (k - OUT_READINGS) * 0.5)
    return {"ups_source": 0, "ups_charge": charge, "ups_runtime": 1500, "ups_load": 40}


def write_rrd(path, end):
    rras = []
    for cf in ("AVERAGE", "MIN", "MAX"):
        rras += ["RRA:%s:0.5:1:5760" % cf, "RRA:%s:0.5:10:8928" % cf]
    subprocess.run(["rrdtool", "create", path, "--start", str(START - 30), "--step", "30"]
                   + ["DS:%s:GAUGE:600:U:U" % k for k in UPS_DS] + rras, check=True)
    lines = []
    for t in range(START, end, 30):
        r = ups_reading(t)
        lines.append("%d:%s" % (t, ":".join(repr(float(r[k])) for k in UPS_DS)))
    for c in range(0, len(lines), 500):
        subprocess.run(["rrdtool", "update", path] + lines[c:c + 500], check=True)


def write_journal(state):
    servers = [{"name": "srv-numerisation", "role": "digitization", "rack": "baie-A"},
               {"name": "srv-comci", "role": "comci", "rack": "baie-A"}]
    iid = "TJ-EXV-20260312-1"
    recs = [{"type": "open", "t": at(14, 6, 30), "id": iid, "cond": "device:ups-general/ups_source",
             "criterion": "ups_source", "severity": "warning", "since": OUT_FIRST,
             "opened": at(14, 6, 30), "device": "ups-general", "servers": servers,
             "state": "on_battery", "worst_state": "on_battery",
             "notice": {"seq": 1, "kind": "alert", "silenced": False}},
            {"type": "notified", "t": at(14, 6, 31), "id": iid, "seq": 1},
            # the first reading back on mains is 14:11:30; clear_hold 60 s
            {"type": "close", "t": at(14, 12, 30), "id": iid, "severity": "warning",
             "notice": {"seq": 2, "kind": "recovery", "silenced": False}}]
    subprocess.run([JOURNAL_APPEND, os.path.join(state, "journal.jsonl")],
                   input="".join(json.dumps(r) + "\n" for r in recs).encode(), check=True)


def fill(state):
    write_rrd(os.path.join(state, "rrd", "ups-general.rrd"), at(0, 0, d=14))
    write_journal(state)


@pytest.fixture(scope="module")
def site():
    # Batteries installed on 1 May 2021: over 4 years old in March 2026.
    conf = CONF.replace('profile = "ups-rfc1628";', 'profile = "ups-rfc1628"; battery_installed = "2021-05-01";')
    assert conf != CONF
    s = make_site("envmon-battery-", fill, conf)
    yield s
    shutil.rmtree(s["tmp"])


def report(site, fmt):
    out = os.path.join(site["tmp"], "report." + fmt)
    p = subprocess.run([REPORT, "-c", site["conf"], "--from", "2026-03-12", "--to", "2026-03-13",
                        "--format", fmt, "-o", out], env=report_env(site), capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    with open(out, encoding="utf-8") as f:
        return f.read()


def test_weak_battery_from_the_outage(site):
    text = report(site, "text")
    assert "Coupures tenues par les onduleurs" in text, text
    line = [l for l in text.splitlines() if l.strip().startswith("ups-general, 12/03/2026 14:05")]
    assert line, text
    assert "autonomie promise 25 min" in line[0], line[0]
    assert "charge consommée 11,1 %/min à une charge de sortie de 40 %" in line[0], line[0]
    assert "autonomie réelle à pleine charge 9 min (budget d'arrêt 10 min)" in line[0], line[0]
    assert "batteries à remplacer" in line[0], line[0]
    assert ("9 min réelles pour 25 min promises lors de la coupure du 12/03/2026 ; "
            "batteries de plus de 4 ans (installées le 01/05/2021)") in text, text
    html = report(site, "html")
    assert "9 min réelles pour 25 min promises lors de la coupure du 12/03/2026" in html
