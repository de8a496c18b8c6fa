"""Start, control and stop the test peers from pytest.

The fixtures here are what tests/system/conftest.py exports and what
tests/peers/test_peers.py uses. Every peer is a real process on 127.0.0.1, in
its own process group, started on a free port; teardown always kills it, and
each peer also has a --max-seconds / MAX_SECONDS lifetime (600 s), so nothing
outlives a crashed test run for long. README.md beside this file has the details.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PEERS_DIR = Path(__file__).resolve().parent
REPO_ROOT = PEERS_DIR.parent.parent
PYTHON = '/usr/bin/python3'     # Debian's: the python3 on PATH may lack its modules
HOST = '127.0.0.1'
LIFETIME_S = 600

SNMPREC_DIR = PEERS_DIR / 'snmprec'
SNMPREC_SLOW_DIR = PEERS_DIR / 'snmprec-slow'
MODBUS_MAPS_DIR = PEERS_DIR / 'modbus-maps'

SNMP_V3_USERS = {
    # user: (auth protocol, priv protocol); passphrases below; context = recording name
    'envmon-sha-aes': ('SHA', 'AES'),
    'envmon-md5-des': ('MD5', 'DES'),
    'envmon-noauth': (None, None),
}
SNMP_V3_AUTH_PASS = 'envmon-auth-pass'
SNMP_V3_PRIV_PASS = 'envmon-priv-pass'


# --------------------------------------------------------------------------
# Paths of the project

def build_dir():
    """Where the built programs are: $ENVMOND_BUILDDIR, or the repository root."""
    return Path(os.environ.get('ENVMOND_BUILDDIR', REPO_ROOT)).resolve()


def program(name):
    """Path of a built program: envmond, envmon-report or envmonctl."""
    relative = {'envmond': 'src/daemon/envmond', 'envmon-report': 'src/report/envmon-report',
                'envmonctl': 'src/ctl/envmonctl'}[name]
    return build_dir() / relative


def repo_path(*parts):
    """A path inside the repository (etc/profiles, tests/peers/...)."""
    return REPO_ROOT.joinpath(*parts)


# --------------------------------------------------------------------------
# Ports and processes

def _bindable(port, kinds):
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                return False
    return True


def free_port(kinds=(socket.SOCK_STREAM, socket.SOCK_DGRAM)):
    """A loopback port free for TCP and UDP right now (other tests may run alongside)."""
    for _ in range(200):
        port = random.randint(20000, 59999)
        if _bindable(port, kinds):
            return port
    raise RuntimeError('no free port found')


def free_port_range(count, kinds=(socket.SOCK_DGRAM,)):
    """The first of COUNT consecutive free loopback ports."""
    for _ in range(100):
        first = random.randint(20000, 60000 - count)
        if all(_bindable(p, kinds) for p in range(first, first + count)):
            return first
    raise RuntimeError('no range of %d free ports found' % count)


def wait_until(predicate, timeout_s, what, interval_s=0.05):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval_s)
    raise TimeoutError('timed out after %.1f s waiting for %s' % (timeout_s, what))


def tcp_accepts(port):
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    """A peer process in its own process group; stop() kills the whole group."""

    def __init__(self, argv, log_path):
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self.popen = None

    def start(self):
        log = open(self.log_path, 'ab')
        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        return self

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def check_running(self):
        if not self.running():
            raise RuntimeError('%s exited; log:\n%s' % (self.argv[:2], self.log()))

    def stop(self):
        if self.popen is None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=5)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        self.popen = None

    def log(self):
        try:
            return self.log_path.read_text(errors='replace')
        except FileNotFoundError:
            return ''


def group_alive(pgid):
    """Does process group PGID still have a running (non-zombie) process?"""
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != 'Z' and int(fields[2]) == pgid:    # state, ppid, pgrp
            return True
    return False


def run_script(argv, env=None, timeout_s=60):
    """Run one of the peers' shell scripts; raise with its output if it fails."""
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                            timeout=timeout_s, env=dict(os.environ, **(env or {})))
    if result.returncode != 0:
        raise RuntimeError('%s failed (%d):\n%s%s' % (argv[:2], result.returncode,
                                                       result.stdout, result.stderr))
    return result.stdout


class Cleanup:
    """Stops what a fixture started, last started first, whatever happened."""

    def __init__(self):
        self.stops = []

    def add(self, stop):
        self.stops.append(stop)
        return stop

    def run(self):
        errors = []
        while self.stops:
            try:
                self.stops.pop()()
            except Exception as error:   # keep stopping the others
                errors.append(error)
        if errors:
            raise errors[0]


# --------------------------------------------------------------------------
# SNMP

class SnmpsimAgent:
    """snmpsimd serving a directory of .snmprec recordings (snmpsim.sh)."""

    def __init__(self, datadir, port, rundir):
        self.datadir = Path(datadir)
        self.host = HOST
        self.port = port
        self.rundir = Path(rundir)
        self.communities = sorted(p.stem for p in self.datadir.glob('*.snmprec'))

    @property
    def address(self):
        return '%s:%d' % (self.host, self.port)

    def start(self):
        run_script([PEERS_DIR / 'snmpsim.sh', 'start', self.datadir, self.port, self.rundir],
                   env={'MAX_SECONDS': str(LIFETIME_S)})
        return self

    def stop(self):
        run_script([PEERS_DIR / 'snmpsim.sh', 'stop', self.port, self.rundir])

    def v2c_args(self, community):
        """snmpget-style arguments for SNMPv2c on one recording."""
        return ['-v2c', '-c', community]

    def v3_args(self, recording, user='envmon-sha-aes'):
        """snmpget-style arguments for SNMPv3: context = recording name."""
        auth, priv = SNMP_V3_USERS[user]
        args = ['-v3', '-u', user, '-n', recording]
        if auth is None:
            return args + ['-l', 'noAuthNoPriv']
        return args + ['-l', 'authPriv', '-a', auth, '-A', SNMP_V3_AUTH_PASS,
                       '-x', priv, '-X', SNMP_V3_PRIV_PASS]


class SnmpdAgents:
    """Net-SNMP snmpd on COUNT consecutive ports (snmpd.sh), community "public"."""

    def __init__(self, rundir, first_port, count, recording=None):
        self.host = HOST
        self.rundir = Path(rundir)
        self.first_port = first_port
        self.count = count
        self.recording = recording

    @property
    def ports(self):
        return range(self.first_port, self.first_port + self.count)

    def start(self):
        argv = [PEERS_DIR / 'snmpd.sh', 'start', self.rundir, self.first_port, self.count]
        if self.recording:
            argv.append(self.recording)
        run_script(argv, env={'MAX_SECONDS': str(LIFETIME_S)}, timeout_s=120)
        return self

    def stop(self):
        run_script([PEERS_DIR / 'snmpd.sh', 'stop', self.rundir])


def snmpget(address, args, *oids, timeout_s=1.0, retries=0):
    """Run Net-SNMP's snmpget; returns {oid: value text} ("-On -Oqv"-like parsing)."""
    result = subprocess.run(['snmpget', *args, '-On', '-OQ', '-Ot', '-t', str(timeout_s),
                             '-r', str(retries), address, *oids],
                            capture_output=True, text=True, timeout=30 + timeout_s * (retries + 1))
    if result.returncode != 0:
        raise RuntimeError('snmpget failed: %s' % (result.stderr.strip() or result.stdout))
    values = {}
    for line in result.stdout.splitlines():
        oid, _, value = line.partition(' = ')
        values[oid.lstrip('.')] = value.strip().strip('"')
    return values


# --------------------------------------------------------------------------
# Modbus

def modbus_map(name):
    """Path of a shipped register map: 'xy-md02', 'apc-inrow', 'liebert-icom', 'generic-types'."""
    path = Path(name)
    return path if path.suffix == '.json' else MODBUS_MAPS_DIR / (name + '.json')


def control(path, command, timeout_s=5.0):
    """Send one line to a control socket; return the decoded reply ('ok' payload)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout_s)
        s.connect(str(path))
        s.sendall(command.encode() + b'\n')
        reply = s.makefile().readline().strip()
    if reply == 'ok':
        return None
    if reply.startswith('ok '):
        return json.loads(reply[3:])
    raise RuntimeError('%s: %s' % (command, reply))


class ModbusServer:
    """modbus_server.py on TCP (port) or RTU (device); control() talks to it."""

    def __init__(self, workdir, map_path, port=None, device=None, units=None,
                 serial=None):
        self.workdir = Path(workdir)
        self.map_path = Path(map_path)
        self.host = HOST
        self.port = port
        self.device = device
        self.units = units or []
        self.serial = serial or {}
        self.control_path = self.workdir / 'control.sock'
        self.process = None

    def argv(self):
        argv = [PYTHON, PEERS_DIR / 'modbus_server.py', '--map', self.map_path,
                '--control', self.control_path, '--max-seconds', LIFETIME_S]
        argv += ['--tcp', self.port] if self.port else ['--rtu', self.device]
        for unit in self.units:
            argv += ['--unit', unit]
        for option, value in self.serial.items():
            argv += ['--' + option, value]
        return argv

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = Process(self.argv(), self.workdir / 'modbus_server.log').start()

        def ready():
            self.process.check_running()
            try:
                return control(self.control_path, 'ping', timeout_s=0.5) == 'pong'
            except OSError:
                return False
        wait_until(ready, 15, 'modbus_server control socket')
        return self

    def stop(self):
        if self.process:
            self.process.stop()

    def restart(self):
        self.stop()
        return self.start()

    def control(self, command):
        """e.g. control('fail 1 input 1 2 6'), control('mute'); see modbus_server.py."""
        return control(self.control_path, command)


class PtyPair:
    """Two joined pseudo-terminals (ptypair.sh): .server and .client paths."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.server = self.workdir / 'server'
        self.client = self.workdir / 'client'

    def start(self):
        run_script([PEERS_DIR / 'ptypair.sh', 'start', self.workdir],
                   env={'MAX_SECONDS': str(LIFETIME_S)})
        return self

    def stop(self):
        run_script([PEERS_DIR / 'ptypair.sh', 'stop', self.workdir])


def serial_asyncio_missing():
    """pymodbus 3.0's server module imports pyserial-asyncio even for TCP."""
    probe = subprocess.run([PYTHON, '-c', 'import serial, serial_asyncio'],
                           capture_output=True)
    return probe.returncode != 0


# --------------------------------------------------------------------------
# SMTP

class LocalCA:
    """mkca.sh output: ca.pem, server.pem/.key (localhost), rogue.pem/.key (self-signed)."""

    def __init__(self, directory):
        self.dir = Path(directory)
        self.ca = self.dir / 'ca.pem'
        self.cert = self.dir / 'server.pem'
        self.key = self.dir / 'server.key'
        self.rogue_cert = self.dir / 'rogue.pem'
        self.rogue_key = self.dir / 'rogue.key'

    def make(self):
        run_script([PEERS_DIR / 'mkca.sh', self.dir])
        return self


class SmtpCatcher:
    """smtp_catcher.py; messages() reads what it stored. stop()/start() keep port and dir."""

    def __init__(self, workdir, port, starttls=None, auth=None, options=()):
        self.workdir = Path(workdir)
        self.maildir = self.workdir / 'mail'
        self.host = HOST
        self.port = port
        self.starttls = starttls        # (cert, key) or None
        self.auth = auth                # 'user:password' or None
        self.options = list(options)
        self.process = None

    def argv(self):
        argv = [PYTHON, PEERS_DIR / 'smtp_catcher.py', '--port', self.port,
                '--dir', self.maildir, '--max-seconds', LIFETIME_S, *self.options]
        if self.starttls:
            argv += ['--starttls', *self.starttls]
        if self.auth:
            argv += ['--auth', self.auth]
        return argv

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = Process(self.argv(), self.workdir / 'smtp_catcher.log').start()

        def ready():
            self.process.check_running()
            return tcp_accepts(self.port)
        wait_until(ready, 15, 'smtp_catcher on port %d' % self.port)
        return self

    def stop(self):
        if self.process:
            self.process.stop()

    def restart(self):
        self.stop()
        return self.start()

    def messages(self):
        """[(meta dict, raw bytes)] in arrival order; only complete messages."""
        found = []
        for meta_path in sorted(self.maildir.glob('[0-9]*.json')):
            meta = json.loads(meta_path.read_text())
            found.append((meta, meta_path.with_suffix('.eml').read_bytes()))
        return found

    def wait_for(self, count, timeout_s=30):
        """Wait until COUNT messages are stored; return them."""
        wait_until(lambda: len(self.messages()) >= count, timeout_s,
                   '%d message(s) in %s' % (count, self.maildir), interval_s=0.1)
        return self.messages()


# --------------------------------------------------------------------------
# Fixtures

@pytest.fixture
def peer_cleanup():
    cleanup = Cleanup()
    yield cleanup
    cleanup.run()


@pytest.fixture
def snmpsim_agent(tmp_path, peer_cleanup):
    """Factory: snmpsim_agent(datadir=SNMPREC_DIR) -> SnmpsimAgent, started."""
    def start(datadir=SNMPREC_DIR):
        agent = SnmpsimAgent(datadir, free_port(), tmp_path / ('snmpsim-%d' % random.getrandbits(24)))
        peer_cleanup.add(agent.stop)
        return agent.start()
    return start


@pytest.fixture
def snmpsim(snmpsim_agent):
    """snmpsimd with every shipped recording (tests/peers/snmprec)."""
    return snmpsim_agent(SNMPREC_DIR)


@pytest.fixture
def snmpsim_slow(snmpsim_agent):
    """snmpsimd with the slow recording only (tests/peers/snmprec-slow)."""
    return snmpsim_agent(SNMPREC_SLOW_DIR)


@pytest.fixture
def snmpd_agents(tmp_path, peer_cleanup):
    """Factory: snmpd_agents(count, recording=None) -> SnmpdAgents on consecutive ports."""
    def start(count, recording=None):
        agents = SnmpdAgents(tmp_path / ('snmpd-%d' % random.getrandbits(24)),
                             free_port_range(count), count, recording)
        peer_cleanup.add(agents.stop)
        return agents.start()
    return start


@pytest.fixture
def udp_delay_relay(tmp_path, peer_cleanup):
    """Factory: udp_delay_relay(target_first_port, count, delay_ms, loss=0.0)
    -> first listening port; port i relays to target_first_port + i."""
    def start(target_first_port, count, delay_ms, loss=0.0):
        first = free_port_range(count)
        process = Process([PYTHON, PEERS_DIR / 'udp_delay_relay.py', '--delay-ms', delay_ms,
                           '--range', '%d:%d:%d' % (first, target_first_port, count),
                           '--loss', loss, '--max-seconds', LIFETIME_S],
                          tmp_path / ('relay-%d.log' % first)).start()
        peer_cleanup.add(process.stop)
        wait_until(lambda: 'udp_delay_relay:' in process.log() or not process.running(),
                   10, 'udp_delay_relay')
        process.check_running()
        return first
    return start


@pytest.fixture
def modbus_tcp_server(tmp_path, peer_cleanup):
    """Factory: modbus_tcp_server('xy-md02' or a .json path, units=None) -> ModbusServer."""
    if serial_asyncio_missing():
        pytest.fail('pymodbus server needs python3-serial and python3-serial-asyncio')

    def start(map_name, units=None):
        server = ModbusServer(tmp_path / ('modbus-%d' % random.getrandbits(24)),
                              modbus_map(map_name), port=free_port(), units=units)
        peer_cleanup.add(server.stop)
        return server.start()
    return start


@pytest.fixture
def pty_pair(tmp_path, peer_cleanup):
    """A started PtyPair: .server for the simulator, .client for the daemon."""
    pair = PtyPair(tmp_path / 'pty')
    peer_cleanup.add(pair.stop)
    return pair.start()


@pytest.fixture
def modbus_rtu_server(pty_pair, tmp_path, peer_cleanup):
    """Factory: modbus_rtu_server('xy-md02', baud=9600, parity='N', stopbits=1, units=None)
    -> ModbusServer on pty_pair.server; the daemon opens pty_pair.client
    (also given as server.client_device)."""
    if serial_asyncio_missing():
        pytest.fail('pymodbus RTU server needs python3-serial and python3-serial-asyncio')

    def start(map_name, baud=9600, parity='N', stopbits=1, units=None):
        server = ModbusServer(tmp_path / ('modbus-rtu-%d' % random.getrandbits(24)),
                              modbus_map(map_name), device=pty_pair.server, units=units,
                              serial={'baud': baud, 'parity': parity, 'stopbits': stopbits})
        server.client_device = pty_pair.client
        peer_cleanup.add(server.stop)
        return server.start()
    return start


@pytest.fixture(scope='session')
def local_ca(tmp_path_factory):
    """LocalCA: a CA, a localhost server certificate it signed, a rogue self-signed one."""
    return LocalCA(tmp_path_factory.mktemp('ca')).make()


@pytest.fixture
def smtp_catcher(tmp_path, peer_cleanup, local_ca):
    """Factory: smtp_catcher(starttls=False, auth=None, options=(), cert='server')
    -> SmtpCatcher. starttls=True uses local_ca's localhost certificate
    (cert='rogue' for the untrusted one); auth='user:password' requires AUTH;
    options: extra smtp_catcher.py arguments (--fail-first 2, --reject-code 550...)."""
    def start(starttls=False, auth=None, options=(), cert='server'):
        pair = None
        if starttls:
            pair = ((local_ca.cert, local_ca.key) if cert == 'server'
                    else (local_ca.rogue_cert, local_ca.rogue_key))
        catcher = SmtpCatcher(tmp_path / ('smtp-%d' % random.getrandbits(24)), free_port(),
                              starttls=pair, auth=auth, options=options)
        peer_cleanup.add(catcher.stop)
        return catcher.start()
    return start


@pytest.fixture
def smtp_plain(smtp_catcher):
    """A catcher without TLS or AUTH."""
    return smtp_catcher()


@pytest.fixture
def smtp_starttls(smtp_catcher):
    """A catcher that requires STARTTLS (certificate for localhost, signed by local_ca)."""
    return smtp_catcher(starttls=True)


@pytest.fixture
def smtp_auth(smtp_catcher):
    """A catcher that requires STARTTLS and then AUTH as envmond / envmond-secret."""
    return smtp_catcher(starttls=True, auth='envmond:envmond-secret')


if sys.version_info < (3, 9):   # pragma: no cover
    raise RuntimeError('peerlib needs Python 3.9 or later')
