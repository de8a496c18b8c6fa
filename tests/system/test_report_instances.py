"""envmon-report names the instances of a table metric (issue 14, item 2): a rack's 8-port
probe read sensor by sensor, a 3-phase UPS phase by phase.

Two sources of per-instance files:
- the daemon itself, polling the 8-port AKCP recording (tests/peers/snmprec/probe-akcp-8)
  through snmpsim: it writes state_dir/rrd/akcp~temperature~PORT.rrd and the instances
  file akcp.instances with the ports' labels; the report, run after the daemon stopped,
  names port 3 "Sortie baie A" (34.6 °C) as the hottest;
- ten days of history written here with rrdtool in the store's layout (one file per
  instance, explicit timestamps) and an instances file in its documented format, with a
  hostile label: escaped in the HTML, drawn literally in the PDF (pdftotext), control
  characters gone from the text.

Run: ENVMOND_BUILDDIR=$PWD/_b /usr/bin/python3 -m pytest tests/system/test_report_instances.py
"""

import math
import os
import re
import shutil
import subprocess
import time
from datetime import datetime

import pytest

from test_report import (FROM, PARIS, REPORT, as_nobody, make_site, refuse_file, report_env,
                         run_raw, write_rrd)

DAYS = 10
N = DAYS * 288                  # 5-minute buckets, as test_report.write_rrd writes them
HOSTILE = 'Entrée <b>baie</b> A & "C" \x1b[31m\x07'
CONF = """
site = {{ name = "Tribunal judiciaire d'Exempleville"; code = "TJ-EXV";
  contacts = {{ arsit = [ "arsit@example.org" ]; local = [ "tip@example.org" ]; }}; }};
paths = {{ state_dir = "{state}"; profiles_dir = "{profiles}"; }};
storage = {{ step = 30; }};
devices = (
  {{ name = "akcp"; profile = "probe-akcp"; snmp = {{ host = "127.0.0.1"; version = "2c"; community = "public"; }}; }},
  {{ name = "sonde-1"; profile = "probe-akcp"; snmp = {{ host = "127.0.0.1"; version = "2c"; community = "public"; }}; }},
  {{ name = "onduleur"; profile = "ups-rfc1628"; snmp = {{ host = "127.0.0.1"; version = "2c"; community = "public"; }}; }}
);
racks = (
  {{ name = "baie-A"; probes = [ "akcp" ];
    servers = ( {{ name = "srv-comci"; role = "comci"; ups = [ "onduleur" ]; }} ); }},
  {{ name = "baie-B"; probes = [ "sonde-1" ];
    servers = ( {{ name = "srv-numerisation"; role = "digitization"; ups = [ "onduleur" ]; }} ); }}
);
"""
PROBE_DS = ["temperature", "humidity", "dew_point", "temp_rate_hour", "temp_rate_15min"]
UPS_DS = ["ups_source", "ups_battery", "ups_charge", "ups_runtime", "ups_load",
          "ups_replace_battery", "ups_selftest", "input_voltage", "input_frequency"]


def hour_of(i):
    return ((FROM + i * 300 - FROM) % 86400) / 3600.0


def wave(base, amp, i):
    return round(base + amp * math.sin(2 * math.pi * (hour_of(i) - 9) / 24), 2)


def history():
    """{file name: {ds: values}}: the instance files, and the device files holding the
    aggregate (the largest temperature, load and voltage, as the profiles' aggregate)."""
    ports = {0: [wave(21.5, 1.0, i) for i in range(N)],
             2: [wave(23.0, 1.0, i) for i in range(N)],
             3: [wave(25.0, 2.0, i) for i in range(N)],
             6: [wave(19.5, 0.5, i) for i in range(N)]}
    # Port 3's afternoon on the 4th: 31.2 degC at its peak (outside the recommended 27).
    peak = (3 * 86400 + 13 * 3600) // 300
    for k in range(24):
        ports[3][peak + k] = round(28.0 + 3.2 * math.sin(math.pi * k / 23), 2)
    ports[3][peak + 12] = 31.2
    # Port 6 goes silent for a day: unknown, never 0.
    for i in range(6 * 288, 7 * 288):
        ports[6][i] = float("nan")
    hum = {0: [wave(45.0, 3.0, i) for i in range(N)], 3: [wave(38.0, 2.0, i) for i in range(N)]}
    hum[0][peak] = 66.0           # the wettest, 6 %RH above the recommended 60
    hum[3][peak + 40] = 1.0       # the driest, 7 %RH below the allowable 8: the worst
    files = {}
    for p, v in ports.items():
        files["akcp~temperature~%d" % p] = {"temperature": v}
    for p, v in hum.items():
        files["akcp~humidity~%d" % p] = {"humidity": v}
    agg = {"dew_point": [10.0] * N, "temp_rate_hour": [0.0] * N, "temp_rate_15min": [0.0] * N}
    agg["temperature"] = [max((x for x in col if not math.isnan(x)), default=float("nan"))
                          for col in zip(*ports.values())]
    agg["humidity"] = [max(col) for col in zip(*hum.values())]
    files["akcp"] = agg
    # sonde-1: one instance only, which must read as a probe without instances.
    files["sonde-1"] = dict(agg, temperature=ports[0])
    files["sonde-1~temperature~0"] = {"temperature": ports[0]}
    # Three phases: 24 / 18 / 28 % (phase 3 the most loaded, 31 % at its peak).
    loads = {1: [24.0] * N, 2: [18.0] * N, 3: [28.0] * N}
    loads[3][peak] = 31.0
    volts = {1: [230.0] * N, 2: [236.0] * N, 3: [229.0] * N}
    for ph in (1, 2, 3):
        files["onduleur~ups_load~%d" % ph] = {"ups_load": loads[ph]}
        files["onduleur~input_voltage~%d" % ph] = {"input_voltage": volts[ph]}
    ups = {k: [0.0] * N for k in UPS_DS}
    ups.update(ups_charge=[100.0] * N, ups_runtime=[1800.0] * N, input_frequency=[50.0] * N,
               ups_load=[max(c) for c in zip(*loads.values())],
               input_voltage=[max(c) for c in zip(*volts.values())])
    files["onduleur"] = ups
    return files


INSTANCES = {
    "akcp": [("temperature", "0", "Entree baie A"), ("temperature", "2", "Entree baie B"),
             ("temperature", "3", HOSTILE), ("temperature", "6", "Couloir"),
             ("humidity", "0", "Entree baie A"), ("humidity", "3", "Sortie baie A")],
    "sonde-1": [("temperature", "0", "Seule")],
    "onduleur": [("ups_load", "1", ""), ("ups_load", "2", ""), ("ups_load", "3", ""),
                 ("input_voltage", "1", ""), ("input_voltage", "2", ""), ("input_voltage", "3", "")],
}


def write_instances(state, device, rows):
    """The instances file as envmond writes it (instfile.c; man envmond.conf(5)), except
    that a label here may hold control characters, as a hand-edited file could."""
    with open(os.path.join(state, "rrd", device + ".instances"), "w", encoding="utf-8") as f:
        f.write("# envmond instances 1\n")
        for metric, index, label in rows:
            f.write("%s\t%s\t%s\n" % (metric, index, label))


def fill(state):
    for name, series in history().items():
        write_rrd(os.path.join(state, "rrd", name + ".rrd"), series)
    for dev, rows in INSTANCES.items():
        write_instances(state, dev, rows)


@pytest.fixture(scope="module")
def site():
    s = make_site("envmon-rinst-", fill, CONF)
    yield s
    shutil.rmtree(s["tmp"])


def report(site, fmt):
    out = os.path.join(site["tmp"], "report." + fmt)
    p = subprocess.run([REPORT, "-c", site["conf"], "--from", "2026-03-01", "--to", "2026-03-10",
                        "--format", fmt, "-o", out], env=report_env(site),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return out


def section(text, start, end):
    i = text.index(start)
    return text[i:text.index(end, i + len(start))]


def test_text_names_the_hottest_sensor_and_lists_them(site):
    with open(report(site, "text"), encoding="utf-8") as f:
        text = f.read()
    assert "\x1b" not in text and "\x07" not in text
    label = 'Entrée <b>baie</b> A & "C" ?[31m?'
    assert "la plus chaude : sonde 3 « %s », 31,2 °C max" % label in text, text
    block = section(text, "  température (akcp)", "humidité relative")
    assert "par sonde (minimum / moyenne / maximum) :" in block, block
    lines = [l.strip() for l in block.splitlines() if l.strip().startswith("sonde ")]
    assert [l.split(" :")[0] for l in lines] == [
        "sonde 0 « Entree baie A »", "sonde 2 « Entree baie B »", "sonde 3 « %s »" % label,
        "sonde 6 « Couloir »"], lines
    # Port 3's own figures: its peak, and the time it spent above 27 degC; port 6 lost a day.
    assert re.search(r"sonde 3 .*: 23,0 °C / 25,0 °C / 31,2 °C ; hors de la plage "
                     r"recommandée : 2 h 00 min \(0,8 %\) ; hors de la plage admissible : 0 s", lines[2]), lines[2]
    assert "sonde 6 « Couloir » : 19,0 °C / " in lines[3], lines[3]
    # The driest humidity sensor (further below its envelope than the wettest went above
    # it), the most loaded phase, the highest voltage.
    assert "la plus sèche : sonde 3 « Sortie baie A », 1,0 % HR min" in text, text
    assert "la plus chargée : phase 3, 31 % max" in text, text
    assert "la plus haute : phase 2, 236,0 V max" in text, text
    assert "par phase (minimum / moyenne / maximum) :" in text


def test_single_instance_reads_as_before(site):
    """sonde-1 kept one instance: nothing is said of instances for its rack."""
    with open(report(site, "text"), encoding="utf-8") as f:
        text = f.read()
    rack_b = section(text, "Serveur srv-numerisation", "Incidents")
    probe = section(rack_b, "(sonde-1)", "humidité relative")
    assert "Seule" not in probe and "par sonde" not in probe and "la plus" not in probe, probe


def test_html_escapes_the_label(site):
    with open(report(site, "html"), encoding="utf-8") as f:
        html = f.read()
    assert "<b>baie</b>" not in html and "\x1b" not in html and "\x07" not in html
    esc = "Entrée &lt;b&gt;baie&lt;/b&gt; A &amp; &quot;C&quot; ?[31m?"
    assert "la plus chaude : sonde 3 « %s », 31,2 °C max" % esc in html
    table = section(html, '<table class="instances">', "</table>")
    assert "<caption>par sonde</caption>" in table
    assert re.search(r'<tr class="worst"><td>sonde 3 « %s »</td><td>' % re.escape(esc), table), table
    assert table.count("<tr") == 5      # a heading line and the four ports
    assert '<tr class="worst"><td>phase 3</td>' in html


def test_pdf_draws_the_label_literally(site):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is needed (contrib/install-deps.sh --test)")
    pdf = report(site, "pdf")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", " ", text)
    # pango did not read the label as markup: the tags are there as text
    assert 'la plus chaude : sonde 3 « Entrée <b>baie</b> A & "C" ?[31m? », 31,2 °C max' in flat, flat
    assert "la plus chargée : phase 3, 31 % max" in flat
    assert "par sonde" in flat and "par phase" in flat


def test_unreadable_instances_file_is_named(site):
    """The instances file there but refused: the report says so, as for an RRD file, rather
    than leave the sensors unnamed without a word."""
    tmp, conf, inst = refuse_file(site, "akcp.instances")
    p = run_raw(site, conf, ["--from", "2026-03-01", "--to", "2026-03-10", "--format", "text",
                             "-o", os.path.join(tmp, "out.txt")], as_nobody)
    assert p.returncode == 66, (p.returncode, p.stderr)
    assert "impossible de lire %s : permission refusée" % inst in p.stderr, p.stderr


# ------------------------------------------------------------ the daemon's own files

@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    from test_snmp import snmpsim_serving
    yield from snmpsim_serving(tmp_path_factory, ["probe-akcp-8"])


def test_daemon_files_name_the_hottest_port(agent, tmp_path):
    """envmond polls the 8-port AKCP recording every 5 s and writes one file per port and
    the instances file; after it stopped, the report names the hottest port by its label."""
    from test_vendor_profiles import rack_daemon
    start = time.time()
    d, catcher, state = rack_daemon(agent, tmp_path, "probe-akcp-8", profile="probe-akcp")
    try:
        # the readings wait in the store's batch: the files are complete once it stopped
        deadline = time.time() + 60
        hot = state / "rrd" / "akcp~temperature~3.rrd"
        while time.time() < deadline and not (hot.exists() and time.time() > start + 20):
            time.sleep(1)
        assert hot.exists(), sorted(os.listdir(state / "rrd"))
    finally:
        d.stop()
        catcher.stop()
    lines = (state / "rrd" / "akcp.instances").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# envmond instances 1"
    assert "temperature\t3\tSortie baie A" in lines and "humidity\t0\tEntree baie A" in lines, lines
    assert "temperature\t1\tTemperature Port 2" in lines   # offline ports keep their file and name
    site = {"tmp": str(tmp_path), "locale": str(tmp_path / "locale")}
    t0 = datetime.fromtimestamp(start - 60, PARIS).strftime("%Y-%m-%d %H:%M")
    t1 = datetime.fromtimestamp(time.time() + 60, PARIS).strftime("%Y-%m-%d %H:%M")
    out = tmp_path / "rapport.txt"
    p = subprocess.run([REPORT, "-c", str(tmp_path / "envmond.conf"), "--from", t0, "--to", t1,
                        "--format", "text", "-o", str(out)], env=report_env(site),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    text = out.read_text(encoding="utf-8")
    assert "la plus chaude : sonde 3 « Sortie baie A », 34,6 °C max" in text, text
    assert re.search(r"sonde 0 « Entree baie A » : 21,8 °C / 21,8 °C / 21,8 °C", text), text
    # the offline ports were never measured: their figures are missing, not 0
    assert re.search(r"sonde 1 « Temperature Port 2 » : — / — / —", text), text
