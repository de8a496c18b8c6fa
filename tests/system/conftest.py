"""pytest glue for the system tests: real peers on 127.0.0.1, and the built programs.

The peers and their fixtures live in tests/peers/peerlib.py (tests/peers/README.md
tells how each peer behaves and how to drive it); this file makes them available
to every test under tests/system. Built programs are looked up under
$ENVMOND_BUILDDIR (default: the repository root): src/daemon/envmond,
src/report/envmon-report, src/ctl/envmonctl.

Fixtures (function scope unless said otherwise; each stops what it started):
  snmpsim_agent(datadir)      factory -> SnmpsimAgent (address, v2c_args(), v3_args())
  snmpsim, snmpsim_slow       the shipped recordings / the slow one, started
  snmpd_agents(count)         factory -> SnmpdAgents on consecutive ports (benchmarks)
  udp_delay_relay(first, count, delay_ms, loss=0)   factory -> first relayed port
  modbus_tcp_server(map)      factory -> ModbusServer (port, control())
  pty_pair                    PtyPair (.server, .client)
  modbus_rtu_server(map, baud=9600, parity='N', stopbits=1)  factory -> ModbusServer
                              on pty_pair.server; the daemon opens .client_device
  local_ca (session)          LocalCA (ca, cert, key, rogue_cert, rogue_key)
  smtp_catcher(starttls=False, auth=None, options=())  factory -> SmtpCatcher
  smtp_plain, smtp_starttls, smtp_auth                  ready-made catchers
  envmond_bin, envmon_report_bin, envmonctl_bin         paths of the built programs
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'peers'))

from peerlib import (  # noqa: E402,F401  (fixtures are used by name)
    HOST, PYTHON, REPO_ROOT, MODBUS_MAPS_DIR, SNMPREC_DIR, SNMPREC_SLOW_DIR,
    SNMP_V3_AUTH_PASS, SNMP_V3_PRIV_PASS, SNMP_V3_USERS,
    build_dir, control, free_port, free_port_range, modbus_map, program, repo_path,
    snmpget, wait_until,
    peer_cleanup, snmpsim_agent, snmpsim, snmpsim_slow, snmpd_agents, udp_delay_relay,
    modbus_tcp_server, pty_pair, modbus_rtu_server, local_ca, smtp_catcher,
    smtp_plain, smtp_starttls, smtp_auth,
)


def _built(name):
    path = program(name)
    if not path.is_file():
        pytest.fail('%s is not built (looked for %s; set ENVMOND_BUILDDIR to the build '
                    'directory)' % (name, path))
    return path


@pytest.fixture(scope='session')
def envmond_bin():
    return _built('envmond')


@pytest.fixture(scope='session')
def envmon_report_bin():
    return _built('envmon-report')


@pytest.fixture(scope='session')
def envmonctl_bin():
    return _built('envmonctl')
