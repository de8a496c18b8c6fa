"""pytest glue for the fault suite (tests/fault): the peers of tests/peers, the built
programs, and the table of figures printed at the end of the run.

Each case adds its figures with record_figures(); they go, one JSON line per case, to
$FAULT_FIGURES (made here when unset, so that pytest-xdist workers share it), and the
summary adds them up: cases run, faults injected, mails expected / delivered /
duplicated (the window between the server's 250 and the rename to spool/sent/ apart),
RRD files checked / corrupt, journal records lost.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'peers'))

from peerlib import (  # noqa: E402,F401  (fixtures are used by name)
    peer_cleanup, snmpsim_agent, snmpsim, modbus_tcp_server, modbus_rtu_server, pty_pair, local_ca,
    smtp_catcher,
)

FIELDS = (
    ('cases', 'cases run'),
    ('faults', 'faults injected'),
    ('mails_expected', 'mails expected'),
    ('mails_delivered', 'mails delivered'),
    ('mails_lost', 'mails lost'),
    ('mails_duplicated', 'mails duplicated'),
    ('mails_dup_window', 'duplicated in the 250 -> sent/ window'),
    ('rrd_checked', 'RRD files checked'),
    ('rrd_corrupt', 'RRD files corrupt'),
    ('journal_lost', 'journal records lost'),
)


def pytest_configure(config):
    if not os.environ.get('FAULT_FIGURES') and not hasattr(config, 'workerinput'):
        fd, path = tempfile.mkstemp(prefix='envmond-fault-figures-', suffix='.jsonl')
        os.close(fd)
        os.environ['FAULT_FIGURES'] = path
        config._fault_figures_tmp = path


@pytest.fixture
def figures(request):
    """A dict of this case's figures, written to $FAULT_FIGURES when the case ends
    (also when it fails: the figures are what tells how it failed)."""
    fig = {'case': request.node.name, 'cases': 1}
    yield fig
    with open(os.environ['FAULT_FIGURES'], 'a') as f:
        f.write(json.dumps(fig) + '\n')


def pytest_terminal_summary(terminalreporter, config):
    path = os.environ.get('FAULT_FIGURES')
    if not path or not os.path.exists(path):
        return
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if getattr(config, '_fault_figures_tmp', None):
        os.unlink(path)
    if not rows:
        return
    tw = terminalreporter
    tw.section('fault suite figures')
    names = [k for k, _ in FIELDS]
    width = max(len(r['case']) for r in rows)
    short = ('cases', 'faults', 'expected', 'delivered', 'lost', 'dup', 'dup-250', 'rrd', 'rrd-bad',
             'jrnl-lost')
    tw.write_line('%-*s %s' % (width, 'case', ' '.join('%9s' % s for s in short)))
    for r in rows:
        tw.write_line('%-*s %s' % (width, r['case'], ' '.join('%9d' % r.get(k, 0) for k in names)))
    tw.write_line('')
    for key, label in FIELDS:
        tw.write_line('%-40s %d' % (label, sum(r.get(key, 0) for r in rows)))
