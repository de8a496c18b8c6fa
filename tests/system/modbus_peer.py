#!/usr/bin/python3
"""A Modbus device for envmond's system tests: pymodbus 3.0 (Debian 12) serving TCP or
RTU on a serial line, with a JSON-lines control channel on 127.0.0.1 to set registers,
inject exception responses, go silent and count the requests it received.

  modbus_peer.py (--tcp PORT | --serial PATH [--baud B --parity N|E|O --stopbits 1|2])
                 --control PORT [--units 1,2]

Prints "READY" once both ports are open. Control commands (one JSON object a line,
one JSON answer a line):
  {"op": "set", "unit": 1, "table": "holding", "address": 92, "values": [0, 752]}
  {"op": "exception", "unit": 1, "table": "holding", "address": 7, "code": 2}
      any read of that table covering that address gets exception `code`
  {"op": "silent", "on": true}      read requests get no answer at all
  {"op": "clear"}                   no exceptions, not silent, request log emptied
  {"op": "requests"}                -> {"requests": [[unit, function, address, count], ...]}
  {"op": "drop"}                    closes every TCP connection (a gateway restarting)

Addresses are protocol addresses (zero-based): the datastore uses zero_mode=True,
since pymodbus otherwise shifts every address by one (DESIGN.md §10).
(Written on the modbus branch while tests/peers/modbus_server.py did not exist yet.)
"""
import argparse
import asyncio
import json
import logging
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server.async_io import (ModbusBaseRequestHandler, ModbusSerialServer,
                                      ModbusTcpServer)
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

SIZE = 2048
TABLES = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}


class State:
    silent = False
    exceptions = {}   # (unit, function, address) -> code
    requests = []
    tcp_server = None


def matching_exception(request):
    fc = request.function_code
    if fc not in (1, 2, 3, 4):
        return None
    start = request.address
    count = getattr(request, "count", 1)
    for (unit, function, address), code in State.exceptions.items():
        if unit == request.unit_id and function == fc and start <= address < start + count:
            return code
    return None


_original_execute = ModbusBaseRequestHandler.execute


def execute(self, request, *addr):
    State.requests.append([request.unit_id, request.function_code,
                           getattr(request, "address", -1), getattr(request, "count", 1)])
    if State.silent:
        return
    code = matching_exception(request)
    if code is None:
        _original_execute(self, request, *addr)
        return
    response = request.doException(code)
    response.transaction_id = request.transaction_id
    response.unit_id = request.unit_id
    self.send(response, *addr)


ModbusBaseRequestHandler.execute = execute


def make_context(units):
    slaves = {}
    for unit in units:
        slaves[unit] = ModbusSlaveContext(
            di=ModbusSequentialDataBlock(0, [0] * SIZE), co=ModbusSequentialDataBlock(0, [0] * SIZE),
            hr=ModbusSequentialDataBlock(0, [0] * SIZE), ir=ModbusSequentialDataBlock(0, [0] * SIZE),
            zero_mode=True)
    return ModbusServerContext(slaves=slaves, single=False)


def control(context, cmd):
    op = cmd.get("op")
    if op == "set":
        fc = TABLES[cmd["table"]]
        context[cmd.get("unit", 1)].setValues(fc, cmd["address"], list(cmd["values"]))
    elif op == "exception":
        key = (cmd.get("unit", 1), TABLES[cmd["table"]], cmd["address"])
        if cmd.get("code"):
            State.exceptions[key] = cmd["code"]
        else:
            State.exceptions.pop(key, None)
    elif op == "silent":
        State.silent = bool(cmd["on"])
    elif op == "clear":
        State.silent = False
        State.exceptions = {}
        State.requests = []
    elif op == "requests":
        return {"ok": True, "requests": State.requests}
    elif op == "drop":
        if State.tcp_server:
            for handler in list(State.tcp_server.active_connections.values()):
                handler.transport.close()
    else:
        return {"ok": False, "error": f"unknown op {op!r}"}
    return {"ok": True}


async def serve_control(context, port):
    async def client(reader, writer):
        while line := await reader.readline():
            try:
                answer = control(context, json.loads(line))
            except Exception as exc:  # report, keep serving
                answer = {"ok": False, "error": str(exc)}
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        writer.close()
    return await asyncio.start_server(client, "127.0.0.1", port)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", type=int)
    ap.add_argument("--serial")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--parity", default="N")
    ap.add_argument("--stopbits", type=int, default=1)
    ap.add_argument("--control", type=int, required=True)
    ap.add_argument("--units", default="1")
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    context = make_context([int(u) for u in args.units.split(",")])
    ctl = await serve_control(context, args.control)
    if args.tcp:
        server = ModbusTcpServer(context, ModbusSocketFramer, address=("127.0.0.1", args.tcp),
                                 allow_reuse_address=True)
        State.tcp_server = server
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        print("READY", flush=True)
        await task
    else:
        server = ModbusSerialServer(context, ModbusRtuFramer, port=args.serial, baudrate=args.baud,
                                    parity=args.parity, stopbits=args.stopbits, bytesize=8)
        await server.start()
        print("READY", flush=True)
        await server.serve_forever()
    ctl.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
