"""The IPMI driver against OpenIPMI's ipmi_sim as a server's BMC on 127.0.0.1
(tests/peers/ipmipeer.py), over RMCP+ (IPMI LAN 2.0) through FreeIPMI's
libipmimonitoring: the inlet chosen by name (never the power supply's "PSU1 Inlet
Temp") and followed as the simulator's console changes it; a wrong password, a BMC
that needs the opensesspriv workaround, a dead BMC bounded by the device's timeout;
configuration errors at file:line; and a running daemon whose rack has no probe but
the server's BMC: an alert mail when the inlet leaves the envelope and a recovery
mail, the BMC killed (contact lost) and started again, while a second, silent BMC
(3 s timeout) does not slow the first; a server whose own BMC is its `inlet` (judging
alone, or beside a rack's probe: mails and report in French); a dead upsd and a dead
BMC beside SNMP and Modbus devices that keep their pace. Skipped only when openipmi is
not installed."""
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
sys.path.insert(0, str(TOP / 'tests' / 'peers'))
sys.path.insert(0, str(HERE))

import ipmipeer  # noqa: E402
from peerlib import HOST, free_port, program  # noqa: E402
from test_nut import Daemon, nut_device, subjects, wait_subject, write_conf  # noqa: E402

pytestmark = pytest.mark.skipif(ipmipeer.missing() is not None, reason=str(ipmipeer.missing()))

ENVMOND = program('envmond')


@pytest.fixture
def bmc(tmp_path):
    sims = []

    def start(port=None, rename=None):
        sim = ipmipeer.IpmiSim(tmp_path / ('bmc-%d' % len(sims)), port=port, rename=rename)
        sims.append(sim)
        return sim.start()
    yield start
    for s in sims:
        s.stop()


def secret_file(tmp, password=ipmipeer.PASSWORD):
    path = tmp / ('bmc-%d.secret' % len(list(tmp.glob('bmc-*.secret'))))
    path.write_text(password + '\n')
    os.chmod(path, 0o600)
    return path


def ipmi_device(name, port, secret, extra='', workarounds='"opensesspriv"', user=ipmipeer.USER):
    return ('{ name = "%s"; profile = "probe-ipmi-bmc"; interval = 5; timeout = 1000; retries = 0; %s '
            'ipmi = { host = "%s:%d"; user = "%s"; password_file = "%s"; workarounds = [ %s ]; }; }'
            % (name, extra, HOST, port, user, secret, workarounds))


def probe(conf, device='bmc'):
    # Under the sanitizers, FreeIPMI's own leak on the in-band path is suppressed (see the file).
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lsan-report.supp')
    env = dict(os.environ, LSAN_OPTIONS='suppressions=%s' % supp)
    p = subprocess.run([str(ENVMOND), '-c', str(conf), '--probe', device, '--json'],
                       capture_output=True, text=True, timeout=60, env=env)
    assert 'AddressSanitizer' not in p.stderr and 'runtime error' not in p.stderr, p.stderr
    return p


def metrics(p):
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out['protocol'] == 'ipmi' and out['answered'], out
    return {m['name']: m for m in out['metrics']}


def test_probe_reads_the_inlet_and_follows_the_console(tmp_path, bmc):
    sim = bmc()
    conf = write_conf(tmp_path, [ipmi_device('bmc', sim.port, secret_file(tmp_path))])
    p = probe(conf)
    m = metrics(p)
    assert (m['temperature']['status'], m['temperature']['value'], m['temperature']['unit']) == ('ok', 24, '°C')
    assert m['exhaust_temperature']['value'] == 35
    assert ipmipeer.PASSWORD not in p.stdout + p.stderr
    # The SDRs are cached in the state directory (downloaded once per BMC).
    assert list((tmp_path / 'state' / 'ipmi-sdr').iterdir())

    # The power supply's inlet (41 °C here) is never taken for the server's: with the
    # server's inlet gone from the profile's choices, the metric is absent.
    sim.set('Inlet Temp', 29)
    assert metrics(probe(conf))['temperature']['value'] == 29
    sim.set('PSU1 Inlet Temp', 60)
    sim.set('Inlet Temp', 33)
    assert metrics(probe(conf))['temperature']['value'] == 33
    profiles = tmp_path / 'profiles'
    profiles.mkdir()
    text = (TOP / 'etc' / 'profiles' / 'probe-ipmi-bmc.conf').read_text()
    text = text.replace('"Inlet Temp",', '', 1).replace('sensors = [ "Exhaust Temp",', 'sensors = [ "Exit Air", "Exhaust Temp",', 1)
    (profiles / 'probe-ipmi-bmc.conf').write_text(text)
    conf.write_text(conf.read_text().replace('%s/etc/profiles' % TOP, str(profiles)))
    p = probe(conf)
    m = metrics(p)
    assert m['temperature']['status'] == 'absent' and m['exhaust_temperature']['value'] == 35
    assert m['exhaust_temperature']['source'] == 'Exhaust Temp'   # the name that answered, not the first
    # The note names the metric and the BMC's own sensor names, to add the right one.
    assert json.loads(p.stdout)['error'] == (
        'temperature: BMC %s:%d has none of the profile\'s sensor names; its temperature sensors: '
        '"Inlet Temp", "Exhaust Temp", "PSU1 Inlet Temp", "CPU1 Temp"' % (HOST, sim.port))


def test_wrong_password_and_missing_workaround(tmp_path, bmc):
    sim = bmc()
    wrong = 'Not-the-bmc-pass'
    conf = write_conf(tmp_path, [ipmi_device('bmc', sim.port, secret_file(tmp_path, wrong)),
                                 ipmi_device('nows', sim.port, secret_file(tmp_path), workarounds=''),
                                 ipmi_device('nouser', sim.port, secret_file(tmp_path), user='intruder')])
    p = probe(conf)
    assert p.returncode == 1 and 'invalid password' in p.stderr and "check 'user'" in p.stderr, p.stderr
    assert wrong not in p.stdout + p.stderr
    p = probe(conf, 'nouser')
    assert p.returncode == 1 and 'invalid username' in p.stderr, p.stderr
    # ipmi_sim, like some real BMCs, needs FreeIPMI's opensesspriv workaround.
    p = probe(conf, 'nows')
    assert p.returncode == 1 and 'privilege level cannot be obtained' in p.stderr, p.stderr
    assert 'opensesspriv' in p.stderr


def test_dead_bmc_bounded_by_the_timeout(tmp_path, bmc):
    """A BMC that does not answer costs the device's timeout (1 s), not the library's
    60 s session timeout; started again on the same port, it answers."""
    sim = bmc()
    conf = write_conf(tmp_path, [ipmi_device('bmc', sim.port, secret_file(tmp_path))])
    assert metrics(probe(conf))['temperature']['value'] == 24
    sim.kill()
    start = time.monotonic()
    p = probe(conf)
    elapsed = time.monotonic() - start
    assert p.returncode == 1 and 'timeout' in p.stderr and 'UDP port 623' in p.stderr, p.stderr
    assert 0.9 < elapsed < 3.0, elapsed
    bmc(port=sim.port)
    assert metrics(probe(conf))['temperature']['value'] == 24


def test_new_sensor_records_seen_at_the_next_open(tmp_path, bmc):
    """ipmi_sim leaves its SDR time stamps at 0, as some BMCs do, so the library cannot
    tell its cache is out of date: each open reads the records afresh. The same BMC
    address with new firmware that renamed its inlet sensor is read right."""
    sim = bmc()
    conf = write_conf(tmp_path, [ipmi_device('bmc', sim.port, secret_file(tmp_path))])
    assert metrics(probe(conf))['temperature']['source'] == 'Inlet Temp'
    sim.kill()
    bmc(port=sim.port, rename={'Inlet Temp': 'Ambient Temp'})
    m = metrics(probe(conf))
    assert (m['temperature']['source'], m['temperature']['value']) == ('Ambient Temp', 24)


@pytest.mark.parametrize('ipmi, message', [
    ('host = "127.0.0.1"; user = "u"; workarounds = [ "opensespriv" ];', "unknown IPMI workaround 'opensespriv'"),
    ('host = "127.0.0.1"; user = "u"; workarounds = [ "spinpoll" ];', "'spinpoll' is for the local BMC"),
    ('workarounds = [ "opensesspriv" ];', "'opensesspriv' is for a BMC over the LAN"),
    ('user = "u";', "'user' and 'password' are for a remote BMC"),
    ('host = "h"; user = "a-user-name-longer-than-16";', "longer than 16 bytes"),
    ('host = "h"; user = "u"; password = "a-password-longer-than-20";', "longer than 20 bytes"),
    ('host = "h"; community = "x";', "community"),
])
def test_config_errors_name_the_line(tmp_path, ipmi, message):
    conf = write_conf(tmp_path, ['{ name = "b"; profile = "probe-ipmi-bmc"; ipmi = { %s }; }' % ipmi])
    p = subprocess.run([str(ENVMOND), '-c', str(conf), '-t'], capture_output=True, text=True, timeout=30)
    assert p.returncode == 78, p.stdout + p.stderr
    assert re.search(r'envmond\.conf:\d+: .*' + re.escape(message), p.stdout + p.stderr), p.stdout + p.stderr
    assert 'a-password-longer-than-20' not in p.stdout + p.stderr


def test_daemon_alert_from_the_bmc_inlet(tmp_path, bmc, smtp_plain):
    """A rack without probes but the server's BMC: the inlet at 35 °C (above A1's
    32 °C) sends an alert, back at 24 °C a recovery; the BMC killed: contact lost after
    dead_time, then answering again. A second BMC that never answers (3 s timeout)
    does not delay the first."""
    sim = bmc()
    secret = secret_file(tmp_path)
    silent_port = free_port()
    devices = [ipmi_device('bmc', sim.port, secret, extra='dead_time = 1;'),
               ipmi_device('muet', silent_port, secret).replace('timeout = 1000', 'timeout = 3000')]
    extra = '''
mail = { server = "127.0.0.1"; port = %d; tls = "none"; from = "envmond <envmond@example.org>"; };
alerts = { startup_grace = 0; };
racks = ( { name = "baie-A"; probes = [ "bmc" ];
            servers = ( { name = "srv-numerisation"; role = "digitization"; } ); } );
specs = { default = { temperature = { warn = [ 18.0, 27.0 ]; crit = [ 15.0, 32.0 ]; hold = 0; clear_hold = 0; }; }; };
''' % smtp_plain.port
    daemon = Daemon(write_conf(tmp_path, devices, extra))
    try:
        daemon.next_state('bmc', 'temperature')
        sim.set('Inlet Temp', 35)
        daemon.next_state('bmc', 'temperature')
        smtp_plain.wait_for(1, timeout_s=20)
        sim.set('Inlet Temp', 24)
        daemon.next_state('bmc', 'temperature')
        wait_subject(smtp_plain, r'^\[RECOVERED\] ', timeout_s=20)

        killed_at = time.monotonic()
        sim.kill()
        daemon.wait_for(r'bmc: contact lost after 1 polls', timeout=20)
        bmc(port=sim.port)
        daemon.wait_for(r'bmc: answering again', timeout=20)
    finally:
        text = daemon.stop()
    subj = subjects(smtp_plain)
    assert any(re.search(r'^\[CRITICAL\] TJ-EXV .*srv-numerisation', s) for s in subj), subj
    assert any(re.search(r'^\[WARNING\] .*contact with the device bmc lost', s) for s in subj), subj
    assert ipmipeer.PASSWORD not in text
    assert re.search(r'muet: .*BMC 127\.0\.0\.1:%d: connection timeout' % silent_port, text), text

    # The live BMC kept its 5 s pace although the silent one blocks 3 s per poll.
    times = [t for t, l in daemon.log()
             if t < killed_at and re.match(r'envmond: debug: bmc: temperature status=', l)]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) >= 2 and max(gaps) < 6.5, gaps


def report(conf, day, fmt, output=None):
    """envmon-report of one day; under the sanitizers, librrd's and fontconfig's own
    caches are suppressed (lsan-report.supp), ours are not."""
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lsan-report.supp')
    return subprocess.run([str(program('envmon-report')), '-c', str(conf), '--from', day, '--to', day,
                           '--format', fmt] + (['-o', str(output)] if output else []),
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, TZ='Europe/Paris',
                                   LSAN_OPTIONS='suppressions=%s:print_suppressions=0' % supp,
                                   # full stacks: libc's vasprintf breaks the fast unwinder in librrd
                                   ASAN_OPTIONS='fast_unwind_on_malloc=0'))


def mail_bodies(catcher):
    """(subject, decoded body) of every mail, in arrival order."""
    import email
    import email.policy
    out = []
    for _, raw in catcher.messages():
        m = email.message_from_bytes(raw, policy=email.policy.default)
        out.append((str(m['Subject']), m.get_content()))
    return out


def test_server_inlet_judges_alone_and_stands_beside_probes(tmp_path, bmc, smtp_plain, monkeypatch):
    """Issue 15.3, in French (the build's catalogue): srv-numerisation's own BMC
    (`inlet`) is the only measure of its rack: at 35 °C the alert says "température
    d'entrée d'air mesurée par le serveur". srv-visio's rack has a probe, which stays
    the reference (its incident is the rack's), and the mail shows srv-visio's BMC
    reading beside it; that BMC at 35 °C opens no incident of its own."""
    gmo = Path(os.environ.get('ENVMOND_BUILDDIR', TOP)) / 'po' / 'fr.gmo'
    gmo = gmo if gmo.exists() else TOP / 'po' / 'fr.gmo'
    loc = tmp_path / 'locale' / 'fr' / 'LC_MESSAGES'
    loc.mkdir(parents=True)
    loc.joinpath('envmond.mo').write_bytes(gmo.read_bytes())
    monkeypatch.setenv('ENVMOND_LOCALEDIR', str(tmp_path / 'locale'))
    (tmp_path / 'profiles.d').mkdir()
    (tmp_path / 'profiles.d' / 'sim-probe.conf').write_text(
        (TOP / 'tests' / 'sim' / 'profiles' / 'sim-probe.conf').read_text())
    # The rack's probe turns hot after both BMCs have answered.
    (tmp_path / 'baie-b.scn').write_text('temperature = 22\nhumidity = 45\ntemperature = 36 @ 15s..\n')
    sim_a, sim_b = bmc(), bmc()
    secret = secret_file(tmp_path)
    devices = [ipmi_device('bmc-numerisation', sim_a.port, secret), ipmi_device('bmc-visio', sim_b.port, secret),
               '{ name = "sonde-b"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }'
               % (tmp_path / 'baie-b.scn')]
    extra = '''
mail = { server = "127.0.0.1"; port = %d; tls = "none"; lang = "fr"; from = "envmond <envmond@example.org>"; };
alerts = { startup_grace = 0; };
racks = ( { name = "baie-A"; servers = ( { name = "srv-numerisation"; role = "digitization";
                                           inlet = "bmc-numerisation"; } ); },
          { name = "baie-B"; probes = [ "sonde-b" ];
            servers = ( { name = "srv-visio"; role = "other"; inlet = "bmc-visio"; } ); } );
specs = { default = { temperature = { warn = [ 18.0, 27.0 ]; crit = [ 15.0, 32.0 ]; hold = 0; clear_hold = 0; };
                      humidity = { enabled = false; }; dew_point = { enabled = false; };
                      temp_rate_hour = { enabled = false; }; temp_rate_15min = { enabled = false; }; }; };
''' % smtp_plain.port
    daemon = Daemon(write_conf(tmp_path, devices, extra))
    try:
        daemon.next_state('bmc-numerisation', 'temperature')
        daemon.next_state('bmc-visio', 'temperature')
        sim_a.set('Inlet Temp', 35)
        sim_b.set('Inlet Temp', 35)
        wait_subject(smtp_plain, r"^\[CRITIQUE\] TJ-EXV — température d'entrée d'air mesurée par le serveur "
                     r"srv-numerisation 35 °C \(max 32 °C\)",
                     timeout_s=20)
        wait_subject(smtp_plain, r'^\[CRITIQUE\] TJ-EXV — température baie-B 36 °C', timeout_s=30)
        sim_a.set('Inlet Temp', 24)
        wait_subject(smtp_plain, r"^\[RÉTABLI\].*srv-numerisation", timeout_s=20)
        st = subprocess.run([str(program('envmonctl')), '-c', str(tmp_path / 'envmond.conf'), 'status'],
                            capture_output=True, text=True, timeout=30,
                            env=dict(os.environ, LANGUAGE='en', LC_ALL='C.UTF-8'))
        assert st.returncode == 0, st.stderr
        assert re.search(r'srv-visio \(other\) in baie-B, spec default\n'
                         r'    air inlet measured by the server: bmc-visio\n', st.stdout), st.stdout
    finally:
        text = daemon.stop()
    mails = mail_bodies(smtp_plain)
    inlet = [(s, b) for s, b in mails if 'srv-numerisation' in s and 'CRITIQUE' in s]
    assert inlet, [s for s, _ in mails]
    subject, body = inlet[0]
    assert "Constat : température d'entrée d'air mesurée par le serveur 35 °C (max 32 °C)" in body, body
    assert 'bmc-numerisation' in body, body
    rack = [(s, b) for s, b in mails if 'baie-B' in s]
    assert rack, [s for s, _ in mails]
    # The probe is the reference (36 °C), the BMC's reading stands beside it.
    assert re.search(r'Constat : température 36 °C', rack[0][1]), rack[0][1]
    assert "Température d'entrée d'air mesurée par le serveur : 35 °C" in rack[0][1], rack[0][1]
    # srv-visio's BMC does not judge: no incident of its own.
    assert not any('bmc-visio' in s or 'mesurée par le serveur srv-visio' in s for s, _ in mails), \
        [s for s, _ in mails]
    assert ipmipeer.PASSWORD not in text

    # The report, in French: the BMC reading judges srv-numerisation, and stands beside
    # the probe of baie-B, not judged.
    day = time.strftime('%Y-%m-%d')
    rep = report(tmp_path / 'envmond.conf', day, 'text')
    assert rep.returncode == 0, rep.stderr
    assert "entrée d'air mesurée par le serveur : bmc-numerisation" in rep.stdout, rep.stdout
    assert re.search(r"température d'entrée d'air mesurée par le serveur \(bmc-numerisation\) : ", rep.stdout), \
        rep.stdout
    assert re.search(r"température d'entrée d'air mesurée par le serveur \(à côté des sondes de la baie, "
                     r"non jugée\) \(bmc-visio\)", rep.stdout), rep.stdout
    assert 'aucune sonde' not in rep.stdout.split('srv-numerisation')[1].split('\n')[0]
    html = report(tmp_path / 'envmond.conf', day, 'html')
    assert html.returncode == 0, html.stderr
    assert "entrée d&#39;air mesurée par le serveur : bmc-visio" in html.stdout
    assert "température d&#39;entrée d&#39;air mesurée par le serveur (à côté des sondes" in html.stdout
    pdf = report(tmp_path / 'envmond.conf', day, 'pdf', tmp_path / 'rapport.pdf')
    assert pdf.returncode == 0, pdf.stderr
    pdf_text = subprocess.run(['pdftotext', str(tmp_path / 'rapport.pdf'), '-'], capture_output=True, text=True,
                              timeout=60).stdout
    assert re.search(r"entrée d.air mesurée par le\s+serveur : bmc-visio", pdf_text), pdf_text


def test_dead_upsd_and_bmc_do_not_delay_snmp_and_modbus(tmp_path, snmpsim, modbus_tcp_server):
    """Issue 15, "how it will be checked": an upsd that accepts and never answers and a
    BMC that never answers (3 s timeout each, in their worker threads) beside an SNMP
    UPS (snmpsim) and a Modbus TCP probe (pymodbus): those two keep their 5 s pace."""
    mute = socket.socket()
    mute.bind(('127.0.0.1', 0))
    mute.listen(8)
    probe_server = modbus_tcp_server('xy-md02')
    secret = secret_file(tmp_path)
    silent_bmc = free_port()
    devices = [nut_device('upsd-muet', mute.getsockname()[1]).replace('timeout = 1000', 'timeout = 3000'),
               ipmi_device('bmc-muet', silent_bmc, secret).replace('timeout = 1000', 'timeout = 3000'),
               '{ name = "ups"; profile = "ups-rfc1628"; interval = 5; timeout = 1000; retries = 1; '
               'snmp = { host = "127.0.0.1"; port = %d; version = "2c"; community = "ups-rfc1628"; }; }'
               % snmpsim.port,
               '{ name = "sonde"; profile = "probe-xy-md02"; interval = 5; timeout = 1000; '
               'modbus = { host = "127.0.0.1"; port = %d; unit = 1; }; }' % probe_server.port]
    daemon = Daemon(write_conf(tmp_path, devices))
    try:
        daemon.wait_for(r'^envmond: debug: ups: ups_load status=0', timeout=15)
        daemon.wait_for(r'upsd-muet: no answer \(upsd .*no answer within 3000 ms', timeout=20)
        daemon.wait_for(r'bmc-muet: .*connection timeout', timeout=20)
        time.sleep(16)
    finally:
        text = daemon.stop()
        mute.close()
    for pattern in (r'envmond: debug: ups: ups_load status=0', r'envmond: debug: sonde: temperature status=0'):
        times = [t for t, l in daemon.log() if re.match(pattern, l)]
        gaps = [b - a for a, b in zip(times, times[1:])]
        print(pattern, ['%.2f' % g for g in gaps])
        # 5 s apart; a poll held up by a 3 s timeout (x 2 devices) would come 6.5 s or more after.
        assert len(gaps) >= 3 and all(4.4 < g < 5.8 for g in gaps), (pattern, gaps, text[-3000:])


@pytest.mark.skipif(os.path.exists('/dev/ipmi0'), reason='this host has a local BMC')
def test_inband_without_a_local_bmc(tmp_path):
    """No host: the machine's own BMC in-band; without /dev/ipmi0 the error says what
    the kernel lacks."""
    conf = write_conf(tmp_path, ['{ name = "local"; profile = "probe-ipmi-bmc"; timeout = 1000; ipmi = { }; }'])
    p = probe(conf, 'local')
    assert p.returncode == 1 and '/dev/ipmi0: No such file or directory' in p.stderr, p.stderr
    assert 'ipmi_si and ipmi_devintf' in p.stderr


def test_profile_sensor_name_longer_than_a_bmc_can_give(tmp_path):
    profiles = tmp_path / 'profiles'
    profiles.mkdir()
    (profiles / 'bmc-long.conf').write_text('''profile = { name = "bmc-long"; kind = "probe"; protocol = "ipmi";
  metrics = ( { name = "temperature"; unit = "°C";
                sensors = [ "Inlet Temp", "Inlet Temperature" ]; } ); };
''')
    conf = write_conf(tmp_path, ['{ name = "b"; profile = "bmc-long"; ipmi = { }; }'])
    conf.write_text(conf.read_text().replace('%s/etc/profiles' % TOP, str(profiles)))
    p = subprocess.run([str(ENVMOND), '-c', str(conf), '-t'], capture_output=True, text=True, timeout=30)
    assert p.returncode == 78, p.stdout + p.stderr
    assert re.search(r'bmc-long\.conf:3: .*"Inlet Temperature" is longer than 16 bytes', p.stderr), p.stderr
