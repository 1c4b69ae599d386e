"""What the hello server and client share: the WIT, and picking NATS, TCP or a Unix socket from flags."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import witparser
from wrpc import types as t
from wrpc.connect import DEFAULT_URL, NatsOptions, connect
from wrpc.functions import find
from wrpc.transport.framed import FramedClient, FramedServer
from wrpc.transport.nats import NatsTransport

WIT = Path(__file__).with_name("wit")
INSTANCE = "wrpc-examples:hello/handler"


def hello_function() -> t.FunctionType:
    """`hello: func() -> string`, read from `wit/hello.wit`."""
    _, _, func = find(witparser.load(str(WIT)), f"{INSTANCE}.hello")
    return func


def add_transport_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--nats", metavar="URL", help=f"NATS server URL (the default: {DEFAULT_URL})")
    group.add_argument("--tcp", metavar="HOST:PORT", help="use the framed transport over TCP instead")
    group.add_argument("--unix", metavar="PATH", help="use the framed transport over a Unix socket instead")


def framed_address(args: argparse.Namespace) -> str | None:
    """The framed transport's address when `--tcp` or `--unix` was given; `None` means NATS."""
    if args.tcp:
        return f"tcp://{args.tcp}"
    if args.unix:
        return f"unix://{args.unix}"
    return None


@asynccontextmanager
async def client_transport(
    args: argparse.Namespace, prefix: str
) -> AsyncIterator[FramedClient | NatsTransport]:
    """An invoker for the chosen transport; framed transports have no prefix."""
    address = framed_address(args)
    if address is not None:
        yield FramedClient(address)
        return
    nc = await connect(NatsOptions(url=args.nats or DEFAULT_URL))
    transport = NatsTransport(nc, prefix=prefix)
    try:
        yield transport
    finally:
        await transport.close()
        await nc.close()


@asynccontextmanager
async def server_transport(
    args: argparse.Namespace, prefix: str
) -> AsyncIterator[FramedServer | NatsTransport]:
    """An acceptor for the chosen transport, listening until the block ends."""
    address = framed_address(args)
    if address is not None:
        async with FramedServer(address) as server:
            yield server
        return
    nc = await connect(NatsOptions(url=args.nats or DEFAULT_URL))
    transport = NatsTransport(nc, prefix=prefix, queue_group=prefix or None)
    try:
        yield transport
    finally:
        await transport.close()
        await nc.close()
