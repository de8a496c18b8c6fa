"""Modbus acquisition against a real Modbus server (pymodbus 3.0, tests/system/modbus_peer.py)
on 127.0.0.1 and, for RTU, on a pseudo-terminal pair made by socat.

The daemon runs in the foreground with -d, which logs every reading as
"DEVICE: METRIC status=S raw=R value=V" (S: 0 ok, 1 invalid, 2 absent, 3 error): these
tests read that log, since most of them follow a running daemon over several polls
(reloads, a server going away); test_probe_json reads `envmond --probe --json`."""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOP = HERE.parent.parent
BUILDDIR = Path(os.environ.get("ENVMOND_BUILDDIR", TOP / "_build" / "check"))
ENVMOND = BUILDDIR / "src" / "daemon" / "envmond"
PEER = HERE / "modbus_peer.py"
PY = "/usr/bin/python3"

OK, INVALID, ABSENT, ERROR = 0, 1, 2, 3
READING = re.compile(r"^envmond: debug: (\S+): (\w+) status=(\d) raw=(\S+) value=(\S+)$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer:
    """One Modbus server process with its control channel."""

    def __init__(self, *args, port=None):
        self.control_port = free_port()
        self.port = port
        self.args = list(args)
        self.start()

    def start(self):
        cmd = [PY, str(PEER), "--control", str(self.control_port)] + self.args
        if self.port:
            cmd += ["--tcp", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.strip() == "READY", self.proc.stderr.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def ctl(self, **cmd):
        with socket.create_connection(("127.0.0.1", self.control_port), timeout=5) as s:
            s.sendall(json.dumps(cmd).encode() + b"\n")
            answer = json.loads(s.makefile().readline())
        assert answer["ok"], answer
        return answer

    def set(self, table, address, values, unit=1):
        self.ctl(op="set", unit=unit, table=table, address=address, values=values)

    def requests(self):
        return self.ctl(op="requests")["requests"]


class Daemon:
    """envmond -f -d on a configuration written for the test; stderr read live."""

    def __init__(self, tmp_path, devices, profiles=()):
        self.dir = tmp_path
        prof_dir = tmp_path / "profiles"
        shutil.copytree(TOP / "etc" / "profiles", prof_dir, dirs_exist_ok=True)
        for name, text in profiles:
            (prof_dir / f"{name}.conf").write_text(text)
        conf = self.write_conf(devices)
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([str(ENVMOND), "-f", "-d", "-c", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def write_conf(self, devices):
        tmp_path = self.dir
        conf = tmp_path / "envmond.conf"
        conf.write_text(f"""
site = {{ name = "Test"; code = "T"; ressort = "R"; contacts = {{ arsit = [ "a@example.org" ]; }}; }};
paths = {{ state_dir = "{tmp_path}/state"; profiles_dir = "profiles"; pid_file = "{tmp_path}/envmond.pid";
          control_socket = "{tmp_path}/sock"; }};
storage = {{ step = 5; }};
daemon = {{ allow_root = true; }};
devices = ( {", ".join(devices)} );
racks = ( );
""")
        return conf

    def reload(self, devices):
        """Rewrites the configuration with devices and reloads (SIGHUP); returns the
        index of the log line that says it is done."""
        start = len(self.log())
        self.write_conf(devices)
        self.proc.send_signal(signal.SIGHUP)
        return self.wait_for(r"configuration reloaded", start=start)

    def _read(self):
        for line in self.proc.stderr:
            with self.lock:
                self.lines.append((time.monotonic(), line.rstrip("\n")))

    def log(self):
        with self.lock:
            return [l for _, l in self.lines]

    def wait_for(self, pattern, timeout=20, start=0):
        """Index of the first line from `start` on matching pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.log()
            for i in range(start, len(lines)):
                if rx.search(lines[i]):
                    return i
            assert self.proc.poll() is None, "envmond died:\n" + "\n".join(lines)
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n" + "\n".join(self.log()))

    def readings(self, device, timeout=20):
        """The next complete poll result of device: {metric: (status, raw, value)}."""
        start = len(self.log())
        first = self.wait_for(rf"^envmond: debug: {device}: \w+ status=", timeout, start)
        time.sleep(0.2)  # the rest of the result's lines
        out = {}
        for line in self.log()[first:]:
            m = READING.match(line)
            if m and m.group(1) == device:
                if m.group(2) in out:
                    break
                out[m.group(2)] = (int(m.group(3)), float(m.group(4)), float(m.group(5)))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.reader.join(timeout=5)
        text = "\n".join(self.log())
        assert rc == 0, f"envmond exited {rc}:\n{text}"
        assert "AddressSanitizer" not in text and "runtime error:" not in text, text


@pytest.fixture
def peer():
    peers = []

    def start(*args, tcp=True):
        p = Peer(*args, port=free_port() if tcp else None)
        peers.append(p)
        return p
    yield start
    for p in peers:
        p.stop()


@pytest.fixture
def daemon(tmp_path):
    daemons = []

    def start(devices, profiles=()):
        d = Daemon(tmp_path, devices, profiles)
        daemons.append(d)
        return d
    yield start
    for d in daemons:
        d.stop()


def tcp_device(name, profile, port, unit=1, timeout=500, retries=0, dead_time=3):
    return (f'{{ name = "{name}"; profile = "{profile}"; interval = 5; timeout = {timeout}; '
            f'retries = {retries}; dead_time = {dead_time}; '
            f'modbus = {{ host = "127.0.0.1"; port = {port}; unit = {unit}; }}; }}')


# ---------------------------------------------------------------- types and word orders

ORDERS = ("ABCD", "CDAB", "BADC", "DCBA")


def words32(raw, order):
    """The two registers a device sends for the 32-bit pattern `raw` in `order`."""
    a, b, c, d = struct.pack(">I", raw)
    wire = {"ABCD": (a, b, c, d), "CDAB": (c, d, a, b),
            "BADC": (b, a, d, c), "DCBA": (d, c, b, a)}[order]
    return [wire[0] << 8 | wire[1], wire[2] << 8 | wire[3]]


TYPES_PROFILE = """
profile = { name = "test-types"; kind = "probe"; protocol = "modbus";
  metrics = (
    { name = "v_int16"; table = "holding"; address = 0; type = "int16"; scale = 0.1; },
    { name = "v_uint16"; table = "holding"; address = 1; type = "uint16"; },
""" + "".join(f"""
    {{ name = "i32_{o.lower()}"; table = "holding"; address = {2 + 2 * i}; type = "int32"; order = "{o}"; }},
    {{ name = "u32_{o.lower()}"; table = "holding"; address = {10 + 2 * i}; type = "uint32"; order = "{o}"; }},
    {{ name = "f32_{o.lower()}"; table = "holding"; address = {18 + 2 * i}; type = "float32"; order = "{o}"; }},"""
                   for i, o in enumerate(ORDERS)) + """
    { name = "bit3"; table = "holding"; address = 26; type = "bit"; bit = 3; },
    { name = "bit0"; table = "holding"; address = 26; type = "bit"; bit = 0; },
    { name = "v_input"; table = "input"; address = 3; type = "int16"; scale = 0.1; offset = 1.0; },
    { name = "v_coil"; table = "coil"; address = 5; },
    { name = "v_discrete"; table = "discrete"; address = 7; },
    { name = "v_state"; table = "holding"; address = 27; type = "uint16";
      states = { off = 0; on = 1; fault = [ 7, 9 ]; }; },
    { name = "v_sentinel"; table = "holding"; address = 28; type = "int16"; invalid = [ -1 ]; }
  ); };
"""


def test_every_type_and_word_order(peer, daemon):
    p = peer()
    p.set("holding", 0, [(-200) & 0xFFFF, 65000])
    for i, o in enumerate(ORDERS):
        p.set("holding", 2 + 2 * i, words32((-123456789) & 0xFFFFFFFF, o))
        p.set("holding", 10 + 2 * i, words32(4000000000, o))
        p.set("holding", 18 + 2 * i, words32(struct.unpack(">I", struct.pack(">f", 21.5))[0], o))
    p.set("holding", 26, [0x0008, 9, 0xFFFF])
    p.set("input", 3, [215])
    p.set("coil", 5, [1])
    p.set("discrete", 7, [1])
    d = daemon([tcp_device("typed", "test-types", p.port)], [("test-types", TYPES_PROFILE)])
    r = d.readings("typed")
    assert r["v_int16"] == (OK, -200, -20)
    assert r["v_uint16"] == (OK, 65000, 65000)
    for o in ORDERS:
        o = o.lower()
        assert r[f"i32_{o}"] == (OK, -123456789, -123456789), o
        assert r[f"u32_{o}"] == (OK, 4000000000, 4000000000), o
        assert r[f"f32_{o}"] == (OK, 21.5, 21.5), o
    assert r["bit3"] == (OK, 1, 1) and r["bit0"] == (OK, 0, 0)
    assert r["v_input"] == (OK, 215, pytest.approx(22.5))
    assert r["v_coil"] == (OK, 1, 1) and r["v_discrete"] == (OK, 1, 1)
    assert r["v_state"] == (OK, 9, 2)          # state code of "fault"
    assert r["v_sentinel"][0] == INVALID
    # Coalescing: holding 0..28 in one read, and one read per other table.
    reqs = {tuple(q[1:]) for q in p.requests()}
    assert reqs == {(3, 0, 29), (4, 3, 1), (1, 5, 1), (2, 7, 1)}


def test_apc_inrow_profile(peer, daemon):
    p = peer()
    p.set("holding", 0, [8])                      # OVERALL_STATUS critical
    p.set("holding", 87, [1])                     # OPERATE_MODE on
    p.set("holding", 92, [0, 752, 0, 600, 0, 806])  # 75.2, 60.0, 80.6 °F
    d = daemon([tcp_device("clim-1", "cooling-apc-inrow", p.port)])
    r = d.readings("clim-1")
    assert r["temperature"] == (OK, 752, 24)
    assert r["supply_temperature"][2] == pytest.approx(15.56, abs=0.01)
    assert r["return_temperature"] == (OK, 806, 27)
    assert r["cooling_state"] == (OK, 1, 0)       # running
    assert r["unit_alarm"] == (OK, 8, 3)          # critical
    assert {tuple(q[1:]) for q in p.requests()} == {(3, 0, 1), (3, 87, 11)}
    p.set("holding", 87, [0])
    for _ in range(3):
        r = d.readings("clim-1")
        if r["cooling_state"][1] == 0:
            break
    assert r["cooling_state"] == (OK, 0, 1)       # stopped


def test_liebert_and_xy_md02_profiles(peer, daemon):
    p = peer("--units", "1,2")
    p.set("input", 99, [1, 0, 16])                # 30100 on, 30102 normal with alarm
    p.set("input", 129, [453])                    # 30130: 45.3 %RH
    p.set("input", 1, [(-52) & 0xFFFF, 612], unit=2)
    d = daemon([tcp_device("liebert", "cooling-liebert-icom", p.port),
                tcp_device("sonde", "probe-xy-md02", p.port, unit=2)])
    r = d.readings("liebert")
    assert r["cooling_state"] == (OK, 1, 0)
    assert r["system_status"] == (OK, 16, 3)
    assert "return_temperature" not in r          # its register is unverified: not shipped
    assert r["return_humidity"][2] == pytest.approx(45.3)
    r = d.readings("sonde")
    assert r["temperature"][2] == pytest.approx(-5.2) and r["humidity"][2] == pytest.approx(61.2)
    reqs = {tuple(q) for q in p.requests()}
    assert (1, 4, 99, 3) in reqs and (1, 4, 129, 1) in reqs and (2, 4, 1, 2) in reqs
    # Standby (2): the backup unit of a lead/lag team, healthy: running, not stopped.
    p.set("input", 99, [2])
    for _ in range(3):
        r = d.readings("liebert")
        if r["cooling_state"][1] == 2:
            break
    assert r["cooling_state"] == (OK, 2, 0)
    p.set("input", 99, [0])
    for _ in range(3):
        r = d.readings("liebert")
        if r["cooling_state"][1] == 0:
            break
    assert r["cooling_state"] == (OK, 0, 1)       # off: stopped


def test_probe_json(peer, tmp_path):
    """envmond --probe --json on a Modbus probe: numbers with 6 significant digits
    (-5.2, not the nearest double -5.2000000000000002), the register read."""
    p = peer()
    p.set("input", 1, [(-52) & 0xFFFF, 612])
    d = Daemon.__new__(Daemon)
    d.dir = tmp_path
    shutil.copytree(TOP / "etc" / "profiles", tmp_path / "profiles", dirs_exist_ok=True)
    conf = d.write_conf([tcp_device("sonde", "probe-xy-md02", p.port)])
    out = subprocess.run([str(ENVMOND), "-c", str(conf), "--probe", "sonde", "--json"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "-5.2000" not in out.stdout and "61.2000" not in out.stdout, out.stdout
    m = {x["name"]: x for x in json.loads(out.stdout)["metrics"]}
    assert m["temperature"]["value"] == -5.2 and m["temperature"]["raw"] == -52
    assert m["humidity"]["value"] == 61.2 and m["temperature"]["source"] == "input 1"


# ---------------------------------------------------------------- exceptions

THREE = """
profile = { name = "test-three"; kind = "probe"; protocol = "modbus";
  metrics = (
    { name = "m0"; table = "holding"; address = 0; },
    { name = "m1"; table = "holding"; address = 1; },
    { name = "m2"; table = "holding"; address = 2; },
    { name = "m9"; table = "input"; address = 9; }
  ); };
"""


def test_illegal_address_is_retried_one_by_one(peer, daemon):
    p = peer()
    p.set("holding", 0, [10, 11, 12])
    p.set("input", 9, [99])
    p.ctl(op="exception", table="holding", address=1, code=2)
    d = daemon([tcp_device("dev", "test-three", p.port)], [("test-three", THREE)])
    r = d.readings("dev")
    assert r["m0"] == (OK, 10, 10) and r["m2"] == (OK, 12, 12) and r["m9"] == (OK, 99, 99)
    assert r["m1"][0] == ABSENT
    d.wait_for(r"dev: m1: Modbus exception 2 \(Illegal data address\)")
    reqs = [tuple(q[1:]) for q in p.requests()]
    assert reqs[:4] == [(3, 0, 3), (3, 0, 1), (3, 1, 1), (3, 2, 1)]
    assert not any("no answer" in l for l in d.log())


@pytest.mark.parametrize("code,text", [(6, r"Modbus exception 6 \(Slave device or server is busy\)"),
                                       (1, r"Modbus exception 1 \(Illegal function\)"),
                                       (4, r"Modbus exception 4 \(Slave device or server failure\)")])
def test_exception_marks_the_request_metrics(peer, daemon, code, text):
    p = peer()
    p.set("input", 9, [99])
    p.ctl(op="exception", table="holding", address=0, code=code)
    d = daemon([tcp_device("dev", "test-three", p.port)], [("test-three", THREE)])
    r = d.readings("dev")
    want = ABSENT if code == 1 else ERROR
    assert [r[m][0] for m in ("m0", "m1", "m2")] == [want] * 3
    assert r["m9"] == (OK, 99, 99)
    d.wait_for(rf"dev: m0: {text}; m1: {text}; m2: {text}")
    assert not any("no answer" in l for l in d.log())   # the device did answer
    # Beyond debug, as a notice, rate-limited: once for these polls.
    d.wait_for(rf"^envmond: notice: dev: m0: {text}")
    d.readings("dev")
    assert sum(l.startswith("envmond: notice: dev: m0:") for l in d.log()) == 1
    p.ctl(op="exception", table="holding", address=0, code=0)
    d.wait_for(r"^envmond: notice: dev: every metric read again", timeout=15)


def test_gateway_target_failed_is_no_answer(peer, daemon):
    p = peer()
    p.ctl(op="exception", table="holding", address=0, code=11)
    d = daemon([tcp_device("behind-gw", "test-three", p.port, dead_time=1)], [("test-three", THREE)])
    d.wait_for(r"behind-gw: no answer \(the gateway 127\.0\.0\.1:\d+ answered for unit 1: "
               r"Modbus exception 11 \(Target device failed to respond\)\)")
    d.wait_for(r"behind-gw: contact lost after 1 polls")


# ---------------------------------------------------------------- silence, restarts

def test_silent_device_contact_lost_then_back(peer, daemon):
    p = peer()
    p.set("holding", 0, [1, 2, 3])
    d = daemon([tcp_device("dev", "test-three", p.port, timeout=300, dead_time=2)],
               [("test-three", THREE)])
    d.readings("dev")
    p.ctl(op="silent", on=True)
    i = d.wait_for(r"dev: no answer \(no answer from unit 1 on 127\.0\.0\.1:\d+ within 300 ms \(1 tries\)\)")
    d.wait_for(r"dev: contact lost after 2 polls without an answer", start=i)
    p.ctl(op="silent", on=False)
    d.wait_for(r"dev: answering again", timeout=30)
    assert sum("contact lost" in l for l in d.log()) == 1
    assert sum("dev: no answer" in l for l in d.log()) == 1   # rate-limited: logged once


def test_server_restart_and_dropped_connection(peer, daemon):
    p = peer()
    p.set("holding", 0, [5, 6, 7])
    d = daemon([tcp_device("dev", "test-three", p.port, dead_time=5)], [("test-three", THREE)])
    d.readings("dev")
    # A gateway that closes the connection while idle: reopened at once, no poll lost.
    p.ctl(op="drop")
    r = d.readings("dev")
    assert r["m0"] == (OK, 5, 5)
    assert not any("no answer" in l or "Modbus link" in l and "warning" in l for l in d.log())
    # The server goes away: one link warning, however many polls fail.
    p.stop()
    d.wait_for(r"Modbus link 127\.0\.0\.1:\d+: Connection refused; reconnecting at the next poll")
    d.wait_for(r"dev: no answer", timeout=20)
    n = len(d.log())
    time.sleep(6)   # more failed polls: still no new link line
    p.start()
    p.set("holding", 0, [8, 6, 7])
    i = d.wait_for(r"Modbus link 127\.0\.0\.1:\d+: connected again", timeout=20, start=n)
    d.wait_for(r"dev: m0 status=0 raw=8 ", start=i)
    assert sum("Connection refused" in l for l in d.log()) <= 2   # the link's line, the device's line


def test_silent_device_does_not_delay_another_link(peer, daemon):
    """Two TCP links: one device never answers (2 s timeout, 2 retries: 6 s per poll,
    longer than the interval); the other's polls keep their 5 s pace. (For Modbus
    beside SNMP, see test_silent_modbus_device_does_not_delay_snmp.)"""
    mute, good = peer(), peer()
    mute.ctl(op="silent", on=True)
    good.set("holding", 0, [1, 2, 3])
    d = daemon([tcp_device("mute", "test-three", mute.port, timeout=2000, retries=2),
                tcp_device("good", "test-three", good.port)], [("test-three", THREE)])
    d.wait_for(r"good: m0 status=0", timeout=10)
    time.sleep(16)
    with d.lock:
        times = [t for t, l in d.lines if l.startswith("envmond: debug: good: m0 status=0")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) >= 2, gaps
    # 5 s apart, give or take a loaded CI machine; a poll waiting on the mute device
    # would come 6 s (its timeout x tries) or more after the last.
    assert all(4.4 < g < 5.8 for g in gaps), gaps
    assert any("mute: no answer" in l for l in d.log())


def test_silent_modbus_device_does_not_delay_snmp(peer, daemon, snmpsim):
    """One loop, two drivers: a Modbus device that never answers (2 s timeout, 2 retries:
    6 s of waiting per poll, in its link's worker thread) and an SNMP UPS (snmpsim) whose
    polls keep their 5 s pace on the loop thread."""
    mute = peer()
    mute.ctl(op="silent", on=True)
    ups = ('{ name = "ups"; profile = "ups-rfc1628"; interval = 5; timeout = 1000; retries = 1; '
           'snmp = { host = "127.0.0.1"; port = %d; version = "2c"; community = "ups-rfc1628"; }; }'
           % snmpsim.port)
    d = daemon([tcp_device("mute", "test-three", mute.port, timeout=2000, retries=2), ups],
               [("test-three", THREE)])
    d.wait_for(r"ups: ups_load status=0", timeout=10)
    time.sleep(16)
    with d.lock:
        times = [t for t, l in d.lines if l.startswith("envmond: debug: ups: ups_load status=0")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) >= 2, gaps
    # 5 s apart, give or take a loaded CI machine; a poll waiting on the mute device
    # would come 6 s (its timeout x tries) or more after the last.
    assert all(4.4 < g < 5.8 for g in gaps), gaps
    assert any("mute: no answer" in l for l in d.log())


# ---------------------------------------------------------------- RTU over a pty pair

@pytest.fixture
def pty_pair(tmp_path):
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"
    proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while not (a.exists() and b.exists()):
        assert time.monotonic() < deadline, "socat made no pty pair"
        time.sleep(0.05)
    yield a, b
    proc.terminate()
    proc.wait(timeout=5)


@pytest.mark.parametrize("parity", ["E", "N"])
def test_rtu_bus_two_probes(peer, daemon, pty_pair, parity):
    ours, theirs = pty_pair
    # The peer's end stays 8N1: this kernel's pty driver refuses PARENB (tcsetattr
    # answers EINVAL, which makes pyserial fail) and a pty carries bytes unchanged
    # whatever the framing, so only envmond's end can show the parity it was given.
    p = peer("--serial", str(theirs), "--parity", "N", "--units", "1,2", tcp=False)
    p.set("input", 1, [231, 456], unit=1)
    p.set("input", 1, [(-15) & 0xFFFF, 801], unit=2)
    serial = (f'serial = "{ours}"; baud = 9600; parity = "{parity}"; data_bits = 8; stop_bits = 1; '
              f'turnaround = 20;')
    d = daemon([f'{{ name = "sonde-{u}"; profile = "probe-xy-md02"; interval = 5; timeout = 1000; '
                f'modbus = {{ {serial} unit = {u}; }}; }}' for u in (1, 2)])
    r1, r2 = d.readings("sonde-1"), d.readings("sonde-2")
    assert r1["temperature"][2] == pytest.approx(23.1) and r1["humidity"][2] == pytest.approx(45.6)
    assert r2["temperature"][2] == pytest.approx(-1.5) and r2["humidity"][2] == pytest.approx(80.1)
    assert {tuple(q) for q in p.requests()} == {(1, 4, 1, 2), (2, 4, 1, 2)}
    # Read back the framing envmond put on its end: parity checking of input (INPCK)
    # follows the parity; PARENB itself, where the pty driver keeps it.
    fd = os.open(ours, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        iflag, _, cflag = termios.tcgetattr(fd)[:3]
    finally:
        os.close(fd)
    assert bool(iflag & termios.INPCK) == (parity != "N")
    if cflag & termios.PARENB:
        assert parity != "N" and not cflag & termios.PARODD
    assert cflag & termios.CSIZE == termios.CS8 and not cflag & termios.CSTOPB


def rtu_probe(name, tty, parity, unit):
    return (f'{{ name = "{name}"; profile = "probe-xy-md02"; interval = 5; timeout = 1000; '
            f'modbus = {{ serial = "{tty}"; baud = 9600; parity = "{parity}"; unit = {unit}; }}; }}')


def input_parity_check(tty):
    """Whether envmond's end of the pty checks the parity of input (INPCK), and PARODD."""
    fd = os.open(tty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        iflag, _, cflag = termios.tcgetattr(fd)[:3]
    finally:
        os.close(fd)
    return bool(iflag & termios.INPCK), bool(cflag & termios.PARENB and cflag & termios.PARODD)


@pytest.mark.parametrize("units", [(1,), (1, 2)])
def test_rtu_reload_applies_new_serial_settings(peer, daemon, pty_pair, units):
    """A reload that changes the parity reopens the port with it, twice in a row (the
    second reload used to read the freed name of the first configuration's device).
    One probe: its link is retired and a new one opened; two probes on the bus: the
    bus takes the new settings of the device it followed."""
    ours, theirs = pty_pair
    p = peer("--serial", str(theirs), "--parity", "N", "--units", ",".join(map(str, units)), tcp=False)
    for u in units:
        p.set("input", 1, [200 + u, 500], unit=u)
    d = daemon([rtu_probe(f"sonde-{u}", ours, "E", u) for u in units])
    d.readings("sonde-1")
    assert input_parity_check(ours)[0]
    for k, parity in enumerate(("N", "O")):
        i = d.reload([rtu_probe(f"sonde-{u}", ours, parity, u) for u in units])
        for u in units:
            p.set("input", 1, [210 + 10 * k + u, 500], unit=u)
        for u in units:
            d.wait_for(rf"sonde-{u}: temperature status=0 raw={210 + 10 * k + u} ", start=i)
        checks, odd = input_parity_check(ours)
        assert checks == (parity != "N"), parity
        assert not odd or parity == "O"
    assert not any("asks for other serial settings" in l for l in d.log())
    assert not any("no answer" in l for l in d.log())


def test_reload_to_another_host_stops_the_old_worker(peer, daemon):
    """A TCP device moved to another gateway: the old link's thread ends."""
    a, b = peer(), peer()
    for x in (a, b):
        x.set("holding", 0, [1, 2, 3])
    d = daemon([tcp_device("dev", "test-three", a.port)], [("test-three", THREE)])
    d.readings("dev")
    threads = len(os.listdir(f"/proc/{d.proc.pid}/task"))
    for x in (b, a, b):
        x.set("holding", 0, [x.port % 1000, 2, 3])
        i = d.reload([tcp_device("dev", "test-three", x.port)])
        d.wait_for(rf"dev: m0 status=0 raw={x.port % 1000} ", start=i)
    assert len(os.listdir(f"/proc/{d.proc.pid}/task")) == threads


def test_rtu_adapter_unplugged_and_back(peer, daemon, tmp_path):
    """The serial device disappears (USB adapter unplugged) and comes back."""
    a, b = tmp_path / "ttyA", tmp_path / "ttyB"

    def socat():
        proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                                stderr=subprocess.DEVNULL)
        while not (a.exists() and b.exists()):
            time.sleep(0.05)
        return proc
    link = socat()
    p = peer("--serial", str(b), "--parity", "N", tcp=False)   # see test_rtu_bus_two_probes
    p.set("input", 1, [200, 500])
    d = daemon([f'{{ name = "sonde"; profile = "probe-xy-md02"; interval = 5; timeout = 500; '
                f'retries = 0; dead_time = 1; modbus = {{ serial = "{a}"; unit = 1; }}; }}'])
    d.readings("sonde")
    p.stop()
    link.terminate()
    link.wait()
    d.wait_for(r"sonde: no answer", timeout=15)
    d.wait_for(r"Modbus link .*ttyA: No such file or directory; reconnecting at the next poll", timeout=15)
    link = socat()
    try:
        p.args = ["--serial", str(b), "--parity", "N"]
        p.start()
        p.set("input", 1, [210, 500])
        d.wait_for(r"sonde: answering again", timeout=30)
        d.wait_for(r"sonde: temperature status=0 raw=210 ")
    finally:
        p.stop()
        link.terminate()
        link.wait()
