#!/usr/bin/python3
"""Modbus test server (Debian's pymodbus 3.0): TCP on loopback or RTU on a serial device.

Register map: a JSON file (see modbus-maps/*.json), addresses as on the wire
(0-based PDU addresses: "3xxxx" in a manual is input register xxxx, "4xxxx"
holding register xxxx). Each unit has four tables, "holding", "input",
"coils" and "discrete"; a register value is either a raw 16-bit word (a
negative number is stored as two's complement) or an object
  {"type": "int16|uint16|int32|uint32|float32", "order": "ABCD|CDAB|BADC|DCBA",
   "value": 23.4, "scale": 0.1}
stored as raw = value / scale, encoded in one or two words. Addresses not in the
map read as 0, unless the unit says "strict": true (then they answer exception 2,
illegal data address, as many real devices do).

Control channel (--control PATH): a UNIX stream socket taking one command per
line and answering one line, "ok[ JSON]" or "err MESSAGE":
  set UNIT TABLE ADDR WORD...              raw words (or 0/1 for coils, discrete)
  setv UNIT TABLE ADDR TYPE ORDER VALUE [SCALE]   typed value, encoded as above
  get UNIT TABLE ADDR [COUNT]              -> ok [words...]
  fail UNIT TABLE ADDR COUNT CODE          requests touching ADDR..ADDR+COUNT-1
                                           answer exception CODE (2, 6, 0x0B...)
  unfail [UNIT]                            forget the failure rules (of UNIT)
  mute [UNIT] / unmute [UNIT]              swallow requests silently (all units)
  delay MS                                 answer every request MS later
  requests                                 -> ok [[unit, function, addr, count], ...]
                                           (the last 200 requests, oldest first)
  ping                                     -> ok "pong"
  stop                                     exit
UNIT may be "*" for every unit; TABLE is holding|input|coils|discrete.
"""

import argparse
import asyncio
import collections
import json
import logging
import os
import signal
import struct
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext
from pymodbus.datastore import ModbusSequentialDataBlock
from pymodbus.pdu import ExceptionResponse
from pymodbus.server.async_io import (ModbusConnectedRequestHandler, ModbusSerialServer,
                                      ModbusSingleRequestHandler, ModbusTcpServer)
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

TABLES = {'holding': 'h', 'input': 'i', 'coils': 'c', 'discrete': 'd'}
FORMATS = {'int16': 'h', 'uint16': 'H', 'int32': 'i', 'uint32': 'I', 'float32': 'f'}
ORDERS = ('ABCD', 'CDAB', 'BADC', 'DCBA')
TABLE_SIZE = 65536


def table_letter(name):
    if name not in TABLES:
        raise ValueError('unknown table %r (holding, input, coils, discrete)' % name)
    return TABLES[name]


def encode(value, type_name='uint16', order='ABCD', scale=1.0):
    """Value -> list of 16-bit words. ORDER names the bytes of the big-endian
    value A B C D as they go on the wire; 16-bit types use its first two
    letters' relative order (AB or BA)."""
    fmt = FORMATS[type_name]
    raw = value / scale
    raw = float(raw) if fmt == 'f' else int(round(raw))
    big = struct.pack('>' + fmt, raw)
    if len(big) == 2:
        big = big if order in ('ABCD', 'CDAB') else big[::-1]
        return [big[0] << 8 | big[1]]
    wire = bytes(big['ABCD'.index(letter)] for letter in order)
    return [wire[0] << 8 | wire[1], wire[2] << 8 | wire[3]]


def decode(words, type_name='uint16', order='ABCD', scale=1.0):
    """Inverse of encode()."""
    fmt = FORMATS[type_name]
    wire = b''.join(struct.pack('>H', w) for w in words)
    if len(wire) == 2:
        big = wire if order in ('ABCD', 'CDAB') else wire[::-1]
    else:
        big = bytes(wire[order.index(letter)] for letter in 'ABCD')
    return struct.unpack('>' + fmt, big)[0] * scale


def word(value):
    """A raw register value from the map or the control channel, as a uint16."""
    value = int(value, 0) if isinstance(value, str) else int(value)
    if not -32768 <= value <= 65535:
        raise ValueError('%d does not fit in a register' % value)
    return value & 0xFFFF


class State:
    """What the control channel changes; shared by every unit."""

    def __init__(self):
        self.fail_rules = []            # (unit or None, table letter, first, last, code)
        self.muted = set()              # unit ids, or None for all
        self.delay_s = 0.0
        self.pending_exception = None   # set by validate(), used by the response hook
        self.requests = collections.deque(maxlen=200)

    def rule_for(self, unit, table, address, count):
        for rule_unit, rule_table, first, last, code in self.fail_rules:
            if rule_unit in (None, unit) and rule_table == table \
                    and address <= last and address + count - 1 >= first:
                return code
        return None


class UnitContext(ModbusSlaveContext):
    """One unit's tables; consults the shared State on every request."""

    def __init__(self, unit, state, strict, defined):
        blocks = {key: ModbusSequentialDataBlock(0, [0] * TABLE_SIZE)
                  for key in ('di', 'co', 'hr', 'ir')}
        # zero_mode: without it pymodbus 3.0 shifts every address by one.
        super().__init__(zero_mode=True, **blocks)
        self.unit = unit
        self.state = state
        self.strict = strict
        self.defined = defined          # table letter -> set of addresses in the map

    def validate(self, fc_as_hex, address, count=1):
        table = self.decode(fc_as_hex)
        self.state.requests.append([self.unit, fc_as_hex, address, count])
        if self.strict and any(a not in self.defined[table] for a in range(address, address + count)):
            return False
        code = self.state.rule_for(self.unit, table, address, count)
        if code is not None:
            self.state.pending_exception = code
        return super().validate(fc_as_hex, address, count)


def shape_response(state):
    """pymodbus response hook: turn a response into an exception, or drop it."""
    def hook(response):
        code, state.pending_exception = state.pending_exception, None
        if code is not None:
            exception = ExceptionResponse(response.function_code & 0x7F, code)
            exception.transaction_id = response.transaction_id
            exception.unit_id = response.unit_id
            response = exception
        if None in state.muted or response.unit_id in state.muted:
            response.should_respond = False
        return response, False
    return hook


def delayed_send(base, state):
    """A pymodbus request handler class whose answers leave state.delay_s late."""
    class Handler(base):
        def _send_(self, data, *addr):
            if state.delay_s > 0:
                asyncio.get_running_loop().call_later(state.delay_s, super()._send_, data, *addr)
            else:
                super()._send_(data, *addr)
    return Handler


def load_map(path, state, unit_ids):
    with open(path) as f:
        spec = json.load(f)
    units = spec['units']
    if unit_ids:
        if len(units) != 1:
            raise SystemExit('--unit renames a map with exactly one unit')
        only = next(iter(units.values()))
        units = {str(u): only for u in unit_ids}
    slaves = {}
    for unit_text, tables in units.items():
        unit = int(unit_text)
        defined = {letter: set() for letter in TABLES.values()}
        context = UnitContext(unit, state, bool(tables.get('strict')), defined)
        for name, letter in TABLES.items():
            for addr_text, value in tables.get(name, {}).items():
                address = int(addr_text, 0)
                words = (encode(value['value'], value.get('type', 'uint16'),
                                value.get('order', 'ABCD'), value.get('scale', 1.0))
                         if isinstance(value, dict) else [word(value)])
                context.store[letter].setValues(address, words)
                defined[letter].update(range(address, address + len(words)))
        slaves[unit] = context
    return ModbusServerContext(slaves=slaves, single=False)


class Control:
    """Line commands on the control socket."""

    def __init__(self, context, state, stop):
        self.context = context
        self.state = state
        self.stop = stop

    def units(self, text):
        return list(self.context.slaves()) if text == '*' else [int(text)]

    def run(self, line):
        words = line.split()
        if not words:
            raise ValueError('empty command')
        command = getattr(self, 'cmd_' + words[0], None)
        if command is None:
            raise ValueError('unknown command %r' % words[0])
        return command(*words[1:])

    def cmd_set(self, unit, table, address, *values):
        words = [word(v) for v in values]
        for u in self.units(unit):
            self.context[u].store[table_letter(table)].setValues(int(address, 0), words)

    def cmd_setv(self, unit, table, address, type_name, order, value, scale='1'):
        if order not in ORDERS:
            raise ValueError('order must be one of %s' % ', '.join(ORDERS))
        self.cmd_set(unit, table, address,
                     *map(str, encode(float(value), type_name, order, float(scale))))

    def cmd_get(self, unit, table, address, count='1'):
        return self.context[int(unit)].store[table_letter(table)].getValues(int(address, 0), int(count))

    def cmd_fail(self, unit, table, address, count, code):
        first = int(address, 0)
        rule_unit = None if unit == '*' else int(unit)
        self.state.fail_rules.append((rule_unit, table_letter(table), first,
                                      first + int(count) - 1, int(code, 0)))

    def cmd_unfail(self, unit='*'):
        self.state.fail_rules = [r for r in self.state.fail_rules
                                 if unit != '*' and r[0] != int(unit)]

    def cmd_mute(self, unit='*'):
        self.state.muted.add(None if unit == '*' else int(unit))

    def cmd_unmute(self, unit='*'):
        if unit == '*':
            self.state.muted.clear()
        else:
            self.state.muted.discard(int(unit))

    def cmd_delay(self, ms):
        self.state.delay_s = float(ms) / 1000.0

    def cmd_requests(self):
        return list(self.state.requests)

    def cmd_ping(self):
        return 'pong'

    def cmd_stop(self):
        self.stop.set()

    async def serve_client(self, reader, writer):
        try:
            while line := await reader.readline():
                try:
                    result = self.run(line.decode())
                    reply = 'ok' if result is None else 'ok ' + json.dumps(result)
                except (ValueError, TypeError, KeyError, IndexError) as error:
                    reply = 'err %s' % (error or type(error).__name__)
                writer.write(reply.encode() + b'\n')
                await writer.drain()
        finally:
            writer.close()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument('--tcp', type=int, metavar='PORT', help='Modbus TCP on --host:PORT')
    where.add_argument('--rtu', metavar='DEVICE', help='Modbus RTU on this serial device')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--map', required=True, help='register map (JSON)')
    p.add_argument('--unit', type=int, action='append',
                   help="serve the map's only unit under this id (repeatable)")
    p.add_argument('--baud', type=int, default=9600)
    p.add_argument('--parity', choices='NEO', default='N')
    p.add_argument('--stopbits', type=int, choices=(1, 2), default=1)
    p.add_argument('--bytesize', type=int, choices=(7, 8), default=8)
    p.add_argument('--control', metavar='PATH', help='UNIX socket for the control channel')
    p.add_argument('--debug', action='store_true', help="show pymodbus's own log")
    p.add_argument('--max-seconds', type=float, default=600,
                   help='exit after this long whatever happens (default 600)')
    return p.parse_args(argv)


async def serve(args):
    # pymodbus logs every client disconnection as an ERROR: keep it quiet.
    logging.getLogger('pymodbus').setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    state = State()
    context = load_map(args.map, state, args.unit)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    hook = shape_response(state)
    if args.tcp is not None:
        server = ModbusTcpServer(context, ModbusSocketFramer, address=(args.host, args.tcp),
                                 handler=delayed_send(ModbusConnectedRequestHandler, state),
                                 allow_reuse_address=True, response_manipulator=hook)
        serving = loop.create_task(server.serve_forever())
        await server.serving
        where = '%s:%d' % (args.host, args.tcp)
    else:
        parity = args.parity
        if os.path.realpath(args.rtu).startswith('/dev/pts/') and parity != 'N':
            # A pty has no parity: the kernel ignores PARENB, and here a
            # tcsetattr() whose only change is PARENB fails with EINVAL, which
            # pyserial-asyncio runs into. Bytes pass the same either way.
            print('modbus_server: %s is a pty, parity %s not applied' % (args.rtu, parity),
                  flush=True)
            parity = 'N'
        server = ModbusSerialServer(context, ModbusRtuFramer, port=args.rtu,
                                    baudrate=args.baud, parity=parity,
                                    stopbits=args.stopbits, bytesize=args.bytesize,
                                    handler=delayed_send(ModbusSingleRequestHandler, state),
                                    response_manipulator=hook)
        await server.start()
        if server.transport is None:    # pymodbus logs the reason and carries on
            raise SystemExit('modbus_server: cannot open %s' % args.rtu)
        serving = None
        where = '%s (%d %d%s%d)' % (args.rtu, args.baud, args.bytesize, args.parity, args.stopbits)
    control = None
    if args.control:
        if os.path.exists(args.control):
            os.unlink(args.control)
        control = await asyncio.start_unix_server(
            Control(context, state, stop).serve_client, path=args.control)
    print('modbus_server on %s, units %s' % (where, sorted(context.slaves())), flush=True)
    await stop.wait()
    if control:
        control.close()
        os.unlink(args.control)
    if serving:
        await server.server_close()
        serving.cancel()
    else:
        await server.shutdown()


def main(argv):
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
