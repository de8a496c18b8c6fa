"""The NUT driver against NUT's own upsd and dummy-ups on 127.0.0.1 (tests/peers/nutpeer.py):
the values of `envmond --probe --json` as upsrw changes them, each way upsd or the UPS
can be lost, a upsd that accepts and never answers, configuration errors, and a running
daemon through an outage OL -> OB -> OB LB -> OL with its alert and recovery mails, a
driver killed (contact lost) and back, while a second UPS on a mute upsd does not slow
the first. Skipped only when NUT's programs are not installed."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
sys.path.insert(0, str(TOP / 'tests' / 'peers'))

import nutpeer  # noqa: E402
from peerlib import HOST, free_port, program  # noqa: E402

pytestmark = pytest.mark.skipif(nutpeer.missing() is not None, reason=str(nutpeer.missing()))

ENVMOND = program('envmond')

ONDULEUR = {
    'ups.status': 'OL CHRG', 'battery.charge': '100', 'battery.runtime': '1800', 'ups.load': '23',
    'input.voltage': '230.5', 'input.frequency': '50.0', 'output.voltage': '229.8',
    'battery.voltage': '27.3', 'ups.temperature': '31.5', 'ambient.temperature': '24.2',
    'ambient.humidity': '41.0', 'battery.date': '2021/03/15', 'battery.mfr.date': '03/01/2021',
    'ups.test.result': 'Done and passed', 'device.model': 'Say "hi" \\o/',
}


@pytest.fixture
def upsd(tmp_path):
    servers = []

    def start(ups=None, port=None):
        server = nutpeer.NutServer(tmp_path / ('nut-%d' % len(servers)),
                                   ups or {'onduleur': dict(ONDULEUR)}, port=port)
        servers.append(server)
        return server.start()
    yield start
    for s in servers:
        s.stop()


def write_conf(tmp, devices, extra=''):
    (tmp / 'state').mkdir(exist_ok=True)
    conf = tmp / 'envmond.conf'
    conf.write_text('''
site = { name = "Tribunal judiciaire d'Exempleville"; code = "TJ-EXV"; ressort = "CA d'Exempleville";
  contacts = { arsit = [ "arsit@example.org" ]; }; };
paths = { state_dir = "%s/state"; profiles_dir = "%s/etc/profiles"; pid_file = "%s/envmond.pid";
          control_socket = "%s/envmond.sock"; };
storage = { step = 5; };
daemon = { allow_root = true; };
devices = ( %s );
%s
''' % (tmp, TOP, tmp, tmp, ', '.join(devices), extra))
    return conf


def nut_device(name, port, ups='onduleur', extra='', nut_extra=''):
    return ('{ name = "%s"; profile = "ups-nut"; interval = 5; timeout = 1000; retries = 0; %s '
            'nut = { host = "%s"; port = %d; ups = "%s"; %s }; }' % (name, extra, HOST, port, ups, nut_extra))


def probe(conf, device='onduleur'):
    p = subprocess.run([str(ENVMOND), '-c', str(conf), '--probe', device, '--json'],
                       capture_output=True, text=True, timeout=30)
    assert 'AddressSanitizer' not in p.stderr and 'runtime error' not in p.stderr, p.stderr
    return p


def metrics(p):
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out['protocol'] == 'nut' and out['answered'], out
    return {m['name']: m for m in out['metrics']}


def test_probe_reads_and_follows_upsrw(tmp_path, upsd):
    server = upsd()
    conf = write_conf(tmp_path, [nut_device('onduleur', server.port)])
    m = metrics(probe(conf))
    assert [m[k]['state'] for k in ('ups_source', 'ups_battery', 'ups_replace_battery', 'ups_selftest')] == \
        ['online', 'normal', 'no', 'passed']
    expect = {'ups_charge': 100, 'ups_runtime': 1800, 'ups_load': 23, 'input_voltage': 230.5,
              'input_frequency': 50, 'output_voltage': 229.8, 'battery_voltage': 27.3,
              'ups_temperature': 31.5, 'temperature': 24.2, 'humidity': 41}
    for name, value in expect.items():
        assert m[name]['status'] == 'ok' and m[name]['value'] == pytest.approx(value), m[name]
    assert m['ups_charge']['source'] == 'battery.charge'
    # Two spellings of the same kind of date (NUT drivers differ): both an age in days.
    assert m['battery_age']['value'] == pytest.approx(m['battery_mfr_age']['value'] - 14, abs=0.01)
    assert m['battery_age']['value'] > 365
    assert m['ambient1_temp']['status'] == 'absent'

    # The outage as a driver reports it: on battery, no mains, runtime counting down.
    server.set('onduleur', ups_status='OB DISCHRG LB', battery_charge=18, battery_runtime=240,
               input_voltage=0)
    m = metrics(probe(conf))
    assert (m['ups_source']['state'], m['ups_battery']['state']) == ('on_battery', 'low')
    assert m['ups_charge']['value'] == 18 and m['ups_runtime']['value'] == 240
    assert m['input_voltage']['status'] == 'invalid'     # not a second, mains alert
    # Replace battery and NUT's "unknown" runtime; a runtime of 0 on mains is unknown too.
    server.set('onduleur', ups_status='OL RB', battery_runtime=65535, input_voltage=228)
    m = metrics(probe(conf))
    assert (m['ups_source']['state'], m['ups_replace_battery']['state']) == ('online', 'yes')
    assert m['ups_runtime']['status'] == 'invalid' and m['input_voltage']['value'] == 228
    server.set('onduleur', ups_status='OL BYPASS OVER', battery_runtime=0, ups_test_result='Done and error')
    m = metrics(probe(conf))
    assert m['ups_source']['state'] == 'bypass' and m['ups_runtime']['status'] == 'invalid'
    assert m['ups_selftest']['state'] == 'failed'


def test_probe_with_login(tmp_path, upsd):
    """USERNAME and PASSWORD are sent (upsd logs who reads); upsd itself checks the
    password only for commands that need one (SET, INSTCMD, LOGIN), never LIST VAR."""
    server = upsd()
    secret = tmp_path / 'nut.secret'
    secret.write_text(nutpeer.PASSWORD + '\n')
    os.chmod(secret, 0o600)
    good = 'user = "%s"; password_file = "%s";' % (nutpeer.USER, secret)
    conf = write_conf(tmp_path, [nut_device('onduleur', server.port, nut_extra=good)])
    p = probe(conf)
    assert metrics(p)['ups_charge']['value'] == 100
    assert nutpeer.PASSWORD not in p.stdout + p.stderr
    os.chmod(secret, 0o644)     # a secret others may read is refused
    p = probe(conf)
    assert p.returncode == 78 and 'nut.secret' in p.stderr, p.stderr


def test_each_way_of_losing_the_ups(tmp_path, upsd):
    server = upsd()
    conf = write_conf(tmp_path, [nut_device('onduleur', server.port), nut_device('nope', server.port, ups='nope')])
    p = probe(conf, 'nope')
    assert p.returncode == 1 and 'serves no UPS called "nope"' in p.stderr, p.stderr

    server.freeze_driver('onduleur')
    deadline = time.monotonic() + 3 * nutpeer.MAXAGE_S + 5
    while True:
        p = probe(conf)
        if p.returncode == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert p.returncode == 1 and 'data stale' in p.stderr, p.stderr
    server.thaw_driver('onduleur')
    server.kill_driver('onduleur')
    time.sleep(0.3)
    p = probe(conf)
    assert p.returncode == 1 and 'NUT driver is not running' in p.stderr, p.stderr

    server.start_driver('onduleur')
    assert metrics(probe(conf))['ups_charge']['status'] == 'ok'
    server.stop_upsd()
    p = probe(conf)
    assert p.returncode == 1 and 'Connection refused' in p.stderr, p.stderr


def test_discover_lists_the_ups_units(tmp_path, upsd):
    server = upsd({'onduleur': dict(ONDULEUR), 'salle2': {'ups.status': 'OL', 'battery.charge': '90'}})
    p = subprocess.run([str(ENVMOND), '--discover', '%s:%d' % (HOST, server.port)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stdout.splitlines()) == ['onduleur\ttest onduleur', 'salle2\ttest salle2'], p.stdout
    # The other unit answers through the same upsd.
    conf = write_conf(tmp_path, [nut_device('salle2', server.port, ups='salle2')])
    assert metrics(probe(conf, 'salle2'))['ups_charge']['value'] == 90
    server.stop_upsd()
    p = subprocess.run([str(ENVMOND), '--discover', '%s:%d' % (HOST, server.port)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and 'Connection refused' in p.stderr, p.stderr
    p = subprocess.run([str(ENVMOND), '--discover', 'host:notaport'], capture_output=True, text=True)
    assert p.returncode == 64, p.stderr


def fd_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def test_descriptor_above_fd_setsize_refused(tmp_path, upsd):
    """libupsclient select()s on its socket: with every descriptor below 1024 taken (a
    large SNMP site raises the limit), envmond refuses the connection with a clear
    error instead of overflowing an fd_set; --discover too. Same upsd, free
    descriptors: the probe answers."""
    import resource
    server = upsd()
    conf = write_conf(tmp_path, [nut_device('onduleur', server.port)])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 2048:
        pytest.skip('the hard descriptor limit (%d) is below 2048' % hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    # Fill every hole below 1100; the child keeps all of them (pass_fds), so the lowest
    # descriptor it can get is above FD_SETSIZE.
    fds = []
    while not fds or fds[-1] < 1100:
        fds.append(os.open('/dev/null', os.O_RDONLY))
    held = [fd for fd in range(3, fds[-1] + 1) if fd_open(fd)]
    try:
        p = subprocess.run([str(ENVMOND), '-c', str(conf), '--probe', 'onduleur'], pass_fds=held,
                           capture_output=True, text=True, timeout=30)
        d = subprocess.run([str(ENVMOND), '--discover', '%s:%d' % (HOST, server.port)], pass_fds=held,
                           capture_output=True, text=True, timeout=30)
    finally:
        for fd in fds:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert p.returncode == 1 and 'no descriptor below 1024 left for libupsclient' in p.stderr, p.stderr
    assert 'AddressSanitizer' not in p.stderr + d.stderr, p.stderr + d.stderr
    assert d.returncode != 0 and 'no descriptor below FD_SETSIZE' in d.stderr, d.stdout + d.stderr
    assert metrics(probe(conf))['ups_source']['state'] == 'online'


def test_mute_upsd_bounded_by_the_timeout(tmp_path):
    """A upsd that accepts and never answers costs the device's timeout, rounded up to
    the second (libupsclient's read timeout), not libupsclient's own 5 s."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        conf = write_conf(tmp_path, [nut_device('onduleur', listener.getsockname()[1])])
        start = time.monotonic()
        p = probe(conf)
        elapsed = time.monotonic() - start
    assert p.returncode == 1 and 'no answer within 1000 ms' in p.stderr, p.stderr
    assert 0.9 < elapsed < 3.0, elapsed


@pytest.mark.parametrize('device, message', [
    ('{ name = "u"; profile = "ups-nut"; nut = { host = "127.0.0.1"; }; }', "missing setting 'ups'"),
    ('{ name = "u"; profile = "ups-nut"; nut = { host = "127.0.0.1"; ups = "a b"; }; }',
     'is not a NUT UPS name'),
    ('{ name = "u"; profile = "ups-nut"; nut = { host = "h"; ups = "u"; password = "x"; }; }',
     "a NUT 'password' goes with a 'user'"),
    ('{ name = "u"; profile = "ups-nut"; nut = { host = "h"; ups = "u"; community = "x"; }; }',
     "community"),
    ('{ name = "u"; profile = "ups-rfc1628"; nut = { host = "h"; ups = "u"; }; }',
     'is for SNMP devices, but device \'u\' uses NUT'),
    ('{ name = "u"; profile = "ups-nut"; snmp = { host = "h"; }; }',
     'is for NUT devices, but device \'u\' uses SNMP'),
])
def test_config_errors_name_the_line(tmp_path, device, message):
    conf = write_conf(tmp_path, [device])
    p = subprocess.run([str(ENVMOND), '-c', str(conf), '-t'], capture_output=True, text=True, timeout=30)
    assert p.returncode == 78, p.stdout + p.stderr
    assert re.search(r'envmond\.conf:\d+: .*' + re.escape(message), p.stdout + p.stderr), p.stdout + p.stderr


class Daemon:
    """envmond -f -d; stderr lines kept with their arrival time."""

    def __init__(self, conf):
        env = dict(os.environ, ENVMOND_MAIL_RETRY_S='1', TZ='Europe/Paris')
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([str(ENVMOND), '-f', '-d', '-c', str(conf)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append((time.monotonic(), line.rstrip('\n')))

    def log(self):
        with self.lock:
            return list(self.lines)

    def wait_for(self, pattern, timeout=20, start=0):
        """Index of the first line from start on that matches pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log()
            for i in range(start, len(lines)):
                if rx.search(lines[i][1]):
                    return i
            assert self.proc.poll() is None, 'envmond died:\n' + '\n'.join(l for _, l in lines)
            time.sleep(0.05)
        raise AssertionError('no line matching %r within %d s:\n%s'
                             % (pattern, timeout, '\n'.join(l for _, l in self.log())))

    def next_state(self, device, metric, timeout=20):
        """Waits for device's next reading of metric; returns (line index, raw)."""
        start = len(self.log())
        i = self.wait_for(r'^envmond: debug: %s: %s status=' % (device, metric), timeout, start)
        return i, self.log()[i][1].split('raw=')[1].split()[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.reader.join(timeout=5)
        text = '\n'.join(l for _, l in self.log())
        assert rc == 0, 'envmond exited %d:\n%s' % (rc, text)
        assert 'AddressSanitizer' not in text and 'runtime error:' not in text, text
        return text


def subjects(catcher):
    import email
    from email.header import decode_header, make_header
    return [str(make_header(decode_header(email.message_from_bytes(raw)['Subject'])))
            for _, raw in catcher.messages()]


def wait_subject(catcher, pattern, timeout_s=15):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(re.search(pattern, s) for s in subjects(catcher)):
            return
        time.sleep(0.1)
    raise AssertionError('no mail matching %r: %s' % (pattern, subjects(catcher)))


def test_daemon_outage_mail_contact_loss_and_a_mute_upsd(tmp_path, upsd, smtp_plain):
    """OL -> OB -> OB LB -> OL through a running daemon: an alert mail and a recovery
    mail; the driver killed: contact lost after dead_time, then answering again. A
    second UPS whose upsd accepts and never answers (3 s timeout) does not delay it."""
    server = upsd()
    mute = socket.socket()
    mute.bind((HOST, 0))
    mute.listen(8)
    devices = [nut_device('onduleur', server.port, extra='dead_time = 1;'),
               nut_device('muet', mute.getsockname()[1]).replace('timeout = 1000', 'timeout = 3000')]
    extra = '''
mail = { server = "127.0.0.1"; port = %d; tls = "none"; from = "envmond <envmond@example.org>"; };
alerts = { startup_grace = 0; };
racks = ( { name = "baie-A"; servers = ( { name = "srv-numerisation"; role = "digitization";
                                           ups = [ "onduleur" ]; } ); } );
specs = { default = { ups_source = { hold = 0; clear_hold = 0; }; ups_battery = { clear_hold = 0; }; }; };
''' % smtp_plain.port
    daemon = Daemon(write_conf(tmp_path, devices, extra))
    try:
        daemon.next_state('onduleur', 'ups_source')
        server.set('onduleur', ups_status='OB DISCHRG', input_voltage=0)
        daemon.next_state('onduleur', 'ups_source')
        smtp_plain.wait_for(1, timeout_s=15)
        server.set('onduleur', ups_status='OB DISCHRG LB', battery_charge=15)
        daemon.next_state('onduleur', 'ups_battery')
        server.set('onduleur', ups_status='OL CHRG', input_voltage=230)
        daemon.next_state('onduleur', 'ups_source')
        wait_subject(smtp_plain, r'^\[RECOVERED\] .*UPS power source onduleur on mains power')

        killed_at = time.monotonic()
        server.kill_driver('onduleur')
        daemon.wait_for(r'onduleur: contact lost after 1 polls', timeout=15)
        server.start_driver('onduleur')
        daemon.wait_for(r'onduleur: answering again', timeout=15)
    finally:
        text = daemon.stop()
        mute.close()
    subj = subjects(smtp_plain)
    for pattern in (r'^\[WARNING\] TJ-EXV .*UPS power source onduleur on battery .*srv-numerisation',
                    r'^\[CRITICAL\] .*UPS battery onduleur low',
                    r'^\[RECOVERED\] .*UPS power source onduleur on mains power',
                    r'^\[WARNING\] .*contact with the device onduleur lost'):
        assert any(re.search(pattern, s) for s in subj), (pattern, subj)
    # No mains while on battery is the outage itself, not a second (voltage) alert.
    assert not any('input voltage' in s for s in subj), subj
    assert 'NUT driver is not running' in text
    assert re.search(r'muet: no answer \(upsd .*no answer within 3000 ms', text), text

    # The live UPS kept its 5 s pace although the mute one blocks 3 s per poll.
    times = [t for t, l in daemon.log()
             if t < killed_at and re.match(r'envmond: debug: onduleur: ups_charge status=', l)]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) >= 3 and max(gaps) < 6.5, gaps
