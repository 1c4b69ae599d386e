"""Interop fixtures: the Rust reference peer (`tests/interop/rust`), built once, and its processes.

Rules of this module:
1. The peer is built with cargo once per session, `--locked` against the committed Cargo.lock, into
   `$HOME/.cache/wrpc-lattice/interop-target` (override: `WRPC_INTEROP_TARGET`), outside the clone, so
   CI and developers rebuild incrementally.
2. No cargo means skip with a message; a build that fails for a reason outside the project (no
   network to reach crates.io, say) also skips with cargo's own words; any other build failure fails.
3. Every peer process is started on a free port or prefix and stopped (stdin closed, then killed)
   when its test ends; its stderr is kept for the failure message.
4. `WRPC_INTEROP_PEER=/path/to/wrpc-interop-peer` (and `WRPC_INTEROP_PEER_WASMCLOUD19` for the
   peer pinned to wasmCloud 1.9's crates, `tests/interop/rust-wasmcloud19`) uses that binary as it
   is, without cargo.
5. Tests that use these fixtures carry a long timeout because the first of them may wait for a cold
   build (minutes on two cores); every call inside a test has its own short deadline.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS

from tests.interop.peer import (
    INTEROP_TIMEOUT as INTEROP_TIMEOUT,  # re-exported: other interop modules import it here
)
from tests.interop.peer import MAX_PAYLOAD, Peer
from tests.interop.sides import PythonSide
from wrpc.embedded import EmbeddedNats

PEER_PROJECT = Path(__file__).parent / "rust"
TARGET_DIR = Path(
    os.environ.get("WRPC_INTEROP_TARGET", Path.home() / ".cache" / "wrpc-lattice" / "interop-target")
)
BUILD_TIMEOUT = 1800.0


_OUTSIDE_OUR_CONTROL = (
    "failed to download",
    "failed to get",
    "failed to query replaced source registry",
    "Couldn't resolve host",
    "could not resolve host",
    "network failure",
    "spurious network error",
    "failed to load source for dependency",
    "no space left on device",
)


def _build(project: Path, target_dir: Path, binary: str, override: str) -> Path:
    """Build `project` with cargo into `target_dir` and return `binary` (or `$override`'s path)."""
    prebuilt = os.environ.get(override)
    if prebuilt:
        return Path(prebuilt)
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.skip("cargo is not installed: the interop tests need it to build the Rust reference peer")
    env = {**os.environ, "CARGO_TARGET_DIR": str(target_dir)}
    proc = subprocess.run(
        [cargo, "build", "--release", "--locked"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    if proc.returncode != 0:
        if any(marker.lower() in proc.stderr.lower() for marker in _OUTSIDE_OUR_CONTROL):
            pytest.skip(
                f"the Rust peer could not be built for a reason outside the project:\n{proc.stderr[-2000:]}"
            )
        pytest.fail(f"the Rust peer in {project.name} does not build:\n{proc.stderr[-6000:]}")
    return target_dir / "release" / binary


@pytest.fixture(scope="session")
def rust_peer() -> Path:
    """The built `wrpc-interop-peer` binary (built on first use in the session)."""
    return _build(PEER_PROJECT, TARGET_DIR, "wrpc-interop-peer", "WRPC_INTEROP_PEER")


@pytest.fixture(scope="session")
def wasmcloud19_peer() -> Path:
    """The same peer built against the crates wasmCloud 1.9.0/1.9.1 ship (wrpc-transport-nats 0.28.1)."""
    return _build(
        PEER_PROJECT.parent / "rust-wasmcloud19",
        TARGET_DIR.with_name(TARGET_DIR.name + "-wasmcloud19"),
        "wrpc-interop-peer-wasmcloud19",
        "WRPC_INTEROP_PEER_WASMCLOUD19",
    )


@pytest.fixture(scope="session")
def interop_nats() -> Iterator[EmbeddedNats]:
    """One nats-server for the interop session, with a small `max_payload`."""
    with EmbeddedNats(max_payload=MAX_PAYLOAD, jetstream=False) as server:
        yield server


@pytest.fixture
async def nc(interop_nats: EmbeddedNats) -> AsyncIterator[NATS]:
    conn = await nats.connect(interop_nats.url)
    yield conn
    await conn.close()


@contextlib.asynccontextmanager
async def _peer(binary: Path, nats_url: str) -> AsyncIterator[Peer]:
    with tempfile.TemporaryDirectory(prefix="wrpc-interop-") as workdir:
        handle = Peer(binary, nats_url, Path(workdir))
        try:
            yield handle
        finally:
            with contextlib.suppress(Exception):
                await handle.stop_all()


@pytest.fixture
async def peer(rust_peer: Path, interop_nats: EmbeddedNats) -> AsyncIterator[Peer]:
    """Start and call Rust peers; every server started through it is stopped after the test."""
    async with _peer(rust_peer, interop_nats.url) as handle:
        yield handle


@pytest.fixture
async def peer19(wasmcloud19_peer: Path, interop_nats: EmbeddedNats) -> AsyncIterator[Peer]:
    """Like `peer`, with the wasmCloud 1.9 build of the peer."""
    async with _peer(wasmcloud19_peer, interop_nats.url) as handle:
        yield handle


@pytest.fixture
async def py(nc: NATS) -> AsyncIterator[PythonSide]:
    side = PythonSide(nc)
    try:
        yield side
    finally:
        await side.close()
