"""Profiles with SNMP tables against snmpsim (tests/peers/snmprec): sensors found by
type at any index, every port of an 8-port probe with its online column, the three
phases of a UPS, read through `envmond --probe DEVICE --json`.

Run: ENVMOND_BUILDDIR=$PWD/_b /usr/bin/python3 -m pytest tests/system/test_profiles.py
"""


import pytest

from test_snmp import device, probe, probe_ok, snmp_block, snmpsim_serving, write_config

WANTED = ('probe-entity-sensor-multi', 'probe-akcp-8', 'probe-akcp', 'ups-rfc1628-3phase', 'ups-rfc1628')


@pytest.fixture(scope='module')
def agent(tmp_path_factory):
    yield from snmpsim_serving(tmp_path_factory, WANTED)


def instances(metric):
    return {i['index']: i for i in metric['instances']}


@pytest.mark.parametrize('version', ['1', '2c'])
def test_entity_sensor_found_by_type(agent, tmp_path, version):
    """Temperatures at 2 and 4, humidity at 3, a voltage at 1, an unplugged sensor at 5:
    GETNEXT (v1) and GETBULK (v2c) find the same instances."""
    # The shipped profile: no row is named like a switch's part, so "Inlet rack A" does
    # not leave the outlet out.
    conf = write_config(tmp_path, [device('p', 'probe-entity-sensor',
                                          snmp_block(agent.port, version=version,
                                                     community='probe-entity-sensor-multi'))])
    m = probe_ok(conf, 'p')
    t, h = instances(m['temperature']), instances(m['humidity'])
    assert sorted(t) == ['2', '4', '5'] and sorted(h) == ['3']
    assert t['2']['value'] == 24.5 and t['2']['label'] == 'Inlet rack A' and t['2']['unit'] == '°C'
    assert t['4']['value'] == 31 and t['4']['label'] == 'Outlet rack A'
    # Unplugged: status unavailable(2) and a raw 0 — unknown, not 0 °C.
    assert t['5']['status'] == 'invalid' and t['5']['value'] is None and t['5']['raw'] == 0
    # No entPhysicalName: entPhysicalDescr names it.
    assert h['3']['value'] == 41 and h['3']['label'] == 'Humidity sensor, rack A'
    assert m['temperature']['value'] == 31 and m['temperature']['instance'] == '4 Outlet rack A'
    assert m['humidity']['value'] == 41


def test_entity_sensor_probe_keeps_inlet_and_outlet(agent, tmp_path):
    """A rack probe's rows "Inlet rack A" and "Outlet rack A": no row is named like a part of a
    switch (ASIC, CPU, transceiver...), so prefer_pattern does not apply, both temperatures
    are read and the hottest judged; --probe says why. The same rows with a switch's ASIC
    row beside them: the inlet alone."""
    conf = write_config(tmp_path, [device('p', 'probe-entity-sensor',
                                          snmp_block(agent.port, community='probe-entity-sensor-multi'))])
    p = probe(conf, 'p')
    assert p.returncode == 0, p.stderr
    m = {x['name']: x for x in __import__('json').loads(p.stdout)['metrics']}
    assert sorted(instances(m['temperature'])) == ['2', '4', '5'] and m['temperature']['value'] == 31
    assert sorted(instances(m['humidity'])) == ['3']
    assert ('p: temperature: no row named like a part of a switch or router (prefer_when): '
            'all 3 rows kept') in p.stderr, p.stderr


def test_akcp_eight_ports_online_column(agent, tmp_path):
    conf = write_config(tmp_path, [device('akcp', 'probe-akcp', snmp_block(agent.port,
                                                                         community='probe-akcp-8'))])
    m = probe_ok(conf, 'akcp')
    t, h = instances(m['temperature']), instances(m['humidity'])
    assert sorted(t) == [str(p) for p in range(8)] and sorted(h) == [str(p) for p in range(8)]
    ok = {k: v['value'] for k, v in t.items() if v['status'] == 'ok'}
    assert ok == {'0': 21.8, '2': 23.1, '3': 34.6, '6': 19.9}
    for port in '1457':
        assert t[port]['status'] == 'invalid' and t[port]['value'] is None, t[port]
    assert {k: v['value'] for k, v in h.items() if v['status'] == 'ok'} == {'0': 45, '3': 38}
    assert m['temperature']['value'] == 34.6 and m['temperature']['instance'] == '3 Sortie baie A'
    assert t['0']['source'] == '1.3.6.1.4.1.3854.1.2.2.1.16.1.14.0'


def test_rfc1628_three_phases(agent, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(agent.port,
                                                                          community='ups-rfc1628-3phase'))])
    m = probe_ok(conf, 'ups')
    load = instances(m['ups_load'])
    assert {k: v['value'] for k, v in load.items()} == {'1': 24, '2': 18, '3': 28}
    assert m['ups_load']['value'] == 28 and m['ups_load']['instance'] == '3'
    assert {k: v['value'] for k, v in instances(m['input_voltage']).items()} == {'1': 231, '2': 226, '3': 233}
    assert m['input_voltage']['value'] == 226
    assert m['output_voltage']['value'] == 229
    assert m['input_frequency']['value'] == 50.0
    assert m['battery_voltage']['value'] == pytest.approx(408.0) and m['battery_voltage']['unit'] == 'V'
    assert m['seconds_on_battery']['value'] == 0 and m['ups_alarms']['value'] == 0


def test_rfc1628_single_phase_and_text(agent, tmp_path):
    conf = write_config(tmp_path, [device('ups', 'ups-rfc1628', snmp_block(agent.port,
                                                                          community='ups-rfc1628'))])
    m = probe_ok(conf, 'ups')
    assert sorted(instances(m['ups_load'])) == ['1'] and m['ups_load']['value'] == 35
    assert m['battery_voltage']['value'] == pytest.approx(54.6)
    text = probe(conf, 'ups', json_out=False)
    assert text.returncode == 0
    assert 'ups_load[1]' in text.stdout and '1.3.6.1.2.1.33.1.4.4.1.5.1' in text.stdout
