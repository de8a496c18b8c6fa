"""Fault case 5: device faults — an SNMP agent that never answers (timeout), one that
answers noSuchObject, one whose values are garbage (text where a number is due, a
400-digit number, an Opaque double +inf), a Modbus probe answering exceptions, a
simulated probe reading NaN: no crash, a contact-loss incident for the silent device
(dead_time = 2 polls), no reading of +inf or garbage taken as valid, and a healthy
probe polled at its cadence all along."""

import math
import shutil
import time

from faultlib import Daemon, Site, SIM, account_disk, sanitizer_errors, wait_until
from peerlib import SNMPREC_DIR

RUN_S = 25
SNMP = ('{ name = "%s"; profile = "ups-rfc1628"; interval = 5; timeout = 1000; retries = 0; '
        'dead_time = 2; snmp = { host = "127.0.0.1"; port = %d; version = "2c"; '
        'community = "%s"; }; }')
MODBUS = ('{ name = "%s"; profile = "probe-xy-md02"; interval = 5; timeout = 1000; dead_time = 2; '
          'modbus = { host = "127.0.0.1"; port = %d; unit = 1; }; }')

GARBAGE = {
    '1.3.6.1.2.1.33.1.2.7.0': '4|not a number',                       # battery temperature
    '1.3.6.1.2.1.33.1.2.3.0': '4|' + '9' * 400,                         # runtime, 400 digits
    '1.3.6.1.2.1.33.1.2.4.0': '68x|9f78047f800000',                     # charge: Opaque float +inf
    '1.3.6.1.2.1.33.1.4.4.1.5.1': '68x|9f79087ff0000000000000',         # load: Opaque double +inf
}


def garbage_recordings(tmp_path):
    d = tmp_path / 'snmprec'
    shutil.copytree(SNMPREC_DIR, d)
    lines = []
    for line in (SNMPREC_DIR / 'ups-rfc1628.snmprec').read_text().splitlines():
        oid = line.split('|', 1)[0]
        lines.append('%s|%s' % (oid, GARBAGE[oid]) if oid in GARBAGE else line)
    (d / 'ups-garbage.snmprec').write_text('\n'.join(lines) + '\n')
    return d


def test_device_faults(tmp_path, figures, snmpsim_agent, modbus_tcp_server):
    agent = snmpsim_agent(garbage_recordings(tmp_path))
    modbus = modbus_tcp_server('xy-md02')
    modbus.control('fail 1 input 0 16 2')               # illegal data address, every read
    site = Site(tmp_path / 'site')
    ok = site.scenario('ok.scn', 'temperature = 22\nhumidity = 40\n')
    nan = site.scenario('nan.scn', 'temperature = invalid\nhumidity = 40\n')
    devices = [SIM % ('sonde-ok', 'sim-probe', 2, ok), SIM % ('sonde-nan', 'sim-probe', 2, nan),
               SNMP % ('ups-mute', agent.port, 'ups-rfc1628-mute'),
               SNMP % ('ups-partial', agent.port, 'ups-rfc1628-partial'),
               SNMP % ('ups-garbage', agent.port, 'ups-garbage'),
               MODBUS % ('sonde-mb', modbus.port)]
    figures['faults'] = 5
    site.write_config(devices, [
        '{ name = "baie-A"; probes = [ "sonde-ok" ]; servers = ( { name = "srv-a"; role = "comci"; '
        'ups = [ "ups-mute", "ups-partial", "ups-garbage" ]; } ); }',
        '{ name = "baie-B"; probes = [ "sonde-nan", "sonde-mb" ]; '
        'servers = ( { name = "srv-b"; role = "comci"; } ); }'])
    d = Daemon(site).start()
    try:
        t0 = time.monotonic()
        first = d.status()
        answers0 = [x for x in first['devices'] if x['name'] == 'sonde-ok'][0]['answers']
        contact = lambda: [r for r in site.journal()[0] if r.get('type') == 'open' and  # noqa: E731
                           r.get('criterion') == 'contact']
        wait_until(lambda: not d.running() or contact(), RUN_S, 'a contact-loss incident')
        time.sleep(max(0, RUN_S - (time.monotonic() - t0)))
        assert d.running(), d.log()[-3000:]
        st = d.status()
        elapsed = time.monotonic() - t0
        rc, log = d.stop()
    finally:
        if d.running():
            d.kill9()
    problems = account_disk(figures, site)
    assert not sanitizer_errors(log), log
    assert rc == 0, log[-3000:]
    by_name = {x['name']: x for x in st['devices']}
    # The healthy probe kept its cadence (interval 5 s) next to the faulty devices.
    polled = by_name['sonde-ok']['answers'] - answers0
    assert polled >= int(elapsed / 5) - 1, (polled, elapsed)
    # The silent agent lost contact; the ones that answer did not.
    lost = {r.get('device') for r in contact()}
    assert 'ups-mute' in lost, (lost, [r for r in site.journal()[0] if r.get('type') == 'open'])
    assert not lost & {'ups-partial', 'ups-garbage', 'sonde-ok'}, lost
    # No non-finite or garbage value taken as a reading.
    for name in ('ups-garbage', 'ups-partial', 'sonde-nan', 'sonde-mb'):
        for r in by_name[name].get('readings', []):
            v = r.get('value')
            assert v is None or (isinstance(v, (int, float)) and math.isfinite(v)), (name, r)
    garbage = {r['metric']: r for r in by_name['ups-garbage'].get('readings', [])}
    for metric in ('ups_runtime', 'ups_charge', 'ups_load'):
        if metric in garbage:
            assert garbage[metric].get('value') is None or garbage[metric].get('status') not in ('ok', 0), \
                (metric, garbage[metric])
    for rec in site.journal()[0]:
        for key in ('value', 'worst'):
            assert not isinstance(rec.get(key), float) or math.isfinite(rec[key]), rec
    assert not problems, problems
    site.remove()
