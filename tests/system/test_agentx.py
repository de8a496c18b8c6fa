"""ENVMON-MIB over AgentX (issue #16): envmond as a subagent of a real Net-SNMP snmpd.

snmpd runs as the AgentX master on 127.0.0.1 with its own configuration (-C -c), its
AgentX socket in a temporary directory and its SNMP port a free unprivileged one; it
sends the notifications it gets from envmond to snmptrapd (trap2sink), which writes
them to a file. envmond polls a simulated probe (tests/sim/profiles) whose scenario
heats the rack past the specification and cools it again, as test_ops.py does.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from peerlib import free_port
from test_ops import Daemon, config_text, ensure_test_user, wait_until, REPO

ROOT = '.1.3.6.1.4.1.8072.9999.9999.1'          # ENVMON-MIB (netSnmpPlaypen.1)
SNMPD = shutil.which('snmpd') or '/usr/sbin/snmpd'
SNMPTRAPD = shutil.which('snmptrapd') or '/usr/sbin/snmptrapd'

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason='envmond runs as root to drop to its user'),
    pytest.mark.skipif(not Path(SNMPD).exists() or not Path(SNMPTRAPD).exists(),
                       reason='snmpd and snmptrapd (Debian snmpd, snmptrapd) are needed'),
]


class Master:
    """snmpd as AgentX master, sending v2c notifications to trap_port."""

    def __init__(self, base, trap_port):
        self.base = base
        self.port = free_port()
        self.socket = base / 'agentx' / 'master'
        self.conf = base / 'snmpd.conf'
        self.log = base / 'snmpd.log'
        self.conf.write_text('\n'.join([
            'agentaddress udp:127.0.0.1:%d' % self.port,
            'master agentx',
            'agentXSocket %s' % self.socket,
            # What Debian's snmpd needs so that the unprivileged daemon can connect.
            'agentXPerms 0777 0755',
            'rocommunity public 127.0.0.1',
            'trap2sink 127.0.0.1:%d public' % trap_port,
            '']))
        self.proc = None

    def start(self):
        (self.base / 'agentx').mkdir(mode=0o755, exist_ok=True)
        self.proc = subprocess.Popen([SNMPD, '-f', '-C', '-c', str(self.conf), '-m', '', '-Lf', str(self.log),
                                      '-p', str(self.base / 'snmpd.pid')],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: self.socket.exists() or self.proc.poll() is not None, 10)
        assert self.proc.poll() is None, self.log.read_text(errors='replace')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def walk(self, oid=ROOT):
        r = subprocess.run(['snmpwalk', '-v2c', '-c', 'public', '-m', '', '-On', '-OQ', '-t', '2', '-r', '0',
                            '127.0.0.1:%d' % self.port, oid], capture_output=True, text=True, timeout=30)
        values = {}
        for line in r.stdout.splitlines():
            name, sep, value = line.partition(' = ')
            if sep:
                values[name] = value.strip().strip('"')
        return values

    def get(self, oid):
        r = subprocess.run(['snmpget', '-v2c', '-c', 'public', '-m', '', '-On', '-OQ', '-t', '2', '-r', '0',
                            '127.0.0.1:%d' % self.port, oid], capture_output=True, text=True, timeout=30)
        return r.stdout.partition(' = ')[2].strip().strip('"')


class TrapReceiver:
    """snmptrapd writing each notification on one line: its varbinds, numeric."""

    def __init__(self, base):
        self.port = free_port()
        self.out = base / 'traps.log'
        conf = base / 'snmptrapd.conf'
        conf.write_text('authCommunity log public\n')
        self.proc = subprocess.Popen(
            [SNMPTRAPD, '-f', '-C', '-c', str(conf), '-m', '', '-On', '-Lf', str(self.out),
             '-F', 'TRAP %v\n', '-p', str(base / 'snmptrapd.pid'), '127.0.0.1:%d' % self.port],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        assert self.proc.poll() is None

    def traps(self):
        text = self.out.read_text(errors='replace') if self.out.exists() else ''
        return [line for line in text.splitlines() if line.startswith('TRAP ')]

    def of(self, n):
        """The notifications envmonNotifications.n received, as {oid: value} dicts."""
        found = []
        for line in self.traps():
            fields = dict(f.split(' = ', 1) for f in line[5:].split('\t') if ' = ' in f)
            if fields.get('.1.3.6.1.6.3.1.1.4.1.0', '').endswith('%s.0.%d' % (ROOT, n)):
                found.append({k: v.split(': ', 1)[-1].strip('"') for k, v in fields.items()})
        return found

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def room():
    base = Path(tempfile.mkdtemp(prefix='envmond-agentx-'))
    os.chmod(base, 0o755)
    shutil.copytree(REPO / 'etc' / 'profiles', base / 'profiles')
    for prof in (REPO / 'tests' / 'sim' / 'profiles').glob('*.conf'):
        shutil.copy(prof, base / 'profiles' / prof.name)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def text(value):
    """A string as snmpwalk shows it: UTF-8 beyond ASCII comes as hex bytes."""
    try:
        return bytes.fromhex(value).decode('utf-8')
    except ValueError:
        return value


def sub(*arcs):
    return ROOT + ''.join('.%d' % a for a in arcs)


def test_walk_notifications_and_master_restart(room):
    ensure_test_user()
    trapd = TrapReceiver(room)
    master = Master(room, trapd.port)
    master.start()
    # The rack heats from 8 s to 18 s after the probe opens (polls every 5 s).
    (room / 'room.scn').write_text('temperature = 22.5\nhumidity = 41\ntemperature = 35 @ 8s..18s\n')
    probe = '{ name = "sonde-1"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }' % (
        room / 'room.scn')
    # A second probe stops answering from 3 s to 13 s: lost at its second poll, back at its fourth.
    (room / 'mute.scn').write_text('temperature = 22.5\nhumidity = 41\nsilent @ 3s..13s\n')
    probe2 = ('{ name = "sonde-2"; profile = "sim-probe"; interval = 5; dead_time = 1; '
              'sim = { scenario = "%s"; }; }' % (room / 'mute.scn'))
    extra = ('specs = { default = { temperature = { hold = 0; clear_hold = 0; }; }; };\n'
             'agentx = { socket = "%s"; ping = 2; };' % master.socket)
    (room / 'envmond.conf').write_text(config_text(
        room, [probe, probe2], servers='{ name = "srv-comci"; role = "comci"; }', probes=['sonde-1', 'sonde-2'],
        extra=extra))
    daemon = Daemon(room)
    try:
        daemon.start()
        assert wait_until(lambda: 'registered with the master' in daemon.log(), 10), daemon.log()
        # The site, the device, its readings.
        values = wait_until(lambda: (lambda v: v if v.get(sub(1, 3, 1, 5, 1, 1)) else None)(master.walk()), 10)
        assert values, master.walk()
        assert values[sub(1, 1, 1, 0)] == 'TJ-TST'
        assert values[sub(1, 1, 2, 0)] == 'Tribunal judiciaire de Test'
        assert values[sub(1, 2, 1, 2, 1)] == 'sonde-1'
        assert values[sub(1, 2, 1, 3, 1)] == 'probe'
        assert values[sub(1, 2, 1, 4, 1)] == 'sim'
        assert values[sub(1, 2, 1, 5, 1)] == '1'                  # contact ok
        assert values[sub(1, 3, 1, 3, 1, 1)] == 'temperature'
        assert values[sub(1, 3, 1, 4, 1, 1)] == 'sonde-1.temperature'
        assert values[sub(1, 3, 1, 5, 1, 1)] == '225'             # 22.5 °C in tenths
        assert text(values[sub(1, 3, 1, 6, 1, 1)]) == '°C'
        assert values[sub(1, 3, 1, 5, 1, 2)] == '410'             # 41 %
        assert int(values[sub(1, 1, 5, 0)]) > time.time() - 30    # last poll
        assert not any(k.startswith(sub(1, 4)) for k in values)    # no incident yet

        # Hot: the incident is in the table and arrives at snmptrapd with its varbinds.
        # (The jump from 22.5 to 35 °C also opens rate-of-change incidents.)
        def temperature(n):
            return [t for t in trapd.of(n) if t.get(sub(1, 5, 2, 0)) == 'temperature']
        opened = wait_until(lambda: temperature(1), 20)
        assert opened, (trapd.traps(), daemon.log())
        t = opened[0]
        assert t[sub(1, 1, 1, 0)] == 'TJ-TST'
        inc_id = t[sub(1, 5, 1, 0)]
        assert inc_id.startswith('TJ-TST-'), t
        assert t[sub(1, 5, 2, 0)] == 'temperature'
        assert t[sub(1, 5, 3, 0)] == '3'                          # critical
        assert t[sub(1, 5, 4, 0)] == 'baie-A'
        assert t[sub(1, 5, 5, 0)] == '350'
        assert t[sub(1, 5, 7, 0)] == 'srv-comci'
        values = master.walk(sub(1, 4))
        rows = [k.rsplit('.', 1)[1] for k, v in values.items() if k.startswith(sub(1, 4, 1, 2)) and v == inc_id]
        assert len(rows) == 1, values
        row = int(rows[0])
        assert values[sub(1, 4, 1, 3, row)] == 'temperature'
        assert values[sub(1, 4, 1, 4, row)] == '3'
        assert values[sub(1, 4, 1, 5, row)] == 'srv-comci'
        assert values[sub(1, 4, 1, 7, row)] == '350'              # worst
        assert values[sub(1, 4, 1, 8, row)] == 'baie-A'
        assert master.get(sub(1, 3, 1, 5, 1, 1)) == '350'

        # The master dies and comes back: polling never pauses, the subtree answers again.
        polls = daemon.device('sonde-1')['polls']
        master.stop()
        dead = time.monotonic()
        master.start()
        back = wait_until(lambda: master.get(sub(1, 1, 1, 0)) == 'TJ-TST', 10)
        assert back, daemon.log()
        print('subtree answered again %.1f s after the master restart' % (time.monotonic() - dead))
        assert wait_until(lambda: daemon.device('sonde-1')['polls'] > polls, 8)

        # Cool again: the recovery notification, the table empty.
        recovered = wait_until(lambda: temperature(3), 20)
        assert recovered, (trapd.traps(), daemon.log())
        assert recovered[0][sub(1, 5, 1, 0)] == inc_id
        assert recovered[0][sub(1, 5, 5, 0)] == '350'             # the worst of the incident
        assert inc_id not in master.walk(sub(1, 4)).values()

        # The mute probe: envmonDeviceLost, then envmonDeviceBack, for the same incident.
        lost = wait_until(lambda: trapd.of(4), 5)
        assert lost and lost[0][sub(1, 5, 4, 0)] == 'sonde-2' and lost[0][sub(1, 5, 7, 0)] == 'srv-comci', (
            trapd.traps(), daemon.log())
        back = wait_until(lambda: trapd.of(5), 10)
        assert back and back[0][sub(1, 5, 1, 0)] == lost[0][sub(1, 5, 1, 0)], trapd.traps()

        # envmond stops: envmonPollingStopped.
        daemon.stop()
        stopped = wait_until(lambda: trapd.of(6), 5)
        assert stopped and stopped[0][sub(1, 1, 1, 0)] == 'TJ-TST', trapd.traps()
        assert len(temperature(1)) == 1 and len(temperature(3)) == 1, trapd.traps()
    finally:
        if daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
        master.stop()
        trapd.stop()


def test_stuck_master_never_stalls_polling(room):
    """A master that accepts the AgentX connection and never answers: each open blocks
    the loop at most 1 s (once per ping interval), polling keeps its pace and the
    control socket answers."""
    ensure_test_user()
    (room / 'agentx').mkdir(mode=0o755)
    path = str(room / 'agentx' / 'master')
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    os.chmod(path, 0o777)
    srv.listen(16)
    held = []

    def accept():
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    (room / 'room.scn').write_text('temperature = 22.5\nhumidity = 41\n')
    probe = '{ name = "sonde-1"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }' % (
        room / 'room.scn')
    (room / 'envmond.conf').write_text(config_text(
        room, [probe], servers='{ name = "srv-comci"; role = "comci"; }', probes=['sonde-1'],
        extra='agentx = { socket = "%s"; ping = 2; };' % path))
    daemon = Daemon(room)
    try:
        daemon.start()
        began = time.monotonic()
        worst = 0.0
        while time.monotonic() - began < 11:
            t = time.monotonic()
            daemon.status()
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.2)
        print('%d AgentX connections, worst control latency %.3f s' % (len(held), worst))
        assert len(held) >= 3            # it kept trying
        assert worst < 1.5
        assert daemon.device('sonde-1')['polls'] >= 3   # at 0, 5 and 10 s
        daemon.stop()
    finally:
        srv.close()
        for c in held:
            c.close()
        if daemon.proc and daemon.proc.poll() is None:
            daemon.proc.kill()
