"""A member of the control socket's group misusing it (issue 13 item 12): a silence
longer than daemon.max_silence (default 7 days) is refused, and a flood of connections
past the 16 client slots is logged once then at growing intervals, not once each."""

import socket
import subprocess
import time

from faultlib import Daemon, Site, SIM
from peerlib import program


def one_probe_site(tmp_path, max_silence=None):
    site = Site(tmp_path / 'site')
    cool = site.scenario('cool.scn', 'temperature = 22\nhumidity = 40\n')
    site.write_config([SIM % ('sonde-a', 'sim-probe', 2, cool)],
                      ['{ name = "baie-A"; probes = [ "sonde-a" ]; '
                       'servers = ( { name = "srv-a"; role = "comci"; } ); }'])
    if max_silence is not None:
        text = site.conf.read_text().replace('daemon = { allow_root = true; };',
                                             'daemon = { allow_root = true; max_silence = %d; };' % max_silence)
        site.conf.write_text(text)
    return site


def test_silence_capped(tmp_path, figures):
    site = one_probe_site(tmp_path)
    d = Daemon(site).start()
    try:
        long = d.ctl('silence', 'sonde-a', '8d', 'maintenance')
        week = d.ctl('silence', 'srv-a', '7d', 'maintenance')
        figures['faults'] = 1
    finally:
        rc, log = d.stop()
    assert rc == 0, log[-2000:]
    assert long.returncode != 0 and '7 days' in long.stderr and 'daemon.max_silence' in long.stderr, long
    assert week.returncode == 0, week.stderr
    site.remove()


def test_silence_cap_configured(tmp_path, figures):
    site = one_probe_site(tmp_path, max_silence=3600)
    d = Daemon(site).start()
    try:
        over = d.ctl('silence', 'sonde-a', '2h', 'maintenance')
        hour = d.ctl('silence', 'sonde-a', '60m', 'maintenance')
    finally:
        rc, log = d.stop()
    assert rc == 0, log[-2000:]
    assert over.returncode != 0 and '1 hours' in over.stderr, over
    assert hour.returncode == 0, hour.stderr
    bad = one_probe_site(tmp_path / 'bad', max_silence=10)
    t = Daemon(bad)
    r = subprocess.run([str(program('envmond')), '-t', '-c', str(bad.conf)],
                       capture_output=True, text=True, env=t.env, timeout=30)
    assert r.returncode != 0 and 'max_silence' in r.stderr and ':' in r.stderr, r


def test_refused_connections_rate_limited(tmp_path, figures):
    site = one_probe_site(tmp_path)
    d = Daemon(site).start()
    held = []
    try:
        for _ in range(16 + 200):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(site.sock))
            held.append(s)
        time.sleep(1)
        figures['faults'] = 200
        for s in held:
            s.close()
        time.sleep(0.5)
        st = d.status()            # the daemon still answers once the flood is over
    finally:
        rc, log = d.stop()
    assert rc == 0, log[-2000:]
    assert st is not None
    refused = [line for line in log.splitlines() if 'connection refused' in line]
    figures['refused_log_lines'] = len(refused)
    assert 1 <= len(refused) <= 2, refused[:5]
    site.remove()
