#!/usr/bin/env python3
"""A TCP proxy for fault tests: the faults a real network has, on loopback.

This kernel has no netem; this sits between a client and one server
(TCP or a Unix socket) and, at run time, can

  delay MS       hold every chunk MS ms before passing it on, each direction
                 (order kept: a round trip costs at least 2 x MS)
  blackhole on   accept and keep connections, pass nothing on: bytes wait
                 in the proxy, as in a link that lost its route; a client
                 sees its command time out
  blackhole off  deliver what waited, in order, and go on
  cut            close every link (with a reset) and reset new ones at once
  restore        no delay, no blackhole, no cut
  status         one line: delay_ms=... blackhole=... cut=... links=...

Usage:
  proxy.py serve --target HOST:PORT|unix:PATH --control PATH
                 [--listen 127.0.0.1:0|unix:PATH] [--port-file FILE]
  proxy.py ctl PATH COMMAND [ARG]

serve listens on loopback only (127.0.0.1 or ::1) or on a Unix socket,
writes the port it got to --port-file (and stdout), and takes one command per connection to the
Unix socket --control, answering "ok ..." or "error ...". It runs until
SIGTERM or SIGINT. tests/shell/test_faults_proxy.sh is its test.
"""
import argparse
import asyncio
import os
import signal
import socket
import struct
import sys
import time

CHUNK = 65536
LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Faults:
    """The proxy's state; every link reads it for every chunk."""

    def __init__(self):
        self.delay_ms = 0
        self.cut = False
        self.open = asyncio.Event()  # set: not blackholed
        self.open.set()
        self.links = set()

    def status(self):
        return "delay_ms=%d blackhole=%s cut=%s links=%d" % (
            self.delay_ms,
            "off" if self.open.is_set() else "on",
            "on" if self.cut else "off",
            len(self.links),
        )


def reset(writer):
    """Closes with a reset (SO_LINGER 0), as a cut link looks to a peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        except OSError:
            pass
    writer.close()


async def pump(faults, reader, writer):
    """One direction. Each chunk is stamped when it arrives and passed on
    no earlier than its stamp + the delay, and only while not blackholed;
    chunks stay in order."""
    queue = asyncio.Queue()

    async def read_side():
        while True:
            data = await reader.read(CHUNK)
            await queue.put((time.monotonic(), data))
            if not data:
                return

    async def write_side():
        while True:
            arrived, data = await queue.get()
            wait = arrived + faults.delay_ms / 1000.0 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await faults.open.wait()
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    reading = asyncio.ensure_future(read_side())
    try:
        await write_side()
    finally:
        reading.cancel()


async def open_target(target):
    if target.startswith("unix:"):
        return await asyncio.open_unix_connection(target[5:])
    host, port = target.rsplit(":", 1)
    return await asyncio.open_connection(host, int(port))


async def link(faults, target, c_reader, c_writer):
    if faults.cut:
        reset(c_writer)
        return
    try:
        s_reader, s_writer = await open_target(target)
    except OSError:
        reset(c_writer)
        return
    task = asyncio.ensure_future(
        asyncio.gather(
            pump(faults, c_reader, s_writer), pump(faults, s_reader, c_writer)
        )
    )
    entry = (task, c_writer, s_writer)
    faults.links.add(entry)
    try:
        await task
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        faults.links.discard(entry)
        reset(c_writer)
        reset(s_writer)


def cut_all(faults):
    faults.cut = True
    for task, c_writer, s_writer in list(faults.links):
        reset(c_writer)
        reset(s_writer)
        task.cancel()


async def control(faults, reader, writer):
    words = (await reader.readline()).decode(errors="replace").split()
    answer = "ok"
    try:
        if words[:1] == ["delay"] and len(words) == 2 and int(words[1]) >= 0:
            faults.delay_ms = int(words[1])
        elif words == ["blackhole", "on"]:
            faults.open.clear()
        elif words == ["blackhole", "off"]:
            faults.open.set()
        elif words == ["cut"]:
            cut_all(faults)
        elif words == ["restore"]:
            faults.delay_ms = 0
            faults.cut = False
            faults.open.set()
        elif words != ["status"]:
            answer = "error unknown command: " + " ".join(words)
    except ValueError:
        answer = "error delay wants a whole number of ms"
    if answer == "ok":
        answer = "ok " + faults.status()
    writer.write((answer + "\n").encode())
    await writer.drain()
    writer.close()


async def serve(args):
    faults = Faults()
    accept = lambda r, w: link(faults, args.target, r, w)  # noqa: E731
    if args.listen.startswith("unix:"):
        host = args.listen
        server = await asyncio.start_unix_server(accept, args.listen[5:])
    else:
        host, port = args.listen.rsplit(":", 1)
        host = host.strip("[]")
        if host not in LOOPBACK:
            sys.exit("proxy.py: listens on loopback only, not %s" % host)
        server = await asyncio.start_server(accept, host, int(port))
    ctl = await asyncio.start_unix_server(
        lambda r, w: control(faults, r, w), args.control
    )
    bound = 0 if host.startswith("unix:") else server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % bound)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("listening %s:%d -> %s" % (host, bound, args.target), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    cut_all(faults)
    server.close()
    ctl.close()


def ctl(args):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(args.control)
        s.sendall((" ".join(args.command) + "\n").encode())
        answer = s.makefile().readline().strip()
    print(answer)
    return 0 if answer.startswith("ok") else 1


def main():
    p = argparse.ArgumentParser(description="TCP proxy for fault tests")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--listen", default="127.0.0.1:0")
    s.add_argument("--target", required=True)
    s.add_argument("--control", required=True)
    s.add_argument("--port-file")
    c = sub.add_parser("ctl")
    c.add_argument("control")
    c.add_argument("command", nargs="+")
    args = p.parse_args()
    if args.cmd == "serve":
        asyncio.run(serve(args))
        return 0
    return ctl(args)


if __name__ == "__main__":
    sys.exit(main())
