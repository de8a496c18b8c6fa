"""Fault case: the journal rotated while incidents open and close (alerts.journal_max_kib
= 1: a rotation every ~5 records), with kill -9 at random points and at the rotation's
own rename (tests/fault/killat.c), restart each time (issue 13 item 11). Every mail the
journal decided reaches the server once (the 250 -> sent/ window apart), no record is
lost across a rotation, every file stays under its bound, and envmon-report, reading the
rotated files too, lists every incident the journal files hold."""

import csv
import io
import os
import random
import subprocess
import time

from faultlib import (Daemon, Site, account_disk, account_mails, build_killat, expected_notices,
                      kill_cycles, probes_site, received_notices, wait_all_delivered)
from peerlib import SmtpCatcher, free_port, program

POINTS = ('rename:journal.jsonl.:%d:before', 'rename:journal.jsonl.:%d:after',
          'fdatasync:journal.jsonl:%d:after')


def test_rotation_under_kills(tmp_path, figures):
    kills = int(os.environ.get('FAULT_ROTATION_KILLS', '12'))
    rng = random.Random(int(os.environ.get('FAULT_SEED', '13')))
    killat = build_killat(tmp_path)
    site = Site(tmp_path / 'site')
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port).start()
    t0 = int(time.time())
    probes_site(site, t0, periods=(10, 14, 20), mail_port=port, extra='alerts = { journal_max_kib = 1; };')
    daemon = Daemon(site)
    try:
        window, at_points = kill_cycles(
            daemon, site, catcher, killat, kills, rng, lambda k: k % 2 == 1,
            lambda k: POINTS[(k // 2) % len(POINTS)] % rng.randint(1, 2), (0.5, 3.0))
        injected = kills
        daemon.start()
        time.sleep(6)
        wait_all_delivered(site, catcher)
        rc, log = daemon.stop()
    finally:
        if daemon.running():
            daemon.kill9()
        catcher.stop()
    figures['faults'] = injected
    figures['kills_at_points'] = at_points
    files = site.journal_files()
    figures['journal_files'] = len(files)
    records, _ = site.journal()
    got = [(i, s) for i, s, _ in received_notices(catcher.messages())]
    lost, dup, unjournaled = account_mails(figures, expected_notices(records), got, window)
    problems = account_disk(figures, site)
    assert rc == 0, log[-3000:]
    assert len(files) >= 5, files
    assert at_points >= 1, 'killat.c never struck'
    assert 'rotated to' in log
    for path in files[:-1]:
        assert 0 < path.stat().st_size <= 1024 + 1024, (path, path.stat().st_size)
    assert not lost, ('mails lost', lost)
    assert not dup, ('mails duplicated outside the 250 -> sent/ window', dup)
    assert not unjournaled, ('mails sent that the journal does not hold', unjournaled)
    assert not problems, problems
    # The report reads every file: each incident opened in any of them is counted, once,
    # on its server's row (one server per rack here, so the counts add up).
    opened = {}
    for r in records:
        if r.get('type') == 'open':
            opened.setdefault(r['cond'].split(':')[1].split('/')[0].replace('baie', 'srv'), set()).add(r['id'])
    day = time.strftime('%Y-%m-%d', time.gmtime(t0))
    nxt = time.strftime('%Y-%m-%d', time.gmtime(time.time() + 86400))
    rep = subprocess.run([str(program('envmon-report')), '-c', str(site.conf), '--from', day, '--to', nxt,
                          '--format', 'csv', '--csv-dialect', 'rfc4180', '--partial'],
                         capture_output=True, text=True, timeout=60, env=dict(os.environ, TZ='UTC'))
    assert rep.returncode == 0, rep.stderr
    counted = {}
    for row in csv.DictReader(io.StringIO(rep.stdout)):
        if row['date'] == 'period' and row['criterion'] == 'temperature':
            counted[row['server']] = int(row['incidents'] or 0)
    figures['report_incidents'] = sum(counted.values())
    assert opened and counted == {k: len(v) for k, v in opened.items()} | \
        {k: 0 for k in counted if k not in opened}, (counted, opened)
    site.remove()
