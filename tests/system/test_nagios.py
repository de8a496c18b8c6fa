"""check_envmon under a real Nagios (issue #16): Debian's nagios4 with a minimal
configuration in a temporary directory (interval_length=1, so a check_interval of 1 is
one second) runs the plugin against a running envmond whose simulated probe heats the
rack past the specification and cools it again; status.dat holds the state and the
perfdata. The plugin alone: the dead-man's switch when envmond is gone or frozen.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from peerlib import free_port
from test_agentx import room  # noqa: F401  (the fixture, used by name)
from test_ops import BUILD, Daemon, REPO, config_text, ensure_test_user, wait_until

CHECK = BUILD / 'src' / 'ctl' / 'check_envmon'
NAGIOS = shutil.which('nagios4') or '/usr/sbin/nagios4'

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='envmond runs as root to drop to its user')


def start_envmond(room, scenario):
    ensure_test_user()
    (room / 'room.scn').write_text(scenario)
    probe = '{ name = "sonde-1"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }' % (
        room / 'room.scn')
    (room / 'envmond.conf').write_text(config_text(
        room, [probe], servers='{ name = "srv-comci"; role = "comci"; }', probes=['sonde-1'],
        extra='specs = { default = { temperature = { hold = 0; clear_hold = 0; }; }; };'))
    daemon = Daemon(room)
    daemon.start()
    return daemon


def check(*args, env=None):
    r = subprocess.run([str(CHECK), *args], capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, **(env or {})))
    return r.returncode, r.stdout


def test_plugin_ok_perfdata_and_dead_man(room):
    daemon = start_envmond(room, 'temperature = 22.5\nhumidity = 41\n')
    sock = str(daemon.sock)
    try:
        assert wait_until(lambda: daemon.device('sonde-1')['answers'] >= 1, 10)
        started = time.monotonic()
        rc, out = check('-s', sock)
        elapsed = time.monotonic() - started
        print('check_envmon answered in %.3f s' % elapsed)
        assert elapsed < 1.0
        assert rc == 0, out
        first = out.splitlines()[0]
        assert first.startswith('ENVMON OK: TJ-TST: 1 device, no open incident | '), out
        perf = first.split(' | ', 1)[1]
        # Ranges from the spec's envelope (recommended 18-27 °C, allowable 15-32 °C).
        assert "'sonde-1#temperature'=22.5;18:27;15:32;;" in perf.split(), perf
        assert re.search(r"'sonde-1#humidity'=41%;[0-9.~]*:[0-9.]*;", perf), perf
        # In French (the build's catalogue), numbers still in the C locale.
        loc = room / 'locale' / 'fr' / 'LC_MESSAGES'
        loc.mkdir(parents=True)
        shutil.copy(BUILD / 'po' / 'fr.gmo' if (BUILD / 'po' / 'fr.gmo').exists() else REPO / 'po' / 'fr.gmo',
                    loc / 'envmond.mo')
        rc, out_fr = check('-s', sock, env={'LC_ALL': 'C.UTF-8', 'LANGUAGE': 'fr',
                                            'ENVMOND_LOCALEDIR': str(room / 'locale')})
        assert rc == 0 and out_fr.startswith('ENVMON OK: TJ-TST : 1 équipement, aucun incident ouvert'), out_fr
        assert "=22.5;18:27;15:32;;" in out_fr, out_fr
        # Selection: an unknown device is UNKNOWN; a criterion restricts the perfdata.
        rc, out = check('-s', sock, '-D', 'nope')
        assert rc == 3 and out.startswith('ENVMON UNKNOWN: no device named nope'), out
        rc, out = check('-s', sock, '-C', 'humidity')
        assert rc == 0 and 'temperature' not in out and "'sonde-1#humidity'" in out, out

        # Frozen daemon: the socket accepts, nothing answers -> UNKNOWN within the timeout.
        daemon.proc.send_signal(signal.SIGSTOP)
        try:
            rc, out = check('-s', sock, '-t', '1')
            assert rc == 3 and out.startswith('ENVMON UNKNOWN: no valid answer from envmond'), out
            rc, out = check('-s', sock, '-t', '1', '--dead-critical')
            assert rc == 2 and out.startswith('ENVMON CRITICAL: '), out
        finally:
            daemon.proc.send_signal(signal.SIGCONT)
        daemon.stop()
        # Gone: UNKNOWN, or CRITICAL by option.
        rc, out = check('-s', sock)
        assert rc == 3 and out.startswith('ENVMON UNKNOWN: envmond is not reachable at %s' % sock), out
        rc, out = check('-s', sock, '-x')
        assert rc == 2 and out.startswith('ENVMON CRITICAL: envmond is not reachable'), out
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()


NAGIOS_CFG = """log_file={base}/nagios.log
cfg_file={base}/objects.cfg
object_cache_file={base}/objects.cache
precached_object_file={base}/objects.precache
status_file={base}/status.dat
status_update_interval=1
nagios_user=root
nagios_group=root
check_external_commands=0
command_file={base}/nagios.cmd
lock_file={base}/nagios.lock
temp_file={base}/nagios.tmp
temp_path={base}
check_result_path={base}/checkresults
state_retention_file={base}/retention.dat
retain_state_information=0
interval_length=1
max_service_check_spread=1
service_inter_check_delay_method=n
service_interleave_factor=1
enable_notifications=0
enable_event_handlers=0
enable_flap_detection=0
process_performance_data=0
use_syslog=0
check_for_orphaned_services=0
check_service_freshness=0
service_check_timeout=10
"""

OBJECTS_CFG = """define command {{
  command_name check_envmon
  command_line {check} -s {sock} -S srv-comci -C temperature
}}
define command {{
  command_name none
  command_line /bin/true
}}
define timeperiod {{
  timeperiod_name always
  alias always
  sunday 00:00-24:00
  monday 00:00-24:00
  tuesday 00:00-24:00
  wednesday 00:00-24:00
  thursday 00:00-24:00
  friday 00:00-24:00
  saturday 00:00-24:00
}}
define contact {{
  contact_name nobody
  service_notification_period always
  host_notification_period always
  service_notification_options n
  host_notification_options n
  service_notification_commands none
  host_notification_commands none
}}
define host {{
  host_name tj-tst
  address 127.0.0.1
  max_check_attempts 1
  check_period always
  active_checks_enabled 0
  contacts nobody
  notification_period always
}}
define service {{
  host_name tj-tst
  service_description envmon
  check_command check_envmon
  max_check_attempts 1
  check_interval 1
  retry_interval 1
  check_period always
  notification_period always
  contacts nobody
}}
"""


def service_status(base):
    """current_state, plugin_output and performance_data of the service in status.dat."""
    path = base / 'status.dat'
    if not path.exists():
        return None
    text = path.read_text(errors='replace')
    m = re.search(r'servicestatus \{(.*?)\}', text, re.S)
    if not m:
        return None
    fields = dict(line.strip().split('=', 1) for line in m.group(1).splitlines() if '=' in line)
    if fields.get('has_been_checked') != '1':
        return None
    return int(fields['current_state']), fields['plugin_output'], fields.get('performance_data', '')


@pytest.mark.skipif(not Path(NAGIOS).exists(), reason='nagios4 (Debian nagios4-core) is needed')
def test_nagios_ok_critical_ok_unknown(room):
    # The service watches the temperature criterion of srv-comci (the jumps also open
    # rate-of-change incidents, which outlast the heat).
    # The rack heats from 8 s to 18 s after the probe opens (polls every 5 s).
    daemon = start_envmond(room, 'temperature = 22.5\nhumidity = 41\ntemperature = 35 @ 8s..18s\n')
    nag = room / 'nagios'
    (nag / 'checkresults').mkdir(parents=True)
    (nag / 'nagios.cfg').write_text(NAGIOS_CFG.format(base=nag))
    (nag / 'objects.cfg').write_text(OBJECTS_CFG.format(check=CHECK, sock=daemon.sock))
    v = subprocess.run([NAGIOS, '-v', str(nag / 'nagios.cfg')], capture_output=True, text=True, timeout=30)
    assert v.returncode == 0 and 'Total Errors:   0' in v.stdout, v.stdout
    proc = subprocess.Popen([NAGIOS, str(nag / 'nagios.cfg')], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    seen = []

    def state_is(want):
        st = service_status(nag)
        if st and (not seen or seen[-1] != st[0]):
            seen.append(st[0])
        # (The first check may run before the first poll: no perfdata yet.)
        return st if st and st[0] == want and (st[2] or want == 3) else None
    try:
        ok = wait_until(lambda: state_is(0), 15)
        assert ok, (service_status(nag), (nag / 'nagios.log').read_text(errors='replace'))
        assert ok[1].startswith('ENVMON OK: TJ-TST'), ok
        assert "'sonde-1#temperature'=22.5;18:27;15:32;;" in ok[2], ok
        crit = wait_until(lambda: state_is(2), 25)
        assert crit, service_status(nag)
        assert crit[1].startswith('ENVMON CRITICAL: TJ-TST: '), crit
        assert "'sonde-1#temperature'=35;18:27;15:32;;" in crit[2], crit
        back = wait_until(lambda: state_is(0), 25)
        assert back, service_status(nag)
        daemon.stop()
        gone = wait_until(lambda: state_is(3), 10)
        assert gone and gone[1].startswith('ENVMON UNKNOWN: envmond is not reachable'), service_status(nag)
        assert seen[:4] == [0, 2, 0, 3], seen
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if daemon.proc.poll() is None:
            daemon.proc.kill()


def test_plugin_mail_spool_failing(room):
    """A mail server that refuses connections: the alert stays in the spool with its error,
    and the check says so once it has waited longer than -m."""
    ensure_test_user()
    (room / 'room.scn').write_text('temperature = 35\nhumidity = 41\n')
    probe = '{ name = "sonde-1"; profile = "sim-probe"; interval = 5; sim = { scenario = "%s"; }; }' % (
        room / 'room.scn')
    (room / 'envmond.conf').write_text(config_text(
        room, [probe], servers='{ name = "srv-comci"; role = "comci"; }', probes=['sonde-1'],
        extra='specs = { default = { temperature = { hold = 0; clear_hold = 0; }; }; };', mail=free_port()))
    daemon = Daemon(room, env={'ENVMOND_MAIL_RETRY_S': '1'})
    daemon.start()
    try:
        def failing():
            sp = daemon.status()['spool']
            return sp if sp.get('pending', 0) > 0 and sp.get('last_error') else None
        assert wait_until(failing, 15), daemon.status()['spool']
        # Without an incident selected: UNKNOWN, or CRITICAL by option; a critical
        # incident stays CRITICAL, the spool's failure added to its line.
        rc, out = check('-s', str(daemon.sock), '-m', '0', '-C', 'humidity')
        assert rc == 3, out
        assert re.match(r'ENVMON UNKNOWN: TJ-TST: 1 device, no open incident, mail spool failing for 0 min '
                        r'\(1 pending\): .*Connection refused', out), out
        rc, out = check('-s', str(daemon.sock), '-m', '0', '-C', 'humidity', '-x')
        assert rc == 2, out
        rc, out = check('-s', str(daemon.sock), '-m', '0')
        assert rc == 2 and 'mail spool failing' in out.splitlines()[0], out
        # Within the default hour the incidents alone decide.
        rc, out = check('-s', str(daemon.sock))
        assert rc == 2 and 'mail spool' not in out.splitlines()[0], out
        daemon.stop()
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
