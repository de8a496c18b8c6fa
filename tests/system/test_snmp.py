"""SNMP acquisition against real agents on 127.0.0.1: snmpsim (the recordings of
tests/peers/snmprec) and Net-SNMP's snmpd (tests/peers/snmpd.sh), read through
`envmond --probe DEVICE --json` and through the running daemon.

Run: ENVMOND_BUILDDIR=$PWD/_build /usr/bin/python3 -m pytest tests/system/test_snmp.py
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ENVMOND_BUILDDIR', os.path.join(TOP, '_build', 'check'))
ENVMOND = os.path.join(BUILD, 'src', 'daemon', 'envmond')
PEERS = os.path.join(TOP, 'tests', 'peers')
RECORDINGS = os.path.join(PEERS, 'snmprec')
PROFILES = os.path.join(TOP, 'etc', 'profiles')

AUTH_PASS = 'envmon-auth-pass'
PRIV_PASS = 'envmon-priv-pass'
WRONG_SECRETS = ('wrong-community-xyz', 'wrong-auth-pass-xyz', 'wrong-priv-pass-xyz')


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def no_sanitizer_report(text):
    assert 'AddressSanitizer' not in text and 'runtime error:' not in text, text


# ------------------------------------------------------------------ agents

def world_readable_dir(prefix):
    """snmpsimd and snmpd drop to "nobody": pytest's own temporary directories (mode
    700) are closed to them."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


class Snmpsim:
    def __init__(self, datadir):
        self.port = free_udp_port()
        self.rundir = world_readable_dir('envmond-snmpsim-')
        subprocess.run([os.path.join(PEERS, 'snmpsim.sh'), 'start', datadir, str(self.port), self.rundir],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, MAX_SECONDS='900'))

    def stop(self):
        subprocess.run([os.path.join(PEERS, 'snmpsim.sh'), 'stop', str(self.port), self.rundir])
        shutil.rmtree(self.rundir, ignore_errors=True)


class Snmpd:
    """Net-SNMP snmpd serving ups-rfc1628: v2c "public", v3 envmon-sha-aes (SHA/AES)."""

    def __init__(self):
        self.port = free_udp_port()
        self.rundir = world_readable_dir('envmond-snmpd-')
        self.start()

    def start(self):
        subprocess.run([os.path.join(PEERS, 'snmpd.sh'), 'start', self.rundir, str(self.port), '1'],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, MAX_SECONDS='900'))

    def stop(self):
        subprocess.run([os.path.join(PEERS, 'snmpd.sh'), 'stop', self.rundir])

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.rundir, ignore_errors=True)


def snmpsim_serving(tmp_path_factory, names):
    """An snmpsim agent serving the recordings called names (generator for a fixture)."""
    data = tmp_path_factory.mktemp('snmprec')
    for name in names:
        shutil.copy(os.path.join(RECORDINGS, name + '.snmprec'), data)
    agent = Snmpsim(str(data))
    yield agent
    agent.stop()


def apc_basic_recording(datadir):
    """ups-apc-powernet without the high-precision OIDs (.2.3, .3.3, .4.3): an older
    card, read through the profile's fallback OIDs."""
    hiprec = re.compile(r'^1\.3\.6\.1\.4\.1\.318\.1\.1\.1\.[234]\.3\.')
    with open(os.path.join(RECORDINGS, 'ups-apc-powernet.snmprec')) as f:
        lines = [l for l in f if not hiprec.match(l)]
    with open(os.path.join(datadir, 'ups-apc-basic.snmprec'), 'w') as f:
        f.writelines(lines)


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    data = tmp_path_factory.mktemp('snmprec')
    for name in os.listdir(RECORDINGS):
        shutil.copy(os.path.join(RECORDINGS, name), data)
    apc_basic_recording(str(data))
    agent = Snmpsim(str(data))
    yield agent
    agent.stop()


@pytest.fixture(scope='module')
def slow_sim(tmp_path_factory):
    agent = Snmpsim(os.path.join(PEERS, 'snmprec-slow'))
    yield agent
    agent.stop()


@pytest.fixture(scope='module')
def snmpd(tmp_path_factory):
    agent = Snmpd()
    yield agent
    agent.cleanup()


# ------------------------------------------------------------------ envmond

def snmp_block(port, version='2c', community=None, user=None, auth=None, auth_pass=None,
               priv=None, priv_pass=None, context=None, max_oids=None):
    parts = ['host = "127.0.0.1";', 'port = %d;' % port, 'version = "%s";' % version]
    for key, val in (('community', community), ('user', user), ('auth', auth), ('auth_pass', auth_pass),
                     ('priv', priv), ('priv_pass', priv_pass), ('context', context)):
        if val is not None:
            parts.append('%s = "%s";' % (key, val))
    if max_oids:
        parts.append('max_oids = %d;' % max_oids)
    return '{ %s }' % ' '.join(parts)


def device(name, profile, snmp, interval=30, timeout=1000, retries=1, dead_time=None):
    extra = ' dead_time = %d;' % dead_time if dead_time else ''
    return ('{ name = "%s"; profile = "%s"; interval = %d; timeout = %d; retries = %d;%s snmp = %s; }'
            % (name, profile, interval, timeout, retries, extra, snmp))


def write_config(tmp_path, devices, profiles=PROFILES):
    state = tmp_path / 'state'
    state.mkdir(exist_ok=True)
    conf = tmp_path / 'envmond.conf'
    conf.write_text('''
site = { name = "Tribunal de test"; code = "TJ-TEST"; ressort = "CA de test";
         contacts = { arsit = [ "arsit@example.org" ]; }; };
paths = { state_dir = "%s"; profiles_dir = "%s"; pid_file = "%s/envmond.pid";
          control_socket = "%s/envmond.sock"; };
storage = { step = 5; };
daemon = { allow_root = %s; };
devices = ( %s );
''' % (state, profiles, state, state, 'true' if os.geteuid() == 0 else 'false',
       ',\n'.join(devices)))
    return str(conf)


def profiles_without_prefer(tmp_path):
    """A copy of the shipped profiles whose probe-entity-sensor reads every celsius row
    (no prefer_pattern nor prefer_when), as a site may have it."""
    out = tmp_path / 'profiles-all-rows'
    shutil.copytree(PROFILES, out)
    f = out / 'probe-entity-sensor.conf'
    text = re.sub(r'\n\s*prefer_(pattern|when) = \[[^]]*\];', '', f.read_text())
    assert 'prefer_' not in text.split('profile = {')[1]
    f.write_text(text)
    return str(out)


def probe(conf, name, json_out=True):
    args = [ENVMOND, '-c', conf, '--probe', name] + (['--json'] if json_out else [])
    start = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    p.elapsed = time.monotonic() - start
    no_sanitizer_report(p.stderr)
    return p


def probe_ok(conf, name):
    p = probe(conf, name)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out['answered'] is True
    return {m['name']: m for m in out['metrics']}


def recording_values(name):
    """OID -> number, from a .snmprec file (TimeTicks in seconds, as envmond reads them)."""
    values = {}
    with open(os.path.join(RECORDINGS, name + '.snmprec')) as f:
        for line in f:
            if line.startswith('#') or line.count('|') < 2:
                continue
            oid, tag, value = line.rstrip('\n').split('|', 2)
            if tag in ('2', '65', '66', '67'):
                values[oid] = int(value) / (100.0 if tag == '67' else 1.0)
    return values


# What each profile must read from its recording, in canonical units.
EXPECTED = {
    'ups-rfc1628': {'ups_source': 'online', 'ups_battery': 'normal', 'ups_charge': 100,
                    'ups_runtime': 2520, 'ups_load': 35, 'input_voltage': 230, 'input_frequency': 50.0,
                    'output_voltage': 230, 'battery_temperature': 24, 'ups_selftest': 'passed',
                    'battery_voltage': 54.6, 'seconds_on_battery': 0, 'ups_alarms': 0},
    'ups-apc-powernet': {'ups_source': 'online', 'ups_battery': 'normal', 'ups_replace_battery': 'no',
                         'ups_charge': 100.0, 'ups_runtime': 2520, 'ups_load': 35.2, 'total_load': 35.2,
                         'input_voltage': 230.1, 'input_frequency': 50.0, 'output_voltage': 230.0,
                         'battery_temperature': 24.3, 'ups_selftest': 'passed', 'battery_voltage': 54.5},
    'ups-eaton-xups': {'ups_source': 'online', 'ups_battery': 'normal', 'ups_charge': 100,
                       'ups_runtime': 2520, 'ups_load': 35, 'input_voltage': 230, 'input_frequency': 50.0,
                       'output_voltage': 230, 'ambient_temperature': 24, 'battery_voltage': 54,
                       'ups_replace_battery': 'no', 'battery_failure': 'no', 'battery_missing': 'no',
                       'battery_low': 'no'},
    'probe-entity-sensor': {'temperature': 23.5, 'humidity': 45},
    'probe-apc-uio': {'temperature': 23, 'humidity': 41},
    'probe-netbotz': {'temperature': 23.4, 'humidity': 41.0},
    'probe-akcp': {'temperature': 22.4, 'humidity': 44},
    'probe-eaton-emp': {'temperature': 22.6, 'humidity': 43.7},
}
UNITS = {'ups_charge': '%', 'ups_runtime': 's', 'ups_load': '%', 'total_load': '%', 'input_voltage': 'V',
         'input_frequency': 'Hz', 'output_voltage': 'V', 'battery_temperature': '°C', 'battery_voltage': 'V',
         'ambient_temperature': '°C', 'temperature': '°C', 'humidity': '%',
         'seconds_on_battery': 's', 'ups_alarms': ''}


# Metrics of a profile that a recording rightly lacks (a single-phase unit has no
# phase table): they must be absent, never a number.
EXPECTED_ABSENT = {'ups-apc-powernet': ('phase_in_voltage', 'phase_out_voltage'),
                   # an EMP002 card has no XUPS-MIB EMP001 scalars
                   'probe-eaton-emp': ('remote_temperature', 'remote_humidity')}


def check_metrics(metrics, expected, recording=None, absent=()):
    assert set(metrics) == set(expected) | set(absent)
    for name in absent:
        assert metrics[name]['status'] == 'absent' and metrics[name]['value'] is None, metrics[name]
    rec = recording_values(recording) if recording else {}
    for name, want in expected.items():
        m = metrics[name]
        assert m['status'] == 'ok', m
        if isinstance(want, str):
            assert m['state'] == want, m
        else:
            assert m['value'] == pytest.approx(want, abs=1e-6), m
            assert m['unit'] == UNITS[name], m
        # The raw value is the recording's, for the OID the profile names.
        if m['source'] in rec:
            assert m['raw'] == pytest.approx(rec[m['source']]), m


# ------------------------------------------------------------------ tests: profiles

@pytest.mark.parametrize('profile', sorted(EXPECTED))
def test_profile_reads_recording(sim, tmp_path, profile):
    conf = write_config(tmp_path, [device('dev', profile, snmp_block(sim.port, community=profile))])
    check_metrics(probe_ok(conf, 'dev'), EXPECTED[profile], profile, EXPECTED_ABSENT.get(profile, ()))


def test_apc_fallback_to_basic_oids(sim, tmp_path):
    conf = write_config(tmp_path, [device('apc', 'ups-apc-powernet',
                                          snmp_block(sim.port, community='ups-apc-basic'))])
    m = probe_ok(conf, 'apc')
    want = dict(EXPECTED['ups-apc-powernet'], ups_charge=100, ups_load=35, total_load=35, input_voltage=230,
                input_frequency=50, output_voltage=230, battery_temperature=24, battery_voltage=54)
    check_metrics(m, want, absent=EXPECTED_ABSENT['ups-apc-powernet'])
    assert m['ups_load']['raw'] == 35 and m['input_voltage']['raw'] == 230


def test_unplugged_entity_sensor_is_unknown(sim, tmp_path):
    """entPhySensorOperStatus unavailable(2) with a value of 0: unknown, not 0 °C."""
    conf = write_config(tmp_path, [device('p', 'probe-entity-sensor',
                                          snmp_block(sim.port, community='probe-entity-sensor-unplugged'))])
    m = probe_ok(conf, 'p')
    assert m['temperature']['status'] == 'invalid' and m['temperature']['value'] is None, m['temperature']
    assert m['temperature']['raw'] == 0
    assert m['humidity']['status'] == 'ok' and m['humidity']['value'] == 45


def test_rfc1628_source_other_is_unknown_not_off(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628',
                                          snmp_block(sim.port, community='ups-rfc1628-source-other'))])
    m = probe_ok(conf, 'ups')
    assert m['ups_source']['status'] == 'invalid' and m['ups_source']['state'] is None, m['ups_source']
    assert m['ups_source']['raw'] == 1


def test_apc_econversion_and_no_battery(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-apc-powernet',
                                          snmp_block(sim.port, community='ups-apc-econversion'))])
    m = probe_ok(conf, 'ups')
    assert m['ups_source']['state'] == 'online', m['ups_source']
    assert m['ups_battery']['state'] == 'fault', m['ups_battery']


def test_table_output(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(sim.port, community='ups-rfc1628'))])
    p = probe(conf, 'ups', json_out=False)
    assert p.returncode == 0, p.stderr
    row = [l for l in p.stdout.splitlines() if l.startswith('ups_runtime')][0].split()
    assert row[1:5] == ['1.3.6.1.2.1.33.1.2.3.0', '42', '2520', 's']
    assert re.search(r'^ups_source .* online$', p.stdout, re.M)


def test_many_oids_split_in_chunks(sim, tmp_path):
    conf = write_config(tmp_path, [device('apc', 'ups-apc-powernet',
                                          snmp_block(sim.port, community='ups-apc-powernet', max_oids=2))])
    check_metrics(probe_ok(conf, 'apc'), EXPECTED['ups-apc-powernet'], 'ups-apc-powernet',
                  EXPECTED_ABSENT['ups-apc-powernet'])


@pytest.mark.parametrize('version', ['1', '2c'])
def test_missing_object_is_absent(sim, tmp_path, version):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628',
                                          snmp_block(sim.port, version=version, community='ups-rfc1628-partial'))])
    p = probe(conf, 'ups')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert m['battery_temperature']['status'] == 'absent'
    assert m['battery_temperature']['value'] is None
    assert 'battery_temperature absent' in p.stderr
    assert ('noSuchName' if version == '1' else 'noSuchObject') in p.stderr
    others = dict(EXPECTED['ups-rfc1628'], ups_runtime=2520)
    assert m['battery_voltage']['status'] == 'absent'   # upsBatteryVoltage not in the recording
    for name in ('battery_temperature', 'battery_voltage'):
        del others[name]
        del m[name]
    check_metrics(m, others)


def test_value_changes_between_polls(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628',
                                          snmp_block(sim.port, community='ups-rfc1628-writable'))])
    target = '127.0.0.1:%d' % sim.port
    first = probe_ok(conf, 'ups')
    assert first['ups_runtime']['value'] == 2520 and first['ups_source']['state'] == 'online'
    try:
        for oid, val in (('1.3.6.1.2.1.33.1.2.3.0', '7'), ('1.3.6.1.2.1.33.1.4.1.0', '5')):
            subprocess.run(['snmpset', '-v2c', '-c', 'ups-rfc1628-writable', target, oid, 'i', val],
                           check=True, capture_output=True)
        second = probe_ok(conf, 'ups')
        assert second['ups_runtime']['value'] == 420
        assert second['ups_source']['state'] == 'on_battery'
    finally:
        for oid, val in (('1.3.6.1.2.1.33.1.2.3.0', '42'), ('1.3.6.1.2.1.33.1.4.1.0', '3')):
            subprocess.run(['snmpset', '-v2c', '-c', 'ups-rfc1628-writable', target, oid, 'i', val],
                           capture_output=True)


def test_varying_probe(sim, tmp_path):
    conf = write_config(tmp_path, [device('p', 'probe-entity-sensor',
                                          snmp_block(sim.port, community='probe-entity-sensor-varying'))])
    # The sine moves ~0.02 degC/s: in tenths, a few probes a second apart may read alike.
    seen = set()
    deadline = time.monotonic() + 20
    while len(seen) < 2 and time.monotonic() < deadline:
        t = probe_ok(conf, 'p')['temperature']['value']
        assert 20.0 <= t <= 27.0
        seen.add(t)
        time.sleep(0.5)
    assert len(seen) > 1


# ------------------------------------------------------------------ tests: versions, credentials

@pytest.mark.parametrize('user,auth,priv', [('envmon-sha-aes', 'SHA', 'AES'), ('envmon-md5-des', 'MD5', 'DES')])
def test_v3_auth_priv_snmpsim(sim, tmp_path, user, auth, priv):
    snmp = snmp_block(sim.port, version='3', user=user, auth=auth, auth_pass=AUTH_PASS, priv=priv,
                      priv_pass=PRIV_PASS, context='ups-eaton-xups')
    conf = write_config(tmp_path, [device('eaton', 'ups-eaton-xups', snmp)])
    check_metrics(probe_ok(conf, 'eaton'), EXPECTED['ups-eaton-xups'], 'ups-eaton-xups')


def test_v3_noauth_snmpsim(sim, tmp_path):
    snmp = snmp_block(sim.port, version='3', user='envmon-noauth', context='probe-akcp')
    conf = write_config(tmp_path, [device('akcp', 'probe-akcp', snmp)])
    check_metrics(probe_ok(conf, 'akcp'), EXPECTED['probe-akcp'], 'probe-akcp')


def test_v3_and_v2c_snmpd(snmpd, tmp_path):
    v3 = snmp_block(snmpd.port, version='3', user='envmon-sha-aes', auth='SHA', auth_pass=AUTH_PASS,
                    priv='AES', priv_pass=PRIV_PASS)
    conf = write_config(tmp_path, [device('v3', 'ups-rfc1628', v3),
                                   device('v2', 'ups-rfc1628', snmp_block(snmpd.port, community='public'))])
    for name in ('v3', 'v2'):
        check_metrics(probe_ok(conf, name), EXPECTED['ups-rfc1628'], 'ups-rfc1628')


def answered_probe_s(tmp_path, port, community):
    """Wall time of a probe the agent answers at once: envmond's own start-up and one
    round trip on this machine, now (several seconds under ASan with other tests running)."""
    ref = tmp_path / 'reference'
    ref.mkdir()
    p = probe(write_config(ref, [device('ref', 'ups-rfc1628', snmp_block(port, community=community))]), 'ref')
    assert p.returncode == 0, p.stderr
    return p.elapsed


def assert_refused(p, message, waits_s, reference_s):
    """A refused probe: exit 1, the reason, no secret, and given up after the configured
    waits (timeout x tries) rather than Net-SNMP's defaults, measured against a probe
    the agent answered in the same test."""
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert message in p.stderr, p.stderr
    assert 'does not answer' in p.stderr
    assert p.elapsed < waits_s + reference_s + 0.5, (p.elapsed, reference_s)
    for secret in WRONG_SECRETS + (AUTH_PASS, PRIV_PASS):
        assert secret not in p.stdout and secret not in p.stderr
    out = json.loads(p.stdout)
    assert out['answered'] is False and out['metrics'] == []


def test_wrong_community_times_out(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(sim.port, community=WRONG_SECRETS[0]),
                                          timeout=400, retries=2)])
    p = probe(conf, 'ups')
    assert_refused(p, 'wrong community', 1.2, answered_probe_s(tmp_path, sim.port, 'ups-rfc1628'))
    assert p.elapsed >= 1.1


@pytest.mark.parametrize('field,message', [
    ('auth_pass', 'SNMPv3: Authentication failure'),
    ('user', 'SNMPv3: Unknown user name'),
    ('priv_pass', 'privacy pass phrase'),
])
def test_wrong_v3_credentials(snmpd, tmp_path, field, message):
    creds = dict(user='envmon-sha-aes', auth='SHA', auth_pass=AUTH_PASS, priv='AES', priv_pass=PRIV_PASS)
    creds[field] = {'auth_pass': WRONG_SECRETS[1], 'priv_pass': WRONG_SECRETS[2], 'user': 'nobody'}[field]
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(snmpd.port, version='3', **creds),
                                          timeout=500, retries=1)])
    assert_refused(probe(conf, 'ups'), message, 1.0, answered_probe_s(tmp_path, snmpd.port, 'public'))


def test_wrong_v3_auth_pass_snmpsim(sim, tmp_path):
    """snmpsim answers a bad digest with a report Net-SNMP cannot authenticate: the
    poll times out, and says why."""
    snmp = snmp_block(sim.port, version='3', user='envmon-sha-aes', auth='SHA', auth_pass=WRONG_SECRETS[1],
                      priv='AES', priv_pass=PRIV_PASS, context='ups-eaton-xups')
    conf = write_config(tmp_path, [device('eaton', 'ups-eaton-xups', snmp, timeout=500, retries=1)])
    assert_refused(probe(conf, 'eaton'), 'SNMPv3: the answers fail the security checks', 1.0,
                   answered_probe_s(tmp_path, sim.port, 'ups-rfc1628'))


# ------------------------------------------------------------------ tests: slow and mute agents

def test_slow_agent_within_timeout(slow_sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628',
                                          snmp_block(slow_sim.port, community='ups-rfc1628-slow'),
                                          timeout=3000, retries=0)])
    p = probe(conf, 'ups')
    assert p.returncode == 0, p.stderr
    assert p.elapsed >= 1.4
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    check_metrics(m, EXPECTED['ups-rfc1628'])


APC_FALLBACK = ('ups_charge', 'ups_load', 'total_load', 'input_voltage', 'input_frequency', 'output_voltage',
                'battery_temperature', 'battery_voltage')


def test_slow_fallback_round_has_its_own_timeout(slow_sim, tmp_path):
    """Main round and fallback round 1.2 s each, timeout 2 s: each round within its
    timeout, so every metric reads, from the OID actually read."""
    conf = write_config(tmp_path, [device('apc', 'ups-apc-powernet',
                                          snmp_block(slow_sim.port, community='ups-apc-basic-slow'),
                                          timeout=2000, retries=0)])
    p = probe(conf, 'apc')
    assert p.returncode == 0, p.stderr
    assert p.elapsed >= 2.3
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    want = dict(EXPECTED['ups-apc-powernet'], ups_charge=100, ups_load=35, total_load=35, input_voltage=230,
                input_frequency=50, output_voltage=230, battery_temperature=24, battery_voltage=54)
    check_metrics(m, want, absent=EXPECTED_ABSENT['ups-apc-powernet'])
    assert m['total_load']['source'] == '1.3.6.1.4.1.318.1.1.1.4.2.3.0'   # upsAdvOutputLoad
    assert m['ups_load']['source'] == '= total_load'
    assert m['ups_source']['source'] == '1.3.6.1.4.1.318.1.1.1.4.1.1.0'


def test_failed_fallback_is_an_error_not_absent(slow_sim, tmp_path):
    conf = write_config(tmp_path, [device('apc', 'ups-apc-powernet',
                                          snmp_block(slow_sim.port, community='ups-apc-basic-late-fallback'),
                                          timeout=1000, retries=0)])
    p = probe(conf, 'apc')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    for name in APC_FALLBACK:
        assert m[name]['status'] == 'error', m[name]
    assert m['ups_source']['state'] == 'online' and m['ups_runtime']['value'] == 2520
    for name in APC_FALLBACK:   # the phase tables of this single-phase unit are absent, rightly
        assert 'metric %s absent' % name not in p.stderr, p.stderr
    time.sleep(1.6)   # the agent still sleeps on the late answer: let the next test find it free


def test_mute_agent_times_out(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(sim.port, community='ups-rfc1628-mute'),
                                          timeout=500, retries=2)])
    p = probe(conf, 'ups')
    assert_refused(p, 'no answer within 3 x 500 ms', 1.5, answered_probe_s(tmp_path, sim.port, 'ups-rfc1628'))
    assert p.elapsed >= 1.4


def test_unknown_device(sim, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(sim.port, community='ups-rfc1628'))])
    p = probe(conf, 'nope')
    assert p.returncode == 64 and p.stderr.endswith("no device called 'nope' in %s; its devices: ups\n" % conf), p.stderr


# ------------------------------------------------------------------ tests: the running daemon

class Daemon:
    """envmond -f -d on conf: wait() reads its stderr until a line matches; stop() sends
    SIGTERM and returns the whole log (the daemon is killed if the test failed before)."""

    def __init__(self, conf):
        self.proc = subprocess.Popen([ENVMOND, '-f', '-d', '-c', conf], stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.lines = []

    def wait(self, pattern, timeout_s):
        deadline = time.monotonic() + timeout_s
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            self.lines.append(line)
            if rx.search(line):
                return line
        raise AssertionError('no line matching %r in:\n%s' % (pattern, ''.join(self.lines)))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        _, rest = self.proc.communicate(timeout=10)
        self.lines.append(rest)
        log = ''.join(self.lines)
        no_sanitizer_report(log)
        return log

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_daemon_polls_and_tracks_contact(sim, tmp_path):
    gone = Snmpd()
    try:
        devices = [device('ups-a', 'ups-rfc1628', snmp_block(sim.port, community='ups-rfc1628'), interval=5),
                   device('ups-b', 'ups-apc-powernet', snmp_block(sim.port, community='ups-apc-powernet'),
                          interval=5),
                   device('probe-c', 'probe-entity-sensor', snmp_block(sim.port, community='probe-entity-sensor'),
                          interval=5),
                   device('ups-gone', 'ups-rfc1628', snmp_block(gone.port, community='public'),
                          interval=5, timeout=500, retries=0, dead_time=1)]
        with Daemon(write_config(tmp_path, devices)) as d:
            seen = set()
            while len(seen) < 4:
                line = d.wait(r'(ups-a: ups_runtime status=0 raw=\S+ value=2520$|'
                              r'ups-b: ups_load status=0 raw=\S+ value=35.2$|'
                              r'probe-c: temperature status=0 raw=\S+ value=23.5$|'
                              r'ups-gone: ups_runtime status=0 raw=\S+ value=2520$)', 15)
                seen.add(re.search(r'debug: ([a-z-]+):', line).group(1))
            gone.stop()
            d.wait(r'ups-gone: contact lost after 1 polls', 20)
            gone.start()
            d.wait(r'ups-gone: answering again', 30)
            log = d.stop()
        assert d.proc.returncode == 0, log
        assert log.count('contact lost') == 1, log
        assert log.count('answering again') == 1, log
        assert log.count('warning: ups-gone: no answer') == 1, log   # rate-limited: once
        for name in ('ups-a', 'ups-b', 'probe-c'):
            assert '%s: no answer' % name not in log and '%s: contact' % name not in log
    finally:
        gone.cleanup()


def test_normal_pace_once_contact_returns(tmp_path):
    """An agent away for two polls, then back: the poll after its first answer comes
    one interval later, not after the backoff of the misses (up to 5 intervals)."""
    agent = Snmpd()
    try:
        conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(agent.port, community='public'),
                                              interval=5, timeout=500, retries=0, dead_time=1)])
        answer = r'ups: ups_runtime status=0 '
        with Daemon(conf) as d:
            d.wait(answer, 15)
            agent.stop()
            d.wait(r'ups: contact lost after 1 polls', 15)
            time.sleep(6)   # a second miss: the backoff doubles the delay
            agent.start()
            d.wait(answer, 30)
            first = time.monotonic()
            d.wait(answer, 30)
            gap = time.monotonic() - first
            log = d.stop()
        assert 4.5 < gap < 5.8, (gap, log)
        assert d.proc.returncode == 0, log
    finally:
        agent.cleanup()


@pytest.mark.parametrize('auth', ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'SHA256'])
def test_net_snmp_auth_spellings_accepted(tmp_path, auth):
    """auth = "SHA-256" as snmpd.conf and snmpget -a write it, besides "SHA256"."""
    snmp = snmp_block(161, version='3', user='u', auth=auth, auth_pass=AUTH_PASS, priv='AES',
                      priv_pass=PRIV_PASS)
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp)])
    p = subprocess.run([ENVMOND, '-t', '-c', conf], capture_output=True, text=True, timeout=30)
    no_sanitizer_report(p.stderr)
    assert p.returncode == 0, p.stderr
