"""Driving the Rust reference peer (`wrpc-interop-peer`) from tests: its servers and its calls.

`Peer.serve(transport, target)` starts `serve` and waits for its READY line; `Peer.call(transport,
target, *scenarios)` runs `call` and returns one JSON report per scenario. See the peer's
`src/main.rs` for the commands and scenarios.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTEROP_TIMEOUT = 2400
"""Seconds for a test that may wait for the cold build of the peer (pytest-timeout includes fixtures)."""

MAX_PAYLOAD = 64 * 1024
"""The interop nats-server's message limit: small, so multi-message params and results are common."""


@dataclass
class PeerServer:
    """A running `wrpc-interop-peer serve`; `target` is its NATS prefix or its `HOST:PORT`."""

    proc: asyncio.subprocess.Process
    transport: str
    target: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@dataclass
class Peer:
    """Starts peer servers and runs peer calls against `nats_url` (for the NATS transport)."""

    binary: Path
    nats_url: str
    workdir: Path
    servers: list[PeerServer] = field(default_factory=list)

    def _link(self, transport: str, target: str) -> list[str]:
        if transport == "nats":
            return ["--nats", self.nats_url, "--prefix", target]
        return ["--tcp", target]

    async def serve(
        self, transport: str, target: str, *extra: str, ready_timeout: float = 30.0
    ) -> PeerServer:
        """Start `serve` (or what `extra` says) and return once it printed READY."""
        stderr_path = self.workdir / f"peer-serve-{len(self.servers)}.log"
        with stderr_path.open("wb") as stderr:
            proc = await asyncio.create_subprocess_exec(
                str(self.binary),
                *self._link(transport, target),
                *(extra or ("serve",)),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=stderr,
            )
        assert proc.stdout is not None
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), ready_timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"the Rust peer did not get ready:\n{stderr_path.read_text()}") from None
        words = line.decode().split()
        if len(words) != 3 or words[0] != "READY":
            await proc.wait()
            raise AssertionError(f"the Rust peer said {line!r}, not READY:\n{stderr_path.read_text()}")
        server = PeerServer(proc, transport, words[2], stderr_path)
        self.servers.append(server)
        return server

    async def call(
        self, transport: str, target: str, *scenarios: str, timeout: float = 120.0
    ) -> list[dict[str, Any]]:
        """Run `call SCENARIO..` and return one report per scenario (`ok`, `detail` or `error`, `ms`)."""
        proc = await asyncio.create_subprocess_exec(
            str(self.binary),
            *self._link(transport, target),
            "call",
            *scenarios,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            raise AssertionError(
                f"`call {' '.join(scenarios)}` did not finish in {timeout:g} s; so far:\n"
                f"{out.decode()}\n{err.decode()}"
            ) from None
        reports = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
        if len(reports) != len(scenarios):
            raise AssertionError(
                f"`call {' '.join(scenarios)}` exited {proc.returncode} with {len(reports)} reports:\n"
                f"{out.decode()}\n{err.decode()}"
            )
        return reports

    async def stop_all(self) -> None:
        for server in self.servers:
            if server.proc.returncode is None:
                assert server.proc.stdin is not None
                server.proc.stdin.close()
                try:
                    await asyncio.wait_for(server.proc.wait(), 5.0)
                except TimeoutError:
                    server.proc.kill()
                    await server.proc.wait()


def failed(reports: list[dict[str, Any]]) -> list[str]:
    """The reports of failed scenarios, one line each, for an assertion message."""
    return [f"{r['scenario']}: {r.get('error')}" for r in reports if not r["ok"]]
