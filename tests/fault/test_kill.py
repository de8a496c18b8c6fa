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
                      probes_site, received_notices, spool_key, wait_until)
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
    window = {}          # (id, seq) -> kills that landed between the 250 and sent/
    injected = at_points = 0
    try:
        for k in range(kills):
            if k % 3 == 2:
                # At a durability point: the daemon kills itself there (or is killed
                # after a while if the point did not come).
                spec = POINTS[(k // 3) % len(POINTS)] % rng.randint(1, 2)
                # It may reach its point before the control socket is up: no wait for it.
                daemon.start(wait_socket=False, env={'LD_PRELOAD': str(killat), 'FAULT_KILL_AT': spec})
                _wait_exit(daemon, 8)
            else:
                daemon.start()
                time.sleep(rng.uniform(0.5, 4.0))
            if daemon.running():
                daemon.kill9()
            else:
                daemon.reap()
                at_points += 1
            injected += 1
            # What the server took (counted after the kill, once a message in flight
            # has been stored) but new/ still holds is in the window: the daemon died
            # before it could move it to sent/, or before it read the 250.
            time.sleep(0.3)
            received = {(i, s) for i, s, _ in received_notices(catcher.messages())}
            for name in site.spool('new'):
                key = spool_key(name)
                if key in received:
                    window[key] = window.get(key, 0) + 1
        # The last run: the spool drains, then a clean stop.
        daemon.start()
        wait_until(lambda: not site.spool('new'), 30, 'the spool to drain')
        records, _ = site.journal()
        want = set(expected_notices(records))
        wait_until(lambda: want <= {(i, s) for i, s, _ in received_notices(catcher.messages())},
                   30, 'every journaled mail at the server')
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


def _wait_exit(daemon, timeout_s):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and daemon.running():
        time.sleep(0.05)
