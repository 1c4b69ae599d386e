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
from tests.integration.samples import roundtrip
from wrpc.functions import world_functions
from wrpc.transport.nats import NatsTransport

SPEC_WIT = ROOT / "spec" / "wit"


async def roundtrip_world(nc: NATS, wit: Path, world: str) -> list[str]:
    """Serve every export of `world` and call each; return the mismatches and failures found."""
    resolve = witparser.load(str(wit))
    functions = world_functions(resolve, resolve.select_world(None, world))
    assert functions, f"world {world} exports no functions"
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
