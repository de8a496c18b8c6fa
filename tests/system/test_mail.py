"""Mail end to end: spool -> mailer thread -> libesmtp -> a real SMTP server on loopback
(tests/peers/smtp_catcher.py, aiosmtpd), messages parsed back with Python's email package.
"""
import email
import email.policy
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('ENVMOND_BUILDDIR', os.path.join(TOP, '_build', 'check'))
ENVMOND = os.path.join(BUILD, 'src', 'daemon', 'envmond')
FEEDER = os.path.join(BUILD, 'tests', 'system', 'notify_feeder')
ENVMONCTL = os.path.join(BUILD, 'src', 'ctl', 'envmonctl')
CATCHER = os.path.join(TOP, 'tests', 'peers', 'smtp_catcher.py')
MKCA = os.path.join(TOP, 'tests', 'peers', 'mkca.sh')
PY = '/usr/bin/python3'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('catcher did not start on %d' % port)


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp('pki')
    subprocess.run(['sh', MKCA, str(d)], check=True, capture_output=True)
    return d


@pytest.fixture(scope='module')
def locale_dir(tmp_path_factory):
    """The French catalogue of the build, where ENVMOND_LOCALEDIR expects it."""
    d = tmp_path_factory.mktemp('locale')
    gmo = os.path.join(BUILD, 'po', 'fr.gmo')
    if not os.path.exists(gmo):
        gmo = os.path.join(TOP, 'po', 'fr.gmo')
    os.makedirs(d / 'fr' / 'LC_MESSAGES')
    shutil.copy(gmo, d / 'fr' / 'LC_MESSAGES' / 'envmond.mo')
    return d


class Catcher:
    def __init__(self, tmp, port, *args):
        self.dir = tmp / 'received'
        self.port = port
        self.log = open(tmp / ('catcher-%d.log' % port), 'a')
        self.proc = subprocess.Popen([PY, CATCHER, '--port', str(port), '--dir', str(self.dir),
                                      '--max-seconds', '300'] + list(args),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()

    def messages(self):
        """(meta, parsed message) in the order received."""
        out = []
        for meta_path in sorted(glob.glob(str(self.dir / '*.json'))):
            meta = json.load(open(meta_path))
            raw = open(meta_path[:-5] + '.eml', 'rb').read()
            out.append((meta, email.message_from_bytes(raw, policy=email.policy.default), raw))
        return out

    def wait(self, count, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if len(self.messages()) >= count:
                return self.messages()
            time.sleep(0.1)
        return self.messages()


@pytest.fixture
def catchers(tmp_path):
    started = []

    def start(*args, port=None):
        c = Catcher(tmp_path, port or free_port(), *args)
        started.append(c)
        return c
    yield start
    for c in started:
        c.stop()


def write_config(tmp, port, tls='none', ca=None, auth=None, lang='fr', extra='', server=None,
                 timeout=10):
    state = tmp / 'state'
    state.mkdir(exist_ok=True)
    server = server or ('127.0.0.1' if tls == 'none' else 'localhost')
    lines = ['server = "%s";' % server,
             'port = %d;' % port, 'tls = "%s";' % tls, 'timeout = %d;' % timeout, 'lang = "%s";' % lang,
             'from = "envmond TJ-EXV <envmond@example.org>";', extra]
    if ca:
        lines.append('ca_file = "%s";' % ca)
    if auth:
        secret = tmp / 'smtp.secret'
        secret.write_text(auth[1] + '\n')
        os.chmod(secret, 0o600)
        lines += ['user = "%s";' % auth[0], 'password_file = "%s";' % secret]
    conf = tmp / 'envmond.conf'
    conf.write_text('''
site = { name = "Tribunal judiciaire d'Exempleville"; code = "TJ-EXV"; ressort = "CA d'Exempleville";
  contacts = { arsit = [ "arsit@example.org" ]; local = [ "tip@example.org" ];
               local_min_severity = "critical"; }; };
paths = { state_dir = "%s"; profiles_dir = "%s/etc/profiles"; pid_file = "%s/envmond.pid";
          control_socket = "%s/envmond.sock"; };
daemon = { allow_root = true; };   # runs as root in pytest's private tmp directories
mail = { %s };
''' % (state, TOP, tmp, tmp, ' '.join(lines)))
    return conf


def env(locale_dir):
    e = dict(os.environ, ENVMOND_LOCALEDIR=str(locale_dir), ENVMOND_MAIL_RETRY_S='1', TZ='Europe/Paris')
    e.setdefault('ASAN_OPTIONS', 'detect_leaks=1')
    return e


def check_stderr(text):
    assert 'AddressSanitizer' not in text and 'runtime error:' not in text, text


class Daemon:
    def __init__(self, conf, locale_dir, tmp):
        self.err = open(tmp / 'envmond.err', 'ab+')
        self.proc = subprocess.Popen([ENVMOND, '-f', '-d', '-c', str(conf)], env=env(locale_dir),
                                     stdout=self.err, stderr=self.err)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(30)
        self.err.seek(0)
        text = self.err.read().decode(errors='replace')
        self.err.close()
        check_stderr(text)
        assert rc == 0, text
        return text


def feed(conf, locale_dir, *args):
    r = subprocess.run([FEEDER, str(conf)] + [str(a) for a in args], env=env(locale_dir),
                       capture_output=True, text=True)
    check_stderr(r.stderr)
    assert r.returncode == 0, r.stderr
    return int(r.stdout)


def run_test_mail(conf, locale_dir):
    r = subprocess.run([ENVMOND, '-c', str(conf), '--test-mail'], env=env(locale_dir),
                       capture_output=True, text=True, timeout=60)
    check_stderr(r.stderr)
    return r


def wait_socket(tmp, timeout=10):
    end = time.time() + timeout
    while time.time() < end and not os.path.exists(tmp / 'envmond.sock'):
        time.sleep(0.05)


def envmonctl(tmp, *args, timeout=60):
    r = subprocess.run([ENVMONCTL, '-s', str(tmp / 'envmond.sock')] + list(args),
                       env=dict(os.environ, LANGUAGE='', LC_ALL='C'),
                       capture_output=True, text=True, timeout=timeout)
    check_stderr(r.stderr)
    return r


def spool_status(tmp):
    r = envmonctl(tmp, 'status', '--json')
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)['spool']


def mid(tmp, incident, seq):
    """Our Message-ID for (incident, seq): it carries the spool's random instance token."""
    instance = (tmp / 'state' / 'spool' / 'instance').read_text().strip()
    return '<TJ-EXV-20261123-%d.%d.%s@envmond.tj-exv.invalid>' % (incident, seq, instance)


def spool_files(tmp, sub):
    return sorted(os.listdir(tmp / 'state' / 'spool' / sub))


# ---------------------------------------------------------------------------- tests

def test_plain_french_threaded_no_injection(tmp_path, catchers, locale_dir):
    c = catchers()
    conf = write_config(tmp_path, c.port)
    assert feed(conf, locale_dir, 1, 3, '--dup') == 3
    assert feed(conf, locale_dir, 1, 1, '--evil', '--first', 9) == 1
    d = Daemon(conf, locale_dir, tmp_path)
    msgs = c.wait(4, 30)
    d.stop()
    assert len(msgs) == 4
    by_id = {m['Message-ID']: (meta, m, raw) for meta, m, raw in msgs}
    first = by_id[mid(tmp_path, 1, 0)][1]
    assert first['Subject'] == ('[CRITIQUE] TJ-EXV — température baie-A 31,4 °C (max 27 °C) — '
                                'srv-comci, srv-numerisation')
    assert first['Auto-Submitted'] == 'auto-generated'
    assert first.get_content_type() == 'text/plain'
    assert first.get_content_charset() == 'utf-8'
    body = first.get_content()
    assert 'Équipement : sonde-baie-a' in body
    assert 'Constat : température baie-A 31,4 °C (max 27 °C)' in body or \
        'Constat : température 31,4 °C (max 27 °C)' in body, body
    assert 'Valeur la plus défavorable : 31,9 °C' in body
    assert 'srv-numerisation (numérisation des procédures pénales), baie-A' in body
    assert 'Vérifier que la climatisation fonctionne' in body
    assert 'Incident : TJ-EXV-20261123-1' in body
    # context for mail filters and the reader (issue 18.3)
    assert first['X-Envmon-Site'] == 'TJ-EXV'
    assert first['X-Envmon-Severity'] == 'critical'
    assert first['X-Envmon-Incident'] == 'TJ-EXV-20261123-1'
    assert 'envmonctl silence sonde-baie-a 2h "motif"' in body
    assert 'Tendance' not in body and 'Prévision' not in body
    assert 'Durée : 2 h 00 min' in by_id[mid(tmp_path, 1, 2)][1].get_content()
    # reminder and recovery thread under the first mail
    for seq, tag in ((1, '[RAPPEL CRITIQUE]'), (2, '[RÉTABLI]')):
        m = by_id[mid(tmp_path, 1, seq)][1]
        assert m['Subject'].startswith(tag)
        assert m['In-Reply-To'] == mid(tmp_path, 1, 0)
        assert m['References'] == mid(tmp_path, 1, 0)
    # order within the incident
    order = [m['Message-ID'] for _, m, _ in msgs if '-1.' in m['Message-ID']]
    assert order == [mid(tmp_path, 1, i) for i in range(3)]
    # device text with CR/LF: no header of its own, envelope untouched
    meta, evil, raw = by_id[mid(tmp_path, 9, 0)]
    assert evil['Bcc'] is None and evil['X-Injected'] is None
    assert not any(line.lower().startswith((b'bcc:', b'x-injected:')) for line in raw.split(b'\r\n'))
    assert sorted(meta['rcpt_tos']) == ['arsit@example.org', 'tip@example.org']
    assert 'baie-A  X-Injected: yes' in evil['Subject']
    assert spool_files(tmp_path, 'new') == []
    assert len(spool_files(tmp_path, 'sent')) == 4


def test_english_and_local_list(tmp_path, catchers, locale_dir):
    c = catchers()
    conf = write_config(tmp_path, c.port, lang='en')
    feed(conf, locale_dir, 1, 1)
    d = Daemon(conf, locale_dir, tmp_path)
    (meta, m, _), = c.wait(1, 30)
    d.stop()
    assert m['Subject'].startswith('[CRITICAL] TJ-EXV — temperature baie-A 31.4 °C (max 27 °C)')
    assert sorted(meta['rcpt_tos']) == ['arsit@example.org', 'tip@example.org']   # critical
    assert 'What to check first:' in m.get_content()


def test_starttls_auth(tmp_path, catchers, locale_dir, pki):
    c = catchers('--starttls', str(pki / 'server.pem'), str(pki / 'server.key'),
                 '--auth', 'envmond:s3cret')
    conf = write_config(tmp_path, c.port, tls='starttls', ca=pki / 'ca.pem', auth=('envmond', 's3cret'))
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 0, r.stderr
    assert '250' in r.stdout
    (meta, m, _), = c.wait(1, 5)
    assert meta['tls'] and meta['tls_version'] == 'TLSv1.2' and meta['auth_user'] == 'envmond'
    assert m['Subject'].startswith('[TEST] TJ-EXV')
    assert 's3cret' not in r.stdout + r.stderr


def test_wrong_password_sends_nothing(tmp_path, catchers, locale_dir, pki):
    # --auth-optional: this server would take the mail after a failed AUTH, so only our
    # own abort keeps the message from leaving unauthenticated.
    c = catchers('--starttls', str(pki / 'server.pem'), str(pki / 'server.key'),
                 '--auth', 'envmond:s3cret', '--auth-optional')
    conf = write_config(tmp_path, c.port, tls='starttls', ca=pki / 'ca.pem', auth=('envmond', 'wrong-pw'))
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'authentication' in r.stderr and '535' in r.stderr
    assert 'wrong-pw' not in r.stdout + r.stderr
    time.sleep(0.5)
    assert c.messages() == []
    # the daemon path: the message stays queued, nothing is delivered
    feed(conf, locale_dir, 1, 1)
    d = Daemon(conf, locale_dir, tmp_path)
    time.sleep(3)
    log = d.stop()
    assert c.messages() == []
    assert spool_files(tmp_path, 'new') == ['TJ-EXV-20261123-1.000000']
    assert 'authentication refused by the server: 535' in log
    assert 'wrong-pw' not in log


def test_user_configured_but_no_auth_offered_sends_nothing(tmp_path, catchers, locale_dir, pki):
    c = catchers('--starttls', str(pki / 'server.pem'), str(pki / 'server.key'), '--no-auth')
    conf = write_config(tmp_path, c.port, tls='starttls', ca=pki / 'ca.pem', auth=('envmond', 's3cret'))
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'offers no AUTH' in r.stderr, r.stderr
    time.sleep(0.5)
    assert c.messages() == []


def tls_test_mail(tmp_path, catchers, locale_dir, pki, cert, server):
    c = catchers('--starttls', str(pki / (cert + '.pem')), str(pki / (cert + '.key')))
    conf = write_config(tmp_path, c.port, tls='starttls', ca=pki / 'ca.pem', server=server)
    return c, run_test_mail(conf, locale_dir)


def test_starttls_by_ip_address_with_ip_in_certificate(tmp_path, catchers, locale_dir, pki):
    c, r = tls_test_mail(tmp_path, catchers, locale_dir, pki, 'server', '127.0.0.1')
    assert r.returncode == 0, r.stderr
    (meta, m, _), = c.wait(1, 5)
    assert meta['tls']


@pytest.mark.parametrize('cert,server,reason', [
    ('dnsonly', '127.0.0.1', 'IP address mismatch'),    # an IP the certificate does not hold
    ('other', 'localhost', 'hostname mismatch'),         # a name it does not hold
])
def test_starttls_certificate_not_naming_the_server_is_refused(tmp_path, catchers, locale_dir, pki,
                                                               cert, server, reason):
    c, r = tls_test_mail(tmp_path, catchers, locale_dir, pki, cert, server)
    assert r.returncode == 1
    assert 'certificate' in r.stderr and reason in r.stderr, r.stderr
    time.sleep(0.3)
    assert c.messages() == []


def test_starttls_not_offered_is_refused(tmp_path, catchers, locale_dir):
    c = catchers()                                           # plain SMTP, no STARTTLS
    conf = write_config(tmp_path, c.port, tls='starttls', server='localhost')
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'does not offer STARTTLS' in r.stderr, r.stderr
    time.sleep(0.3)
    assert c.messages() == []


@pytest.mark.parametrize('stall,waiting', [('ehlo', 'MAIL'), ('data', 'the message data')])
def test_silent_server_reported_as_timeout(tmp_path, catchers, locale_dir, stall, waiting):
    c = catchers('--stall-after', stall)
    conf = write_config(tmp_path, c.port, timeout=5)
    start = time.time()
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'no answer from the server within 5 s (waiting for the reply to %s)' % waiting in r.stderr, \
        r.stderr
    # The reply code as a word: the message's name holds an epoch, which may contain "354".
    assert 'ended early' not in r.stderr and not re.search(r'\b354\b', r.stderr), r.stderr
    assert time.time() - start < 20


def test_certificate_not_from_our_ca_is_refused(tmp_path, catchers, locale_dir, pki):
    c = catchers('--starttls', str(pki / 'rogue.pem'), str(pki / 'rogue.key'))
    conf = write_config(tmp_path, c.port, tls='starttls', ca=pki / 'ca.pem')
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'certificate' in r.stderr
    time.sleep(0.3)
    assert c.messages() == []
    feed(conf, locale_dir, 1, 1)
    d = Daemon(conf, locale_dir, tmp_path)
    time.sleep(2)
    log = d.stop()
    assert 'server certificate refused' in log
    assert c.messages() == []


def test_implicit_tls(tmp_path, catchers, locale_dir, pki):
    c = catchers('--tls', str(pki / 'server.pem'), str(pki / 'server.key'), '--auth', 'envmond:s3cret')
    conf = write_config(tmp_path, c.port, tls='tls', ca=pki / 'ca.pem', auth=('envmond', 's3cret'))
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 0, r.stderr
    (meta, m, _), = c.wait(1, 5)
    assert meta['tls'] and meta['auth_user'] == 'envmond'


def test_server_down(tmp_path, locale_dir):
    conf = write_config(tmp_path, free_port())
    r = run_test_mail(conf, locale_dir)
    assert r.returncode == 1
    assert 'Connection refused' in r.stderr or 'connect' in r.stderr.lower()
    assert spool_files(tmp_path, 'new') == []          # a failed test mail is not retried


def test_outage_restarts_exactly_once_in_order(tmp_path, catchers, locale_dir):
    port = free_port()
    conf = write_config(tmp_path, port)
    assert feed(conf, locale_dir, 3, 4, '--dup') == 12              # before the first start
    d = Daemon(conf, locale_dir, tmp_path)
    time.sleep(1.5)
    assert feed(conf, locale_dir, 2, 4, '--dup', '--first', 4) == 8  # while it runs
    time.sleep(1.5)
    d.stop()                                                         # restart 1
    d = Daemon(conf, locale_dir, tmp_path)
    assert feed(conf, locale_dir, 3, 4, '--dup') == 12               # offered again: duplicates
    time.sleep(1.5)
    d.stop()                                                         # restart 2
    assert len(spool_files(tmp_path, 'new')) == 20
    d = Daemon(conf, locale_dir, tmp_path)
    time.sleep(1)
    c = catchers(port=port)                                          # the server comes back
    msgs = c.wait(20, 60)
    time.sleep(1.5)
    msgs = c.messages()
    log = d.stop()
    ids = [m['Message-ID'] for _, m, _ in msgs]
    assert len(ids) == 20 and len(set(ids)) == 20, ids
    for incident in range(1, 6):
        seqs = [int(i.split('.')[1]) for i in ids if '-20261123-%d.' % incident in i]
        assert seqs == [0, 1, 2, 3], (incident, ids)
    assert spool_files(tmp_path, 'new') == []
    assert 'Connection refused' in log


def test_envmonctl_test_mail_shows_the_server_reply(tmp_path, catchers, locale_dir):
    c = catchers()
    conf = write_config(tmp_path, c.port)
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    r = envmonctl(tmp_path, 'test-mail')
    (meta, m, _), = c.wait(1, 5)
    d.stop()
    assert r.returncode == 0, r.stderr
    assert 'the server answered "250 2.0.0 Ok: stored as 0001"' in r.stdout, r.stdout
    assert m['Subject'].startswith('[TEST] TJ-EXV')
    assert len(spool_files(tmp_path, 'sent')) == 1 and spool_files(tmp_path, 'new') == []


def test_envmonctl_test_mail_server_down_shows_the_error(tmp_path, locale_dir):
    conf = write_config(tmp_path, free_port())
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    r = envmonctl(tmp_path, 'test-mail')
    time.sleep(0.3)
    d.stop()
    assert r.returncode == 1
    assert 'test mail failed' in r.stderr and 'Connection refused' in r.stderr, r.stderr
    assert spool_files(tmp_path, 'new') == []          # a failed test mail is not retried


def test_envmonctl_test_mail_during_a_backoff(tmp_path, catchers, locale_dir):
    """The server was down (the mailer waits 30 s before the next try): a test mail
    does not wait for that, and the queue follows once the server answers again."""
    port = free_port()
    conf = write_config(tmp_path, port)
    feed(conf, locale_dir, 1, 1)
    e = env(locale_dir)
    e['ENVMOND_MAIL_RETRY_S'] = '30'
    err = open(tmp_path / 'envmond.err', 'ab+')
    proc = subprocess.Popen([ENVMOND, '-f', '-d', '-c', str(conf)], env=e, stdout=err, stderr=err)
    try:
        wait_socket(tmp_path)
        time.sleep(1)                                   # the first attempt fails
        c = catchers(port=port)
        start = time.time()
        r = envmonctl(tmp_path, 'test-mail')
        assert r.returncode == 0, r.stderr
        assert time.time() - start < 10
    finally:
        proc.terminate()
        proc.wait(30)
        err.close()


def test_rate_limit_holds_mail_back(tmp_path, catchers, locale_dir):
    c = catchers()
    conf = write_config(tmp_path, c.port, extra='max_per_hour = 2;')
    feed(conf, locale_dir, 1, 4)
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    c.wait(2, 10)
    time.sleep(1.5)
    st = spool_status(tmp_path)
    d.stop()
    msgs = c.messages()
    assert [m['Message-ID'] for _, m, _ in msgs] == \
        [mid(tmp_path, 1, i) for i in range(2)]
    assert spool_files(tmp_path, 'new') == ['TJ-EXV-20261123-1.000002', 'TJ-EXV-20261123-1.000003']
    assert st['pending'] == 2 and st['held'] == 1, st


def test_permanent_refusal_stays_visible(tmp_path, catchers, locale_dir):
    c = catchers('--fail-first', '100', '--reject-code', '554')
    conf = write_config(tmp_path, c.port)
    feed(conf, locale_dir, 1, 1)
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    time.sleep(2)
    st = spool_status(tmp_path)
    text = envmonctl(tmp_path, 'status').stdout
    d.stop()
    assert c.messages() == []
    assert spool_files(tmp_path, 'new') == ['TJ-EXV-20261123-1.000000']
    assert st['pending'] == 1 and st['failed'] >= 1, st
    assert '554 5.3.0 Message refused' in st['last_error'], st
    assert '554 5.3.0 Message refused' in text, text


def break_sent(tmp, how):
    """sent/ as an operator or a full disk leaves it: removed, or a file in its place."""
    sent = tmp / 'state' / 'spool' / 'sent'
    shutil.rmtree(sent)
    if how == 'file':
        sent.write_text('')


@pytest.mark.parametrize('how', ['removed', 'file'])
def test_test_mail_without_sent_dir_is_sent_once(tmp_path, catchers, locale_dir, how):
    """A message the server took is never sent again because sent/ cannot take it."""
    c = catchers()
    conf = write_config(tmp_path, c.port)
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    break_sent(tmp_path, how)
    r = envmonctl(tmp_path, 'test-mail')
    time.sleep(2)
    msgs = c.messages()
    log = d.stop()
    assert r.returncode == 0, r.stderr
    assert len(msgs) == 1, len(msgs)
    assert spool_files(tmp_path, 'new') == []
    if how == 'file':
        assert 'removed from new/ so that it is not sent again' in log, log


def test_rate_limit_holds_without_sent_dir(tmp_path, catchers, locale_dir):
    """The hourly limit counts what was sent even when sent/ keeps no trace of it."""
    c = catchers()
    conf = write_config(tmp_path, c.port, extra='max_per_hour = 2;')
    feed(conf, locale_dir, 1, 4)
    break_sent(tmp_path, 'file')
    d = Daemon(conf, locale_dir, tmp_path)
    wait_socket(tmp_path)
    c.wait(2, 10)
    time.sleep(1.5)
    st = spool_status(tmp_path)
    d.stop()
    assert [m['Message-ID'] for _, m, _ in c.messages()] == [mid(tmp_path, 1, i) for i in range(2)]
    assert spool_files(tmp_path, 'new') == ['TJ-EXV-20261123-1.000002', 'TJ-EXV-20261123-1.000003']
    assert st['held'] == 1, st
