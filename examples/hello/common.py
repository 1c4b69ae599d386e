"""What the hello server and client share: the WIT, and picking NATS, TCP or a Unix socket from flags."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import witparser
from wrpc import types as t
from wrpc.connect import NatsOptions, connect
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
    group.add_argument("--nats", metavar="URL", help="NATS server URL (the default: nats://127.0.0.1:4222)")
    group.add_argument("--tcp", metavar="HOST:PORT", help="use the framed transport over TCP instead")
    group.add_argument("--unix", metavar="PATH", help="use the framed transport over a Unix socket instead")


@asynccontextmanager
async def client_transport(
    args: argparse.Namespace, prefix: str
) -> AsyncIterator[FramedClient | NatsTransport]:
    """An invoker for the chosen transport; framed transports have no prefix."""
    if args.tcp or args.unix:
        yield FramedClient(f"tcp://{args.tcp}" if args.tcp else f"unix://{args.unix}")
        return
    nc = await connect(NatsOptions(url=args.nats or "nats://127.0.0.1:4222"))
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
    if args.tcp or args.unix:
        async with FramedServer(f"tcp://{args.tcp}" if args.tcp else f"unix://{args.unix}") as server:
            yield server
        return
    nc = await connect(NatsOptions(url=args.nats or "nats://127.0.0.1:4222"))
    transport = NatsTransport(nc, prefix=prefix, queue_group=prefix or None)
    try:
        yield transport
    finally:
        await transport.close()
        await nc.close()
