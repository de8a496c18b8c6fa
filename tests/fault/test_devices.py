"""Fault case 5: device faults — an SNMP agent that never answers (timeout), one that
answers noSuchObject, one whose values are garbage (text where a number is due, a
400-digit number, an Opaque double +inf), a Modbus probe answering exceptions, a
simulated probe reading NaN: no crash, a contact-loss incident for the silent device
(dead_time = 2 polls), no reading of +inf or garbage taken as valid, and a healthy
probe polled at its cadence all along."""

import math
import os
import shutil
import time

from faultlib import Daemon, Site, SIM, account_disk, sanitizer_errors, wait_until
from peerlib import SNMP_V3_PRIV_PASS, SNMPREC_DIR

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


def contact_opens(site):
    return [r for r in site.journal()[0] if r.get('type') == 'open' and r.get('criterion') == 'contact']


def watch_contact_loss(d, site, t0, want, run_s):
    """Waits for a contact-loss incident of each device of want (of any device if want
    is empty), keeps the daemon running until run_s after t0, then stops it. Returns
    (status at the end, seconds since t0, exit status, log)."""
    def seen():
        lost = {r.get('device') for r in contact_opens(site)}
        return want <= lost if want else bool(lost)
    wait_until(lambda: not d.running() or seen(), RUN_S, 'contact-loss incidents')
    time.sleep(max(0, run_s - (time.monotonic() - t0)))
    assert d.running(), d.log()[-3000:]
    st = d.status()
    elapsed = time.monotonic() - t0
    rc, log = d.stop()
    return st, elapsed, rc, log


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
        st, elapsed, rc, log = watch_contact_loss(d, site, t0, set(), RUN_S)
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
    lost = {r.get('device') for r in contact_opens(site)}
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


SNMP_V3_BAD = ('{ name = "%s"; profile = "ups-rfc1628"; interval = 5; timeout = 1000; retries = 0; '
               'dead_time = 2; snmp = { host = "127.0.0.1"; port = %d; version = "3"; user = "envmon-sha-aes"; '
               'auth = "SHA"; auth_pass = "wrong-auth-pass-xyz"; priv = "AES"; priv_pass = "%s"; '
               'context = "ups-rfc1628"; }; }')
RTU = ('{ name = "%s"; profile = "probe-xy-md02"; interval = 5; timeout = 1000; dead_time = 2; '
       'modbus = { serial = "%s"; baud = 9600; parity = "N"; unit = 1; }; }')


def test_v3_auth_failure_and_serial_unplugged(tmp_path, figures, snmpsim_agent, modbus_rtu_server, pty_pair):
    """SNMPv3 with a wrong authentication pass phrase, and a serial Modbus probe whose
    port goes away while it is polled (the USB adapter pulled: the pty and its link
    vanish): no crash, a contact-loss incident for each, said in the log without the
    secret, and the healthy probe keeps its cadence."""
    agent = snmpsim_agent()
    rtu = modbus_rtu_server('xy-md02')
    site = Site(tmp_path / 'site')
    ok = site.scenario('ok.scn', 'temperature = 22\nhumidity = 40\n')
    site.write_config([SIM % ('sonde-ok', 'sim-probe', 2, ok),
                       SNMP_V3_BAD % ('ups-v3', agent.port, SNMP_V3_PRIV_PASS),
                       RTU % ('sonde-rtu', rtu.client_device)],
                      ['{ name = "baie-A"; probes = [ "sonde-ok" ]; servers = ( { name = "srv-a"; '
                       'role = "comci"; ups = [ "ups-v3" ]; } ); }',
                       '{ name = "baie-B"; probes = [ "sonde-rtu" ]; '
                       'servers = ( { name = "srv-b"; role = "comci"; } ); }'])
    os.chmod(site.conf, 0o600)                    # inline secrets: readable by root only
    figures['faults'] = 2
    d = Daemon(site).start()
    try:
        rtu_answers = lambda: [x for x in (d.status() or {'devices': []})['devices']  # noqa: E731
                               if x['name'] == 'sonde-rtu'][0]['answers']
        wait_until(lambda: not d.running() or rtu_answers() > 0, 20, 'the serial probe answering')
        t0 = time.monotonic()
        answers0 = [x for x in d.status()['devices'] if x['name'] == 'sonde-ok'][0]['answers']
        rtu.stop()
        pty_pair.stop()                            # unplugged: the device node is gone
        assert not rtu.client_device.exists()
        st, elapsed, rc, log = watch_contact_loss(d, site, t0, {'ups-v3', 'sonde-rtu'}, 12)
    finally:
        if d.running():
            d.kill9()
    problems = account_disk(figures, site)
    assert not sanitizer_errors(log), log
    assert rc == 0, log[-3000:]
    polled = [x for x in st['devices'] if x['name'] == 'sonde-ok'][0]['answers'] - answers0
    assert polled >= int(elapsed / 5) - 1, (polled, elapsed)
    lost = {r.get('device') for r in contact_opens(site)}
    assert {'ups-v3', 'sonde-rtu'} <= lost, lost
    assert 'wrong-auth-pass-xyz' not in log and SNMP_V3_PRIV_PASS not in log
    assert [line for line in log.splitlines() if 'ups-v3' in line and 'security' in line], log[-3000:]
    assert [line for line in log.splitlines() if 'sonde-rtu' in line and
            (' warning: ' in line or ' error: ' in line)], log[-3000:]
    assert not problems, problems
    site.remove()
