#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A TCP proxy on 127.0.0.1 that delays every byte by a fixed time in each direction.
#
#   delay-proxy.py --target HOST:PORT [--port N] [--delay SECONDS]
#
# The kernel here has no netem, so latency is simulated in user space: each chunk read from one
# side is written to the other side DELAY seconds after it arrived (order preserved, chunks in
# flight overlap, so a pipelined burst costs one delay, not one per chunk).  With the default
# 0.025 s per direction a request/response costs a 50 ms round trip.  The TCP handshake itself
# is not delayed (the upstream connection is made at once).  Prints "PORT\n" on stdout once
# listening; runs until killed.

import argparse
import asyncio
import socket
import sys

READ_SIZE = 256 * 1024


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk delivered @delay seconds after it was read."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def receive():
        try:
            while True:
                data = await reader.read(READ_SIZE)
                queue.put_nowait((loop.time() + delay, data))
                if not data:
                    return
        except (ConnectionError, OSError):
            queue.put_nowait((loop.time() + delay, b""))

    async def deliver():
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            return

    await asyncio.gather(receive(), deliver())


async def handle(client_reader, client_writer, target, delay):
    host, port = target
    try:
        up_reader, up_writer = await asyncio.open_connection(host, port)
    except OSError as e:
        print("delay-proxy: cannot reach %s:%d: %s" % (host, port, e), file=sys.stderr)
        client_writer.close()
        return
    for w in (client_writer, up_writer):
        sock = w.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        await asyncio.gather(pump(client_reader, up_writer, delay),
                             pump(up_reader, client_writer, delay))
    finally:
        for w in (client_writer, up_writer):
            w.close()


async def main():
    parser = argparse.ArgumentParser(description="TCP proxy with a fixed delay per direction")
    parser.add_argument("--target", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any)")
    parser.add_argument("--delay", type=float, default=0.025,
                        help="seconds added in each direction (default 0.025)")
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    target = (host or "127.0.0.1", int(port))

    server = await asyncio.start_server(
        lambda r, w: handle(r, w, target, args.delay), "127.0.0.1", args.port)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
