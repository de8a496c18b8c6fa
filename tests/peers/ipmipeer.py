"""OpenIPMI's ipmi_sim as a server's BMC on 127.0.0.1, for the IPMI tests.

The BMC's sensors are ipmi/bmc.sdrs (compiled by sdrcomp into the state directory,
where ipmi_sim looks for its persistent SDR repository: <state>/ipmi_sim/<name>/
sdr.20.main) and ipmi/bmc.emu (the sensors and their start values). lan.conf is
written per test: an RMCP+ LAN channel on a free UDP port, one admin user, and the
simulator's console on a free TCP port, through which set() changes a sensor live.
The BMC can be killed and started again on the same ports.

FreeIPMI talks to ipmi_sim over LAN 2.0 only with the "opensesspriv" workaround
(without it: "privilege level cannot be obtained for this user").

Debian package: openipmi (ipmi_sim, sdrcomp)."""
import shutil
import socket
import subprocess
from pathlib import Path

from peerlib import HOST, Process, free_port, wait_until

HERE = Path(__file__).resolve().parent
SDRS = HERE / 'ipmi' / 'bmc.sdrs'
EMU = HERE / 'ipmi' / 'bmc.emu'
NAME = 'envbmc'
USER, PASSWORD = 'envmon', 'Pa55-bmc-test'
SENSORS = {'Inlet Temp': 1, 'Exhaust Temp': 2, 'PSU1 Inlet Temp': 3, 'CPU1 Temp': 4}


def missing():
    """Why the IPMI peer cannot run here, or None."""
    for tool in ('ipmi_sim', 'sdrcomp'):
        if not shutil.which(tool):
            return '%s is absent (Debian package openipmi)' % tool
    return None


class IpmiSim:
    """ipmi_sim on a free UDP port with its console on a free TCP port."""

    def __init__(self, workdir, port=None):
        self.dir = Path(workdir)
        self.port = port or free_port()
        self.console_port = free_port()
        self.proc = None

    def _prepare(self):
        sdr_dir = self.dir / 'state' / 'ipmi_sim' / NAME
        sdr_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(['sdrcomp', '-o', str(sdr_dir / 'sdr.20.main'), str(SDRS)], check=True,
                       capture_output=True)
        (self.dir / 'lan.conf').write_text('''name "%(name)s"
set_working_mc 0x20
  startlan 1
    addr %(host)s %(port)d
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "%(user)s" "%(password)s" admin 10 md5
console %(host)s %(console)d
''' % {'name': NAME, 'host': HOST, 'port': self.port, 'user': USER, 'password': PASSWORD,
       'console': self.console_port})

    def start(self):
        self._prepare()
        self.proc = Process(['ipmi_sim', '-n', '-c', self.dir / 'lan.conf', '-f', EMU,
                             '-s', self.dir / 'state'], self.dir / 'ipmi_sim.log').start()
        # The console's socket listens before the command file has run: the BMC is up
        # once the console prompts (ipmi_sim's main loop is running).
        wait_until(lambda: self._prompts() or not self.proc.running(), 10,
                   'ipmi_sim console on port %d' % self.console_port)
        self.proc.check_running()
        return self

    def _prompts(self):
        try:
            with socket.create_connection((HOST, self.console_port), timeout=1) as s:
                self._until_prompt(s, b'')
            return True
        except (OSError, RuntimeError):
            return False

    def set(self, sensor, value):
        """Sets a sensor's reading (whole degrees) through the console, which echoes the
        command and prompts again ("> ") once it is done. ("quit" would end ipmi_sim.)"""
        command = b'sensor_set_value 0x20 0 %d %d 0\n' % (SENSORS[sensor], value)
        with socket.create_connection((HOST, self.console_port), timeout=5) as s:
            answer = self._until_prompt(s, b'')
            s.sendall(command)
            answer = self._until_prompt(s, b'')
        if b'rror' in answer or b'nvalid' in answer:
            raise RuntimeError('ipmi_sim refused %r: %r' % (command, answer))

    @staticmethod
    def _until_prompt(s, answer):
        while not answer.endswith(b'> '):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError('ipmi_sim closed its console')
            answer += chunk
        return answer

    def kill(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

    def stop(self):
        self.kill()


def main(argv):
    """For shell scripts (demo.sh): start WORKDIR (prints "PORT CONSOLE_PORT" and leaves
    ipmi_sim running, its pid in WORKDIR/ipmi_sim.pid), set CONSOLE_PORT SENSOR VALUE,
    stop WORKDIR."""
    import os
    import signal
    if len(argv) == 2 and argv[0] == 'start':
        sim = IpmiSim(argv[1]).start()
        (sim.dir / 'ipmi_sim.pid').write_text('%d\n' % sim.proc.popen.pid)
        print(sim.port, sim.console_port)
    elif len(argv) == 4 and argv[0] == 'set':
        sim = IpmiSim('.', port=0)
        sim.console_port = int(argv[1])
        sim.set(argv[2], int(argv[3]))
    elif len(argv) == 2 and argv[0] == 'stop':
        pid_file = Path(argv[1]) / 'ipmi_sim.pid'
        if pid_file.exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
            pid_file.unlink()
    else:
        raise SystemExit('usage: ipmipeer.py start DIR | set CONSOLE_PORT SENSOR VALUE | stop DIR')


if __name__ == '__main__':
    import sys
    main(sys.argv[1:])
