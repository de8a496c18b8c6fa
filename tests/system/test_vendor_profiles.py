"""Vendor profiles against recordings written from each vendor's MIB
(tests/peers/snmprec): Socomec NET VISION, Vertiv/Liebert GP, CyberPower, Eaton XUPS
battery alarms, APC PowerNet 3-phase and "not supported" answers, NetBotz on the old
5528 tree, APC memSensors in Fahrenheit; `profile = "auto"` and
`envmond --discover snmp://...` picking the profile of each recording.

Run: ENVMOND_BUILDDIR=$PWD/_b /usr/bin/python3 -m pytest tests/system/test_vendor_profiles.py
"""

import json
import os
import subprocess
import time

import pytest

from test_snmp import (ENVMOND, PROFILES, TOP, device, probe, probe_ok, profiles_without_prefer, snmp_block,
                       snmpsim_serving, write_config)

WANTED = {
    'ups-socomec-netvision': 'ups-socomec-netvision',
    'ups-liebert-gp': 'ups-liebert-gp',
    'ups-cyberpower': 'ups-cyberpower',
    'ups-eaton-xups-alarms': 'ups-eaton-xups',
    'ups-apc-powernet-3phase': 'ups-apc-powernet',
    'ups-apc-symmetra-3phase': 'ups-apc-powernet',
    'probe-eaton-emp-chain': 'probe-eaton-emp',
    'probe-netbotz-5528': 'probe-netbotz',
    'probe-apc-rackmon': 'probe-apc-rackmon',
    'probe-entity-sensor-multi': 'probe-entity-sensor',
    'probe-akcp-8': 'probe-akcp',
    'probe-cisco-entity-sensor': 'probe-cisco-entity-sensor',
    'ups-rfc1628-3phase': 'ups-rfc1628',
    # Cards whose sysObjectID no profile names: found by the subtree that answers.
    'ups-riello-netman204': 'ups-rfc1628',
    'ups-generex-cs141': 'ups-rfc1628',
    'ups-generex-cs121': 'ups-rfc1628',
    'probe-entity-sensor-bare': 'probe-entity-sensor',
    'probe-netbotz-unplugged': 'probe-netbotz',
    'probe-entity-sensor-switch': 'probe-entity-sensor',
    'probe-entity-sensor-cisco-switch': 'probe-entity-sensor',
}


@pytest.fixture(scope='module')
def agent(tmp_path_factory):
    yield from snmpsim_serving(tmp_path_factory, list(WANTED) + ['ups-rfc1628-entity', 'ups-socomec-netvision-onbattery',
                                                           'ups-liebert-gp-onbattery', 'probe-apc-iem',
                                                           'probe-apc-emu', 'ups-eaton-xups-low',
                                                           'ups-rfc1628-sentinels', 'probe-akcp-8-cold',
                                                           'ups-rfc1628-surge', 'ups-apc-powernet',
                                                           'probe-eaton-emp001'])


def read(agent, tmp_path, recording, profile=None):
    conf = write_config(tmp_path, [device('d', profile or WANTED[recording],
                                          snmp_block(agent.port, community=recording))])
    return probe_ok(conf, 'd')


def values(metric):
    return {i['index']: i['value'] for i in metric['instances']}


def test_socomec_netvision_tenths_and_phases(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-socomec-netvision')
    assert m['ups_source']['state'] == 'online' and m['ups_battery']['state'] == 'normal'
    assert m['ups_charge']['value'] == 97 and m['ups_runtime']['value'] == 42 * 60
    assert m['battery_voltage']['value'] == pytest.approx(408.5) and m['battery_voltage']['unit'] == 'V'
    assert m['battery_temperature']['value'] == pytest.approx(23.1)
    assert m['input_frequency']['value'] == pytest.approx(49.9)
    assert values(m['ups_load']) == {'1': 31, '2': 44, '3': 27} and m['ups_load']['value'] == 44
    vin = {i['index']: i for i in m['input_voltage']['instances']}
    assert vin['1']['value'] == pytest.approx(230.4) and vin['3']['status'] == 'invalid'
    assert m['input_voltage']['value'] == pytest.approx(228.1)
    assert m['output_voltage']['value'] == pytest.approx(229.7)


@pytest.mark.parametrize('recording', ['ups-socomec-netvision-onbattery', 'ups-liebert-gp-onbattery'])
def test_on_battery_from_the_battery_status(agent, tmp_path, recording):
    """Socomec's upsOutputSource still says on inverter, Liebert's output is not on bypass:
    the battery status (discharging) says the load is on battery."""
    m = read(agent, tmp_path, recording, recording.rsplit('-', 1)[0])
    assert m['ups_source']['state'] == 'on_battery', m['ups_source']
    assert m['seconds_on_battery']['value'] == 95


def test_liebert_gp_rows_chosen_by_point(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-liebert-gp')
    assert m['ups_source']['state'] == 'online'
    assert m['ups_battery']['state'] == 'normal' and m['ups_selftest']['state'] == 'passed'
    assert m['ups_charge']['value'] == 100 and m['ups_runtime']['value'] == 37 * 60
    # Point 2 is the input, point 1 the output: rows chosen by their point's OID.
    assert values(m['input_voltage']) == {'2.1': 233, '2.2': 228, '2.3': 236}
    assert values(m['output_voltage']) == {'1.1': 229, '1.2': 231, '1.3': 230}
    assert values(m['ups_load']) == {'1.1': 41, '1.2': 38, '1.3': 52} and m['ups_load']['value'] == 52
    assert m['input_frequency']['value'] == 50
    assert values(m['battery_voltage']) == {'2': 409}   # the battery point, not the DC bus


def test_cyberpower(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-cyberpower')
    assert m['ups_source']['state'] == 'online' and m['ups_replace_battery']['state'] == 'yes'
    assert m['ups_runtime']['value'] == 2640 and m['ups_charge']['value'] == 100
    assert m['battery_voltage']['value'] == pytest.approx(54.8)
    assert m['input_voltage']['value'] == pytest.approx(231.8) and m['output_voltage']['value'] == 230
    assert m['input_frequency']['value'] == 50 and m['ups_load']['value'] == 23
    assert m['battery_temperature']['value'] == 27 and m['ups_selftest']['state'] == 'passed'


def test_eaton_battery_alarms(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-eaton-xups-alarms')
    assert m['ups_replace_battery']['state'] == 'yes'          # xupsBatteryAged
    assert m['battery_failure']['state'] == 'no' and m['battery_missing']['state'] == 'no'
    assert m['battery_low']['state'] == 'no' and m['ups_battery']['state'] == 'fault'
    assert m['battery_voltage']['value'] == 220
    assert values(m['input_voltage']) == {'1': 232, '2': 229, '3': 235} and m['input_voltage']['value'] == 229
    assert m['output_voltage']['value'] == 226


def test_eaton_low_capacity_alarm_is_battery_low(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-eaton-xups-low', 'ups-eaton-xups')
    assert m['ups_source']['state'] == 'on_battery' and m['ups_battery']['state'] == 'low'
    assert m['battery_low']['state'] == 'yes' and m['ups_runtime']['value'] == 240


def test_powernet_not_supported_and_phases(agent, tmp_path):
    m = read(agent, tmp_path, 'ups-apc-powernet-3phase')
    # capacity 0 and temperature 255: "not supported", unknown, never a number.
    assert m['ups_charge']['status'] == 'invalid' and m['ups_charge']['value'] is None
    assert m['battery_temperature']['status'] == 'invalid' and m['battery_temperature']['value'] is None
    assert m['battery_voltage']['value'] == 218
    load = {i['index']: i for i in m['ups_load']['instances']}
    assert load['1.1']['value'] == 33 and load['1.2']['value'] == 41 and load['1.3']['status'] == 'invalid'
    assert m['ups_load']['value'] == 41 and m['ups_load']['instance'] == '1.2'
    assert m['phase_in_voltage']['value'] == 229 and m['phase_out_voltage']['value'] == 229
    assert m['total_load']['value'] == 36 and m['ups_runtime']['value'] == 1980


def test_powernet_three_phases_judged_by_the_most_loaded(agent, tmp_path):
    """A Symmetra PX whose phases carry 24/18/28 % and whose total is 23.3 %: ups_load is
    the phase table's, 28 % on phase 3 (rows 1.1.N as cards index them)."""
    m = read(agent, tmp_path, 'ups-apc-symmetra-3phase')
    assert values(m['ups_load']) == {'1.1.1': 24, '1.1.2': 18, '1.1.3': 28}
    assert m['ups_load']['value'] == 28 and m['ups_load']['instance'] == '1.1.3'
    assert m['ups_load']['source'] == '1.3.6.1.4.1.318.1.1.1.9.3.3.1.10.*'
    assert m['total_load']['value'] == pytest.approx(23.3)
    assert values(m['phase_in_voltage']) == {'1.1.1': 231, '1.1.2': 229, '1.1.3': 232}
    assert m['phase_out_voltage']['value'] == 229 and m['ups_charge']['value'] == 100


def test_powernet_single_phase_reads_its_total_load(agent, tmp_path):
    """A Smart-UPS without a phase table: ups_load is its upsHighPrecOutputLoad, 35.2 %,
    without an instance, and no 'absent' complaint for the table."""
    conf = write_config(tmp_path, [device('d', 'ups-apc-powernet', snmp_block(agent.port, community='ups-apc-powernet'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert m['ups_load']['value'] == pytest.approx(35.2) and m['ups_load']['status'] == 'ok'
    assert m['ups_load']['instances'] == [] and m['ups_load']['instance'] is None
    assert m['ups_load']['source'] == '= total_load'
    assert m['total_load']['source'] == '1.3.6.1.4.1.318.1.1.1.4.3.3.0'
    assert 'metric ups_load absent' not in p.stderr, p.stderr
    text = probe(conf, 'd', json_out=False).stdout
    row = [l for l in text.splitlines() if l.startswith('ups_load ')][0]
    assert '= total_load' in row and '35.2' in row, row


def test_eaton_emp_every_probe_in_fahrenheit(agent, tmp_path):
    """Four EMP002 on one card set to Fahrenheit: every probe an instance named by its
    sensorName, converted (72.5/80.6/69.8 degF = 22.5/27.0/21.0 degC), the hottest judged;
    probe 4, communication lost, unknown (never 0 degF = -17.8 degC)."""
    m = read(agent, tmp_path, 'probe-eaton-emp-chain')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert sorted(t) == ['1.1', '2.1', '3.1', '4.1']
    assert t['1.1']['value'] == pytest.approx(22.5) and t['2.1']['value'] == pytest.approx(27.0)
    assert t['3.1']['value'] == pytest.approx(21.0) and t['1.1']['label'] == 'EMP baie A'
    assert t['4.1']['status'] == 'invalid' and t['4.1']['value'] is None and t['4.1']['label'] == 'EMP baie C'
    assert m['temperature']['value'] == pytest.approx(27.0) and m['temperature']['instance'] == '2.1 EMP baie B'
    assert m['temperature']['unit'] == '°C'
    h = {i['index']: i for i in m['humidity']['instances']}
    assert {k: v['value'] for k, v in h.items() if v['status'] == 'ok'} == {
        '1.1': pytest.approx(41.2), '2.1': pytest.approx(38.8), '3.1': pytest.approx(45.5)}
    assert h['4.1']['status'] == 'invalid'
    assert m['remote_temperature']['status'] == 'absent'


def test_eaton_emp001_on_xups(agent, tmp_path):
    """The older EMP001 (XUPS-MIB xupsEnvRemoteTemp/Humidity, no sensor table): read through
    fallback_metric, not the UPS's own ambient temperature."""
    m = read(agent, tmp_path, 'probe-eaton-emp001', 'probe-eaton-emp')
    assert m['temperature']['value'] == 23 and m['temperature']['source'] == '= remote_temperature'
    assert m['humidity']['value'] == 47 and m['temperature']['instances'] == []


def test_netbotz_old_tree(agent, tmp_path):
    m = read(agent, tmp_path, 'probe-netbotz-5528')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert t['1095346743']['value'] == pytest.approx(21.8) and t['1095346743']['label'] == 'Inlet rack B'
    assert t['2']['value'] == pytest.approx(34.7)      # a warning threshold: still a good value
    assert t['7']['status'] == 'invalid' and t['7']['value'] is None
    assert m['temperature']['value'] == pytest.approx(34.7)
    assert values(m['humidity']) == {'2': pytest.approx(38.5)}


def test_netbotz_unplugged_ports_are_no_sensors(agent, tmp_path):
    """NetBotz 450: rows indexed by hashes, unplugged ports answer 0 with an empty value
    text: they are not read as 0 degC / 0 %RH, not instances at all."""
    m = read(agent, tmp_path, 'probe-netbotz-unplugged')
    assert values(m['temperature']) == {'636159851': pytest.approx(25.2), '1619732064': pytest.approx(21.6),
                                        '2628357572': pytest.approx(22.2)}
    assert m['temperature']['value'] == pytest.approx(25.2)
    assert m['temperature']['instance'] == '636159851 Sortie baie C'
    assert values(m['humidity']) == {'3273299739': 32}


def test_apc_rackmon_fahrenheit(agent, tmp_path):
    m = read(agent, tmp_path, 'probe-apc-rackmon')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert t['0.1']['value'] == pytest.approx(25.0) and t['0.1']['unit'] == '°C'
    assert t['0.2']['value'] == pytest.approx(35.0) and t['0.2']['label'] == 'Outlet rack C'
    assert t['0.3']['status'] == 'invalid'
    h = {i['index']: i for i in m['humidity']['instances']}
    assert h['0.1']['value'] == 45 and h['0.2']['status'] == 'invalid'


def test_cisco_entity_sensor_by_type(agent, tmp_path):
    m = read(agent, tmp_path, 'probe-cisco-entity-sensor')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert sorted(t) == ['2', '4', '5'] and t['2']['value'] == 24.5 and t['4']['value'] == 31
    assert t['5']['status'] == 'invalid' and t['2']['label'] == 'Inlet rack A'
    assert values(m['humidity']) == {'3': 41}


def test_apc_emu_probes(agent, tmp_path):
    m = read(agent, tmp_path, 'probe-apc-emu', 'probe-apc-rackmon')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert t['1']['value'] == 22 and t['1']['label'] == 'Entree baie D' and t['2']['value'] == 33
    assert t['3']['status'] == 'invalid' and t['3']['value'] is None
    h = {i['index']: i for i in m['humidity']['instances']}
    assert h['1']['value'] == 48 and h['2']['status'] == 'invalid'
    assert m['temperature']['value'] == 33 and m['temperature']['instance'] == '2 Sortie baie D'


def test_apc_iem_probes(agent, tmp_path):
    """A card without the universal I/O table: its integrated environmental monitor."""
    m = read(agent, tmp_path, 'probe-apc-iem', 'probe-apc-uio')
    t = {i['index']: i for i in m['temperature']['instances']}
    assert t['1']['value'] == 24 and t['1']['label'] == 'Salle serveurs'
    assert t['2']['value'] == pytest.approx(27.78, abs=0.01)       # 82 °F
    assert t['3']['status'] == 'invalid' and t['3']['value'] is None
    h = {i['index']: i for i in m['humidity']['instances']}
    assert h['1']['value'] == 45 and h['2']['status'] == 'invalid'
    assert m['temperature']['value'] == pytest.approx(27.78, abs=0.01)


@pytest.mark.parametrize('recording', sorted(WANTED))
def test_auto_profile(agent, tmp_path, recording):
    """profile = "auto" reads each recording with the profile written for it."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community=recording))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    assert 'profile "%s" detected' % WANTED[recording] in p.stderr


@pytest.mark.parametrize('recording', ['ups-socomec-netvision', 'probe-apc-rackmon', 'ups-liebert-gp',
                                       'ups-riello-netman204', 'ups-generex-cs141', 'ups-generex-cs121',
                                       'probe-entity-sensor-bare'])
def test_discover_proposes_the_profile(agent, tmp_path, recording):
    conf = write_config(tmp_path, [])
    p = subprocess.run([ENVMOND, '-c', conf, '--discover', 'snmp://%s@127.0.0.1:%d' % (recording, agent.port)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert 'Profile %s (' % WANTED[recording] in p.stdout
    best = [l for l in p.stdout.splitlines() if '[best]' in l]
    assert len(best) == 1 and WANTED[recording] in best[0], p.stdout
    assert 'profile = "%s"' % WANTED[recording] in p.stdout
    assert recording not in p.stdout.replace('profile = "%s"' % WANTED[recording], '').split('sysObjectID')[0]


@pytest.mark.parametrize('profile, want', [('auto', 'ups-rfc1628'), ('auto:ups', 'ups-rfc1628'),
                                           ('auto:probe', 'probe-entity-sensor')])
def test_auto_kind_on_a_card_answering_two_mibs(agent, tmp_path, profile, want):
    conf = write_config(tmp_path, [device('d', profile, snmp_block(agent.port, community='ups-rfc1628-entity'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    assert 'profile "%s" detected' % want in p.stderr


def test_auto_unreachable_is_a_config_error(tmp_path):
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(9, community='x'), timeout=200, retries=0)])
    p = subprocess.run([ENVMOND, '-c', conf, '-t'], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert 'no profile detected' in p.stderr and 'envmond.conf:' in p.stderr


def rack_daemon(agent, tmp_path, community, ups=False, specs='', profile='auto'):
    """envmond watching rack baie-A through an AKCP probe (profile "auto") on recording
    community, or fed by that UPS if ups, mailing in French to an aiosmtpd catcher:
    (daemon, catcher, state dir)."""
    from test_mail import Catcher, Daemon, free_port
    locale = tmp_path / 'locale'
    (locale / 'fr' / 'LC_MESSAGES').mkdir(parents=True)
    subprocess.run(['msgfmt', '-o', str(locale / 'fr' / 'LC_MESSAGES' / 'envmond.mo'),
                    os.path.join(TOP, 'po', 'fr.po')], check=True)
    catcher = Catcher(tmp_path, free_port())
    state = tmp_path / 'state'
    state.mkdir()
    conf = tmp_path / 'envmond.conf'
    conf.write_text('''
site = { name = "Tribunal de test"; code = "TJ-TST"; contacts = { arsit = [ "arsit@example.org" ]; }; };
paths = { state_dir = "%s"; profiles_dir = "%s"; pid_file = "%s/envmond.pid"; control_socket = "%s/envmond.sock"; };
daemon = { allow_root = true; };
storage = { step = 5; };
devices = ( { name = "%s"; profile = "%s"; interval = 5; timeout = 1000; retries = 1;
              snmp = { host = "127.0.0.1"; port = %d; version = "2c"; community = "%s"; }; } );
racks = ( { name = "baie-A"; %s servers = ( { name = "srv-comci"; role = "comci"; %s } ); } );
specs = { default = { temperature = { hold = 0; clear_hold = 0; }; input_voltage = { hold = 0; clear_hold = 0; }; %s }; };
mail = { server = "127.0.0.1"; port = %d; tls = "none"; lang = "fr"; from = "envmond <envmond@example.org>"; };
''' % (state, PROFILES, tmp_path, tmp_path, 'onduleur' if ups else 'akcp', profile, agent.port, community,
       '' if ups else 'probes = [ "akcp" ];', 'ups = [ "onduleur" ];' if ups else '', specs, catcher.port))
    try:
        return Daemon(conf, locale, tmp_path), catcher, state
    except BaseException:
        catcher.stop()
        raise


def first_mail(d, catcher):
    """The body of the first mail the daemon sends (within 60 s); stops both."""
    try:
        msgs = catcher.wait(1, 60)
    finally:
        d.stop()
        catcher.stop()
    assert msgs, 'no mail'
    return msgs[0][1].get_content()


def test_alert_mail_names_the_sensor(agent, tmp_path):
    """A rack watched by an 8-port AKCP probe (profile "auto"): port 3 reads 34.6 °C, beyond
    the critical 32 °C. The mail names the probe and the port, with the label the device
    gives it; a reload asks the device again and polling goes on."""
    from test_mail import envmonctl
    d, catcher, state = rack_daemon(agent, tmp_path, 'probe-akcp-8')
    try:
        msgs = catcher.wait(1, 60)
        # envmonctl status names the instance too, in JSON and in its table.
        st = envmonctl(tmp_path, 'status', '--json')
        assert st.returncode == 0, st.stderr
        dev = [x for x in json.loads(st.stdout)['devices'] if x['name'] == 'akcp'][0]
        temp = [x for x in dev['readings'] if x['metric'] == 'temperature'][0]
        assert temp['value'] == pytest.approx(34.6) and temp['instance'] == '3 Sortie baie A'
        text = envmonctl(tmp_path, 'status')
        assert '[3 Sortie baie A]' in text.stdout, text.stdout
        # profile = "auto" is asked again at a reload, while the daemon polls: polling goes on.
        polls = dev['polls']
        assert envmonctl(tmp_path, 'reload').returncode == 0
        deadline = time.time() + 30
        while time.time() < deadline:
            st = json.loads(envmonctl(tmp_path, 'status', '--json').stdout)
            dev = [x for x in st['devices'] if x['name'] == 'akcp'][0]
            if dev['polls'] > polls and dev['answers'] > 0 and dev['state'] == 'ok':
                break
            time.sleep(0.5)
        assert dev['polls'] > polls and dev['state'] == 'ok', dev
    finally:
        d.stop()
        catcher.stop()
    assert msgs, 'no mail'
    body = msgs[0][1].get_content()
    assert 'Capteur : akcp, sonde 3 « Sortie baie A »' in body, body
    assert '34,6 °C' in body
    # The readings around it (issue 18.3) name the sensor that gave the aggregate too.
    assert '  - akcp : température 34,6 °C (sonde 3 « Sortie baie A »)' in body, body
    # One RRD file per instance beside the device's own (which keeps the aggregate).
    rrd = state / 'rrd'
    assert (rrd / 'akcp.rrd').exists()
    last = subprocess.run(['rrdtool', 'lastupdate', str(rrd / 'akcp~temperature~3.rrd')],
                          capture_output=True, text=True)
    assert last.returncode == 0 and 'temperature' in last.stdout, last.stderr
    assert float(last.stdout.split()[-1]) == pytest.approx(34.6)
    offline = subprocess.run(['rrdtool', 'lastupdate', str(rrd / 'akcp~temperature~1.rrd')],
                             capture_output=True, text=True)
    assert offline.stdout.split()[-1] == 'U'   # an offline port is unknown, never 0


def test_riello_netman204_three_phases_no_battery_probe(agent, tmp_path):
    """Riello behind a NetMan 204 (sysObjectID under 5491, known to no profile), read
    through UPS-MIB: every phase, battery voltage in tenths, no battery temperature."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='ups-riello-netman204'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert m['ups_source']['state'] == 'online' and m['ups_battery']['state'] == 'normal'
    assert m['ups_charge']['value'] == 100 and m['ups_runtime']['value'] == 27 * 60
    assert values(m['ups_load']) == {'1': 37, '2': 52, '3': 44} and m['ups_load']['value'] == 52
    assert m['ups_load']['instance'] == '2'
    assert values(m['input_voltage']) == {'1': 229, '2': 231, '3': 230} and m['input_voltage']['value'] == 229
    assert m['input_frequency']['value'] == pytest.approx(49.9) and m['input_frequency']['unit'] == 'Hz'
    assert values(m['output_voltage']) == {'1': 230, '2': 230, '3': 229}
    assert m['battery_voltage']['value'] == pytest.approx(438.0) and m['battery_voltage']['unit'] == 'V'
    assert m['ups_selftest']['state'] == 'none'
    # The card has no battery probe: absent, with a message, never a number.
    assert m['battery_temperature']['status'] == 'absent' and m['battery_temperature']['value'] is None
    assert 'metric battery_temperature absent: the device answers noSuchInstance' in p.stderr
    text = probe(conf, 'd', json_out=False)
    row = [l for l in text.stdout.splitlines() if l.startswith('battery_temperature')][0]
    assert 'absent (the device does not have it)' in row and ' 0 ' not in row, row


def test_generex_cs141_zero_means_not_reported(agent, tmp_path):
    """Generex CS141 (sysObjectID 1.3.6.1.4.1.3181.10.6): UPS-MIB with 0 where the UPS
    reports nothing. Its battery temperature 0 is unknown, never 0 degC."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='ups-generex-cs141'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    assert 'profile "ups-rfc1628" detected' in p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert m['ups_source']['state'] == 'online' and m['ups_runtime']['value'] == 64 * 60
    assert m['ups_load']['value'] == 31 and values(m['ups_load']) == {'1': 31}
    assert m['input_voltage']['value'] == 233 and m['input_frequency']['value'] == pytest.approx(49.9)
    assert m['output_voltage']['value'] == 230 and m['battery_voltage']['value'] == pytest.approx(81.6)
    assert m['battery_temperature']['status'] == 'invalid' and m['battery_temperature']['value'] is None
    assert m['ups_selftest']['state'] == 'passed'


def test_not_supported_numbers_are_unknown(agent, tmp_path):
    """-1 and 2147483647 outside the MIB's range (valid = [ MIN, MAX ]) are unknown; the
    UPS is as loaded as its most loaded phase that answers a load."""
    m = read(agent, tmp_path, 'ups-rfc1628-sentinels', 'ups-rfc1628')
    assert m['ups_charge']['status'] == 'invalid' and m['ups_charge']['value'] is None
    assert m['ups_charge']['raw'] == -1
    assert m['battery_temperature']['status'] == 'invalid' and m['battery_temperature']['raw'] == 2147483647
    load = {i['index']: i for i in m['ups_load']['instances']}
    assert load['2']['status'] == 'invalid' and load['2']['value'] is None
    assert m['ups_load']['value'] == 28 and m['ups_load']['instance'] == '3'


def test_entity_sensor_without_scale_columns(agent, tmp_path):
    """Three ENTITY-SENSOR rows, temperatures at 2 and 4, humidity at 3, no scale or
    precision column and no ENTITY-MIB: two temperature instances and one humidity, by
    profile = "auto"; no temperature ever read as a humidity."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='probe-entity-sensor-bare'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    assert 'profile "probe-entity-sensor" detected' in p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert values(m['temperature']) == {'2': 23, '4': 29} and m['temperature']['value'] == 29
    assert values(m['humidity']) == {'3': 45} and m['humidity']['value'] == 45
    assert m['temperature']['unit'] == '°C' and m['humidity']['unit'] == '%'
    assert all(i['status'] == 'ok' for i in m['temperature']['instances'] + m['humidity']['instances'])


def test_valid_range_errors_name_file_and_line(tmp_path):
    profiles = tmp_path / 'profiles'
    profiles.mkdir()
    (profiles / 'bad.conf').write_text('''profile = { name = "bad"; kind = "ups"; protocol = "snmp";
  metrics = (
    { name = "ups_charge"; oid = "1.3.6.1.2.1.33.1.2.4.0"; unit = "%";
      valid = [ 100, 0 ]; },
    { name = "ups_load"; oid = "1.3.6.1.2.1.33.1.4.4.1.5.1"; unit = "%";
      valid = [ 0 ]; }
  ); };
''')
    conf = write_config(tmp_path, [])
    conf_text = open(conf).read().replace('profiles_dir = "%s"' % PROFILES, 'profiles_dir = "%s"' % profiles)
    open(conf, 'w').write(conf_text)
    p = subprocess.run([ENVMOND, '-c', conf, '-t'], capture_output=True, text=True, timeout=60)
    assert p.returncode == 78, p.stderr
    assert "bad.conf:4: 'valid' must be [ MIN, MAX ]" in p.stderr, p.stderr
    assert "bad.conf:6: 'valid' must be [ MIN, MAX ]" in p.stderr, p.stderr


def test_alert_mail_names_the_cold_sensor(agent, tmp_path):
    """The envelope has a lower bound: an 8-port probe whose hottest port reads 24.2 °C
    but whose port 6 reads 12.4 °C (below the critical 15 °C) raises an alert, and the
    mail names port 6 and its reading, not the hottest port's."""
    body = first_mail(*rack_daemon(agent, tmp_path, 'probe-akcp-8-cold')[:2])
    assert 'Capteur : akcp, sonde 6 « Couloir »' in body, body
    assert 'température 12,4 °C (min 15 °C)' in body, body


def test_alert_mail_names_the_phase(agent, tmp_path):
    """A three-phase UPS whose input line 2 reads 266 V (critical above 264 V) while the
    lowest line reads 231 V: the alert names line 2 as a phase."""
    body = first_mail(*rack_daemon(agent, tmp_path, 'ups-rfc1628-surge', ups=True)[:2])
    assert 'Capteur : onduleur, phase 2' in body and '266 V' in body, body


def test_netbotz_sensor_unplugged_after_the_walk(tmp_path_factory, tmp_path):
    """A NetBotz sensor unplugged while envmond runs (its value text turns empty, its value
    0): the next poll reads it unknown, not 0 degC (which is below the critical 15 degC and
    would raise an alert), long before the hourly walk; the other sensor gives the value."""
    from test_mail import envmonctl
    agent = snmpsim_serving(tmp_path_factory, ['probe-netbotz-writable'])
    sim = next(agent)
    try:
        d, catcher, state = rack_daemon(sim, tmp_path, 'probe-netbotz-writable')
        try:
            def temperature():
                st = envmonctl(tmp_path, 'status', '--json')
                if st.returncode != 0:     # not listening yet
                    return {}
                dev = [x for x in json.loads(st.stdout)['devices'] if x['name'] == 'akcp'][0]
                return ([x for x in dev['readings'] if x['metric'] == 'temperature'] or [{}])[0]
            deadline = time.time() + 30
            while time.time() < deadline and temperature().get('instance') != '2231587019 Sortie baie E':
                time.sleep(0.5)
            assert temperature()['value'] == pytest.approx(26.4), temperature()
            target = '127.0.0.1:%d' % sim.port
            col = '1.3.6.1.4.1.52674.500.4.1.1.1.%d.2231587019'
            subprocess.run(['snmpset', '-v2c', '-c', 'probe-netbotz-writable', target, col % 7, 's', '',
                            col % 2, 'i', '0'], check=True, capture_output=True, timeout=30)
            deadline = time.time() + 20   # the debug line of the poll that saw it
            log = tmp_path / 'envmond.err'
            while time.time() < deadline and 'row 2231587019 is no longer selected' not in log.read_text():
                time.sleep(0.5)
            now = temperature()
            assert now['value'] == pytest.approx(22.9) and now['instance'] == '1377094322 Entree baie E', now
            time.sleep(6)    # one more poll: still unknown, never 0
            mails = catcher.messages()
        finally:
            d.stop()
            catcher.stop()
    finally:
        next(agent, None)
    assert mails == [], [m[1].get_content() for m in mails]
    last = subprocess.run(['rrdtool', 'lastupdate', str(state / 'rrd' / 'akcp~temperature~2231587019.rrd')],
                          capture_output=True, text=True)
    assert last.returncode == 0 and last.stdout.split()[-1] == 'U', last.stdout


def test_alert_mail_names_the_most_loaded_phase(agent, tmp_path):
    """A Symmetra PX at 24/18/28 % per phase, 23.3 % in total, with a load warning above
    25 %: judged at 28 %, the alert names phase 3 (not the total, not "1.1.3")."""
    body = first_mail(*rack_daemon(agent, tmp_path, 'ups-apc-symmetra-3phase', ups=True,
                                   specs='ups_load = { warn_above = 25.0; hold = 0; clear_hold = 0; };')[:2])
    assert 'Capteur : onduleur, phase 3' in body, body
    assert '28 %' in body and '23,3' not in body, body


def test_entity_sensor_switch_reads_its_inlets_only(agent, tmp_path):
    """A switch stack's ASIC (65 degC), CPU, outlet and SFP rows are not the rack's inlet: the
    two rows named "Inlet Temp Sensor" are, the hottest judged; --probe and --discover say
    which rows were kept and why."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port,
                                                                  community='probe-entity-sensor-cisco-switch'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert values(m['temperature']) == {'1008': 24, '2008': 26}
    assert m['temperature']['value'] == 26 and m['temperature']['instance'] == '2008 Switch 2 - Inlet Temp Sensor'
    note = ('d: temperature: 2 of 6 rows kept, named like "*inlet*", "*intake*", "*ambient*": '
            '1008 "Switch 1 - Inlet Temp Sensor", 2008 "Switch 2 - Inlet Temp Sensor"')
    assert note in p.stderr, p.stderr
    d = subprocess.run([ENVMOND, '-c', write_config(tmp_path, []), '--discover',
                        'snmp://probe-entity-sensor-cisco-switch@127.0.0.1:%d' % agent.port],
                       capture_output=True, text=True, timeout=120)
    assert d.returncode == 0, d.stderr
    assert 'temperature: 2 of 6 rows kept, named like' in d.stdout + d.stderr
    assert '[best]' in d.stdout and 'probe-entity-sensor' in [l for l in d.stdout.splitlines() if '[best]' in l][0]


def test_entity_sensor_unnamed_rows_all_read(agent, tmp_path):
    """Three unnamed rows, temperatures at 2 and 4, humidity at 3 (the harness's probe): two
    temperature instances and one humidity, and --probe says why no row was left out."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='probe-entity-sensor-bare'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert values(m['temperature']) == {'2': 23, '4': 29} and values(m['humidity']) == {'3': 45}
    assert m['temperature']['value'] == 29
    assert ('d: temperature: no row named like a part of a switch or router (prefer_when): '
            'all 2 rows kept') in p.stderr, p.stderr


def test_entity_sensor_switch_types_scales_and_absent_humidity(agent, tmp_path):
    """A switch: volts, fans and dBm rows left out, temperatures in units/tenths/milli
    read right, an unavailable one unknown; no humidity row: absent, never a number.
    The shipped profile keeps the "Chassis inlet" row only; a site profile without
    prefer_pattern reads every celsius row."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='probe-entity-sensor-switch'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert values(m['temperature']) == {'1001': pytest.approx(41.2)}
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='probe-entity-sensor-switch'))],
                        profiles_without_prefer(tmp_path))
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    t = {i['index']: i for i in m['temperature']['instances']}
    assert sorted(t) == ['1001', '1002', '1003', '200014']
    assert t['1001']['value'] == pytest.approx(41.2) and t['1002']['value'] == pytest.approx(36.5)
    assert t['200014']['value'] == 33 and t['1003']['status'] == 'invalid' and t['1003']['value'] is None
    assert m['humidity']['status'] == 'absent' and m['humidity']['value'] is None
    assert m['humidity']['instances'] == []
    assert 'metric humidity absent: no row of the table' in p.stderr
    text = probe(conf, 'd', json_out=False).stdout
    row = [l for l in text.splitlines() if l.startswith('humidity ')][0]
    assert row.rstrip().endswith('absent (the device does not have it)'), row


def test_generex_cs121_scalars_without_instance(agent, tmp_path):
    """A CS121 publishes UPS-MIB scalars without .0: detected by the exact GET probe and
    read through each scalar's fallback OID; the tables keep their line index."""
    conf = write_config(tmp_path, [device('d', 'auto', snmp_block(agent.port, community='ups-generex-cs121'))])
    p = probe(conf, 'd')
    assert p.returncode == 0, p.stderr
    assert 'profile "ups-rfc1628" detected' in p.stderr
    m = {x['name']: x for x in json.loads(p.stdout)['metrics']}
    assert m['ups_source']['state'] == 'online' and m['ups_battery']['state'] == 'normal'
    assert m['ups_charge']['value'] == 100 and m['ups_runtime']['value'] == 64 * 60
    assert m['battery_temperature']['value'] == 21 and m['battery_voltage']['value'] == pytest.approx(81.6)
    assert m['ups_selftest']['state'] == 'passed' and m['ups_load']['value'] == 31
    assert m['ups_source']['source'] == '1.3.6.1.2.1.33.1.4.1'
