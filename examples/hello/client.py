"""Call `wrpc-examples:hello/handler.hello` on each prefix and print the answers, like upstream's clients.

    python -m examples.hello.client [--nats URL | --tcp HOST:PORT | --unix PATH] [PREFIX ...]

Over NATS every PREFIX (default `python`) is called in turn; prefix `rust` reaches a Rust
`hello-nats-server`. Over TCP or a Unix socket there is no prefix: the one server is called.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from examples.hello.common import INSTANCE, add_transport_arguments, client_transport, hello_function
from wrpc.client import Client
from wrpc.errors import WrpcError
from wrpc.log import configure


async def call(args: argparse.Namespace) -> int:
    func = hello_function()
    prefixes = [""] if args.tcp or args.unix else args.prefixes
    failed = 0
    for prefix in prefixes:
        async with client_transport(args, prefix) as transport:
            try:
                answer = await Client(transport, timeout=10).invoke(INSTANCE, func)
            except WrpcError as exc:
                print(f"{prefix or transport}: {exc}", file=sys.stderr)
                failed += 1
                continue
        print(f"{prefix}: {answer}" if prefix else answer)
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m examples.hello.client", description=__doc__)
    add_transport_arguments(parser)
    parser.add_argument("prefixes", nargs="*", default=["python"], help="NATS prefixes to call")
    configure("WARNING")
    sys.exit(asyncio.run(call(parser.parse_args())))


if __name__ == "__main__":
    main()
