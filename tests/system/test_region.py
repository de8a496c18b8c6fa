"""The regional summary (issue 18.5): envmon-report --region over three courts'
configurations and state directories, as the ARSIT collects them.

TJ-AAA has the month of test_report.py (a hot afternoon, outages, a UPS asking for new
batteries), TJ-BBB the weak battery of test_battery.py, TJ-CCC recorded nothing. The
summary ranks them by servers non conformes then upgrades, and lists each court's
upgrades once, the same as each court's own report."""

import csv
import io
import re
import shutil
import subprocess

import pytest

from test_report import CONF, REPORT, fill_month, make_site, report_env
import test_battery


def court(code, fill, conf=CONF):
    return make_site("envmon-region-", fill, conf.replace('code = "TJ-EXV"', 'code = "%s"' % code))


@pytest.fixture(scope="module")
def courts():
    cs = {"TJ-AAA": court("TJ-AAA", fill_month), "TJ-BBB": court("TJ-BBB", test_battery.fill),
          "TJ-CCC": court("TJ-CCC", lambda state: None)}
    yield cs
    for c in cs.values():
        shutil.rmtree(c["tmp"])


def env(c):
    return report_env(c)   # with the LeakSanitizer suppressions of librrd's font caches


def run(courts, fmt, order=("TJ-CCC", "TJ-AAA", "TJ-BBB")):
    any_court = courts["TJ-AAA"]
    p = subprocess.run([REPORT, "--region", "--from", "2026-03-01", "--to", "2026-03-30", "--format", fmt]
                       + [courts[k]["conf"] for k in order], env=env(any_court),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def own_upgrades(c):
    """The upgrade lines of the court's own text report."""
    p = subprocess.run([REPORT, "-c", c["conf"], "--from", "2026-03-01", "--to", "2026-03-30",
                        "--format", "text", "--partial"], env=env(c), capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        return None
    return re.findall(r"^  \d+\. (.+) — (.+)\n     (.+)$", p.stdout, re.M)


def test_ranking_and_upgrades_once(courts):
    text = run(courts, "text")
    table = [l.split()[1] for l in text.splitlines() if re.match(r"^\d+ +TJ-", l)]
    assert table == ["TJ-AAA", "TJ-BBB", "TJ-CCC"], text
    lines = [l for l in text.splitlines() if l.startswith("  TJ-")]
    assert len(lines) == len(set(lines)), text
    assert ("  TJ-BBB — Remplacer les batteries de l'onduleur — ups-general : 9 min réelles pour "
            "25 min promises lors de la coupure du 12/03/2026") in lines, text
    for code in ("TJ-AAA", "TJ-BBB"):
        own = own_upgrades(courts[code])
        assert own, code
        mine = sorted(l[len("  %s — " % code):] for l in lines if l.startswith("  %s — " % code))
        assert mine == sorted("%s — %s : %s" % u for u in own), (code, mine, own)


def test_csv_and_html(courts):
    rows = list(csv.reader(io.StringIO(run(courts, "csv")), delimiter=";"))
    assert rows[0][:3] == ["rank", "court", "name"]
    ranks = {}
    for r in rows[1:]:
        ranks.setdefault(r[1], r[0])
    assert ranks == {"TJ-AAA": "1", "TJ-BBB": "2", "TJ-CCC": "3"}, rows
    battery = [r for r in rows if r[1] == "TJ-BBB" and r[9] == "battery"]
    assert len(battery) == 1 and battery[0][10] == "ups-general", rows
    html = run(courts, "html")
    assert html.startswith("<!DOCTYPE html>") and "<script>" not in html
    assert html.index("TJ-AAA") < html.index("TJ-BBB")
