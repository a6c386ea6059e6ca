#!/usr/bin/env python3
"""A Sentinel stand-in that puts one app host's Redis links behind proxies.

A responder asks the Sentinels for the master, then connects to the address
they name: to send one host's Redis traffic through tests/faults/proxy.py,
that host's REDIS_SENTINELS points here. Each question is passed to the
real Sentinels (the first that answers) and the port of the answer is
mapped to the proxy in front of that Redis; every other command gets the
real Sentinel's answer as is. Loopback only.

usage: sentinel_map.py --listen-port-file FILE --sentinels H:P[,H:P...]
                       --map REDIS_PORT:PROXY_PORT [--map ...]
Writes the port it listens on to FILE; runs until SIGTERM.
"""
import argparse
import asyncio
import os
import signal


def encode(value):
    """RESP for a parsed reply (str bulk, int, list, None, or error)."""
    if value is None:
        return b"*-1\r\n"
    if isinstance(value, int):
        return b":%d\r\n" % value
    if isinstance(value, Exception):
        return b"-%s\r\n" % str(value).encode()
    if isinstance(value, list):
        return b"*%d\r\n" % len(value) + b"".join(encode(v) for v in value)
    data = value.encode() if isinstance(value, str) else value
    return b"$%d\r\n%s\r\n" % (len(data), data)


async def read_reply(reader):
    """One RESP value from reader (bulk strings as bytes)."""
    line = (await reader.readline()).rstrip(b"\r\n")
    if not line:
        raise ConnectionError("closed")
    kind, rest = line[:1], line[1:]
    if kind in (b"+",):
        return rest
    if kind == b"-":
        return Exception(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = await reader.readexactly(n + 2)
        return data[:-2]
    if kind == b"*":
        n = int(rest)
        if n < 0:
            return None
        return [await read_reply(reader) for _ in range(n)]
    raise ValueError("not RESP: %r" % line)


async def ask_sentinels(sentinels, command):
    """The first real Sentinel's reply to command (a list of bytes)."""
    for host, port in sentinels:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 0.25)
        except (OSError, asyncio.TimeoutError):
            continue
        try:
            w.write(encode(command))
            await w.drain()
            return await asyncio.wait_for(read_reply(r), 0.25)
        except (OSError, asyncio.TimeoutError, ConnectionError, ValueError):
            continue
        finally:
            w.close()
    return Exception("ERR no real Sentinel answered")


async def client(reader, writer, sentinels, mapping):
    try:
        while True:
            command = await read_reply(reader)
            if not isinstance(command, list) or not command:
                break
            reply = await ask_sentinels(sentinels, command)
            words = [c.lower() for c in command[:2]]
            if words == [b"sentinel", b"get-master-addr-by-name"] and \
                    isinstance(reply, list) and len(reply) == 2:
                port = int(reply[1])
                reply = [reply[0], str(mapping.get(port, port)).encode()]
            writer.write(encode(reply))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError, OSError):
        pass
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen-port-file", required=True)
    p.add_argument("--sentinels", required=True)
    p.add_argument("--map", action="append", default=[])
    args = p.parse_args()
    sentinels = [(h, int(port)) for h, port in
                 (s.rsplit(":", 1) for s in args.sentinels.split(","))]
    mapping = {int(a): int(b) for a, b in (m.split(":") for m in args.map)}
    server = await asyncio.start_server(
        lambda r, w: client(r, w, sentinels, mapping), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(args.listen_port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(args.listen_port_file + ".tmp", args.listen_port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
