"""What `wrpc call` and `wrpc serve` share: choosing a transport from the command line, and loading WIT.

One of `--nats URL` (the default, with every NATS option of `wrpc.connect`), `--tcp HOST:PORT` or
`--unix PATH`; the returned context manager opens the transport and closes it (and the NATS connection)
at the end.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from wrpc.connect import NatsOptions, add_nats_arguments, connect


def add_transport_arguments(parser: argparse.ArgumentParser, *, serving: bool) -> None:
    add_nats_arguments(parser)
    other = parser.add_argument_group("framed transport (instead of NATS)")
    exclusive = other.add_mutually_exclusive_group()
    exclusive.add_argument("--tcp", metavar="HOST:PORT", help="use the framed transport over TCP")
    exclusive.add_argument("--unix", metavar="PATH", help="use the framed transport over a Unix socket")
    if serving:
        parser.add_argument("--group", metavar="NAME", help="NATS queue group shared with other replicas")


def framed_address(ns: argparse.Namespace) -> str | None:
    if ns.tcp:
        return f"tcp://{ns.tcp}"
    if ns.unix:
        return f"unix://{ns.unix}"
    return None


@contextlib.asynccontextmanager
async def open_transport(ns: argparse.Namespace, *, serving: bool) -> AsyncIterator[Any]:
    """The invoker (or, with `serving`, the acceptor) the command line names; closed on exit."""
    address = framed_address(ns)
    if address is not None:
        from wrpc.transport.framed import FramedClient, FramedServer

        if serving:
            async with FramedServer(address) as server:
                yield server
        else:
            yield FramedClient(address)
        return
    from wrpc.transport.nats import NatsTransport

    options = NatsOptions.from_args(ns)
    nc = await connect(options)
    transport = NatsTransport(nc, prefix=options.prefix, queue_group=getattr(ns, "group", None) or None)
    try:
        yield transport
    finally:
        await transport.close()
        await nc.close()


def describe(ns: argparse.Namespace) -> str:
    """Where the command talks to, for messages."""
    address = framed_address(ns)
    if address is not None:
        return address
    options = NatsOptions.from_args(ns)
    return options.url + (f" (prefix {options.prefix!r})" if options.prefix else "")
