"""envmon-report --format pdf: the report drawn in-process by cairo and pango, checked
with poppler-utils (pdfinfo, pdffonts, pdftotext, pdfimages, pdftoppm) on the 30 days of
known history of test_report.py (3 servers: 2 in rack baie-A, 1 outside any rack)."""

import os
import pty
import re
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from test_report import (BUILD, REPORT, assert_running_lines, pdf_pages, png_rows,  # noqa: F401
                         report_env, site)

POPPLER = ("pdfinfo", "pdffonts", "pdftotext", "pdfimages", "pdftoppm")


@pytest.fixture(scope="module")
def pdf(site):  # noqa: F811
    if not all(shutil.which(t) for t in POPPLER):
        pytest.skip("poppler-utils is needed (contrib/install-deps.sh --test)")
    out = os.path.join(site["tmp"], "report.pdf")
    p = subprocess.run([REPORT, "-c", site["conf"], "--from", "2026-03-01", "--to", "2026-03-30",
                        "--format", "pdf", "-o", out], env=report_env(site),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Sanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    shutil.copy(out, os.path.join(BUILD, "report.pdf"))
    return out


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def test_document_information(pdf):
    """A4 portrait on every page, and the metadata: title, author, subject (court and
    period), creator, creation date."""
    info = run("pdfinfo", "-f", "1", "-l", "99", pdf)
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert sizes and all(abs(float(w) - 595.28) < 0.5 and abs(float(h) - 841.89) < 0.5
                         for w, h in sizes), sizes
    assert re.search(r"^Title:\s+Conditions d'hébergement des serveurs", info, re.M), info
    assert re.search(r"^Author:\s+envmond$", info, re.M), info
    assert re.search(r"^Subject:\s+Tribunal judiciaire d'Exempleville — Période : du 01/03/2026 "
                     r"au 30/03/2026", info, re.M), info
    assert re.search(r"^Creator:\s+envmon-report \d", info, re.M), info
    # the date of issue, read back in UTC: the zone offset went into the PDF date
    iso = run("pdfinfo", "-isodates", pdf)
    m = re.search(r"^CreationDate:\s+(\S+)", iso, re.M)
    created = datetime.fromisoformat(m.group(1).replace("Z", "+00:00"))
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 600, m.group(1)


def test_fonts_embedded(pdf):
    rows = run("pdffonts", pdf).splitlines()[2:]
    assert rows, "no font"
    for row in rows:
        # name type encoding emb sub uni object ID
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", row), row
        assert "DejaVu" in row, row


def test_text_pages_and_sections(pdf):
    """The content of the HTML report, in French: the running header and "page N / M" on
    every page, the first page's identity, verdicts and upgrades, one section for rack
    baie-A with each shared piece of evidence once, the servers outside racks, the
    method; device text shown as it is (not taken for markup)."""
    info, pages = pdf_pages(pdf)
    n = len(pages)
    assert 4 <= n <= 16, n
    assert_running_lines(pages)
    first = pages[0]
    for word in ("date d'émission", "émetteur", "Verdict d'ensemble", "Synthèse",
                 "Aménagements à prévoir, du plus urgent"):
        assert word in first, word
    text = "\n".join(pages)
    for word in ("conforme", "à surveiller", "non conforme", "Inventaire de la salle",
                 "Incidents enregistrés", "Méthode", "Seuils appliqués", "ASHRAE"):
        assert word in text, word
    assert text.count("Baie baie-A") == 1
    assert len(re.findall(r"température — sonde-baie-a", text)) == 1
    assert "srv-numerisation, srv-comci — " in text
    assert "Serveurs hors baie" in text
    assert "Aucun appareil ne mesure les conditions de ce serveur" in text
    assert "<script>alert(1)</script>" in text and "srv-<b>gestion</b>" in text


HEADS = ("Synthèse", "Graphiques", "Seuils appliqués", "Baie ", "Serveur ", "Relevés",
         "Incidents", "Méthode", "Inventaire", "Serveurs hors baie", "Aménagements", "Verdict")


# The heading of one piece of evidence: "température — sonde-baie-a non conforme".
EVIDENCE = re.compile(r"^\S.* — \S+ +(conforme|à surveiller|non conforme|non mesuré)$")


def test_no_lone_table_no_heading_at_a_page_bottom(pdf):
    """Each page holds a heading of the report's own or is a full page of one long
    table; no page ends on a heading (kept with what follows it) unless what follows
    is an image (the graphs, which have no text)."""
    _info, pages = pdf_pages(pdf)
    with_images = {int(r.split()[0]) for r in run("pdfimages", "-list", pdf).splitlines()[2:]}
    for i, page in enumerate(pages, 1):
        lines = [x.strip() for x in page.splitlines() if x.strip()]
        body = [x for x in lines if "page %d /" % i not in x and "Période : du" not in x]
        assert any(any(x.startswith(h) for h in HEADS) or EVIDENCE.search(x) for x in body) \
            or len(body) > 40, (i, page[:500])
        assert i in with_images or not any(body[-1].startswith(h) for h in HEADS
                                           if h != "Serveur "), (i, body[-3:])


def test_graphs_at_print_resolution(pdf):
    """The 5 graphs of the HTML report (temperature, humidity, dew point at the rack's
    probe; load and runtime of its UPS), embedded at 250 dpi or more."""
    rows = run("pdfimages", "-list", pdf).splitlines()[2:]
    assert len(rows) == 5, rows
    for row in rows:
        f = row.split()
        # page num type width height color comp bpc enc interp object ID x-ppi y-ppi …
        assert f[2] == "image" and int(f[3]) >= 1800, row
        assert int(f[12]) >= 250 and int(f[13]) >= 250, row


def test_first_page_renders(pdf):
    """pdftoppm draws page 1 (kept as report-page1.png in the build directory to be
    looked at): not blank, text in dark ink over most of its height."""
    base = os.path.join(os.path.dirname(pdf), "page")
    run("pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", pdf, base)
    png = base + ".png"
    shutil.copy(png, os.path.join(BUILD, "report-page1.png"))
    w, h, bpp, rows = png_rows(png)
    assert (w, h) == (827, 1170), (w, h)
    inked = [y for y, r in enumerate(rows) if any(r[x] < 96 for x in range(0, len(r), bpp))]
    assert len(inked) > h // 6, len(inked)
    assert inked[0] < h // 10 and inked[-1] > h * 9 // 10, (inked[0], inked[-1])


def test_not_to_a_terminal(site):  # noqa: F811
    """A PDF on a terminal would only be noise: without -o it is refused (exit 64) when
    standard output is a terminal, with a French message."""
    master, slave = pty.openpty()
    p = subprocess.run([REPORT, "-c", site["conf"], "--from", "2026-03-01", "--to", "2026-03-30",
                        "--format", "pdf"], env=report_env(site, {"LC_ALL": "C.UTF-8", "LANGUAGE": "fr"}),
                       stdout=slave,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(slave)
    os.close(master)
    assert p.returncode == 64, p.stderr
    assert "un PDF ne s'affiche pas dans un terminal" in p.stderr, p.stderr


def test_partial_pdf_says_what_is_missing(site):  # noqa: F811
    """--partial --format pdf with an RRD file the user cannot read: the first page says,
    framed before the summary, which file is missing and what went unmeasured; without
    --partial no PDF is written."""
    from test_report import as_nobody, need_root, private_site, run_raw
    need_root()
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is needed (contrib/install-deps.sh --test)")
    tmp, conf, state = private_site(site, state_mode=0o755, file_mode=0o644)
    ups = os.path.join(state, "rrd", "ups-general.rrd")
    os.chmod(ups, 0o640)
    out = os.path.join(tmp, "out.pdf")
    args = ["--from", "2026-03-01", "--to", "2026-03-30", "--format", "pdf", "-o", out]
    p = run_raw(site, conf, args, as_nobody)
    assert p.returncode == 66 and not os.path.exists(out), (p.returncode, p.stderr)
    p = run_raw(site, conf, args + ["--partial"], as_nobody)
    assert p.returncode == 0, p.stderr
    _info, pages = pdf_pages(out)
    first = " ".join(pages[0].split())
    assert "RAPPORT INCOMPLET" in first, first
    assert "%s : permission refusée" % ups in first, first
    assert "ups-general : 0,0 % de la période mesurée" in first, first
    assert first.index("RAPPORT INCOMPLET") < first.index("Synthèse")
