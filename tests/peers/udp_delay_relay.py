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
"""

import argparse
import asyncio
import random
import signal
import sys

HOST = '127.0.0.1'


class Upstream(asyncio.DatagramProtocol):
    """Socket towards the target for one client: answers flow back through it."""

    def __init__(self, relay, listen_transport, client_addr):
        self.relay = relay
        self.listen_transport = listen_transport
        self.client_addr = client_addr
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.relay.later(self.listen_transport.sendto, data, self.client_addr)


class Listener(asyncio.DatagramProtocol):
    """Socket clients talk to, standing for the target port."""

    def __init__(self, relay, target_port):
        self.relay = relay
        self.target_port = target_port
        self.transport = None
        self.upstreams = {}

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.relay.loop.create_task(self._forward(data, addr))

    async def _forward(self, data, addr):
        opening = self.upstreams.get(addr)
        if opening is None:
            if self.relay.clients >= self.relay.max_clients:
                return
            self.relay.clients += 1
            opening = self.relay.loop.create_task(self._open(addr))
            self.upstreams[addr] = opening
        upstream = await opening
        self.relay.later(upstream.transport.sendto, data)

    async def _open(self, addr):
        _, upstream = await self.relay.loop.create_datagram_endpoint(
            lambda: Upstream(self.relay, self.transport, addr),
            remote_addr=(HOST, self.target_port))
        return upstream


class Relay:
    def __init__(self, loop, delay_s, loss, seed, max_clients):
        self.loop = loop
        self.delay_s = delay_s
        self.loss = loss
        self.random = random.Random(seed)
        self.max_clients = max_clients
        self.clients = 0

    def later(self, send, *args):
        if self.loss and self.random.random() < self.loss:
            return
        self.loop.call_later(self.delay_s, send, *args)


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


async def run(args, pairs):
    loop = asyncio.get_running_loop()
    relay = Relay(loop, args.delay_ms / 1000.0, args.loss, args.seed, args.max_clients)
    transports = []
    for listen, target in pairs:
        transport, _ = await loop.create_datagram_endpoint(
            lambda target=target: Listener(relay, target), local_addr=(HOST, listen))
        transports.append(transport)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    print('udp_delay_relay: %d port(s), +%g ms each way' % (len(pairs), args.delay_ms), flush=True)
    await stop.wait()
    for transport in transports:
        transport.close()


def main(argv):
    args, pairs = parse_args(argv)
    asyncio.run(run(args, pairs))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
