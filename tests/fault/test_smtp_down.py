"""Fault case 2: the mail server is down while incidents open and close, then comes
back: every mail the journal decided is delivered once, in order per incident (by seq),
and the backlog in the order the journal decided it (mailer.c oldest_eligible(): by
queue time; it went by the spool's names before, "-10" before "-2", 30 of 32 out of
place in the hour). Mails queued within one tick of the file clock go by name: in the
35 s case, where two racks change state in the same poll, that is measured
(backlog_out_of_order), not asserted; the hour's periods never coincide, and there it
is asserted. The time from the server's return to an empty spool is measured (drain_s).

Two outages: 35 s of real time with the mailer retrying every second
(ENVMOND_MAIL_RETRY_S=1), and one hour of virtual time with the mailer's own backoff
(30 s doubling up to an hour): the daemon runs under libfaketime at RATE times real
time (its clocks, epoll_wait and pthread_cond_timedwait are all scaled), so the hour
takes 3600 / RATE real seconds while square waves of 10 to 24 minutes open and close
incidents during it (half-periods 300, 470 and 710 s: no two racks change state in
the same poll after the first). The mail server (aiosmtpd) runs in real time."""

import os
import time

import pytest

from faultlib import (Daemon, Site, account_disk, account_mails, expected_notices, probes_site,
                      received_notices, wait_all_delivered)
from peerlib import SmtpCatcher, free_port

DOWN_S = 35
RATE = 120
HOUR_S = 3600
MAX_ATTEMPTS_HOUR = 12
FAKETIME_LIBS = ('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
                 '/usr/lib/faketime/libfaketime.so.1')


def outage(tmp_path, figures, periods, down_real_s, env=None, drain_s=60):
    """Runs the site with the server down for down_real_s, then up until every mail is
    delivered. Returns (mails waiting when it came back, records decided before, received
    (id, seq) in order, expected (id, seq), daemon exit status, log, site)."""
    site = Site(tmp_path / 'site')
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port)          # not started: the server is down
    probes_site(site, int(time.time()), periods=periods, mail_port=port)
    daemon = Daemon(site, env=env)
    if env and 'ENVMOND_MAIL_RETRY_S' not in env:
        del daemon.env['ENVMOND_MAIL_RETRY_S']             # the mailer's own backoff
    daemon.start()
    try:
        time.sleep(down_real_s)
        waiting = site.spool('new')
        records, _ = site.journal()
        before = expected_notices(records)
        catcher.start()
        back = time.monotonic()
        figures['faults'] = 1
        wait_all_delivered(site, catcher, drain_s)
        figures['drain_s'] = round(time.monotonic() - back, 1)
        rc, log = daemon.stop()
    finally:
        if daemon.running():
            daemon.kill9()
        catcher.stop()
    records, _ = site.journal()
    expected = expected_notices(records)
    got = [(i, s) for i, s, _ in received_notices(catcher.messages())]
    return waiting, before, got, expected, rc, log, site


def check_delivery(figures, site, waiting, before, got, expected, backlog_in_order=False):
    lost, dup, unjournaled = account_mails(figures, expected, got)
    problems = account_disk(figures, site)
    assert not lost and not dup and not unjournaled, (lost, dup, unjournaled)
    # In order: per incident by seq; across incidents measured only (see above).
    for incident in {i for i, _ in got}:
        seqs = [s for i, s in got if i == incident]
        assert seqs == sorted(seqs), (incident, seqs)
    backlog = [k for k in got if k in set(before)]
    journal_order = [k for k in expected if k in set(before)]
    figures['backlog_out_of_order'] = sum(a != b for a, b in zip(backlog, journal_order))
    assert not problems, problems
    if backlog_in_order:
        assert backlog == journal_order, (backlog, journal_order)


def test_smtp_down_then_back(tmp_path, figures):
    waiting, before, got, expected, rc, log, site = outage(tmp_path, figures, (10, 14, 20), DOWN_S)
    assert rc == 0, log[-3000:]
    assert len(before) >= 6 and len(waiting) >= 6, (before, waiting)
    assert 'Connection refused' in log or 'connect' in log
    check_delivery(figures, site, waiting, before, got, expected)
    site.remove()


def faketime_lib():
    for lib in FAKETIME_LIBS:
        if os.path.exists(lib):
            return lib
    pytest.skip('libfaketime is not installed (Debian package libfaketime)')
    return None


def journal_span_s(records):
    times = [r['t'] for r in records if isinstance(r.get('t'), (int, float))]
    return max(times) - min(times) if times else 0


def test_smtp_down_for_a_virtual_hour(tmp_path, figures):
    lib = faketime_lib()
    env = {'LD_PRELOAD': lib, 'FAKETIME': '+0 x%d' % RATE, 'FAKETIME_NO_CACHE': '1',
           # ASan wants to be the first library; libfaketime only wraps libc calls.
           'ASAN_OPTIONS': 'verify_asan_link_order=0:' + os.environ.get('ASAN_OPTIONS', '')}
    waiting, before, got, expected, rc, log, site = outage(
        tmp_path, figures, (600, 940, 1420), HOUR_S / RATE, env=env, drain_s=60)
    records, _ = site.journal()
    before_records = [r for r in records if isinstance(r.get('notice'), dict)
                      and (r.get('id'), r['notice'].get('seq')) in set(before)]
    figures['virtual_s'] = round(journal_span_s(records))
    figures['opened_while_down'] = sum(1 for r in before_records if r.get('type') == 'open')
    figures['closed_while_down'] = sum(1 for r in before_records if r.get('type') == 'close')
    figures['drain_virtual_s'] = round(figures['drain_s'] * RATE)
    # One line per failed session: the backoff (30 s doubling, capped at an hour) allows
    # about log2(3600 / 30) + 2 = 9 in the hour, not one per mail or per poll.
    figures['attempts_while_down'] = log.count('mail: cannot send')
    assert rc == 0, log[-3000:]
    assert figures['virtual_s'] >= HOUR_S * 0.9, figures
    assert figures['opened_while_down'] >= 6 and figures['closed_while_down'] >= 6, (figures, before)
    assert len(waiting) >= 12, waiting
    assert 1 <= figures['attempts_while_down'] <= MAX_ATTEMPTS_HOUR, figures
    check_delivery(figures, site, waiting, before, got, expected, backlog_in_order=True)
    site.remove()
