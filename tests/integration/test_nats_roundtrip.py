"""Every type of the project's round-trip world (spec/wit) and of the shared wrpc-tests worlds crosses a
real nats-server both ways: each export is served by a generic implementation that checks the params it
received, and called with sample values, sync and async (futures and streams as params and results,
nested), resources as handles, void and zero-argument functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.aio.client import Client as NATS

import witparser
from tests.conftest import ROOT, shared_path
from tests.integration.samples import checking_handler, expected, materialize, sample
from wrpc.client import Client
from wrpc.functions import world_functions
from wrpc.server import Server
from wrpc.transport.nats import NatsTransport

SPEC_WIT = ROOT / "spec" / "wit"


async def roundtrip_world(nc: NATS, wit: Path, world: str) -> list[str]:
    """Serve every export of `world` and call each; return the mismatches and failures found."""
    resolve = witparser.load(str(wit))
    functions = world_functions(resolve, resolve.select_world(None, world))
    assert functions, f"world {world} exports no functions"
    transport = NatsTransport(nc, prefix=f"roundtrip-{world}")
    server = Server(transport)
    client = Client(transport, timeout=10)
    problems: list[str] = []
    try:
        for (instance, name), func in functions.items():
            await server.serve(instance, func, checking_handler(func, problems), name=name)
        for (instance, name), func in functions.items():
            params = [sample(ty) for _, ty in func.params]
            try:
                result = await materialize(await client.invoke(instance, func, params, name=name))
            except Exception as exc:
                problems.append(f"{instance}.{name}: call failed: {exc!r}")
                continue
            if result != expected(func.result):
                problems.append(f"{instance}.{name}: expected {expected(func.result)!r}, got {result!r}")
    finally:
        await client.close()
        await server.close()
        await transport.close()
    return problems


async def test_every_type_of_the_spec_roundtrip_world_crosses_nats(nc: NATS) -> None:
    problems = await roundtrip_world(nc, SPEC_WIT, "roundtrip")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("world", ["sync-server", "async-server", "resources-server"])
async def test_every_function_of_the_shared_wrpc_tests_worlds_crosses_nats(nc: NATS, world: str) -> None:
    wit = shared_path("wit", "wrpc-tests")
    problems = await roundtrip_world(nc, wit, world)
    assert not problems, "\n".join(problems)
