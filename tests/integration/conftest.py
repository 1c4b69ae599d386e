"""Integration fixtures: a real nats-server per test module (via `wrpc.embedded`) and connected clients,
and a framed-transport server on TCP and on a Unix socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS

from wrpc.embedded import EmbeddedNats
from wrpc.transport.framed import FramedServer


@pytest.fixture(scope="module")
def nats_server() -> Iterator[EmbeddedNats]:
    """A nats-server on a free port with a 1 MiB max_payload, shared by one test module."""
    with EmbeddedNats(max_payload=1024 * 1024) as server:
        yield server


@pytest.fixture
async def nc(nats_server: EmbeddedNats) -> AsyncIterator[NATS]:
    """A nats-py connection to `nats_server`, closed after the test."""
    conn = await nats.connect(nats_server.url)
    yield conn
    await conn.close()


@pytest.fixture(params=["tcp", "unix"])
async def framed_server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FramedServer]:
    """A listening `FramedServer`, once on a free TCP port and once on a Unix socket; closed after the test."""
    address = "tcp://127.0.0.1:0" if request.param == "tcp" else f"unix://{tmp_path / 'wrpc.sock'}"
    async with FramedServer(address) as server:
        yield server
