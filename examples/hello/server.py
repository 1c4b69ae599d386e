"""Serve `wrpc-examples:hello/handler.hello`, answering "hello from Python", like upstream's hello servers.

    python -m examples.hello.server [--nats URL | --tcp HOST:PORT | --unix PATH] [PREFIX]

Over NATS the function is served under PREFIX (default `python`) with PREFIX as the queue group, so a
Rust `hello-nats-client python` can call it. Stops on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from examples.hello.common import INSTANCE, add_transport_arguments, hello_function, server_transport
from wrpc.log import configure
from wrpc.server import Server


def hello() -> str:
    return "hello from Python"


async def serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server_transport(args, args.prefix) as transport, Server(transport) as server:
        await server.serve(INSTANCE, hello_function(), hello)
        where = args.tcp or args.unix or f"prefix {args.prefix!r}"
        print(f"serving {INSTANCE}.hello on {where}", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.hello.server", description=__doc__)
    add_transport_arguments(parser)
    parser.add_argument("prefix", nargs="?", default="python", help="NATS prefix to serve on")
    configure("WARNING")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
