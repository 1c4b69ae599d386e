"""The round-trip matrix of test_nats_roundtrip.py over the framed transport, on TCP and on a Unix socket:
every type of the project's round-trip world (spec/wit) and of the shared wrpc-tests worlds, sync and
async (futures and streams both ways, nested), resources as handles, void and zero-argument functions,
each served by the generic checking implementation and called with sample values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_path
from tests.integration.samples import SPEC_WIT, roundtrip, world_exports
from wrpc.transport.framed import FramedClient, FramedServer


async def roundtrip_world(server: FramedServer, wit: Path, world: str) -> list[str]:
    return await roundtrip(FramedClient(server.address), server, world_exports(wit, world))


async def test_every_type_of_the_spec_roundtrip_world_crosses_framed(framed_server: FramedServer) -> None:
    problems = await roundtrip_world(framed_server, SPEC_WIT, "roundtrip")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("world", ["sync-server", "async-server", "resources-server"])
async def test_every_function_of_the_shared_wrpc_tests_worlds_crosses_framed(
    framed_server: FramedServer, world: str
) -> None:
    problems = await roundtrip_world(framed_server, shared_path("wit", "wrpc-tests"), world)
    assert not problems, "\n".join(problems)
