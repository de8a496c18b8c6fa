#!/usr/bin/python3
"""UDP relay that adds latency (and optionally loss) in front of SNMP agents.

The kernel here has no netem qdisc, so latency is added in user space: for each
--map LISTEN:TARGET, datagrams sent to 127.0.0.1:LISTEN are forwarded to
127.0.0.1:TARGET after --delay-ms, and the answers go back to the client after
the same delay (so the round trip grows by twice --delay-ms). One upstream
socket per client address keeps answers apart. --loss drops that share of
datagrams in each direction (seeded, so runs repeat). The relay stops by itself
after --max-seconds, and never keeps more than --max-clients upstream sockets.

  udp_delay_relay.py --delay-ms 50 --map 20000:17000 --map 20001:17001
  udp_delay_relay.py --delay-ms 50 --range 20000:17000:250   # 250 consecutive ports

The delay is the same for every datagram, so datagrams are due in the order they
arrived: one FIFO and one select loop, no timer or task per datagram. (An asyncio
version with call_later per datagram was the bottleneck of the 1000-device
benchmark: ~0.2 s per cycle of its own on two cores.)
"""

import argparse
import collections
import random
import selectors
import signal
import socket
import sys
import time

HOST = '127.0.0.1'
BATCH = 64          # datagrams read from one ready socket before looking at the others


class Relay:
    def __init__(self, pairs, delay_s, loss, seed, max_clients):
        self.delay_s = delay_s
        self.loss = loss
        self.random = random.Random(seed)
        self.max_clients = max_clients
        self.sel = selectors.DefaultSelector()
        self.due = collections.deque()   # (time, socket, data, address or None)
        self.upstreams = {}              # (listen port, client address) -> socket
        self.listeners = []
        for listen, target in pairs:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((HOST, listen))
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, ('listen', target))
            self.listeners.append(s)

    def later(self, sock, data, addr):
        if self.loss and self.random.random() < self.loss:
            return
        self.due.append((time.monotonic() + self.delay_s, sock, data, addr))

    def upstream_for(self, listener, target, client):
        key = (listener.fileno(), client)
        up = self.upstreams.get(key)
        if up is None:
            if len(self.upstreams) >= self.max_clients:
                return None
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.connect((HOST, target))
            up.setblocking(False)
            self.sel.register(up, selectors.EVENT_READ, ('up', listener, client))
            self.upstreams[key] = up
        return up

    def on_readable(self, sock, role):
        for _ in range(BATCH):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionRefusedError:   # the target's port is closed: ICMP
                continue
            if role[0] == 'listen':
                up = self.upstream_for(sock, role[1], addr)
                if up is not None:
                    self.later(up, data, None)
            else:
                self.later(role[1], data, role[2])

    def send_due(self, now):
        while self.due and self.due[0][0] <= now:
            _, sock, data, addr = self.due.popleft()
            try:
                if addr is None:
                    sock.send(data)
                else:
                    sock.sendto(data, addr)
            except OSError:
                pass     # a full buffer or a refused port drops the datagram, as a network would

    def run(self, max_seconds, stopping):
        end = time.monotonic() + max_seconds
        while not stopping():
            now = time.monotonic()
            if now >= end:
                break
            self.send_due(now)
            timeout = min(end - now, 0.5)
            if self.due:
                timeout = max(0.0, min(timeout, self.due[0][0] - now))
            for key, _ in self.sel.select(timeout):
                self.on_readable(key.fileobj, key.data)

    def close(self):
        for s in self.listeners + list(self.upstreams.values()):
            self.sel.unregister(s)
            s.close()
        self.sel.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--delay-ms', type=float, required=True, help='added each way')
    p.add_argument('--map', action='append', default=[], metavar='LISTEN:TARGET')
    p.add_argument('--range', action='append', default=[], metavar='LISTEN:TARGET:COUNT')
    p.add_argument('--loss', type=float, default=0.0, help='share dropped each way (0..1)')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--max-clients', type=int, default=4096)
    p.add_argument('--max-seconds', type=float, default=600)
    args = p.parse_args(argv)
    pairs = []
    for m in args.map:
        listen, target = (int(x) for x in m.split(':'))
        pairs.append((listen, target))
    for r in args.range:
        listen, target, count = (int(x) for x in r.split(':'))
        pairs.extend((listen + i, target + i) for i in range(count))
    if not pairs:
        p.error('give at least one --map or --range')
    return args, pairs


def main(argv):
    args, pairs = parse_args(argv)
    relay = Relay(pairs, args.delay_ms / 1000.0, args.loss, args.seed, args.max_clients)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    print('udp_delay_relay: %d port(s), +%g ms each way' % (len(pairs), args.delay_ms), flush=True)
    try:
        relay.run(args.max_seconds, lambda: bool(stop))
    finally:
        relay.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
