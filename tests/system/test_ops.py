"""Unattended operation (issue #9): install, systemd unit, privilege drop, control socket
and envmonctl, reload without losing state, durable silences, sd_notify.

The daemon runs as root from the build tree and must drop to a test user. Its devices
are SNMP devices on closed ports of 127.0.0.1 (they count failed polls, enough to see
their state carried over or reset by a reload) and simulated devices (protocol "sim",
tests/sim/profiles, src/daemon/simdrv.h) whose readings come from a scenario file: a
probe that reads 35 °C opens a critical temperature incident at its first poll.
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


SIM = '{ name = "%s"; profile = "%s"; interval = 5; sim = { scenario = "%s"; }; }'
# No hold: the incident of a probe out of spec opens at its first poll.
FAST_SPEC = 'specs = { default = { temperature = { hold = 0; clear_hold = 0; }; }; };'


def sim_device(base, name, scenario, profile='sim-probe'):
    return SIM % (name, profile, base / scenario)


def config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; ups = [ "ups-1" ]; }',
                extra='', probes=(), mail=None, pid_file=None):
    rack = 'name = "baie-A"; '
    if probes:
        rack += 'probes = [ %s ]; ' % ', '.join('"%s"' % p for p in probes)
    lines = [
        'site = { name = "Tribunal judiciaire de Test"; code = "TJ-TST";',
        '  contacts = { arsit = [ "arsit@example.org" ]; }; };',
        'paths = { state_dir = "%s/state"; profiles_dir = "profiles";' % base,
        '  pid_file = "%s"; control_socket = "%s/run/envmond.sock"; };'
        % (pid_file or '%s/run/envmond.pid' % base, base),
        'daemon = { user = "%s"; };' % TEST_USER,
        'devices = ( %s );' % ', '.join(devices),
        'racks = ( { %sservers = ( %s ); } );' % (rack, servers),
        extra,
    ]
    if mail:
        lines.append('mail = { server = "localhost"; port = %d; tls = "none"; '
                     'from = "envmond TJ-TST <envmond@example.org>"; };' % mail)
    return '\n'.join(lines) + '\n'


class Daemon:
    def __init__(self, base, env=None, wrapper=(), umask=-1):
        self.base = base
        self.conf = base / 'envmond.conf'
        self.sock = base / 'run' / 'envmond.sock'
        self.err = base / 'envmond.err'
        self.proc = None
        self.env = env
        self.wrapper = list(wrapper)    # e.g. setpriv and its options
        self.umask = umask

    def start(self):
        env = dict(os.environ, **(self.env or {}))
        self.errf = open(self.err, 'ab')
        self.proc = subprocess.Popen(self.wrapper + [str(ENVMOND), '-f', '-d', '-c', str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=self.errf, env=env,
                                     umask=self.umask)
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

    def journal(self):
        path = self.base / 'state' / 'journal.jsonl'
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def server(self, name='srv-comci'):
        return [s for s in self.status()['servers'] if s['name'] == name][0]

    def criterion(self, name, server='srv-comci'):
        return [c for c in self.server(server)['criteria'] if c['criterion'] == name][0]

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
    for prof in (REPO / 'tests' / 'sim' / 'profiles').glob('*.conf'):
        shutil.copy(prof, base / 'profiles' / prof.name)
    (base / 'hot.scn').write_text('temperature = 35\nhumidity = 40\n')
    (base / 'cool.scn').write_text('temperature = 22.5\nhumidity = 41\n')
    (base / 'ups.scn').write_text('ups_source = online\nups_battery = normal\nups_charge = 100\n'
                                  'ups_runtime = 2400\nups_load = 35\ninput_voltage = 230\n'
                                  'input_frequency = 500\n')
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
                'share/envmond/profiles/ups-rfc1628.conf', 'share/man/man8/envmond.8',
                'share/man/man8/envmonctl.8', 'share/man/man5/envmond.conf.5',
                'share/man/man1/envmon-report.1', 'share/man/fr/man8/envmond.8',
                'share/man/fr/man8/envmonctl.8', 'share/man/fr/man5/envmond.conf.5',
                'share/man/fr/man1/envmon-report.1',
                'share/locale/fr/LC_MESSAGES/envmond.mo', 'lib/systemd/system/envmond.service',
                'lib/sysusers.d/envmond.conf']
    missing = [p for p in expected if not (root / p).is_file()]
    assert not missing, missing
    assert (root / 'var/lib/envmond').is_dir()
    assert (root / 'share/envmond/mibs').is_dir()
    # Man pages are well-formed for man(1): no warnings from groff (-k: preconv reads UTF-8,
    # as man-db does). man-db guesses a page's encoding from the locale unless the page
    # carries a coding tag: in the C locale the French pages would warn "invalid input
    # character code" without theirs.
    assert shutil.which('man'), 'man (man-db) missing'
    pages = ('man8/envmond.8', 'man5/envmond.conf.5', 'man8/envmonctl.8', 'man1/envmon-report.1')
    for page in pages + tuple('fr/' + p for p in pages):
        g = subprocess.run(['groff', '-k', '-man', '-Tutf8', '-ww', '-z', str(root / 'share/man' / page)],
                           capture_output=True, text=True)
        assert g.returncode == 0 and not g.stderr.strip(), (page, g.stderr)
        m = subprocess.run(['man', '--warnings', '-l', str(root / 'share/man' / page)],
                           capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL='C', MANWIDTH='80'))
        assert m.returncode == 0 and not m.stderr.strip(), (page, m.stderr)

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

    # A second install keeps the operator's configuration and puts the example beside it.
    conf = root / 'etc/envmond/envmond.conf'
    conf.write_text(conf.read_text().replace('example = true;\n', ''))
    edited = conf.read_text()
    r = subprocess.run(['make', '-C', str(BUILD), 'install', 'DESTDIR=%s' % dest],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert conf.read_text() == edited
    assert 'example = true;' in (root / 'etc/envmond/envmond.conf.example').read_text()
    assert 'envmond.conf exists: left as it is' in r.stdout


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


def unit_bounding_set():
    """setpriv's --bounding-set for the CapabilityBoundingSet= of the built unit."""
    unit = (BUILD / 'contrib' / 'envmond.service').read_text()
    caps = re.search(r'^CapabilityBoundingSet=(.*)$', unit, re.M).group(1).split()
    assert caps and all(c.startswith('CAP_') for c in caps), caps
    umask = int(re.search(r'^UMask=(\d+)$', unit, re.M).group(1), 8)
    return ','.join(['-all'] + ['+' + c[4:].lower() for c in caps]), umask


def fresh_root_dirs(base):
    """What systemd's StateDirectory=/RuntimeDirectory= make without User=: empty
    directories owned by root, 0750. The run directory is made anew at each start."""
    shutil.rmtree(base / 'run', ignore_errors=True)
    for name in ('state', 'run'):
        if not (base / name).exists():
            (base / name).mkdir()
            os.chown(base / name, 0, 0)
        # StateDirectoryMode=: the mode is set at each start, the owner left alone.
        os.chmod(base / name, 0o750)


@needs_root
def test_unit_capabilities_suffice(site):
    """The daemon starts under the unit's own bounding set, on the directories systemd
    creates, twice (the second time the state directory is the daemon's and not empty)."""
    uid, gid = ensure_test_user()
    bounding, umask = unit_bounding_set()
    wrapper = ['setpriv', '--bounding-set', bounding, '--no-new-privs']
    (site / 'envmond.conf').write_text(config_text(
        site, [DEVICE % ('ups-1', 16161), sim_device(site, 'sonde-1', 'cool.scn')],
        probes=['sonde-1']))
    for attempt in range(2):
        fresh_root_dirs(site)
        d = Daemon(site, wrapper=wrapper, umask=umask)
        try:
            d.start()
            assert wait_until(lambda: d.device('sonde-1')['answers'] >= 1, 15), d.log()
            st = proc_status(d.proc.pid)
            assert st['Uid'] == [str(uid)] * 4 and st['Gid'] == [str(gid)] * 4, (st['Uid'], d.log())
            for cap in ('CapEff', 'CapPrm', 'CapAmb'):
                assert int(st[cap][0], 16) == 0, (cap, st[cap])
            assert int(st['NoNewPrivs'][0]) == 1
            for name in ('state', 'run'):
                info = os.stat(site / name)
                assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (uid, gid, 0o750), name
            pid_file = site / 'run' / 'envmond.pid'
            assert pid_file.read_text().strip() == str(d.proc.pid)
            assert (site / 'state' / 'rrd' / 'sonde-1.rrd').exists()
            d.stop()
            assert not pid_file.exists()
        finally:
            if d.proc and d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()


def unit_proc_options():
    """The /proc mount options and mount namespace the built unit asks systemd for."""
    unit = (BUILD / 'contrib' / 'envmond.service').read_text()
    setting = dict(re.findall(r'^(ProtectProc|ProcSubset|PrivateMounts)=(\S+)$', unit, re.M))
    assert setting == {'ProtectProc': 'invisible', 'ProcSubset': 'pid', 'PrivateMounts': 'yes'}, setting
    return 'hidepid=%s,subset=%s' % (setting['ProtectProc'], setting['ProcSubset'])


@needs_root
def test_unit_proc_restrictions_suffice(site):
    """ProtectProc=invisible, ProcSubset=pid and PrivateMounts=yes as systemd applies them
    (a mount namespace of the daemon's own, /proc mounted anew with those options), with the
    unit's bounding set: the daemon starts, polls, reloads and stops cleanly."""
    assert shutil.which('unshare'), 'unshare (util-linux) missing'
    uid, _ = ensure_test_user()
    bounding, umask = unit_bounding_set()
    options = unit_proc_options()
    wrapper = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
               'mount -t proc -o %s proc /proc && exec "$@"' % options, 'sh',
               'setpriv', '--bounding-set', bounding, '--no-new-privs']
    (site / 'envmond.conf').write_text(config_text(
        site, [DEVICE % ('ups-1', 16161), sim_device(site, 'sonde-1', 'cool.scn')],
        probes=['sonde-1']))
    fresh_root_dirs(site)
    d = Daemon(site, wrapper=wrapper, umask=umask)
    try:
        d.start()
        assert wait_until(lambda: d.device('sonde-1')['answers'] >= 1, 15), d.log()
        mounts = Path('/proc/%d/mounts' % d.proc.pid).read_text()
        assert re.search(r'^proc /proc proc \S*hidepid=invisible,subset=pid', mounts, re.M), mounts
        assert os.readlink('/proc/self/ns/mnt') != os.readlink('/proc/%d/ns/mnt' % d.proc.pid)
        assert proc_status(d.proc.pid)['Uid'][0] == str(uid)
        d.proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: 'configuration reloaded from' in d.log(), 10), d.log()
        assert d.proc.poll() is None, d.log()
        d.stop()
    finally:
        if d.proc and d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()


def test_unit_security_score(capsys):
    """systemd-analyze security --offline on the built unit: the score is printed, the three
    /proc and mount settings count as done, and it stays below 3.0 (its score before them)."""
    assert shutil.which('systemd-analyze'), 'systemd-analyze missing: contrib/install-deps.sh --test'
    r = subprocess.run(['systemd-analyze', 'security', '--offline=true', '--no-pager',
                        str(BUILD / 'contrib' / 'envmond.service')],
                       capture_output=True, text=True, timeout=60)
    score = re.search(r'Overall exposure level for envmond.service: ([0-9.]+)', r.stdout)
    assert score, r.stdout + r.stderr
    with capsys.disabled():
        print('\nsystemd-analyze security --offline: envmond.service exposure %s' % score.group(1))
    for name in ('ProtectProc=', 'ProcSubset=', 'PrivateMounts='):
        line = [ln for ln in r.stdout.splitlines() if ln[2:].startswith(name)]
        assert line and line[0].startswith('\u2713'), (name, line)
    assert float(score.group(1)) < 3.0, r.stdout


@needs_root
def test_refuses_root_without_user(site):
    conf = site / 'envmond.conf'
    conf.write_text(conf.read_text().replace('daemon = { user = "%s"; };' % TEST_USER, ''))
    r = subprocess.run([str(ENVMOND), '-f', '-c', str(conf)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 78, r
    assert 'refusing to run as root' in r.stderr


@needs_root
def test_daemon_mode_reports_startup(site):
    """Without -f the exit status tells how the start-up went, after the fork: 0 once
    the daemon runs; non-zero when the pid file is locked by another envmond. The pid
    file's own directory (here not the socket's) is created."""
    ensure_test_user()
    conf = site / 'envmond.conf'
    pid_file = site / 'pid' / 'envmond.pid'
    conf.write_text(config_text(site, [DEVICE % ('ups-1', 16161)], pid_file=str(pid_file)))
    r = subprocess.run([str(ENVMOND), '-c', str(conf)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r
    pid = int(pid_file.read_text())
    try:
        assert proc_status(pid)['Uid'][0] == str(pwd.getpwnam(TEST_USER).pw_uid)
        assert (site / 'run' / 'envmond.sock').exists()
        # A second instance on the same configuration: the lock is taken.
        r = subprocess.run([str(ENVMOND), '-c', str(conf)], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 69, r
        assert 'start-up failed' in r.stderr, r.stderr
        assert int(pid_file.read_text()) == pid        # the running one's file is untouched
    finally:
        os.kill(pid, signal.SIGTERM)
    assert wait_until(lambda: not Path('/proc/%d' % pid).exists(), 15)
    assert not pid_file.exists()


@needs_root
@pytest.mark.parametrize('plant', ['symlink', 'hardlink', 'users_file'])
def test_pid_file_plant_refused(site, plant):
    """The pid file's directory belongs to the daemon user, who may plant a link to a
    file of root's there (or a file of its own): root neither follows nor truncates it."""
    uid, gid = ensure_test_user()
    pid_dir = site / 'pid'
    pid_dir.mkdir(mode=0o750)
    os.chown(pid_dir, uid, gid)
    pid_file = pid_dir / 'envmond.pid'
    victim = (pid_dir if plant == 'hardlink' else site) / 'victim'
    victim.write_text('root data\n')
    if plant == 'symlink':
        pid_file.symlink_to(victim)
    elif plant == 'hardlink':
        os.link(victim, pid_file)
    else:
        pid_file.write_text('users data\n')
        os.chown(pid_file, uid, gid)
        victim = pid_file
    conf = site / 'envmond.conf'
    conf.write_text(config_text(site, [DEVICE % ('ups-1', 16161)], pid_file=str(pid_file)))
    r = subprocess.run([str(ENVMOND), '-f', '-c', str(conf)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 69, r
    assert 'pid file %s' % pid_file in r.stderr and 'refused' in r.stderr, r.stderr
    assert victim.read_text() == ('users data\n' if plant == 'users_file' else 'root data\n')
    assert os.lstat(pid_file).st_nlink == (2 if plant == 'hardlink' else 1)


@needs_root
def test_tools_drop_privileges(site, smtp_catcher):
    """--test-mail, --probe and --probe-all read the network as the daemon user and leave
    no root-owned file in the state directory: the daemon then starts on it."""
    uid, _ = ensure_test_user()
    catcher = smtp_catcher()
    conf = site / 'envmond.conf'
    conf.write_text(config_text(site, [sim_device(site, 'sonde-1', 'cool.scn')],
                                servers='{ name = "srv-comci"; role = "comci"; }',
                                probes=['sonde-1'], mail=catcher.port))
    for args in (['--test-mail'], ['--probe', 'sonde-1'], ['--probe-all', '1']):
        r = subprocess.run([str(ENVMOND), '-c', str(conf), *args], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, (args, r)
        assert 'running as user %s' % TEST_USER in r.stderr, (args, r.stderr)
    assert len(catcher.wait_for(1, 10)) == 1
    owners = {str(p.relative_to(site)): p.lstat().st_uid
              for p in [site / 'state', *(site / 'state').rglob('*')]}
    assert (site / 'state' / 'spool' / 'sent').exists(), owners
    assert set(owners.values()) == {uid}, owners
    d = Daemon(site)
    d.start()
    d.stop()


def test_inline_secret_in_readable_config_warned(site):
    """An SNMP community inline in a configuration others can read is said once, at its
    file:line; the same file unreadable by others says nothing."""
    conf = site / 'envmond.conf'
    text = conf.read_text().replace('snmp = { host', 'snmp = { community = "s3cret"; host')
    conf.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if 's3cret' in l)
    for mode, warned in ((0o644, True), (0o640, False)):
        os.chmod(conf, mode)
        r = subprocess.run([str(ENVMOND), '-t', '-c', str(conf)], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r
        assert ("%s:%d: 'community' is given inline in a file others can read" % (conf, line)
                in r.stderr) == warned, r.stderr
        assert 's3cret' not in r.stderr


# ---------------------------------------------------------------- status

@needs_root
def french_env(tmp):
    """envmonctl in French as a French user meets it: the build's catalogue, LANGUAGE=fr."""
    gmo = BUILD / 'po' / 'fr.gmo'
    if not gmo.exists():
        gmo = REPO / 'po' / 'fr.gmo'
    (tmp / 'locale' / 'fr' / 'LC_MESSAGES').mkdir(parents=True, exist_ok=True)
    shutil.copy(gmo, tmp / 'locale' / 'fr' / 'LC_MESSAGES' / 'envmond.mo')
    return dict(os.environ, ENVMOND_LOCALEDIR=str(tmp / 'locale'), LC_ALL='C.UTF-8', LANGUAGE='fr')


@needs_root
def test_status_in_french(daemon, tmp_path):
    """In French, envmonctl status names metrics, states and criteria in French and rounds
    readings as the mails do (27.997 -> 28 °C, 41.04 -> 41 %, 22.46 -> 22,5 °C)."""
    base = daemon.base
    (base / 'warm.scn').write_text('temperature = 27.997\nhumidity = 41.04\n')
    (base / 'mild.scn').write_text('temperature = 22.46\nhumidity = 40\n')
    daemon.conf.write_text(config_text(
        base, [DEVICE % ('ups-1', 16161), sim_device(base, 'ups-sim', 'ups.scn', 'sim-ups'),
               sim_device(base, 'sonde-1', 'warm.scn'), sim_device(base, 'sonde-2', 'mild.scn')],
        servers='{ name = "srv-comci"; role = "comci"; ups = [ "ups-sim" ]; }',
        probes=['sonde-1', 'sonde-2'], extra=FAST_SPEC))
    daemon.start()
    assert wait_until(lambda: all(daemon.device(n)['answers'] >= 1
                                  for n in ('ups-sim', 'sonde-1', 'sonde-2')), 20), daemon.status()
    r = subprocess.run([str(ENVMONCTL), '-s', str(daemon.sock), 'status'], capture_output=True,
                       text=True, timeout=30, env=french_env(tmp_path))
    assert r.returncode == 0, r.stderr
    text = r.stdout
    sonde1 = text[text.index('sonde-1 '):text.index('sonde-2 ')]
    assert re.search(r'^\s+température\s+28 °C$', sonde1, re.M), text
    assert re.search(r'^\s+humidité relative\s+41 %$', sonde1, re.M), text
    assert re.search(r'^\s+température\s+22,5 °C$', text[text.index('sonde-2 '):], re.M), text
    assert re.search(r"^\s+source de l'onduleur\s+sur secteur$", text, re.M), text
    servers = text[text.index('srv-comci ('):]
    assert re.search(r"^\s+température\s+(critique|avertissement|ok) ", servers, re.M), text
    assert 'source d\'alimentation de l\'onduleur' in servers, text
    assert '27.997' not in text and '27,997' not in text, text
    daemon.stop()


def test_status_text_and_json(daemon):
    base = daemon.base
    daemon.conf.write_text(config_text(
        base, [DEVICE % ('ups-1', 16161), sim_device(base, 'ups-sim', 'ups.scn', 'sim-ups'),
               sim_device(base, 'sonde-1', 'hot.scn'), sim_device(base, 'sonde-2', 'cool.scn')],
        servers='{ name = "srv-comci"; role = "comci"; ups = [ "ups-1" ]; }, '
                '{ name = "srv-num"; role = "digitization"; ups = [ "ups-sim" ]; }',
        probes=['sonde-1', 'sonde-2'], extra=FAST_SPEC))
    daemon.start()
    assert wait_until(lambda: all(daemon.device(n)['answers'] >= 1
                                  for n in ('ups-sim', 'sonde-1', 'sonde-2')), 20), daemon.status()
    st = daemon.status()
    assert [d['name'] for d in st['devices']] == ['ups-1', 'ups-sim', 'sonde-1', 'sonde-2']
    assert st['daemon']['code'] == 'TJ-TST' and st['daemon']['pid'] == daemon.proc.pid
    by_name = {d['name']: d for d in st['devices']}
    dev = by_name['ups-1']
    assert dev['protocol'] == 'snmp' and dev['address'] == '127.0.0.1:16161'
    assert dev['state'] in ('waiting', 'unopened', 'silent', 'lost')
    # The simulated devices answer with their scenario's readings.
    for name in ('ups-sim', 'sonde-1', 'sonde-2'):
        assert by_name[name]['protocol'] == 'sim' and by_name[name]['state'] == 'ok', by_name[name]
    readings = {n: {r['metric']: r for r in by_name[n]['readings']} for n in by_name}
    assert readings['sonde-1']['temperature']['value'] == pytest.approx(35.0)
    assert readings['sonde-2']['temperature']['value'] == pytest.approx(22.5)
    assert readings['sonde-2']['humidity']['value'] == pytest.approx(41.0)
    assert readings['ups-sim']['ups_source']['state'] == 'online'
    assert readings['ups-sim']['ups_runtime']['value'] == pytest.approx(2400)
    srv = st['servers'][0]
    assert srv['name'] == 'srv-comci' and srv['ups'] == ['ups-1']
    temp = [c for c in srv['criteria'] if c['criterion'] == 'temperature'][0]
    assert temp['warn'] == [18.0, 27.0] and temp['crit'] == [15.0, 32.0]
    # The criteria states come from the alert lifecycle: the rack's hottest probe reads
    # 35 °C, beyond the critical 32 °C, for both servers of the rack.
    assert wait_until(lambda: daemon.criterion('temperature')['state'] == 'critical', 15), \
        daemon.server()
    st = daemon.status()
    srv_num = [s for s in st['servers'] if s['name'] == 'srv-num'][0]
    states = {c['criterion']: c for c in srv_num['criteria']}
    assert states['temperature']['state'] == 'critical' and states['temperature']['since'] > 0
    assert states['humidity']['state'] == 'ok'
    assert states['ups_source']['state'] == 'ok'          # ups-sim is online
    assert states['contact']['state'] == 'ok'
    assert len(st['incidents']) == 1 and st['incidents'][0]['criterion'] == 'temperature'
    # The mail spool (no server configured here).
    assert st['spool']['pending'] == 0 and 'last_error' in st['spool']
    text = daemon.ctl('status').stdout
    assert 'Open incidents: 1' in text and 'Mail spool: 0 waiting' in text, text
    for word in ('TJ-TST', 'ups-1', 'ups-sim', 'sonde-1', 'srv-comci', 'srv-num'):
        assert word in text, text
    # Readings in the text: the probe's 35 °C, the UPS's state.
    assert re.search(r'^\s+temperature\s+35 °C$', text, re.M), text
    assert re.search(r'^\s+humidity\s+41 %$', text, re.M), text
    assert re.search(r'^\s+ups_source\s+online$', text, re.M), text
    # Criteria states in the text, per server.
    srv_num_text = text[text.index('srv-num ('):]
    assert re.search(r'^\s+temperature\s+critical ', srv_num_text, re.M), text
    assert re.search(r'^\s+ups_source\s+ok ', srv_num_text, re.M), text
    # Wrong requests get an error, not a hang.
    assert daemon.ctl('test-mail', check=False).returncode == 1
    assert daemon.ctl('status', '--bogus', check=False).returncode == 64
    daemon.stop()


# ---------------------------------------------------------------- reload

def polls(daemon, name):
    d = daemon.device(name)
    return d['polls'] if d else None


def open_incidents(daemon, criterion='temperature'):
    """The open incidents of one criterion (the SNMP devices on closed ports lose contact)."""
    return [(i['id'], i['criterion'], i.get('rack')) for i in daemon.status()['incidents']
            if i['criterion'] == criterion]


@needs_root
def test_reload_valid_keeps_state(daemon):
    base = daemon.base
    probe = sim_device(base, 'sonde-1', 'hot.scn')

    def conf(devices, spec=FAST_SPEC):
        return config_text(base, [probe] + devices, probes=['sonde-1'], extra=spec)
    daemon.conf.write_text(conf([DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16162)]))
    daemon.start()
    daemon.ctl('silence', 'ups-1', '2h', 'remplacement des batteries')
    assert wait_until(lambda: polls(daemon, 'ups-1') >= 2 and polls(daemon, 'ups-2') >= 2, 20)
    # An open incident: the probe reads 35 °C.
    assert wait_until(lambda: len(open_incidents(daemon)) == 1, 15), daemon.status()['incidents']
    incident = open_incidents(daemon)[0]
    assert incident[1:] == ('temperature', 'baie-A')
    before = {n: polls(daemon, n) for n in ('ups-1', 'ups-2')}

    # ups-1 unchanged, ups-2 moved to another port (a new session), ups-3 added, and the
    # comci temperature threshold tightened.
    daemon.conf.write_text(conf(
        [DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16172), DEVICE % ('ups-3', 16163)],
        spec='specs = { default = { temperature = { hold = 0; clear_hold = 0; }; }; '
             'comci = { inherit = "default"; temperature = { warn = [ 19.0, 25.0 ]; }; }; };'))
    r = daemon.ctl('reload')
    assert 'reloaded' in r.stdout and '1 added' in r.stdout and '1 changed' in r.stdout, r.stdout
    st = daemon.status()
    assert [d['name'] for d in st['devices']] == ['sonde-1', 'ups-1', 'ups-2', 'ups-3']
    by_name = {d['name']: d for d in st['devices']}
    assert by_name['ups-1']['polls'] >= before['ups-1']          # carried over
    assert by_name['ups-2']['polls'] <= 1                         # a new session, fresh counters
    assert by_name['ups-2']['address'] == '127.0.0.1:16172'
    assert by_name['ups-3']['polls'] <= 1
    temp = [c for c in st['servers'][0]['criteria'] if c['criterion'] == 'temperature'][0]
    assert temp['warn'] == [19.0, 25.0]
    assert temp['state'] == 'critical'
    assert [s['target'] for s in st['silences'] if s['source'] == 'envmonctl'] == ['ups-1']
    # The incident survived the reload: the same id, still open, and the probe's next
    # polls neither close it nor open another.
    assert open_incidents(daemon) == [incident]
    answers = daemon.device('sonde-1')['answers']
    assert wait_until(lambda: daemon.device('sonde-1')['answers'] >= answers + 2, 20)
    assert open_incidents(daemon) == [incident]
    records = [r for r in daemon.journal() if r.get('id') == incident[0]]
    assert [r['type'] for r in records if r['type'] in ('open', 'close')] == ['open'], records

    # SIGHUP does the same: ups-3 removed.
    daemon.conf.write_text(conf([DEVICE % ('ups-1', 16161), DEVICE % ('ups-2', 16172)]))
    daemon.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: [d['name'] for d in daemon.status()['devices']] ==
                      ['sonde-1', 'ups-1', 'ups-2'])
    assert polls(daemon, 'ups-1') >= before['ups-1']
    assert 'device ups-3 removed' in daemon.log()
    assert open_incidents(daemon) == [incident]
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


def test_ctl_names_the_wrong_word(tmp_path):
    """envmonctl says which word of a command line is wrong, before asking any daemon."""
    sock = str(tmp_path / 'none.sock')
    cases = [
        (['stauts'], "envmonctl: unknown command 'stauts' (status, test-mail, silence, unsilence, "
                     "reload; see envmonctl --help)\n"),
        (['silence', 'srv', '5x', 'move'], "envmonctl: silence: '5x' is not a duration: give seconds "
                                           "(5400) or a number with a unit, as in 90m, 4h, 2d or 1h30m\n"),
        (['silence', 'srv', '0', 'move'], "envmonctl: silence: '0' is not a duration: give seconds "
                                          "(5400) or a number with a unit, as in 90m, 4h, 2d or 1h30m\n"),
        (['silence', 'srv', '2h'], "envmonctl: usage: envmonctl silence TARGET DURATION REASON\n"),
        (['status', '--jsn'], "envmonctl: status: unknown option '--jsn' (only --json)\n"),
        (['st\x1b[2J'], "envmonctl: unknown command 'st\\x1b[2J' (status, test-mail, silence, "
                        "unsilence, reload; see envmonctl --help)\n"),
    ]
    for args, expected in cases:
        r = subprocess.run([str(ENVMONCTL), '-s', sock, *args], capture_output=True, text=True,
                           timeout=30, env=dict(os.environ, LC_ALL='C'))
        assert (r.returncode, r.stderr) == (64, expected), (args, r.stderr)


@needs_root
def test_restart_keeps_silences(daemon):
    daemon.start()
    r = daemon.ctl('silence', 'srv-comci', '90m', 'déménagement de la baie')
    assert 'silenced until' in r.stdout
    # The log line gives the end as a date, not epoch seconds.
    said = [line for line in daemon.log().splitlines() if 'srv-comci silenced until' in line]
    assert said and re.search(r'silenced until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: ', said[0]), said
    r = daemon.ctl('silence', 'nothing-here', '1h', 'x', check=False)
    assert r.returncode == 1
    assert r.stderr == ("envmonctl: silence: no device or server is called 'nothing-here'; "
                        "devices: ups-1; servers: srv-comci\n"), r.stderr
    r = subprocess.run([str(ENVMONCTL), '-s', str(daemon.sock), 'silence', 'nothing-here', '1h', 'x'],
                       capture_output=True, text=True, timeout=30, env=french_env(daemon.base))
    assert r.stderr == ("envmonctl : silence : aucun équipement ni serveur ne s'appelle « nothing-here » ; "
                        "équipements : ups-1 ; serveurs : srv-comci\n"), r.stderr
    r = daemon.ctl('unsilence', 'ups-1', check=False)
    assert r.returncode == 1 and "'ups-1' has no silence set with envmonctl" in r.stderr, r.stderr
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


@needs_root
def test_silences_journaled(daemon):
    """envmonctl silence and unsilence are recorded in the journal; the report and the
    daemon's own replay read past those records."""
    base = daemon.base
    daemon.conf.write_text(config_text(
        base, [DEVICE % ('ups-1', 16161), sim_device(base, 'sonde-1', 'hot.scn')],
        probes=['sonde-1'], extra=FAST_SPEC))
    daemon.start()
    assert wait_until(lambda: len(open_incidents(daemon)) == 1, 15)
    incident = open_incidents(daemon)[0]
    t0 = time.time()
    daemon.ctl('silence', 'srv-comci', '2h', 'déménagement de la baie')
    env = dict(os.environ, SUDO_USER='tip-exv')
    r = subprocess.run([str(ENVMONCTL), '-s', str(daemon.sock), 'unsilence', 'srv-comci'],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0, r
    records = [rec for rec in daemon.journal() if rec['type'] in ('silence', 'silence_end')]
    assert [rec['type'] for rec in records] == ['silence', 'silence_end'], records
    sil, end = records
    assert sil['target'] == 'srv-comci' and sil['reason'] == 'déménagement de la baie'
    assert t0 - 1 <= sil['from'] <= sil['t'] <= t0 + 10
    assert sil['until'] == pytest.approx(sil['from'] + 7200)
    assert sil['who'] == 'root' and sil['v'] == 1 and 'id' not in sil
    assert end['target'] == 'srv-comci' and end['from'] == sil['from']
    assert sil['t'] <= end['until'] <= end['t'] + 1 and end['reason'] == sil['reason']
    assert end['who'] == 'tip-exv (sudo)'
    # A restart replays the journal: the incident is still the open one.
    daemon.stop()
    daemon.start()
    assert open_incidents(daemon) == [incident]
    daemon.stop()
    # The report reads the journal with these records in it and shows the incident.
    day = time.strftime('%Y-%m-%d', time.localtime(t0))
    tomorrow = time.strftime('%Y-%m-%d', time.localtime(t0 + 86400))
    rep = subprocess.run([str(BUILD / 'src' / 'report' / 'envmon-report'), '-c', str(daemon.conf),
                          '--from', day, '--to', tomorrow, '--format', 'text'],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, LC_ALL='C', LANGUAGE=''))
    assert rep.returncode == 0, rep.stderr
    section = rep.stdout[rep.stdout.index('Incidents recorded'):]
    assert re.search(r'still open.*baie-A', section), rep.stdout


@needs_root
def test_reload_applies_mail_settings(daemon, smtp_catcher):
    """A reload that adds a mail server starts the mailer, which sends what waited in
    the spool; one that changes the server restarts it on the new one."""
    base = daemon.base
    first, second = smtp_catcher(), smtp_catcher()
    devices = [sim_device(base, 'sonde-1', 'hot.scn')]
    daemon.conf.write_text(config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; }',
                                       probes=['sonde-1'], extra=FAST_SPEC))
    daemon.start()
    assert wait_until(lambda: len(open_incidents(daemon)) == 1, 15)
    spool_new = base / 'state' / 'spool' / 'new'
    assert wait_until(lambda: len(list(spool_new.iterdir())) == 1, 10)

    # Mail added: the message waiting in the spool goes to the first server.
    daemon.conf.write_text(config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; }',
                                       probes=['sonde-1'], extra=FAST_SPEC, mail=first.port))
    daemon.ctl('reload')
    msgs = first.wait_for(1, 30)
    assert b'sonde-1' in msgs[0][1] or b'baie-A' in msgs[0][1], msgs[0][1][:2000]
    assert wait_until(lambda: not list(spool_new.iterdir()), 10)

    # Mail changed (another port) together with a new rack whose probe is too hot: its
    # alert goes to the second server only.
    devices.append(sim_device(base, 'sonde-2', 'hot.scn'))
    text = config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; }',
                       probes=['sonde-1'], extra=FAST_SPEC, mail=second.port)
    text = text.replace('racks = (', 'racks = ( { name = "baie-B"; probes = [ "sonde-2" ]; '
                        'servers = ( { name = "srv-b"; role = "other"; } ); },')
    daemon.conf.write_text(text)
    daemon.ctl('reload')
    msgs = second.wait_for(1, 30)
    assert b'baie-B' in msgs[0][1], msgs[0][1][:2000]
    assert len(first.messages()) == 1
    assert 'mailer restarted with the new settings' in daemon.log()
    daemon.stop()


def test_alert_mail_context(daemon, smtp_catcher):
    """The alert mail of the real daemon gives its context (issue 18.3): the X-Envmon
    headers, the readings of the rack's probes, how to silence it, the host."""
    import email
    import email.policy
    base = daemon.base
    catcher = smtp_catcher()
    devices = [sim_device(base, 'sonde-1', 'hot.scn'), sim_device(base, 'sonde-2', 'cool.scn')]
    daemon.conf.write_text(config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; }',
                                       probes=['sonde-1', 'sonde-2'], extra=FAST_SPEC, mail=catcher.port))
    daemon.start()
    msgs = catcher.wait_for(1, 30)
    m = email.message_from_bytes(msgs[0][1], policy=email.policy.default)
    assert m['X-Envmon-Site'] == 'TJ-TST'
    assert m['X-Envmon-Severity'] == 'critical'
    assert re.fullmatch(r'TJ-TST-\d{8}-\d+', m['X-Envmon-Incident']), m['X-Envmon-Incident']
    body = m.get_content()
    assert re.search(r'- sonde-1 ?: (température|temperature) 35 °C', body), body
    assert 'envmonctl silence' in body, body
    assert socket.gethostname() in body, body
    daemon.stop()


def test_daily_digest_lists_the_open_incidents(daemon, smtp_catcher):
    """mail.digest (issue 18.3): at the set local minute one digest mail lists exactly
    the incidents still open (here the hot probe's), alongside the alert itself."""
    import email
    import email.policy
    from datetime import datetime, timedelta
    base = daemon.base
    catcher = smtp_catcher()
    # The set minute starts 30 to 90 s from now: with "now + 1 min" it could start a
    # second after the daemon, before the hot probe's incident opened (an empty digest).
    at = (datetime.now() + timedelta(seconds=90)).strftime('%H:%M')
    devices = [sim_device(base, 'sonde-1', 'hot.scn')]
    text = config_text(base, devices, servers='{ name = "srv-comci"; role = "comci"; }',
                       probes=['sonde-1'], extra=FAST_SPEC, mail=catcher.port)
    daemon.conf.write_text(text.replace('tls = "none";', 'tls = "none"; digest = "%s";' % at))
    daemon.start()
    assert wait_until(lambda: len(open_incidents(daemon)) == 1, 15)

    def parsed():
        return [email.message_from_bytes(raw, policy=email.policy.default)
                for _, raw in catcher.messages()]

    def digests():
        return [m for m in parsed() if m['Subject'].startswith(('[DIGEST]', '[SYNTHÈSE]'))]

    if not wait_until(lambda: digests(), 150):
        # What the daemon said, without its per-reading debug lines, and what the spool holds.
        said = [line for line in daemon.log().splitlines() if ': debug: ' not in line]
        spool = {d: sorted(os.listdir(base / 'state' / 'spool' / d))
                 for d in ('new', 'sent', 'aside') if (base / 'state' / 'spool' / d).is_dir()}
        pytest.fail('no digest for %s (now %s); mails: %s; spool: %s; log:\n%s' % (
            at, datetime.now().strftime('%H:%M:%S'), [m['Subject'] for m in parsed()], spool,
            '\n'.join(said[-60:])))
    got = digests()
    assert len(got) == 1, [m['Subject'] for m in parsed()]
    body = got[0].get_content()
    ids = sorted(i['id'] for i in daemon.status()['incidents'])
    listed = sorted(re.findall(r'^  - (TJ-TST-\d{8}-\d+) ', body, re.M))
    assert listed == ids, (listed, ids, body)
    assert got[0]['X-Envmon-Site'] == 'TJ-TST'
    assert 'daily digest digest-' in daemon.log()
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
