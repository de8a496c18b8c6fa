#!/usr/bin/python3
"""SMTP catcher: a real SMTP server on loopback that stores what it receives.

Each accepted message is written to OUTDIR as NNNN.eml (the bytes received,
unchanged) and NNNN.json (envelope sender and recipients, peer, TLS and AUTH
details). Both appear by rename, so a reader never sees half a file; the .json
is renamed last, so its presence means the message is complete. Numbering goes
on from the highest number already in OUTDIR, so a restarted catcher keeps
adding to the same directory.

Built on Debian's aiosmtpd 1.4.3, whose STARTTLS re-plumbs asyncio's SSL
protocol by hand; DESIGN section 10 reports it losing the first command after
STARTTLS from a fast client on Python 3.11. That did not reproduce here with
Python clients (about 700 sessions, pipelined or not), but this server uses
loop.start_tls(), the public API, anyway, and clears pipelined clear text
before the handshake rather than after. --stock-starttls switches back, to
compare. (libesmtp 1.1 hangs in about a third of TLS 1.3 sessions with either
STARTTLS, and never over TLS 1.2 or with --tls-tickets 0: that one is the
client's.)
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException, syntax


class FixedStartTlsSMTP(SMTP):
    """aiosmtpd's SMTP with STARTTLS done through loop.start_tls()."""

    @syntax('STARTTLS', when='tls_context')
    async def smtp_STARTTLS(self, arg):
        if arg:
            await self.push('501 Syntax: STARTTLS')
            return
        if not self.tls_context:
            await self.push('454 TLS not available')
            return
        # RFC 3207 4.2: forget whatever was pipelined in clear text.  Done
        # before the handshake: after it, the buffer already holds the
        # client's first encrypted command.
        self._reader._buffer.clear()
        await self.push('220 Ready to start TLS')
        try:
            tls_transport = await self.loop.start_tls(
                self.transport, self, self.tls_context,
                server_side=True, ssl_handshake_timeout=10.0)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise TLSSetupException() from error
        self._original_transport = self.transport
        self._tls_protocol = tls_transport._ssl_protocol
        self.transport = tls_transport
        self._reader._transport = tls_transport
        self._writer._transport = tls_transport
        # RFC 3207 4.2: the session starts again from the greeting state.
        peer = self.session.peer
        self._set_rset_state()
        self.session = self._create_session()
        self.session.peer = peer
        self.session.ssl = {
            'ssl_object': tls_transport.get_extra_info('ssl_object'),
            'cipher': tls_transport.get_extra_info('cipher'),
            'peercert': tls_transport.get_extra_info('peercert'),
        }
        self._tls_handshake_okay = True


class ImplicitTlsSMTP(FixedStartTlsSMTP):
    """For --tls (port 465 style): the connection is TLS from the first byte, which
    aiosmtpd 1.4.3 does not notice, so it would refuse AUTH as if in clear text."""

    def connection_made(self, transport):
        super().connection_made(transport)
        ssl_object = transport.get_extra_info('ssl_object')
        if ssl_object is not None:
            self._tls_protocol = getattr(transport, '_ssl_protocol', True)
            self.session.ssl = {'ssl_object': ssl_object,
                                'cipher': transport.get_extra_info('cipher'),
                                'peercert': transport.get_extra_info('peercert')}


class Catcher:
    """aiosmtpd handler: store messages, or refuse them when asked to, or stall."""

    def __init__(self, outdir, fail_rate, fail_first, reject_code, seed, stall_after=None,
                 no_auth=False):
        self.outdir = outdir
        self.stall_after = stall_after
        self.no_auth = no_auth
        self.fail_rate = fail_rate
        self.fail_first = fail_first
        self.reject_code = reject_code
        self.random = random.Random(seed)
        self.seen = 0
        self.number = self._highest_number() + 1

    def _highest_number(self):
        numbers = [int(m.group(1)) for m in
                   (re.match(r'(\d+)\.eml$', name) for name in os.listdir(self.outdir)) if m]
        return max(numbers, default=0)

    def _refuse(self):
        self.seen += 1
        if self.seen <= self.fail_first:
            return True
        return self.fail_rate > 0 and self.random.random() < self.fail_rate

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # aiosmtpd advertises AUTH (after TLS) even without an authenticator.
        session.host_name = hostname
        if self.no_auth:
            responses = [r for r in responses if not r.startswith('250-AUTH')]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # --stall-after ehlo: EHLO was answered, MAIL FROM never is (a server that
        # hangs mid-session; the client must give up after its own timeout).
        if self.stall_after == 'ehlo':
            await stall()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        # --stall-after data: DATA got its 354, the message is received, its final
        # reply never comes.
        if self.stall_after == 'data':
            await stall()
        if self._refuse():
            return reject_reply(self.reject_code)
        number = self.number
        self.number += 1
        content = envelope.original_content or envelope.content
        meta = {
            'number': number,
            'mail_from': envelope.mail_from,
            'rcpt_tos': list(envelope.rcpt_tos),
            'peer': list(session.peer) if session.peer else None,
            'host_name': session.host_name,
            'tls': session.ssl is not None,
            'tls_version': session.ssl['ssl_object'].version() if session.ssl else None,
            'auth_user': auth_user(session),
            'received_at': time.time(),
            'size': len(content),
        }
        base = os.path.join(self.outdir, '%04d' % number)
        write_atomically(base + '.eml', content)
        write_atomically(base + '.json', json.dumps(meta, indent=1).encode() + b'\n')
        print('stored %s.eml from %s to %s' % (base, envelope.mail_from,
                                                ','.join(envelope.rcpt_tos)), flush=True)
        return '250 2.0.0 Ok: stored as %04d' % number


async def stall():
    print('stalling', flush=True)
    await asyncio.sleep(3600)


def reject_reply(code):
    if code >= 500:
        return '%d 5.3.0 Message refused (simulated permanent failure)' % code
    return '%d 4.3.0 Try again later (simulated temporary failure)' % code


def auth_user(session):
    data = session.auth_data
    if isinstance(data, LoginPassword):
        return data.login.decode(errors='replace')
    return data if isinstance(data, str) else None


def write_atomically(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


def make_tls_context(cert, key, tickets):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    # The daemon caps itself at TLS 1.2 (DESIGN §10); we offer 1.2 and 1.3.
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    if tickets is not None:
        # TLS 1.3 session tickets sent after the handshake: OpenSSL sends 2.
        # libesmtp 1.1 hangs in about a third of TLS 1.3 sessions when it gets
        # them (measured: 10 of 30), and never with 0 or over TLS 1.2.
        ctx.num_tickets = tickets
    return ctx


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--dir', required=True, help='where NNNN.eml / NNNN.json go')
    p.add_argument('--starttls', nargs=2, metavar=('CERT', 'KEY'),
                   help='offer STARTTLS and require it before MAIL')
    p.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'),
                   help='implicit TLS from the first byte (submissions, port 465)')
    p.add_argument('--auth', metavar='USER:PASSWORD',
                   help='require AUTH PLAIN or LOGIN with these credentials before MAIL')
    p.add_argument('--auth-optional', action='store_true',
                   help='offer and check AUTH, but accept mail without it (a server that '
                        'would relay for an unauthenticated client)')
    p.add_argument('--no-auth', action='store_true',
                   help='advertise no AUTH at all (aiosmtpd offers it after TLS by default)')
    p.add_argument('--stall-after', choices=('ehlo', 'data'),
                   help='never answer the command after EHLO (MAIL FROM), or the end of DATA')
    p.add_argument('--auth-without-tls', action='store_true',
                   help='accept AUTH over a clear connection (refused by default)')
    p.add_argument('--fail-rate', type=float, default=0.0,
                   help='share of messages refused at end of DATA (0..1)')
    p.add_argument('--fail-first', type=int, default=0,
                   help='refuse the first N messages, then accept')
    p.add_argument('--reject-code', type=int, default=451,
                   help='SMTP code used to refuse (4xx temporary, 5xx permanent)')
    p.add_argument('--seed', type=int, default=1, help='seed for --fail-rate')
    p.add_argument('--tls-tickets', type=int, metavar='N',
                   help='TLS 1.3 session tickets sent per handshake (OpenSSL default: 2)')
    p.add_argument('--stock-starttls', action='store_true',
                   help="use aiosmtpd's own STARTTLS (to compare when chasing a hang)")
    p.add_argument('--max-seconds', type=float, default=600,
                   help='exit after this long whatever happens (default 600)')
    args = p.parse_args(argv)
    if args.auth and ':' not in args.auth:
        p.error('--auth wants USER:PASSWORD')
    if not 400 <= args.reject_code <= 599:
        p.error('--reject-code must be 4xx or 5xx')
    return args


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    handler = Catcher(args.dir, args.fail_rate, args.fail_first, args.reject_code, args.seed,
                      args.stall_after, args.no_auth)
    tls_context = (make_tls_context(*args.starttls, args.tls_tickets)
                   if args.starttls else None)
    options = dict(hostname='localhost', tls_context=tls_context,
                   require_starttls=bool(tls_context),
                   auth_require_tls=not args.auth_without_tls,
                   enable_SMTPUTF8=True, decode_data=False)
    if args.auth:
        user, password = args.auth.split(':', 1)
        options.update(authenticator=make_authenticator(user, password),
                       auth_required=not args.auth_optional)
    loop = asyncio.get_running_loop()
    smtp_class = SMTP if args.stock_starttls else FixedStartTlsSMTP
    if args.tls:
        smtp_class = ImplicitTlsSMTP
    implicit = make_tls_context(*args.tls, args.tls_tickets) if args.tls else None
    server = await loop.create_server(lambda: smtp_class(handler, **options),
                                      args.host, args.port, reuse_address=True, ssl=implicit)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    print('smtp_catcher listening on %s:%d, storing in %s' % (args.host, args.port, args.dir),
          flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main(argv):
    # aiosmtpd warns about its own use of a deprecated attribute at every AUTH.
    warnings.filterwarnings('ignore', message='Session.login_data is deprecated')
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
