"""The two sides of an interop test as the tests drive them: our Python transports, clients and servers
(`PythonSide`), and where a Rust peer's server lives (`rust_server`)."""

from __future__ import annotations

import itertools
from typing import Any

from nats.aio.client import Client as NATS

from tests.interop import worlds
from tests.interop.peer import MAX_PAYLOAD, Peer
from wrpc.client import Client
from wrpc.server import Server
from wrpc.transport.base import Acceptor, Invoker
from wrpc.transport.framed import FramedClient, FramedServer
from wrpc.transport.nats import NatsTransport

TRANSPORTS = ["nats", "tcp"]
BIG = 3 * MAX_PAYLOAD + 12345
"""A payload more than three NATS messages long (and several TCP frames' worth of reads)."""

_prefixes = itertools.count()


def fresh_prefix() -> str:
    return f"interop-{next(_prefixes)}"


class PythonSide:
    """A Python transport for one test: an invoker for calls and, when asked, a serving `Server`."""

    def __init__(self, nc: NATS) -> None:
        self.nc = nc
        self.closers: list[Any] = []

    async def invoker(self, transport: str, target: str) -> Invoker:
        if transport == "nats":
            nats = NatsTransport(self.nc, prefix=target)
            self.closers.append(nats.close)
            return nats
        return FramedClient(f"tcp://{target}")

    async def acceptor(self, transport: str) -> tuple[Acceptor, str]:
        """A transport to serve on, and the target a caller needs (prefix, or HOST:PORT)."""
        if transport == "nats":
            prefix = fresh_prefix()
            nats = NatsTransport(self.nc, prefix=prefix)
            self.closers.append(nats.close)
            return nats, prefix
        framed = FramedServer("tcp://127.0.0.1:0")
        await framed.start()
        self.closers.append(framed.aclose)
        return framed, f"{framed.address.host}:{framed.address.port}"

    async def serve(
        self, transport: str, groups: list[str], chain_target: str | None = None
    ) -> tuple[str, worlds.Contracts]:
        """Serve `groups` from Python; `bar.bar` chains to `chain_target` (default: this server)."""
        acceptor, target = await self.acceptor(transport)
        contracts = worlds.Contracts()
        server = Server(acceptor)
        self.closers.insert(0, server.close)
        await worlds.serve(server, contracts, groups)
        chain_invoker = await self.invoker(transport, chain_target or target)
        contracts.chain_client = Client(chain_invoker, timeout=30)
        return target, contracts

    async def close(self) -> None:
        for close in self.closers:
            await close()


async def rust_server(peer: Peer, transport: str, *extra: str) -> str:
    target = fresh_prefix() if transport == "nats" else "127.0.0.1:0"
    server = await peer.serve(transport, target, *extra)
    return server.target


async def python_client(py: PythonSide, transport: str, target: str) -> Client:
    return Client(await py.invoker(transport, target), timeout=30)
