"""Shared pieces of the fault suite (tests/fault): a site directory with its
configuration, the real daemon started and killed, and the accounting that turns
what the daemon left on disk and what the mail server received into figures.

The daemon runs in real time (it has no virtual clock), so incidents are made fast:
simulated probes (protocol "sim", src/daemon/simdrv.h) poll every 5 s, the minimum,
with hold = 0 and clear_hold = 0, and their scenario is a square wave across the
warning bound, so that an incident opens and closes within ~20 s. ENVMOND_MAIL_RETRY_S=1
makes the mailer retry a refused or unreachable server after a second. The one case
that needs an hour (test_smtp_down.py) runs the daemon under libfaketime at 120 times
real time instead, with the mailer's own backoff.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'peers'))

from peerlib import REPO_ROOT, program, wait_until  # noqa: E402

RRDTOOL = shutil.which('rrdtool') or '/usr/bin/rrdtool'
CODE = 'TJ-FLT'
FAST_SPEC = ('specs = { default = { temperature = { hold = 0; clear_hold = 0; }; '
             'humidity = { hold = 0; clear_hold = 0; }; }; };')
SIM = '{ name = "%s"; profile = "%s"; interval = 5; dead_time = %d; sim = { scenario = "%s"; }; }'


def sanitizer_errors(text):
    return 'AddressSanitizer' in text or 'runtime error:' in text


class Site:
    """A state directory, profiles and an envmond.conf, in a directory of its own."""

    def __init__(self, base=None):
        self.base = Path(base or tempfile.mkdtemp(prefix="envmond-fault-"))
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        self.state = self.base / 'state'
        self.profiles = self.base / 'profiles'
        if not self.profiles.exists():
            shutil.copytree(REPO_ROOT / 'etc' / 'profiles', self.profiles)
            for prof in (REPO_ROOT / 'tests' / 'sim' / 'profiles').glob('*.conf'):
                shutil.copy(prof, self.profiles / prof.name)
        self.conf = self.base / 'envmond.conf'
        self.sock = self.base / 'envmond.sock'

    def scenario(self, name, text):
        path = self.base / name
        path.write_text(text)
        return path

    def write_config(self, devices, racks, mail_port=None, extra='', max_per_hour=100):
        """devices: device lines; racks: rack lines (libconfig)."""
        lines = [
            'site = { name = "Tribunal judiciaire de Faute"; code = "%s";' % CODE,
            '  contacts = { arsit = [ "arsit@example.org" ]; }; };',
            'paths = { state_dir = "%s"; profiles_dir = "%s"; pid_file = "%s/envmond.pid";'
            % (self.state, self.profiles, self.base),
            '  control_socket = "%s"; };' % self.sock,
            'storage = { step = 5; };',
            'daemon = { allow_root = true; };',
            'devices = ( %s );' % ', '.join(devices),
            'racks = ( %s );' % ', '.join(racks),
            FAST_SPEC, extra,
        ]
        if mail_port:
            lines.append('mail = { server = "127.0.0.1"; port = %d; tls = "none"; timeout = 5; '
                         'lang = "en"; max_per_hour = %d; '
                         'from = "envmond %s <envmond@example.org>"; };'
                         % (mail_port, max_per_hour, CODE))
        self.conf.write_text('\n'.join(lines) + '\n')

    def remove(self):
        shutil.rmtree(self.base, ignore_errors=True)

    # ------------------------------------------------------------ what is on disk

    def journal_path(self):
        return self.state / 'journal.jsonl'

    def journal_files(self):
        """The rotated journals ("journal.jsonl.<N>", oldest first), then the live one."""
        live = self.journal_path()
        rotated = [p for p in self.state.glob(live.name + '.*') if p.suffix[1:].isdigit()] \
            if self.state.exists() else []
        return sorted(rotated, key=lambda p: int(p.suffix[1:])) + [live]

    def journal(self):
        """(records, bad lines) of every journal file, in order: every line that is not a
        JSON object counts as bad."""
        records, bad = [], []
        for path in self.journal_files():
            if not path.exists():
                continue
            for n, line in enumerate(path.read_bytes().split(b'\n'), 1):
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                    if not isinstance(rec, dict):
                        raise ValueError('not an object')
                    records.append(rec)
                except ValueError:
                    bad.append((path.name, n, line[:120]))
        return records, bad

    def spool(self, sub):
        d = self.state / 'spool' / sub
        return sorted(os.listdir(d)) if d.exists() else []

    def instance(self):
        return (self.state / 'spool' / 'instance').read_text().strip()

    def rrd_files(self):
        d = self.state / 'rrd'
        return sorted(d.glob('*.rrd')) if d.exists() else []


def expected_notices(records):
    """{(incident id, seq)} that the journal decided to mail (notice not silenced)."""
    out = []
    for rec in records:
        nt = rec.get('notice')
        if isinstance(nt, dict) and not nt.get('silenced'):
            out.append((rec.get('id'), nt.get('seq')))
    return out


MID = re.compile(rb'^Message-ID:\s*<(%s-\d{8}-\d+)\.(\d+)\.[0-9a-f]+@' % CODE.encode(), re.M | re.I)


def received_notices(messages):
    """[(incident id, seq, meta)] in arrival order, from the catcher's messages."""
    out = []
    for meta, raw in messages:
        m = MID.search(raw)
        if m:
            out.append((m.group(1).decode(), int(m.group(2)), meta))
    return out


def check_rrd(path):
    """None if rrdtool reads the file (info, then fetch of its last hour), else why."""
    for argv in ([RRDTOOL, 'info', str(path)],
                 [RRDTOOL, 'fetch', str(path), 'AVERAGE', '-s', 'end-1h']):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if r.returncode != 0 or 'ERROR' in r.stderr:
            return '%s: %s' % (argv[1], r.stderr.strip() or r.stdout.strip()[:200])
    return None


class Daemon:
    """envmond -f -d on a Site; kill9() for the crash cases, stop() for a clean end."""

    def __init__(self, site, env=None, preexec=None, pipe_log=False):
        """pipe_log: stderr through a pipe (copied to the log file by a thread), as
        under systemd: then a file-size limit on the daemon does not cut its log."""
        self.pipe_log = pipe_log
        self.site = site
        self.err_path = site.base / 'envmond.err'
        self.env = dict(os.environ, ENVMOND_MAIL_RETRY_S='1', LANGUAGE='', LC_ALL='C', TZ='UTC',
                        **(env or {}))
        self.preexec = preexec
        self.proc = None
        self.starts = 0

    def start(self, wait_socket=True, env=None):
        self.errf = open(self.err_path, 'ab')
        self.errf.write(b'=== start %d\n' % self.starts)
        self.errf.flush()
        self.starts += 1
        self.proc = subprocess.Popen([str(program('envmond')), '-f', '-d', '-c', str(self.site.conf)],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE if self.pipe_log else self.errf,
                                     env=dict(self.env, **(env or {})), preexec_fn=self.preexec)
        if self.pipe_log:
            self.copier = threading.Thread(target=self._copy_log, args=(self.proc.stderr, self.errf),
                                           daemon=True)
            self.copier.start()
        if wait_socket:
            wait_until(lambda: self.site.sock.exists() or self.proc.poll() is not None, 15,
                       'envmond control socket')
            if self.proc.poll() is not None:
                raise AssertionError('envmond exited %d at start:\n%s' % (self.proc.returncode,
                                                                          self.log()[-3000:]))
        return self

    @staticmethod
    def _copy_log(src, dst):
        for line in iter(src.readline, b''):
            dst.write(line)
            dst.flush()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._join_copier()
        self.errf.close()
        # A killed daemon leaves its socket behind; the next start replaces it.
        try:
            self.site.sock.unlink()
        except FileNotFoundError:
            pass

    def reap(self):
        """After the daemon died by itself (killat.c): collect it."""
        self.proc.wait()
        self._join_copier()
        self.errf.close()
        try:
            self.site.sock.unlink()
        except FileNotFoundError:
            pass

    def stop(self):
        """SIGTERM; returns (exit status, log)."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._join_copier()
        self.errf.close()
        return self.proc.returncode, self.log()

    def _join_copier(self):
        if self.pipe_log:
            self.copier.join(10)

    def log(self):
        return self.err_path.read_text(errors='replace') if self.err_path.exists() else ''

    def ctl(self, *args):
        r = subprocess.run([str(program('envmonctl')), '-s', str(self.site.sock), *args],
                           capture_output=True, text=True, timeout=30, env=self.env)
        return r

    def status(self):
        r = self.ctl('status', '--json')
        return json.loads(r.stdout) if r.returncode == 0 else None


def spool_key(name):
    """(incident id, seq) of a spool file name "<incident>.<seq, 6 digits>"."""
    incident, _, seq = name.rpartition('.')
    return (incident, int(seq)) if seq.isdigit() else None


def journal_gaps(records):
    """Notices missing from the journal: per incident, seqs must run 0, 1, 2 ... with no
    hole (a hole is a record that was decided, numbered, then lost)."""
    seqs = {}
    for rec in records:
        nt = rec.get('notice')
        if isinstance(nt, dict) and isinstance(nt.get('seq'), int):
            seqs.setdefault(rec.get('id'), set()).add(nt['seq'])
    return sum(max(s) + 1 - len(s) for s in seqs.values())


def account_mails(fig, expected, received, window=None):
    """Adds the mail figures of one case to fig and returns (lost, duplicated apart from
    the window, received but never journaled). expected: [(id, seq)] the journal
    decided; received: [(id, seq)] in arrival order; window: {(id, seq): n} copies
    allowed again because a kill landed between the server's 250 and the rename to
    sent/ (the message was received and still in new/ when the daemon died)."""
    window = window or {}
    counts = {}
    for key in received:
        counts[key] = counts.get(key, 0) + 1
    exp = set(expected)
    lost = sorted(exp - set(counts))
    extra = {k: n - 1 for k, n in counts.items() if n > 1}
    in_window = {k: min(n, window.get(k, 0)) for k, n in extra.items()}
    dup = {k: n - in_window[k] for k, n in extra.items() if n - in_window[k] > 0}
    unjournaled = sorted(set(counts) - exp)
    fig['mails_expected'] = fig.get('mails_expected', 0) + len(exp)
    fig['mails_delivered'] = fig.get('mails_delivered', 0) + len(exp & set(counts))
    fig['mails_lost'] = fig.get('mails_lost', 0) + len(lost)
    fig['mails_duplicated'] = fig.get('mails_duplicated', 0) + sum(dup.values())
    fig['mails_dup_window'] = fig.get('mails_dup_window', 0) + sum(in_window.values())
    fig['journal_lost'] = fig.get('journal_lost', 0) + len(unjournaled)
    return lost, dup, unjournaled


def account_disk(fig, site):
    """Adds the RRD and journal figures of site to fig; returns the problems found."""
    problems = []
    for path in site.rrd_files():
        fig['rrd_checked'] = fig.get('rrd_checked', 0) + 1
        why = check_rrd(path)
        if why:
            fig['rrd_corrupt'] = fig.get('rrd_corrupt', 0) + 1
            problems.append('%s: %s' % (path.name, why))
    records, bad = site.journal()
    gaps = journal_gaps(records)
    fig['journal_lost'] = fig.get('journal_lost', 0) + len(bad) + gaps
    if bad:
        problems.append('journal lines that are not JSON: %s' % bad[:5])
    if gaps:
        problems.append('%d notice seq(s) missing from the journal' % gaps)
    return problems


def build_killat(directory):
    """tests/fault/killat.c built into directory (an LD_PRELOAD library)."""
    out = Path(directory) / 'killat.so'
    src = Path(__file__).resolve().parent / 'killat.c'
    subprocess.run(['cc', '-O1', '-shared', '-fPIC', '-o', str(out), str(src), '-ldl'], check=True)
    return out


def probes_site(site, t0, periods=(20, 30, 40), mail_port=None, extra='', dead_time=2):
    """One simulated probe per rack, each a square wave 20 <-> 30 °C (warning above 27)
    of its own period from scenario time t0: incidents open and close every period/2."""
    devs, racks = [], []
    for i, period in enumerate(periods):
        sc = site.scenario('probe-%d.scn' % i, 'start = %d\ntemperature = 25\n'
                           'temperature += square 5 %ds\nhumidity = 40\n' % (t0, period))
        devs.append(SIM % ('sonde-%d' % i, 'sim-probe', dead_time, sc))
        racks.append('{ name = "baie-%d"; probes = [ "sonde-%d" ]; '
                     'servers = ( { name = "srv-%d"; role = "comci"; } ); }' % (i, i, i))
    site.write_config(devs, racks, mail_port=mail_port, extra=extra)


def wait_all_delivered(site, catcher, drain_s=30):
    """The spool drains, then every mail the journal decided is at the server."""
    wait_until(lambda: not site.spool('new'), drain_s, 'the spool to drain')
    records, _ = site.journal()
    want = set(expected_notices(records))
    wait_until(lambda: want <= {(i, s) for i, s, _ in received_notices(catcher.messages())},
               30, 'every journaled mail at the server')


def kill_cycles(daemon, site, catcher, killat, kills, rng, at_point, spec_of, sleep_s):
    """kills runs of daemon, each ended by kill -9: run k dies at a durability point
    (killat.c with FAULT_KILL_AT = spec_of(k), or killed 8 s later) when at_point(k),
    else after rng.uniform(*sleep_s). Returns (window, at_points): window counts, per
    (id, seq), the kills that landed between the server's 250 and the rename to sent/
    (received, yet still in new/ after the kill)."""
    window, at_points = {}, 0
    for k in range(kills):
        if at_point(k):
            # It may reach its point before the control socket is up: no wait for it.
            daemon.start(wait_socket=False, env={'LD_PRELOAD': str(killat), 'FAULT_KILL_AT': spec_of(k)})
            end = time.monotonic() + 8
            while time.monotonic() < end and daemon.running():
                time.sleep(0.05)
        else:
            daemon.start()
            time.sleep(rng.uniform(*sleep_s))
        if daemon.running():
            daemon.kill9()
        else:
            daemon.reap()
            at_points += 1
        # Counted after the kill, once a message in flight has been stored.
        time.sleep(0.3)
        received = {(i, s) for i, s, _ in received_notices(catcher.messages())}
        for name in site.spool('new'):
            key = spool_key(name)
            if key in received:
                window[key] = window.get(key, 0) + 1
    return window, at_points
