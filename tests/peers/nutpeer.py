"""Network UPS Tools' own upsd with the dummy-ups driver, on 127.0.0.1, for the NUT tests.

/sbin/upsd is a wrapper that exits when /etc/nut/nut.conf says MODE=none, so this runs
/lib/nut/upsd and /lib/nut/dummy-ups directly, with NUT_CONFPATH, NUT_STATEPATH and
NUT_ALTPIDPATH in the test's directory. Each UPS is a dummy-ups reading a .dev file
(the format of an upsc dump); values change live with upsrw (set()), the file stays
the start-up state. The driver can be frozen (stale data), killed (driver not
connected) and restarted; upsd stopped and restarted on the same port.

Debian packages: nut-server (upsd, dummy-ups), nut-client (upsc, upsrw)."""
import getpass
import os
import signal
import subprocess
import time
from pathlib import Path

from peerlib import HOST, Process, free_port, tcp_accepts, wait_until

UPSD = Path('/lib/nut/upsd')
DUMMY_UPS = Path('/lib/nut/dummy-ups')
UPSC = 'upsc'
UPSRW = 'upsrw'
LIFETIME_S = '600'
USER, PASSWORD = 'envmon-test', 'Pa55-nut-test'
MAXAGE_S = 2     # upsd declares a silent driver's data stale after this


def missing():
    """Why the NUT peer cannot run here, or None."""
    for path in (UPSD, DUMMY_UPS):
        if not path.is_file():
            return '%s is absent (Debian package nut-server)' % path
    for tool in (UPSC, UPSRW):
        if subprocess.run(['sh', '-c', 'command -v %s' % tool], capture_output=True).returncode:
            return '%s is absent (Debian package nut-client)' % tool
    return None


class NutServer:
    """upsd on a free port serving dummy-ups units: ups = {name: {var: value}}."""

    def __init__(self, workdir, ups, port=None):
        self.dir = Path(workdir)
        self.state = self.dir / 'state'
        self.port = port or free_port()
        self.ups = ups
        self.upsd = None
        self.drivers = {}
        self.env = dict(os.environ, NUT_CONFPATH=str(self.dir), NUT_STATEPATH=str(self.state),
                        NUT_ALTPIDPATH=str(self.state))
        self.run_as = getpass.getuser()

    def _write(self):
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)
        ups_conf = []
        for name, variables in self.ups.items():
            (self.dir / ('%s.dev' % name)).write_text(
                ''.join('%s: %s\n' % kv for kv in variables.items()))
            ups_conf.append('[%s]\n\tdriver = dummy-ups\n\tport = %s.dev\n\tdesc = "test %s"\n'
                            % (name, name, name))
        (self.dir / 'ups.conf').write_text(''.join(ups_conf))
        (self.dir / 'upsd.conf').write_text('LISTEN %s %d\nMAXAGE %d\n' % (HOST, self.port, MAXAGE_S))
        users = self.dir / 'upsd.users'
        users.write_text('[%s]\n\tpassword = %s\n\tactions = SET\n' % (USER, PASSWORD))
        for f in ('ups.conf', 'upsd.conf', 'upsd.users'):
            os.chmod(self.dir / f, 0o600)

    def _argv(self, program, *args):
        env = ['%s=%s' % (k, self.env[k]) for k in ('NUT_CONFPATH', 'NUT_STATEPATH', 'NUT_ALTPIDPATH')]
        return ['timeout', LIFETIME_S, 'env', *env, str(program), *args]

    def start_driver(self, name, wait=True):
        proc = Process(self._argv(DUMMY_UPS, '-a', name, '-F', '-u', self.run_as),
                       self.dir / ('dummy-ups-%s.log' % name)).start()
        self.drivers[name] = proc
        if wait and self.upsd:
            wait_until(lambda: self._ready(name), 15, 'dummy-ups %s ready in upsd' % name)

    def start_upsd(self):
        self.upsd = Process(self._argv(UPSD, '-F', '-u', self.run_as), self.dir / 'upsd.log').start()

        def up():
            self.upsd.check_running()
            return tcp_accepts(self.port)
        wait_until(up, 15, 'upsd on port %d' % self.port)

    def start(self):
        self._write()
        for name in self.ups:
            self.start_driver(name, wait=False)
        self.start_upsd()
        for name in self.ups:
            wait_until(lambda: self._ready(name), 15, 'dummy-ups %s ready in upsd' % name)
        return self

    def _ready(self, name):
        """The driver has published its variables, writable ones flagged (upsrw -l)."""
        r = subprocess.run([UPSRW, '-l', self.address(name)], capture_output=True, text=True,
                           env=self.env, timeout=10)
        return r.returncode == 0 and '[ups.status]' in r.stdout

    def address(self, name):
        return '%s@%s:%d' % (name, HOST, self.port)

    def set(self, name, **variables):
        """upsrw each var (dots as '_': battery_charge=40) and wait until upsd has them."""
        for key, value in variables.items():
            var = key.replace('_', '.')
            # Just after a thaw, upsd answers DATA-STALE until the driver's next update.
            deadline = time.monotonic() + 10
            while True:
                r = subprocess.run([UPSRW, '-s', '%s=%s' % (var, value), '-u', USER, '-p', PASSWORD,
                                    self.address(name)], capture_output=True, text=True, env=self.env,
                                   timeout=10)
                if 'DATA-STALE' not in r.stdout + r.stderr or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert r.returncode == 0 and 'OK' in r.stdout + r.stderr, r.stdout + r.stderr
        wait_until(lambda: all(self.get(name, k.replace('_', '.')) == str(v)
                               for k, v in variables.items()), 10, 'upsd to publish %s' % variables)

    def get(self, name, var):
        r = subprocess.run([UPSC, self.address(name), var], capture_output=True, text=True,
                           env=self.env, timeout=10)
        return r.stdout.strip() if r.returncode == 0 else None

    def _signal_driver(self, name, signo):
        os.killpg(self.drivers[name].popen.pid, signo)

    def freeze_driver(self, name):
        """SIGSTOP: upsd keeps the socket but hears nothing: DATA-STALE after MAXAGE."""
        self._signal_driver(name, signal.SIGSTOP)

    def thaw_driver(self, name):
        self._signal_driver(name, signal.SIGCONT)

    def kill_driver(self, name):
        """The driver exits: DRIVER-NOT-CONNECTED."""
        self._signal_driver(name, signal.SIGCONT)
        self.drivers.pop(name).stop()

    def stop_upsd(self):
        if self.upsd:
            self.upsd.stop()
            self.upsd = None

    def stop(self):
        for name in list(self.drivers):
            self._signal_driver(name, signal.SIGCONT)
            self.drivers.pop(name).stop()
        self.stop_upsd()


# A UPS on mains, as demo.sh shows it.
DEMO_UPS = {'ups.status': 'OL', 'battery.charge': '100', 'battery.runtime': '2400', 'ups.load': '18',
            'input.voltage': '231.0', 'input.frequency': '50.0', 'output.voltage': '230.0',
            'battery.date': '2025/06/02', 'ups.test.result': 'Done and passed',
            'device.mfr': 'Eaton', 'device.model': '5E 850i USB'}


def main(argv):
    """For shell scripts (demo.sh): start WORKDIR NAME (prints the port and leaves upsd
    and dummy-ups running, their process groups in WORKDIR/pids), stop WORKDIR."""
    import sys
    if len(argv) == 3 and argv[0] == 'start':
        server = NutServer(argv[1], {argv[2]: dict(DEMO_UPS)}).start()
        pgids = [server.upsd.popen.pid] + [p.popen.pid for p in server.drivers.values()]
        (server.dir / 'pids').write_text(''.join('%d\n' % p for p in pgids))
        print(server.port)
        sys.stdout.flush()
    elif len(argv) == 2 and argv[0] == 'stop':
        pids = Path(argv[1]) / 'pids'
        for line in pids.read_text().split() if pids.exists() else []:
            try:
                os.killpg(int(line), signal.SIGTERM)
            except ProcessLookupError:
                pass
        if pids.exists():
            pids.unlink()
    else:
        raise SystemExit('usage: nutpeer.py start DIR NAME | stop DIR')


if __name__ == '__main__':
    import sys
    main(sys.argv[1:])
