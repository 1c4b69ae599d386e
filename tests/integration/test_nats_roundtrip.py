"""Every type of the project's round-trip world (spec/wit) and of the shared wrpc-tests worlds crosses a
real nats-server both ways: each export is served by a generic implementation that checks the params it
received, and called with sample values, sync and async (futures and streams as params and results,
nested), resources as handles, void and zero-argument functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

from tests.conftest import shared_path
from tests.integration.samples import SPEC_WIT, roundtrip, world_exports
from wrpc.client import Client
from wrpc.server import Server
from wrpc.transport.nats import NatsTransport


async def roundtrip_world(nc: NATS, wit: Path, world: str) -> list[str]:
    """Serve every export of `world` and call each; return the mismatches and failures found."""
    functions = world_exports(wit, world)
    transport = NatsTransport(nc, prefix=f"roundtrip-{world}")
    try:
        return await roundtrip(transport, transport, functions)
    finally:
        await transport.close()


async def test_every_type_of_the_spec_roundtrip_world_crosses_nats(nc: NATS) -> None:
    problems = await roundtrip_world(nc, SPEC_WIT, "roundtrip")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("world", ["sync-server", "async-server", "resources-server"])
async def test_every_function_of_the_shared_wrpc_tests_worlds_crosses_nats(nc: NATS, world: str) -> None:
    wit = shared_path("wit", "wrpc-tests")
    problems = await roundtrip_world(nc, wit, world)
    assert not problems, "\n".join(problems)


async def test_resources_are_opaque_handles_the_server_chooses_and_the_caller_echoes(nc: NATS) -> None:
    functions = world_exports(SPEC_WIT, "roundtrip")
    instance = "wrpc-py:roundtrip/counters@0.1.0"
    counters: dict[bytes, int] = {}

    def new(start: int) -> bytes:
        handle = len(counters).to_bytes(8, "little")
        counters[handle] = start
        return handle

    def increment_by(handle: bytes, n: int) -> int:
        counters[handle] += n
        return counters[handle]

    handlers = {
        "counter": new,
        "counter.increment-by": increment_by,
        "counter.get": lambda handle: counters[handle],
        "counter.sum": lambda a, b: counters[a] + counters[b],
        "total": lambda handle: counters[handle],
    }
    transport = NatsTransport(nc, prefix="resources")
    server = Server(transport)
    client = Client(transport)
    try:
        for name, handler in handlers.items():
            await server.serve(instance, functions[(instance, name)], handler, name=name)

        def fn(name: str) -> object:
            return functions[(instance, name)]

        a = await client.invoke(instance, fn("counter"), [0], name="counter")  # type: ignore[arg-type]
        b = await client.invoke(instance, fn("counter"), [10], name="counter")  # type: ignore[arg-type]
        assert (a, b) == ((0).to_bytes(8, "little"), (1).to_bytes(8, "little"))
        assert (
            await client.invoke(instance, fn("counter.increment-by"), [a, 1], name="counter.increment-by")
            == 1
        )  # type: ignore[arg-type]
        assert (
            await client.invoke(instance, fn("counter.increment-by"), [a, 2], name="counter.increment-by")
            == 3
        )  # type: ignore[arg-type]
        assert await client.invoke(instance, fn("counter.get"), [a], name="counter.get") == 3  # type: ignore[arg-type]
        assert await client.invoke(instance, fn("counter.sum"), [a, b], name="counter.sum") == 13  # type: ignore[arg-type]
        assert await client.invoke(instance, fn("total"), [b], name="total") == 10  # type: ignore[arg-type]
    finally:
        await server.close()
        await transport.close()
