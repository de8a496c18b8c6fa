"""The regional summary (issue 18.5): envmon-report --region over three courts'
configurations and state directories, as the ARSIT collects them.

TJ-AAA has the month of test_report.py (a hot afternoon, outages, a UPS asking for new
batteries), TJ-BBB the weak battery of test_battery.py, TJ-CCC recorded nothing. The
summary ranks them by servers non conformes then upgrades, and lists each court's
upgrades once, the same as each court's own report."""

import csv
import io
import os
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


def region(courts, fmt, order, *extra):
    return subprocess.run([REPORT, "--region", "--from", "2026-03-01", "--to", "2026-03-30", "--format", fmt]
                          + list(extra) + [courts[k]["conf"] for k in order], env=env(courts["TJ-AAA"]),
                          capture_output=True, text=True, timeout=300)


def run(courts, fmt, order=("TJ-CCC", "TJ-AAA", "TJ-BBB")):
    p = region(courts, fmt, order)
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


# valid markup, so that pango would take it as such if it were not escaped (invalid markup
# is drawn as plain text by pdfdoc, which would hide the fault)
HOSTILE = "Cour <b>&amp; fils</b> &lt;x&gt;"


@pytest.fixture(scope="module")
def pdf(courts):
    """The summary as PDF over the three courts and a fourth, TJ-DDD, with no history and
    a name that is pango markup."""
    for tool in ("pdfinfo", "pdftotext"):
        if not shutil.which(tool):
            pytest.skip("poppler-utils is needed (contrib/install-deps.sh --test)")
    courts["TJ-DDD"] = court("TJ-DDD", lambda state: None, CONF.replace(
        'name = "Tribunal judiciaire d\'Exempleville"', 'name = "%s"' % HOSTILE))
    out = os.path.join(courts["TJ-DDD"]["tmp"], "region.pdf")
    p = region(courts, "pdf", ("TJ-DDD", "TJ-CCC", "TJ-AAA", "TJ-BBB"), "-o", out)
    assert p.returncode == 0, p.stderr
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    assert not [f for f in os.listdir(os.path.dirname(out)) if ".tmp-" in f]
    return out


def test_pdf_a4_ranking_and_upgrades_once(courts, pdf):
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", pdf], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages >= 1 and len(sizes) == pages, info
    assert all(abs(float(w) - 595.28) < 0.5 and abs(float(h) - 841.89) < 0.5 for w, h in sizes), sizes
    assert re.search(r"^Title:\s+Synthèse régionale des conditions d'hébergement$", info, re.M), info
    raw = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    for i, page in enumerate(raw.split("\f")[:pages], 1):
        assert "page %d / %d" % (i, pages) in page, (i, page[-300:])
    text = " ".join(raw.split())
    assert "Période : du 01/03/2026 au 30/03/2026" in text, text[:500]
    where = [text.find("(%s)" % c) for c in ("TJ-AAA", "TJ-BBB", "TJ-CCC", "TJ-DDD")]
    assert -1 not in where and where == sorted(where), (where, text[:2000])
    # each upgrade of the text summary, once, in the same (ranking) order; compared without
    # white space, as pango may wrap a line anywhere, even inside "</b>"
    bare = "".join(text.split())
    lines = ["".join(l.split()) for l in run(courts, "text", ("TJ-AAA", "TJ-BBB", "TJ-CCC")).splitlines()
             if l.startswith("  TJ-")]
    assert len(lines) >= 10 and any(l.startswith("TJ-CCC") for l in lines), lines
    assert [(l, bare.count(l)) for l in lines if bare.count(l) != 1] == [], text
    at = [bare.find(l) for l in lines]
    assert at == sorted(at), (lines, text)
    # the markup in the court's name is drawn as it is written
    assert "".join((HOSTILE + " (TJ-DDD)").split()) in bare, text


def test_unsupported(courts):
    p = region(courts, "pdf", ("TJ-AAA",), "--send")
    assert p.returncode != 0 and "--region" in p.stderr and "--send" in p.stderr, p.stderr
    p = subprocess.run([REPORT, "--region", "--from", "2026-03-01", "--to", "2026-03-30"],
                       env=env(courts["TJ-AAA"]), capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "--region" in p.stderr, p.stderr
