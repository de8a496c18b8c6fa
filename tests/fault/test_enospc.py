"""Fault case 3: a full disk (ENOSPC) under each durable directory — the mail spool,
the RRD directory, and the whole state directory (journal and snapshot with them) —
while incidents open and close: no mail storm, no loss, a clear log line, and recovery
once space returns. A fourth variant removes spool/sent/ as an operator might (issue 13
item 1: the rename after the server's 250 fails): the same rules hold. A fifth lowers
the running daemon's RLIMIT_FSIZE to 1 KiB (EFBIG on every durable file; needs no root),
then lifts it.

Each directory is a small tmpfs mounted for the case (as root; skipped otherwise),
filled by a file of zeros until the kernel answers ENOSPC, then emptied. The RRD
directory is filled before the daemon starts: RRD files are written whole at creation
and updated in place, so only their creation can meet a full disk."""

import errno
import os
import shutil
import subprocess
import time

import pytest

from faultlib import (Daemon, Site, account_disk, account_mails, expected_notices, probes_site,
                      received_notices, sanitizer_errors, wait_until)
from peerlib import SmtpCatcher, free_port

FULL_S = 15
# A failing write may be logged, but not at every poll of every device for ever.
MAX_LOG_LINES_WHILE_FULL = 120


def mount_tmpfs(path, size='16m'):
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s,mode=755' % size, 'tmpfs', str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip('cannot mount a tmpfs here (%s): run as root' % r.stderr.strip())


def fill_full(path):
    """Writes path/filler until ENOSPC."""
    with open(path / 'filler', 'wb', buffering=0) as f:
        chunk = b'\0' * 65536
        try:
            while True:
                f.write(chunk)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    # Top the last bytes up too (the chunked writes stop up to 64 KiB short).
    with open(path / 'filler2', 'wb', buffering=0) as f:
        try:
            while True:
                f.write(b'\0' * 512)
        except OSError:
            pass


def unfill_full(path):
    for name in ('filler', 'filler2'):
        try:
            os.unlink(path / name)
        except FileNotFoundError:
            pass


def remove_sent(path):
    shutil.rmtree(path / 'sent')


def restore_sent(path):
    (path / 'sent').mkdir(mode=0o750, exist_ok=True)


def got(catcher):
    return [(i, s) for i, s, _ in received_notices(catcher.messages())]


def fsize_limiter(daemon):
    """RLIMIT_FSIZE of the running daemon (prlimit(1), no root needed: the hard limit
    stays): at 1 KiB every durable file (journal, spool message, RRD) meets EFBIG."""
    def limit(path):
        subprocess.run(['prlimit', '--pid', str(daemon.proc.pid), '--fsize=1024:unlimited'], check=True)

    def unlimit(path):
        subprocess.run(['prlimit', '--pid', str(daemon.proc.pid), '--fsize=unlimited:unlimited'], check=True)
    return limit, unlimit


@pytest.mark.parametrize('where', ['spool', 'rrd', 'state', 'sent-removed', 'rlimit-fsize'])
def test_enospc_then_space_returns(tmp_path, figures, where):
    if os.geteuid() != 0 and where not in ('sent-removed', 'rlimit-fsize'):
        pytest.skip('mounts a tmpfs: run as root')
    site = Site(tmp_path / 'site')
    target = site.state if where == 'state' else site.state / where
    fill, unfill, mounted = fill_full, unfill_full, where not in ('sent-removed', 'rlimit-fsize')
    if mounted:
        mount_tmpfs(target)
    elif where == 'sent-removed':
        target, fill, unfill = site.state / 'spool', remove_sent, restore_sent
    port = free_port()
    catcher = SmtpCatcher(tmp_path / 'smtp', port).start()
    probes_site(site, int(time.time()), periods=(10, 14), mail_port=port)
    daemon = Daemon(site, pipe_log=where == 'rlimit-fsize')
    if where == 'rlimit-fsize':
        fill, unfill = fsize_limiter(daemon)
    try:
        if where == 'rrd':
            fill(target)
        daemon.start()
        if where != 'rrd':
            wait_until(lambda: len(got(catcher)) >= 2, 30, 'two mails before the disk fills')
            fill(target)
        figures['faults'] = 1
        mark = len(daemon.log().splitlines())
        before = len(got(catcher))
        time.sleep(FULL_S)
        full_log = daemon.log().splitlines()[mark:]
        during = got(catcher)[before:]
        unfill(target)
        # Recovery: the spool drains, the journal's decisions all reach the server, and
        # incidents opening after the return are mailed too.
        records, _ = site.journal()
        at_return = len(records)
        wait_until(lambda: len(site.journal()[0]) > at_return + 2, 30, 'new journal records')
        wait_until(lambda: not site.spool('new'), 40, 'the spool to drain')
        want = set(expected_notices(site.journal()[0]))
        wait_until(lambda: want <= set(got(catcher)), 30, 'every journaled mail at the server')
        if where == 'rrd':
            wait_until(lambda: len(site.rrd_files()) == 2, 20, 'the RRD files created')
        rc, log = daemon.stop()
        # Read back before the tmpfs goes.
        records, _ = site.journal()
        lost, dup, unjournaled = account_mails(figures, expected_notices(records), got(catcher))
        problems = account_disk(figures, site)
    finally:
        if daemon.running():
            daemon.kill9()
        catcher.stop()
        if mounted:
            subprocess.run(['umount', '-l', str(target)])
    figures['log_lines_while_full'] = len(full_log)
    figures['mails_while_full'] = len(during)
    assert not sanitizer_errors(log), log
    assert rc == 0, log[-3000:]
    # A full disk is named; a removed sent/ is recreated at once, and the log says so.
    said = ('was missing: created again',) if where == 'sent-removed' else \
        ('File too large',) if where == 'rlimit-fsize' else \
        ('No space left on device', 'No such file or directory')
    assert any(any(w in line for w in said) for line in full_log), \
        'no log line says what happened to the disk:\n' + '\n'.join(full_log[-40:])
    assert len(during) <= len(set(during)) and len(during) < 20, ('mail storm', during)
    assert len(full_log) <= MAX_LOG_LINES_WHILE_FULL, ('log storm', len(full_log), full_log[-20:])
    assert not lost and not dup and not unjournaled, (lost, dup, unjournaled)
    assert not problems, problems
    site.remove()
