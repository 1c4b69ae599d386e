"""Integration fixtures: a real nats-server per test module (via `wrpc.embedded`) and connected clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client as NATS

from wrpc.embedded import EmbeddedNats


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
