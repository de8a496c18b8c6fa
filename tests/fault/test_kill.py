"""Fault case 1: kill -9 at random points while incidents open and close, and at the
durability points themselves (tests/fault/killat.c), restart each time; then every
mail the journal decided must have reached the server exactly once (a copy again is
allowed only for a kill between the server's 250 and the rename to spool/sent/, and is
counted apart), every RRD file must read back, and no journal record may be missing.

FAULT_KILLS (default 50) sets the number of kills; FAULT_SEED the random seed.
"""

import os
import random
import time

from faultlib import (Daemon, Site, account_disk, account_mails, build_killat, expected_notices,
                      kill_cycles, probes_site, received_notices, wait_all_delivered)
from peerlib import SmtpCatcher, free_port

# Where killat.c strikes (OP:TEXT:N:WHEN): the message queued (tmp -> new/), the message
# taken by the server but not yet moved to sent/ (the window), moved but its directory
# not yet synced, the journal record written, and the snapshot renamed into place.
POINTS = (
    'rename:/spool/new/:%d:after',
    'rename:/spool/sent/:%d:before',
    'rename:/spool/sent/:%d:after',
    'fdatasync:journal.jsonl:%d:before',
    'fdatasync:journal.jsonl:%d:after',
    'rename:/state/alert:%d:after',
    'fsync:/rrd/:%d:after',
)


def test_kill9_at_random_points(tmp_path, figures):
    kills = int(os.environ.get('FAULT_KILLS', '50'))
    rng = random.Random(int(os.environ.get('FAULT_SEED', '13')))
    killat = build_killat(tmp_path)
    site = Site(tmp_path / 'site')
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port).start()
    probes_site(site, int(time.time()), periods=(10, 14, 20, 26), mail_port=port)
    daemon = Daemon(site)
    try:
        window, at_points = kill_cycles(
            daemon, site, catcher, killat, kills, rng, lambda k: k % 3 == 2,
            lambda k: POINTS[(k // 3) % len(POINTS)] % rng.randint(1, 2), (0.5, 4.0))
        injected = kills
        # The last run: the spool drains, then a clean stop.
        daemon.start()
        wait_all_delivered(site, catcher)
        rc, log = daemon.stop()
    finally:
        if daemon.running():
            daemon.kill9()
        catcher.stop()
    figures['faults'] = injected
    figures['kills_at_points'] = at_points
    records, _ = site.journal()
    got = [(i, s) for i, s, _ in received_notices(catcher.messages())]
    lost, dup, unjournaled = account_mails(figures, expected_notices(records), got, window)
    problems = account_disk(figures, site)
    assert rc == 0, log[-3000:]
    assert 'AddressSanitizer' not in log and 'runtime error:' not in log
    assert figures['mails_expected'] >= kills // 2, 'too few incidents to prove anything'
    assert at_points >= kills // 6, ('killat.c struck %d time(s) only' % at_points)
    assert not lost, ('mails lost', lost)
    assert not dup, ('mails duplicated outside the 250 -> sent/ window', dup)
    assert not unjournaled, ('mails sent that the journal does not hold', unjournaled)
    assert not problems, problems
    site.remove()
