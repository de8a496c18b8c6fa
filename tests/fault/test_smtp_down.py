"""Fault case 2: the mail server is down while incidents open and close, then comes
back: every mail the journal decided is delivered once, and in order per incident (by
seq). Across incidents the mailer sends the backlog in the order of the spool's names
("-10" before "-2"), not in the journal's: that is measured (backlog_out_of_order) and
not asserted, since the mailer promises order per incident only (mailer.c eligible()).
The time from the server's return to an empty spool is measured too (drain_s)."""

import time

from faultlib import (Daemon, Site, account_disk, account_mails, expected_notices, probes_site,
                      received_notices, wait_all_delivered)
from peerlib import SmtpCatcher, free_port

DOWN_S = 35


def test_smtp_down_then_back(tmp_path, figures):
    site = Site(tmp_path / 'site')
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port)          # not started: the server is down
    probes_site(site, int(time.time()), periods=(10, 14, 20), mail_port=port)
    daemon = Daemon(site).start()
    try:
        time.sleep(DOWN_S)
        waiting = site.spool('new')
        records, _ = site.journal()
        before = expected_notices(records)
        catcher.start()
        back = time.monotonic()
        figures['faults'] = 1
        wait_all_delivered(site, catcher, 60)
        figures['drain_s'] = round(time.monotonic() - back, 1)
        rc, log = daemon.stop()
    finally:
        if daemon.running():
            daemon.kill9()
        catcher.stop()
    records, _ = site.journal()
    expected = expected_notices(records)
    got = [(i, s) for i, s, _ in received_notices(catcher.messages())]
    lost, dup, unjournaled = account_mails(figures, expected, got)
    problems = account_disk(figures, site)
    assert rc == 0, log[-3000:]
    assert len(before) >= 6 and len(waiting) >= 6, (before, waiting)
    assert 'Connection refused' in log or 'connect' in log
    assert not lost and not dup and not unjournaled, (lost, dup, unjournaled)
    # In order: per incident by seq, and the whole backlog in the journal's order.
    for incident in {i for i, _ in got}:
        seqs = [s for i, s in got if i == incident]
        assert seqs == sorted(seqs), (incident, seqs)
    backlog = [k for k in got if k in set(before)]
    journal_order = [k for k in expected if k in set(before)]
    figures['backlog_out_of_order'] = sum(a != b for a, b in zip(backlog, journal_order))
    assert not problems, problems
    site.remove()
