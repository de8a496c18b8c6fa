"""Unattended operation (issue #9): install, systemd unit, privilege drop, control socket
and envmonctl, reload without losing state, durable silences, sd_notify.

The daemon runs as root from the build tree and must drop to a test user; its devices
point at closed ports on 127.0.0.1. (This branch has no acquisition driver yet: devices
show as "unopened" and count failed polls, which is enough to see their state carried
over or reset by a reload.)
"""

import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get('ENVMOND_BUILDDIR', REPO / '_build' / 'check'))
ENVMOND = BUILD / 'src' / 'daemon' / 'envmond'
ENVMONCTL = BUILD / 'src' / 'ctl' / 'envmonctl'
TEST_USER = 'envmond-test'

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='starts envmond as root to see it drop')


def wait_until(cond, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(step)
    return cond()


def ensure_test_user():
    """A system user for the daemon, member of dialout (serial ports)."""
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(['useradd', '--system', '--user-group', '--no-create-home',
                        '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin',
                        '--groups', 'dialout', TEST_USER], check=True)
    pw = pwd.getpwnam(TEST_USER)
    return pw.pw_uid, pw.pw_gid


DEVICE = ('{ name = "%s"; profile = "ups-rfc1628"; interval = 5; dead_time = 2; '
          'snmp = { host = "127.0.0.1"; port = %d; }; }')


def config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; ups = [ "ups-1" ]; }',
                extra=''):
    lines = [
        'site = { name = "Tribunal judiciaire de Test"; code = "TJ-TST";',
        '  contacts = { arsit = [ "arsit@example.org" ]; }; };',
        'paths = { state_dir = "%s/state"; profiles_dir = "profiles";' % base,
        '  pid_file = "%s/run/envmond.pid"; control_socket = "%s/run/envmond.sock"; };' % (base, base),
        'daemon = { user = "%s"; };' % TEST_USER,
        'devices = ( %s );' % ', '.join(devices),
        'racks = ( { name = "baie-A"; servers = ( %s ); } );' % servers,
        extra,
    ]
    return '\n'.join(lines) + '\n'


class Daemon:
    def __init__(self, base, env=None):
        self.base = base
        self.conf = base / 'envmond.conf'
        self.sock = base / 'run' / 'envmond.sock'
        self.err = base / 'envmond.err'
        self.proc = None
        self.env = env

    def start(self):
        env = dict(os.environ, **(self.env or {}))
        self.errf = open(self.err, 'ab')
        self.proc = subprocess.Popen([str(ENVMOND), '-f', '-d', '-c', str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=self.errf, env=env)
        assert wait_until(lambda: self.sock.exists() or self.proc.poll() is not None), self.log()
        assert self.proc.poll() is None, self.log()

    def ctl(self, *args, check=True):
        r = subprocess.run([str(ENVMONCTL), '-s', str(self.sock), *args],
                           capture_output=True, text=True, timeout=30)
        if check:
            assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        return r

    def status(self):
        return json.loads(self.ctl('status', '--json').stdout)

    def device(self, name):
        for d in self.status()['devices']:
            if d['name'] == name:
                return d
        return None

    def log(self):
        return self.err.read_text(errors='replace') if self.err.exists() else ''

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail('envmond did not stop on SIGTERM')
        self.errf.close()
        rc = self.proc.returncode
        log = self.log()
        assert 'AddressSanitizer' not in log and 'runtime error:' not in log, log
        assert rc == 0, (rc, log)


@pytest.fixture
def site():
    """A directory every user can traverse, with profiles and a configuration."""
    base = Path(tempfile.mkdtemp(prefix='envmond-ops-'))
    os.chmod(base, 0o755)
    shutil.copytree(REPO / 'etc' / 'profiles', base / 'profiles')
    (base / 'envmond.conf').write_text(config_text(base, [DEVICE % ('ups-1', 16161)]))
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def daemon(site):
    ensure_test_user()
    d = Daemon(site)
    yield d
    if d.proc and d.proc.poll() is None:
        d.stop()


# ---------------------------------------------------------------- install and unit

def test_install_destdir_and_systemd_verify(tmp_path):
    dest = tmp_path / 'dest'
    r = subprocess.run(['make', '-C', str(BUILD), 'install', 'DESTDIR=%s' % dest],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    prefix = re.search(r'^prefix = (.*)$', (BUILD / 'Makefile').read_text(), re.M).group(1)
    root = Path(str(dest) + prefix)
    expected = ['sbin/envmond', 'bin/envmonctl', 'etc/envmond/envmond.conf',
                'etc/envmond/profiles/ups-rfc1628.conf', 'share/man/man8/envmond.8',
                'share/man/man8/envmonctl.8', 'share/man/man5/envmond.conf.5',
                'share/man/man1/envmon-report.1', 'share/man/fr/man8/envmond.8',
                'share/locale/fr/LC_MESSAGES/envmond.mo', 'lib/systemd/system/envmond.service',
                'lib/sysusers.d/envmond.conf']
    missing = [p for p in expected if not (root / p).is_file()]
    assert not missing, missing
    assert (root / 'var/lib/envmond').is_dir()
    assert (root / 'share/envmond/mibs').is_dir()
    # Man pages are well-formed for man(1): no warnings from groff.
    for page in ('man8/envmond.8', 'man5/envmond.conf.5', 'man8/envmonctl.8', 'man1/envmon-report.1'):
        g = subprocess.run(['groff', '-man', '-Tutf8', '-ww', '-z', str(root / 'share/man' / page)],
                           capture_output=True, text=True)
        assert g.returncode == 0 and not g.stderr.strip(), (page, g.stderr)

    unit = (root / 'lib/systemd/system/envmond.service').read_text()
    assert 'Type=notify' in unit and 'ExecStart=%s/sbin/envmond -f' % prefix in unit
    # The installed unit points at the final paths; verify a copy that points into DESTDIR
    # so that systemd-analyze finds the binaries (it does not need systemd as PID 1).
    assert shutil.which('systemd-analyze'), 'systemd-analyze missing: contrib/install-deps.sh --test'
    copy = tmp_path / 'envmond.service'
    copy.write_text(unit.replace(prefix + '/', str(root) + '/'))
    v = subprocess.run(['systemd-analyze', 'verify', '--man=no', str(copy)],
                       capture_output=True, text=True)
    assert v.returncode == 0 and not v.stderr.strip() and not v.stdout.strip(), v.stderr


# ---------------------------------------------------------------- privileges

def proc_status(pid):
    fields = {}
    for line in Path('/proc/%d/status' % pid).read_text().splitlines():
        key, _, value = line.partition(':')
        fields[key] = value.split()
    return fields


@needs_root
def test_privileges_dropped(daemon):
    uid, gid = ensure_test_user()
    daemon.start()
    st = proc_status(daemon.proc.pid)
    assert st['Uid'] == [str(uid)] * 4, st['Uid']
    assert st['Gid'] == [str(gid)] * 4, st['Gid']
    groups = set(st['Groups'])
    assert groups <= {str(gid), str(grp.getgrnam('dialout').gr_gid)}, groups
    assert str(grp.getgrnam('dialout').gr_gid) in groups   # initgroups: serial ports
    assert '0' not in groups
    for cap in ('CapEff', 'CapPrm', 'CapAmb'):
        assert int(st[cap][0], 16) == 0, (cap, st[cap])
    state = os.stat(daemon.base / 'state')
    assert (state.st_uid, state.st_gid, state.st_mode & 0o777) == (uid, gid, 0o750)
    run = os.stat(daemon.base / 'run')
    assert (run.st_uid, run.st_mode & 0o777) == (uid, 0o750)
    sock = os.stat(daemon.sock)
    assert (sock.st_uid, sock.st_mode & 0o777) == (uid, 0o660)
    assert 'running as user %s' % TEST_USER in daemon.log()
    daemon.stop()
    assert not daemon.sock.exists()


@needs_root
def test_refuses_root_without_user(site):
    conf = site / 'envmond.conf'
    conf.write_text(conf.read_text().replace('daemon = { user = "%s"; };' % TEST_USER, ''))
    r = subprocess.run([str(ENVMOND), '-f', '-c', str(conf)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 78, r
    assert 'refusing to run as root' in r.stderr


# ---------------------------------------------------------------- status

@needs_root
def test_status_text_and_json(daemon):
    conf = daemon.conf
    conf.write_text(config_text(daemon.base, [DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16162)]))
    daemon.start()
    st = daemon.status()
    assert [d['name'] for d in st['devices']] == ['ups-1', 'ups-2']
    assert st['daemon']['code'] == 'TJ-TST' and st['daemon']['pid'] == daemon.proc.pid
    dev = st['devices'][0]
    assert dev['protocol'] == 'snmp' and dev['address'] == '127.0.0.1:16161'
    assert dev['state'] in ('waiting', 'unopened')
    srv = st['servers'][0]
    assert srv['name'] == 'srv-comci' and srv['ups'] == ['ups-1']
    temp = [c for c in srv['criteria'] if c['criterion'] == 'temperature'][0]
    assert temp['warn'] == [18.0, 27.0] and temp['crit'] == [15.0, 32.0]
    # Open incidents (none yet) and the mail spool (no server configured here).
    assert st['incidents'] == []
    assert st['spool']['pending'] == 0 and 'last_error' in st['spool']
    text = daemon.ctl('status').stdout
    assert 'Open incidents: 0' in text and 'Mail spool: 0 waiting' in text, text
    for word in ('TJ-TST', 'ups-1', 'ups-2', 'srv-comci', 'temperature'):
        assert word in text, text
    # Wrong requests get an error, not a hang.
    assert daemon.ctl('test-mail', check=False).returncode == 1
    assert daemon.ctl('status', '--bogus', check=False).returncode == 64
    daemon.stop()


# ---------------------------------------------------------------- reload

def polls(daemon, name):
    d = daemon.device(name)
    return d['polls'] if d else None


@needs_root
def test_reload_valid_keeps_state(daemon):
    base = daemon.base
    daemon.conf.write_text(config_text(base, [DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16162)]))
    daemon.start()
    daemon.ctl('silence', 'ups-1', '2h', 'remplacement des batteries')
    assert wait_until(lambda: polls(daemon, 'ups-1') >= 2 and polls(daemon, 'ups-2') >= 2, 20)
    before = {n: polls(daemon, n) for n in ('ups-1', 'ups-2')}

    # ups-1 unchanged, ups-2 moved to another port (a new session), ups-3 added, and the
    # comci temperature threshold tightened.
    daemon.conf.write_text(config_text(
        base, [DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16172), DEVICE % ('ups-3', 16163)],
        extra='specs = { comci = { temperature = { warn = [ 19.0, 25.0 ]; }; }; };'))
    r = daemon.ctl('reload')
    assert 'reloaded' in r.stdout and '1 added' in r.stdout and '1 changed' in r.stdout, r.stdout
    st = daemon.status()
    assert [d['name'] for d in st['devices']] == ['ups-1', 'ups-2', 'ups-3']
    by_name = {d['name']: d for d in st['devices']}
    assert by_name['ups-1']['polls'] >= before['ups-1']          # carried over
    assert by_name['ups-2']['polls'] <= 1                         # a new session, fresh counters
    assert by_name['ups-2']['address'] == '127.0.0.1:16172'
    assert by_name['ups-3']['polls'] <= 1
    temp = [c for c in st['servers'][0]['criteria'] if c['criterion'] == 'temperature'][0]
    assert temp['warn'] == [19.0, 25.0]
    assert [s['target'] for s in st['silences'] if s['source'] == 'envmonctl'] == ['ups-1']

    # SIGHUP does the same: ups-3 removed.
    daemon.conf.write_text(config_text(base, [DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16172)]))
    daemon.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: [d['name'] for d in daemon.status()['devices']] == ['ups-1', 'ups-2'])
    assert polls(daemon, 'ups-1') >= before['ups-1']
    assert 'device ups-3 removed' in daemon.log()
    daemon.stop()


@needs_root
def test_reload_invalid_keeps_running_config(daemon):
    base = daemon.base
    daemon.start()
    good = daemon.conf.read_text()
    # Line 6 gets a device with an unknown profile.
    bad = config_text(base, [DEVICE % ('ups-1', 16161),
                             '{ name = "ups-9"; profile = "no-such-profile"; snmp = { host = "127.0.0.1"; }; }'])
    assert bad.splitlines()[5].startswith('devices')
    daemon.conf.write_text(bad)
    r = daemon.ctl('reload', check=False)
    assert r.returncode == 1
    assert '%s:6: unknown profile "no-such-profile"' % daemon.conf in r.stderr, r.stderr
    assert [d['name'] for d in daemon.status()['devices']] == ['ups-1']
    daemon.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: daemon.log().count('%s:6: unknown profile' % daemon.conf) >= 2)
    assert 'the running one stays' in daemon.log()
    assert [d['name'] for d in daemon.status()['devices']] == ['ups-1']
    # A good file again applies.
    daemon.conf.write_text(good)
    daemon.ctl('reload')
    daemon.stop()


@needs_root
def test_restart_keeps_silences(daemon):
    daemon.start()
    r = daemon.ctl('silence', 'srv-comci', '90m', 'déménagement de la baie')
    assert 'silenced until' in r.stdout
    assert daemon.ctl('silence', 'nothing-here', '1h', 'x', check=False).returncode == 1
    daemon.stop()
    saved = json.loads((daemon.base / 'state' / 'silences.json').read_text())
    assert [s['target'] for s in saved['silences']] == ['srv-comci']
    daemon.start()
    sil = daemon.status()['silences']
    assert [(s['target'], s['reason']) for s in sil] == [('srv-comci', 'déménagement de la baie')]
    assert 85 * 60 < sil[0]['until'] - time.time() <= 90 * 60
    daemon.ctl('unsilence', 'srv-comci')
    assert daemon.status()['silences'] == []
    daemon.stop()


# ---------------------------------------------------------------- systemd notification

@needs_root
def test_sd_notify_ready_status_watchdog(site):
    ensure_test_user()
    notify_path = site / 'notify.sock'
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(notify_path))
    os.chmod(notify_path, 0o666)      # the daemon writes to it after dropping root
    s.settimeout(10)
    d = Daemon(site, env={'NOTIFY_SOCKET': str(notify_path), 'WATCHDOG_USEC': '1000000'})
    try:
        d.start()
        got = []
        end = time.monotonic() + 10
        while time.monotonic() < end and not (any('READY=1' in m for m in got) and
                                              sum('WATCHDOG=1' in m for m in got) >= 2):
            got.append(s.recv(4096).decode())
        ready = [m for m in got if 'READY=1' in m]
        assert ready and 'STATUS=1 devices' in ready[0], got
        assert sum('WATCHDOG=1' in m for m in got) >= 2, got
        d.proc.send_signal(signal.SIGHUP)
        after = []
        end = time.monotonic() + 10
        while time.monotonic() < end and not any('READY=1' in m for m in after):
            after.append(s.recv(4096).decode())
        assert any('RELOADING=1' in m for m in after), after
        assert any('READY=1' in m for m in after), after
        d.stop()
    finally:
        s.close()
