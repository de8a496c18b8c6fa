"""The test peers, checked against real clients: Net-SNMP's snmpget/snmpset,
pymodbus's client, Python's smtplib. Run: /usr/bin/python3 -m pytest -q tests/peers"""

import os
import re
import signal
import smtplib
import ssl
import struct
import subprocess
import time

import pytest
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.transaction import ModbusRtuFramer

import modbus_server
from peerlib import (  # noqa: F401  (fixtures are used by name)
    SNMPREC_DIR, SNMPREC_SLOW_DIR, SNMP_V3_USERS, SnmpsimAgent, free_port, group_alive,
    snmpget,
    peer_cleanup, snmpsim_agent, snmpsim, snmpsim_slow, snmpd_agents, udp_delay_relay,
    modbus_tcp_server, pty_pair, modbus_rtu_server, local_ca, smtp_catcher,
    smtp_plain, smtp_starttls, smtp_auth,
)

NO_SUCH_OBJECT = 'No Such Object available on this agent at this OID'
NO_SUCH_INSTANCE = 'No Such Instance currently exists at this OID'

# --------------------------------------------------------------------------
# SNMP recordings


def records(path):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line and not line.startswith('#'):
            oid, tag, value = line.split('|', 2)
            yield number, oid, tag, value


@pytest.mark.parametrize('path', sorted(SNMPREC_DIR.glob('*.snmprec'))
                         + sorted(SNMPREC_SLOW_DIR.glob('*.snmprec')), ids=lambda p: p.stem)
def test_recording_is_sorted_and_well_formed(path):
    previous = ()
    for number, oid, tag, _ in records(path):
        key = tuple(int(x) for x in oid.split('.'))
        assert key > previous, '%s:%d: %s not after the previous OID' % (path.name, number, oid)
        assert re.fullmatch(r'(2|4|4x|5|6|64|65|66|67|70|128|129)(:\w+)?', tag), \
            '%s:%d: tag %s' % (path.name, number, tag)
        previous = key


# Each profile's key OIDs and the value snmpget must show (DESIGN section 8).
PROFILE_VALUES = {
    'ups-rfc1628': {
        '1.3.6.1.2.1.33.1.3.3.1.3.1': '230', '1.3.6.1.2.1.33.1.3.3.1.2.1': '500',
        '1.3.6.1.2.1.33.1.4.4.1.5.1': '35', '1.3.6.1.2.1.33.1.4.1.0': '3',
        '1.3.6.1.2.1.33.1.2.4.0': '100', '1.3.6.1.2.1.33.1.2.3.0': '42',
        '1.3.6.1.2.1.33.1.2.1.0': '2', '1.3.6.1.2.1.33.1.2.7.0': '24',
        '1.3.6.1.2.1.1.5.0': 'ups-rfc1628'},
    'ups-apc-powernet': {
        '1.3.6.1.4.1.318.1.1.1.3.3.1.0': '2301', '1.3.6.1.4.1.318.1.1.1.3.2.1.0': '230',
        '1.3.6.1.4.1.318.1.1.1.3.3.4.0': '500', '1.3.6.1.4.1.318.1.1.1.4.3.3.0': '352',
        '1.3.6.1.4.1.318.1.1.1.4.1.1.0': '2', '1.3.6.1.4.1.318.1.1.1.2.3.1.0': '1000',
        '1.3.6.1.4.1.318.1.1.1.2.2.3.0': '252000', '1.3.6.1.4.1.318.1.1.1.2.1.1.0': '2',
        '1.3.6.1.4.1.318.1.1.1.2.2.4.0': '1', '1.3.6.1.4.1.318.1.1.1.2.3.2.0': '243'},
    'ups-eaton-xups': {
        '1.3.6.1.4.1.534.1.3.4.1.2.1': '230', '1.3.6.1.4.1.534.1.3.1.0': '500',
        '1.3.6.1.4.1.534.1.4.1.0': '35', '1.3.6.1.4.1.534.1.4.5.0': '3',
        '1.3.6.1.4.1.534.1.2.4.0': '100', '1.3.6.1.4.1.534.1.2.1.0': '2520',
        '1.3.6.1.4.1.534.1.6.1.0': '24', '1.3.6.1.4.1.534.1.7.1.0': '0'},
    'probe-entity-sensor': {
        '1.3.6.1.2.1.99.1.1.1.1.1': '8', '1.3.6.1.2.1.99.1.1.1.2.1': '9',
        '1.3.6.1.2.1.99.1.1.1.3.1': '1', '1.3.6.1.2.1.99.1.1.1.4.1': '235',
        '1.3.6.1.2.1.99.1.1.1.1.2': '9', '1.3.6.1.2.1.99.1.1.1.4.2': '45',
        '1.3.6.1.2.1.99.1.1.1.5.1': '1'},
    'probe-apc-uio': {
        '1.3.6.1.4.1.318.1.1.25.1.2.1.6.1.1': '23', '1.3.6.1.4.1.318.1.1.25.1.2.1.7.1.1': '41'},
    'probe-netbotz': {
        '1.3.6.1.4.1.52674.500.4.1.1.1.8.1': '23', '1.3.6.1.4.1.52674.500.4.1.2.1.8.1': '41',
        '1.3.6.1.4.1.52674.500.4.1.1.1.2.1': '234'},
    'probe-akcp': {
        '1.3.6.1.4.1.3854.1.2.2.1.16.1.3.0': '22', '1.3.6.1.4.1.3854.1.2.2.1.17.1.3.0': '44',
        '1.3.6.1.4.1.3854.1.2.2.1.16.1.12.0': '1'},
    'probe-eaton-emp': {
        '1.3.6.1.4.1.534.6.8.1.2.3.1.3.1.1': '226', '1.3.6.1.4.1.534.6.8.1.3.3.1.3.1.1': '437',
        '1.3.6.1.4.1.534.6.8.1.2.5.0': '1'},
    'ups-rfc1628-onbattery': {
        '1.3.6.1.2.1.33.1.4.1.0': '5', '1.3.6.1.2.1.33.1.2.3.0': '8',
        '1.3.6.1.2.1.33.1.2.2.0': '180', '1.3.6.1.2.1.33.1.3.3.1.3.1': '0'},
}


def test_snmpsim_serves_every_profile_over_v2c(snmpsim):
    assert set(PROFILE_VALUES) <= set(snmpsim.communities)
    for community, expected in PROFILE_VALUES.items():
        got = snmpget(snmpsim.address, snmpsim.v2c_args(community), *expected)
        assert got == expected, community


@pytest.mark.parametrize('user', sorted(SNMP_V3_USERS))
def test_snmpsim_v3_context_is_the_recording_name(snmpsim, user):
    args = snmpsim.v3_args('ups-apc-powernet', user)
    assert snmpget(snmpsim.address, args, '1.3.6.1.4.1.318.1.1.1.4.1.1.0') == \
        {'1.3.6.1.4.1.318.1.1.1.4.1.1.0': '2'}


def test_snmpsim_v3_empty_context_and_bad_passphrase_get_nothing(snmpsim):
    args = snmpsim.v3_args('ups-rfc1628')
    no_context = args[:args.index('-n')] + args[args.index('-n') + 2:]
    with pytest.raises(RuntimeError, match='Timeout'):
        snmpget(snmpsim.address, no_context, '1.3.6.1.2.1.33.1.4.1.0', timeout_s=0.5)
    wrong = [('wrong-passphrase' if a == 'envmon-auth-pass' else a) for a in args]
    with pytest.raises(RuntimeError, match='Authentication failed'):
        snmpget(snmpsim.address, wrong, '1.3.6.1.2.1.33.1.4.1.0', timeout_s=0.5)


def test_snmpsim_absent_objects(snmpsim):
    got = snmpget(snmpsim.address, snmpsim.v2c_args('ups-rfc1628-partial'),
                  '1.3.6.1.2.1.33.1.2.7.0', '1.3.6.1.2.1.33.1.2.5.0', '1.3.6.1.2.1.33.1.4.1.0')
    assert got == {'1.3.6.1.2.1.33.1.2.7.0': NO_SUCH_OBJECT,
                   '1.3.6.1.2.1.33.1.2.5.0': NO_SUCH_INSTANCE,
                   '1.3.6.1.2.1.33.1.4.1.0': '3'}


def test_snmpsim_values_move_between_polls(snmpsim):
    oid = '1.3.6.1.2.1.99.1.1.1.4.1'
    seen = []
    for _ in range(8):
        seen.append(int(snmpget(snmpsim.address,
                                snmpsim.v2c_args('probe-entity-sensor-varying'), oid)[oid]))
        time.sleep(0.3)
    assert len(set(seen)) >= 2, seen
    assert all(200 <= v <= 270 for v in seen), seen      # 23.5 +- 3 degC, in tenths


def test_snmpsim_writable_recording_takes_sets(snmpsim):
    oid = '1.3.6.1.2.1.33.1.4.1.0'
    args = snmpsim.v2c_args('ups-rfc1628-writable')
    assert snmpget(snmpsim.address, args, oid) == {oid: '3'}
    subprocess.run(['snmpset', *args, snmpsim.address, oid, 'i', '5'], check=True,
                   capture_output=True, timeout=10)
    assert snmpget(snmpsim.address, args, oid) == {oid: '5'}
    # The other recordings keep their value.
    assert snmpget(snmpsim.address, snmpsim.v2c_args('ups-rfc1628'), oid) == {oid: '3'}


def test_snmpsim_mute_recording_never_answers(snmpsim):
    started = time.monotonic()
    with pytest.raises(RuntimeError, match='Timeout'):
        snmpget(snmpsim.address, snmpsim.v2c_args('ups-rfc1628-mute'),
                '1.3.6.1.2.1.33.1.4.1.0', timeout_s=0.5, retries=1)
    assert time.monotonic() - started >= 1.0
    # The agent itself is fine.
    assert snmpget(snmpsim.address, snmpsim.v2c_args('ups-rfc1628'), '1.3.6.1.2.1.33.1.4.1.0')


def test_snmpsim_slow_recording(snmpsim_slow):
    args = snmpsim_slow.v2c_args('ups-rfc1628-slow')
    started = time.monotonic()
    assert snmpget(snmpsim_slow.address, args, '1.3.6.1.2.1.33.1.4.1.0', timeout_s=3) == \
        {'1.3.6.1.2.1.33.1.4.1.0': '3'}
    assert 1.4 <= time.monotonic() - started < 2.5
    with pytest.raises(RuntimeError, match='Timeout'):
        snmpget(snmpsim_slow.address, args, '1.3.6.1.2.1.33.1.4.1.0', timeout_s=1)


def test_snmpsim_stop_leaves_no_process(tmp_path):
    agent = SnmpsimAgent(SNMPREC_SLOW_DIR, free_port(), tmp_path / 'run').start()
    pgid = int((tmp_path / 'run' / 'snmpsimd.pid').read_text())
    assert group_alive(pgid)
    agent.stop()
    assert not group_alive(pgid)      # a zombie may linger until init reaps it


def test_snmpd_agents_over_two_processes(snmpd_agents):
    agents = snmpd_agents(130)
    assert len(list((agents.rundir).glob('snmpd.*.conf'))) == 2
    for port in (agents.first_port, agents.first_port + 99, agents.first_port + 129):
        got = snmpget('127.0.0.1:%d' % port, ['-v2c', '-c', 'public'],
                      '1.3.6.1.2.1.33.1.2.3.0', '1.3.6.1.2.1.33.1.4.1.0')
        assert got == {'1.3.6.1.2.1.33.1.2.3.0': '42', '1.3.6.1.2.1.33.1.4.1.0': '3'}
    v3 = ['-v3', '-u', 'envmon-sha-aes', '-l', 'authPriv', '-a', 'SHA', '-A', 'envmon-auth-pass',
          '-x', 'AES', '-X', 'envmon-priv-pass']
    assert snmpget('127.0.0.1:%d' % agents.first_port, v3, '1.3.6.1.2.1.33.1.2.3.0') == \
        {'1.3.6.1.2.1.33.1.2.3.0': '42'}


def test_udp_delay_relay_adds_latency(snmpd_agents, udp_delay_relay):
    agents = snmpd_agents(2)
    first = udp_delay_relay(agents.first_port, 2, delay_ms=150)
    for port in (first, first + 1):
        started = time.monotonic()
        got = snmpget('127.0.0.1:%d' % port, ['-v2c', '-c', 'public'],
                      '1.3.6.1.2.1.33.1.2.3.0', timeout_s=2)
        assert got == {'1.3.6.1.2.1.33.1.2.3.0': '42'}
        assert 0.3 <= time.monotonic() - started < 1.5


# --------------------------------------------------------------------------
# Modbus

@pytest.mark.parametrize('type_name,fmt', [('int16', 'h'), ('uint16', 'H'), ('int32', 'i'),
                                           ('uint32', 'I'), ('float32', 'f')])
@pytest.mark.parametrize('order', ['ABCD', 'CDAB', 'BADC', 'DCBA'])
def test_encode_matches_struct(type_name, fmt, order):
    value = {'h': -1234, 'H': 54321, 'i': -123456, 'I': 3000000000, 'f': 23.5}[fmt]
    words = modbus_server.encode(value, type_name, order)
    big = struct.pack('>' + fmt, value)
    if len(big) == 2:
        expected = big if order in ('ABCD', 'CDAB') else big[::-1]
    else:
        expected = {'ABCD': big, 'CDAB': big[2:] + big[:2], 'BADC': big[1::-1] + big[:1:-1],
                    'DCBA': big[::-1]}[order]
    assert b''.join(struct.pack('>H', w) for w in words) == expected
    assert modbus_server.decode(words, type_name, order) == value


def words_to(fmt, words):
    return struct.unpack('>' + fmt, b''.join(struct.pack('>H', w) for w in words))[0]


@pytest.fixture
def tcp_client():
    clients = []

    def connect(server):
        client = ModbusTcpClient(server.host, port=server.port, timeout=1, retries=0)
        assert client.connect()
        clients.append(client)
        return client
    yield connect
    for client in clients:
        client.close()


def test_modbus_tcp_shipped_maps(modbus_tcp_server, tcp_client):
    client = tcp_client(modbus_tcp_server('xy-md02'))
    assert client.read_input_registers(1, 2, slave=1).registers == [234, 456]

    client = tcp_client(modbus_tcp_server('apc-inrow'))
    regs = client.read_holding_registers(87, 12, slave=1).registers
    assert regs[0] == 1                                        # OPERATE_MODE on
    assert [words_to('i', regs[i:i + 2]) for i in (5, 7, 9)] == [716, 644, 860]
    assert client.read_holding_registers(0, 1, slave=1).registers == [0]

    client = tcp_client(modbus_tcp_server('liebert-icom'))
    regs = client.read_input_registers(100, 31, slave=1).registers
    assert (regs[0], regs[2], regs[4], regs[30]) == (1, 1, 235, 452)

    client = tcp_client(modbus_tcp_server('generic-types', units=[7]))
    regs = client.read_holding_registers(0, 24, slave=7).registers
    assert words_to('h', regs[0:1]) == -1234 and regs[1] == 54321
    assert words_to('i', regs[2:4]) == words_to('i', regs[5:6] + regs[4:5]) == -123456
    assert words_to('f', regs[14:16]) == words_to('f', regs[17:18] + regs[16:17]) == 23.5
    assert client.read_coils(0, 8, slave=7).bits[:8] == [True, False, True, True,
                                                         False, False, True, False]
    assert client.read_discrete_inputs(0, 4, slave=7).bits[:4] == [False, True, False, True]
    assert client.read_holding_registers(0, 1, slave=1).isError()   # unit 1 not served


def test_modbus_control_channel(modbus_tcp_server, tcp_client):
    server = modbus_tcp_server('xy-md02')
    client = tcp_client(server)
    server.control('setv 1 input 1 int16 ABCD -12.5 0.1')
    server.control('set 1 input 2 801')
    assert server.control('get 1 input 1 2') == [65411, 801]
    assert client.read_input_registers(1, 2, slave=1).registers == [65411, 801]

    for code in (2, 6, 0x0B):
        server.control('fail 1 input 2 1 %d' % code)
        response = client.read_input_registers(1, 2, slave=1)
        assert response.isError() and response.exception_code == code
        assert not client.read_holding_registers(0x0101, 1, slave=1).isError()
        server.control('unfail')
    assert client.read_input_registers(1, 2, slave=1).registers == [65411, 801]

    server.control('delay 400')
    started = time.monotonic()
    assert client.read_input_registers(1, 1, slave=1).registers == [65411]
    assert time.monotonic() - started >= 0.35
    server.control('delay 0')

    server.control('mute')
    assert client.read_input_registers(1, 1, slave=1).isError()      # no answer: timeout
    server.control('unmute')
    client = tcp_client(server)          # the late-answer-free connection
    assert client.read_input_registers(1, 1, slave=1).registers == [65411]

    log = server.control('requests')
    assert [1, 4, 1, 2] in log and log[-1] == [1, 4, 1, 1]
    with pytest.raises(RuntimeError, match='err'):
        server.control('set 1 nosuchtable 0 1')


def test_modbus_rtu_over_pty(modbus_rtu_server):
    server = modbus_rtu_server('xy-md02', baud=19200, parity='E', stopbits=1)
    # The server is told 8E1 (it leaves parity out on a pty). The client says N:
    # a pty has no parity, and here a tcsetattr() whose only change is PARENB
    # fails with EINVAL, which pyserial hits when pymodbus reopens the port
    # after a timeout. (libmodbus, which restores the old settings on close,
    # connects with 'E' again and again without trouble.)
    client = ModbusSerialClient(port=str(server.client_device), framer=ModbusRtuFramer,
                                baudrate=19200, parity='N', stopbits=1, bytesize=8,
                                timeout=1, retries=0)
    assert client.connect()
    try:
        assert client.read_input_registers(1, 2, slave=1).registers == [234, 456]
        assert client.read_input_registers(1, 2, slave=5).isError()    # nobody answers
        server.control('fail 1 input 1 2 6')
        assert client.read_input_registers(1, 2, slave=1).exception_code == 6
        server.control('unfail')
        server.control('mute')
        assert client.read_input_registers(1, 2, slave=1).isError()
        server.control('unmute')
        assert client.read_input_registers(1, 2, slave=1).registers == [234, 456]
    finally:
        client.close()


# --------------------------------------------------------------------------
# SMTP

MESSAGE = (b'From: envmond <envmond@example.org>\r\nTo: arsit@example.org\r\n'
           b'Subject: =?utf-8?q?Temp=C3=A9rature?=\r\n\r\nBonjour.\r\n')


def client_context(local_ca, max_tls=None):
    context = ssl.create_default_context(cafile=str(local_ca.ca))
    if max_tls:
        context.maximum_version = max_tls
    return context


def test_smtp_plain_stores_message_and_envelope(smtp_plain):
    with smtplib.SMTP(smtp_plain.host, smtp_plain.port, timeout=5) as smtp:
        smtp.sendmail('envmond@example.org', ['arsit@example.org', 'tip@example.org'], MESSAGE)
    [(meta, raw)] = smtp_plain.wait_for(1)
    assert raw == MESSAGE
    assert meta['mail_from'] == 'envmond@example.org'
    assert meta['rcpt_tos'] == ['arsit@example.org', 'tip@example.org']
    assert meta['tls'] is False and meta['number'] == 1


@pytest.mark.parametrize('max_tls', [ssl.TLSVersion.TLSv1_2, None], ids=['tls1.2', 'tls1.3'])
def test_smtp_starttls_required_and_verified(smtp_starttls, local_ca, max_tls):
    with smtplib.SMTP('localhost', smtp_starttls.port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn('starttls')
        code, _ = smtp.mail('envmond@example.org')
        assert code == 530                                   # STARTTLS first
        smtp.starttls(context=client_context(local_ca, max_tls))
        smtp.sendmail('envmond@example.org', ['arsit@example.org'], MESSAGE)
    [(meta, _)] = smtp_starttls.wait_for(1)
    assert meta['tls'] is True
    assert meta['tls_version'] == ('TLSv1.2' if max_tls else 'TLSv1.3')


def test_smtp_rogue_certificate_is_refused_by_a_verifying_client(smtp_catcher, local_ca):
    catcher = smtp_catcher(starttls=True, cert='rogue')
    with smtplib.SMTP('localhost', catcher.port, timeout=5) as smtp:
        with pytest.raises(ssl.SSLCertVerificationError):
            smtp.starttls(context=client_context(local_ca))


def test_smtp_auth_plain_and_login_over_tls(smtp_auth, local_ca):
    for mechanism in ('PLAIN', 'LOGIN'):
        with smtplib.SMTP('localhost', smtp_auth.port, timeout=5) as smtp:
            smtp.starttls(context=client_context(local_ca, ssl.TLSVersion.TLSv1_2))
            smtp.ehlo()
            assert code_of(smtp.mail('envmond@example.org')) == 530   # AUTH first
            smtp.rset()
            with pytest.raises(smtplib.SMTPAuthenticationError):
                smtp.user, smtp.password = 'envmond', 'wrong'
                smtp.auth(mechanism, getattr(smtp, 'auth_' + mechanism.lower()))
            smtp.user, smtp.password = 'envmond', 'envmond-secret'
            smtp.auth(mechanism, getattr(smtp, 'auth_' + mechanism.lower()))
            smtp.sendmail('envmond@example.org', ['arsit@example.org'], MESSAGE)
    stored = smtp_auth.wait_for(2)
    assert [meta['auth_user'] for meta, _ in stored] == ['envmond', 'envmond']


def code_of(reply):
    return reply[0]


def test_smtp_auth_refused_without_tls(smtp_catcher):
    catcher = smtp_catcher(auth='envmond:envmond-secret')
    with smtplib.SMTP('localhost', catcher.port, timeout=5) as smtp:
        smtp.ehlo()
        code, _ = smtp.docmd('AUTH', 'PLAIN AGVudm1vbmQAZW52bW9uZC1zZWNyZXQ=')
        assert code == 538


def test_smtp_refusals(smtp_catcher):
    catcher = smtp_catcher(options=['--fail-first', '2'])
    for expected in (451, 451, None):
        with smtplib.SMTP(catcher.host, catcher.port, timeout=5) as smtp:
            if expected:
                with pytest.raises(smtplib.SMTPDataError) as refused:
                    smtp.sendmail('envmond@example.org', ['a@example.org'], MESSAGE)
                assert refused.value.smtp_code == expected
            else:
                smtp.sendmail('envmond@example.org', ['a@example.org'], MESSAGE)
    assert len(catcher.wait_for(1)) == 1

    permanent = smtp_catcher(options=['--fail-rate', '1', '--reject-code', '550'])
    with smtplib.SMTP(permanent.host, permanent.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail('envmond@example.org', ['a@example.org'], MESSAGE)
        assert refused.value.smtp_code == 550
    assert permanent.messages() == []


def test_smtp_restart_keeps_port_and_numbering(smtp_plain):
    for _ in range(2):
        with smtplib.SMTP(smtp_plain.host, smtp_plain.port, timeout=5) as smtp:
            smtp.sendmail('envmond@example.org', ['a@example.org'], MESSAGE)
        smtp_plain.wait_for(1)
        pid = smtp_plain.process.popen.pid
        smtp_plain.restart()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert [meta['number'] for meta, _ in smtp_plain.messages()] == [1, 2]


def test_smtp_catcher_exits_on_its_own(tmp_path):
    port = free_port()
    proc = subprocess.Popen(['/usr/bin/python3', str(SNMPREC_DIR.parent / 'smtp_catcher.py'),
                             '--port', str(port), '--dir', str(tmp_path), '--max-seconds', '1'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
