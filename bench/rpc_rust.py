"""Echo calls between Python and the Rust wRPC reference: how fast our server and client are next to
upstream's crates, measured in the same run.

Four pairs per transport (NATS through an embedded nats-server, and framed TCP): Rust client -> Rust
server, Rust client -> Python server, Python client -> Rust server and Python client -> Python server,
on the echo workloads of the interop peer (`wrpc-interop:echo/echo`, `tests/interop/rust/wit/echo`):
`echo-bytes` with 16 B and 16 KiB and `echo-record` with `tests.interop.worlds.SAMPLE`, at concurrency 1
and 100. The Rust side is the interop peer (`tests/interop/rust`: `bench-serve`, and `bench-call`, which
drives one cell and prints its JSON report); the Python server serves the same worlds through
`tests.interop.worlds.serve`, and the Python client measures with `bench.rpc`'s loop.

Rules of this module:
1. Every process is separate: each server runs for the whole run, the Python client answers one cell
   per request line, the Rust client is one `bench-call` process per cell. Pairs take turns on every
   cell (forward, then backward) and the best of `REPEATS` runs is reported.
2. The headline is the issue's target: the Python server's throughput over the Rust server's at
   concurrency 100 with the same (Rust) client, >= 0.25x, reported whatever it is.
3. A profile of the Python server (cProfile, own time) under the Rust client's 16 B load at
   concurrency 100 says where that server spends its time.
4. No cargo and no prebuilt peer: the module says so and returns (`bench` rule 2).

Run as `python -m bench.rpc_rust` (about three minutes); the Python server and client run as
`python -m bench.rpc_rust serve TRANSPORT ADDRESS [--profile FILE]` and `... load TRANSPORT TARGET`.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ROOT, write_section
from bench.rpc import WARMUP, WINDOW, Call, _cpu_seconds, _measure, _ratio
from wrpc.embedded import EmbeddedNats

REPEATS = 2
"""Runs per cell and pair (fewer than `bench.rpc`, whose targets need more: each Rust cell is a process)."""

PEER_PROJECT = ROOT / "tests" / "interop" / "rust"
TARGET_DIR = Path(
    os.environ.get("WRPC_BENCH_PEER_TARGET", Path.home() / ".cache" / "wrpc-lattice" / "bench-target")
)
"""Where the benchmark's own build of the peer is cached: not the interop tests' target, because the
interop profile compiles the peer crate (which holds the monomorphized transport code) at opt-level 1
for build time, and a benchmark against the reference must not handicap it."""
OPTIMIZED = (
    "profile.release.opt-level=3",
    "profile.release.package.wrpc-interop-peer.opt-level=3",
)
"""Cargo `--config` overrides for the benchmark build: everything at opt-level 3."""
WORKLOADS = {"16 B": "bytes16", "16 KiB": "bytes16k", "record": "record"}
"""Payload label -> the peer's `bench-call --workload` name."""
CONCURRENCY = (1, 100)
TRANSPORTS = ("nats", "tcp")
PAIRS = (("rust", "rust"), ("rust", "python"), ("python", "rust"), ("python", "python"))
"""(client, server) pairs, in the order they take turns."""
PROFILE_SECONDS = 4.0
INSTANCE = "wrpc-interop:echo/echo"


def _payload_value(payload: str) -> Any:
    """The values the Rust peer's `bench-call` sends (0x5a bytes; `scenarios::sample()`)."""
    from tests.interop.worlds import SAMPLE

    return {"16 B": b"Z" * 16, "16 KiB": b"Z" * 16 * 1024, "record": SAMPLE}[payload]


# --- the Python server and client (child processes) ----------------------------------------------


async def _serve(transport: str, address: str, profiler: cProfile.Profile | None = None) -> None:
    """Serve the peer's `bench` and `echo` worlds and print the peer's READY line; stop on SIGTERM.

    With `profiler`, profile from READY to SIGTERM (serving only, not imports and start-up)."""
    from tests.interop import worlds
    from wrpc.server import Server

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        acceptor: Any
        if transport == "nats":
            import nats

            from wrpc.transport.nats import NatsTransport

            url, prefix = address.split(" ")
            nc = await nats.connect(url, pending_size=64 * 1024 * 1024)
            stack.push_async_callback(nc.close)
            acceptor = NatsTransport(nc, prefix=prefix)
            stack.push_async_callback(acceptor.close)
            target = prefix
        else:
            from wrpc.transport.framed import FramedServer

            acceptor = await stack.enter_async_context(FramedServer("tcp://127.0.0.1:0"))
            target = f"{acceptor.address.host}:{acceptor.address.port}"
        server = await stack.enter_async_context(Server(acceptor))
        await worlds.serve(server, worlds.Contracts(), ["bench", "echo"])
        print(f"READY {transport} {target}", flush=True)
        if profiler:
            profiler.enable()
        await stop.wait()
        if profiler:
            profiler.disable()


async def _client_calls(transport: str, target: str, stack: contextlib.AsyncExitStack) -> dict[str, Call]:
    """One checked echo call per payload, through `wrpc.client.Client`."""
    from tests.interop import worlds
    from wrpc.client import Client

    invoker: Any
    if transport == "nats":
        import nats

        from wrpc.transport.nats import NatsTransport

        url, prefix = target.split(" ")
        nc = await nats.connect(url, pending_size=64 * 1024 * 1024)
        stack.push_async_callback(nc.close)
        invoker = NatsTransport(nc, prefix=prefix)
        stack.push_async_callback(invoker.close)
    else:
        from wrpc.transport.framed import FramedClient

        invoker = FramedClient(f"tcp://{target}")
    client = Client(invoker, timeout=60)
    functions = worlds.imports("echo", "client")
    calls: dict[str, Call] = {}
    for payload in WORKLOADS:
        name = "echo-record" if payload == "record" else "echo-bytes"
        func, value = functions[(INSTANCE, name)], _payload_value(payload)

        def make(func: Any = func, value: Any = value, name: str = name) -> Call:
            async def call() -> None:
                if await client.invoke(INSTANCE, func, (value,), name=name) != value:
                    raise AssertionError("echo returned something else")

            return call

        calls[payload] = make()
    return calls


async def _load(transport: str, target: str) -> None:
    """Measure one cell per request line on stdin (`{"payload": .., "concurrency": ..}`), until EOF."""
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        calls = await _client_calls(transport, target, stack)
        await calls["16 B"]()  # like the peer's bench-call: a wrong server fails here, not as a zero rate
        print("ready", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            cell = json.loads(line)
            print(
                json.dumps({**cell, **await _measure(calls[cell["payload"]], cell["concurrency"])}),
                flush=True,
            )


def _child(argv: list[str]) -> None:
    """`serve TRANSPORT ADDRESS [--profile FILE]` or `load TRANSPORT TARGET` (ADDRESS: "URL PREFIX")."""
    command, transport, address = argv[:3]
    profile_to = argv[4] if argv[3:4] == ["--profile"] else None
    profiler = cProfile.Profile() if profile_to else None
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(transport, address, profiler) if command == "serve" else _load(transport, address))
    if profiler and profile_to:
        profiler.dump_stats(profile_to)


# --- the comparison (parent process) -------------------------------------------------------------


def _peer_binary() -> tuple[Path | None, str]:
    """The peer binary (built with cargo like the interop fixtures if it is absent), or why there is none."""
    prebuilt = os.environ.get("WRPC_INTEROP_PEER")
    if prebuilt:
        return Path(prebuilt), ""
    binary = TARGET_DIR / "release" / "wrpc-interop-peer"
    cargo = shutil.which("cargo")
    if cargo is None:
        if binary.exists():
            return binary, ""
        return None, "cargo is not installed and no built wrpc-interop-peer is cached"
    print(f"   building the Rust peer ({PEER_PROJECT.relative_to(ROOT)}) with cargo, opt-level 3", flush=True)
    overrides = [arg for config in OPTIMIZED for arg in ("--config", config)]
    proc = subprocess.run(
        [cargo, "build", "--release", "--locked", *overrides],
        cwd=PEER_PROJECT,
        env={**os.environ, "CARGO_TARGET_DIR": str(TARGET_DIR)},
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None, f"the Rust peer does not build:\n{proc.stderr[-2000:]}"
    return binary, ""


def _start(cmd: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start a server process and return it with the target its READY line names."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    words = proc.stdout.readline().split()
    if len(words) != 3 or words[0] != "READY":
        _stop(proc)
        raise RuntimeError(f"{' '.join(cmd)} did not get ready (said {' '.join(words)!r})")
    return proc, words[2]


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    if proc.stdin is not None:
        proc.stdin.close()  # the peer stops when stdin closes; the Python children on SIGTERM
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class _Run:
    """The servers and Python clients of one transport, and one cell of any pair on request."""

    def __init__(self, peer: Path, transport: str, nats: EmbeddedNats, stack: contextlib.ExitStack) -> None:
        self.peer, self.transport, self.nats_url = peer, transport, nats.url
        # EmbeddedNats does not publish its process; its CPU time is read through it (as bench.rpc does).
        self.broker_pid = nats._proc.pid if transport == "nats" and nats._proc else None
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.python = [sys.executable, "-m", "bench.rpc_rust"]
        self.servers: dict[str, subprocess.Popen[str]] = {}
        self.targets: dict[str, str] = {}
        self.clients: dict[str, subprocess.Popen[str]] = {}
        for server in ("rust", "python"):
            proc, target = self.start_server(server, f"bench-{server}")
            stack.callback(_stop, proc)
            self.servers[server], self.targets[server] = proc, target
            client = subprocess.Popen(
                [*self.python, "load", transport, self.address(target)],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            stack.callback(_stop, client)
            assert client.stdout is not None
            if client.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the Python client of the {server} server over {transport} did not start")
            self.clients[server] = client

    def address(self, target: str) -> str:
        return f"{self.nats_url} {target}" if self.transport == "nats" else target

    def link(self, target: str) -> list[str]:
        """The peer's transport options for `target` (a prefix, or HOST:PORT)."""
        return (
            ["--nats", self.nats_url, "--prefix", target] if self.transport == "nats" else ["--tcp", target]
        )

    def start_server(
        self, server: str, prefix: str, profile: str | None = None
    ) -> tuple[subprocess.Popen[str], str]:
        if server == "rust":
            target = prefix if self.transport == "nats" else "127.0.0.1:0"
            return _start([str(self.peer), *self.link(target), "bench-serve"])
        address = self.address(prefix) if self.transport == "nats" else "tcp"
        extra = ["--profile", profile] if profile else []
        return _start([*self.python, "serve", self.transport, address, *extra], self.env)

    def rust_call(self, target: str, payload: str, concurrency: int) -> dict[str, Any]:
        cmd = [
            str(self.peer),
            *self.link(target),
            "bench-call",
            "--workload",
            WORKLOADS[payload],
            "--concurrency",
            str(concurrency),
            "--seconds",
            f"{WARMUP + WINDOW:g}",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # only this child was reaped in between
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        report = json.loads(lines[-1])
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return {
            "calls": report["calls"],
            "throughput": report["calls_per_s"],
            "p50_ms": report["p50_us"] / 1000,
            "p99_ms": report["p99_us"] / 1000,
            "errors": report["errors"],
            "first_error": report["first_error"],
            "client_cpu_us": cpu / max(1, report["calls"]) * 1e6,
        }

    def python_call(self, server: str, payload: str, concurrency: int) -> dict[str, Any]:
        client = self.clients[server]
        assert client.stdin is not None and client.stdout is not None
        before = _cpu_seconds(client.pid)
        client.stdin.write(json.dumps({"payload": payload, "concurrency": concurrency}) + "\n")
        client.stdin.flush()
        line = client.stdout.readline()
        if not line:
            raise RuntimeError(f"the Python client died (status {client.wait()})")
        result: dict[str, Any] = json.loads(line)
        result["client_cpu_us"] = (_cpu_seconds(client.pid) - before) / max(1, result["completed"]) * 1e6
        return result

    def measure(self, client: str, server: str, payload: str, concurrency: int) -> dict[str, Any]:
        """One cell, with the CPU time per call of client, server and nats-server (user + system)."""
        pids = (self.servers[server].pid, self.broker_pid)
        before = [_cpu_seconds(pid) if pid else 0.0 for pid in pids]
        if client == "rust":
            result = self.rust_call(self.targets[server], payload, concurrency)
        else:
            result = self.python_call(server, payload, concurrency)
        after = [_cpu_seconds(pid) if pid else 0.0 for pid in pids]
        calls = max(1, result.get("completed", result["calls"]))  # the Python client's includes warm-up
        result["server_cpu_us"] = (after[0] - before[0]) / calls * 1e6
        result["broker_cpu_us"] = (after[1] - before[1]) / calls * 1e6
        return result

    def profile(self) -> tuple[pstats.Stats, dict[str, Any]]:
        """Profile a separate Python server while the Rust client drives 16 B at concurrency 100."""
        with tempfile.TemporaryDirectory(prefix="bench-rpc-rust-") as workdir:
            out = str(Path(workdir) / "server.prof")
            proc, target = self.start_server("python", "bench-profile", profile=out)
            try:
                cmd = [str(self.peer), *self.link(target), "bench-call", "--workload", "bytes16"]
                cmd += ["--concurrency", "100", "--seconds", f"{PROFILE_SECONDS:g}"]
                run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
                lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
                if run.returncode != 0 or not lines:
                    raise RuntimeError(f"the profiled load failed:\n{run.stderr[-2000:]}")
            finally:
                _stop(proc)
            return pstats.Stats(out), json.loads(lines[-1])


def _area(filename: str) -> str:
    """Which body of code a profiled function belongs to."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    path = filename.replace(os.sep, "/")
    for marker, area in (
        ("/wrpc/", "wrpc"),
        ("/nats/", "nats-py"),
        ("/asyncio/", "asyncio"),
        ("/tests/interop/", "echo handlers"),
    ):
        if marker in path:
            return area
    return "other Python"


def _profile_tables(stats: pstats.Stats, calls: int, top: int = 15) -> list[str]:
    entries: dict[tuple[str, int, str], tuple[int, int, float, float, dict[Any, Any]]]
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in entries.values()) or 1.0
    by_area: dict[str, float] = {}
    for (filename, _, _), (_, _, tt, _, _) in entries.items():
        by_area[_area(filename)] = by_area.get(_area(filename), 0.0) + tt
    lines = [
        "| area | own time | share | µs per call |",
        "| --- | ---: | ---: | ---: |",
    ]
    for area, tt in sorted(by_area.items(), key=lambda item: -item[1]):
        lines.append(f"| {area} | {tt:.2f} s | {tt / total:.0%} | {tt / max(1, calls) * 1e6:.1f} |")
    lines += [
        "",
        f"Top {top} functions by own time:",
        "",
        "| function | where | calls | own time | share |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    ranked = sorted(entries.items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_, ncalls, tt, _, _) in ranked:
        where = filename if filename.startswith("~") else f"{_short(filename)}:{line}"
        name = name.replace("|", "\\|")
        lines.append(f"| `{name}` | {where.replace('|', '/')} | {ncalls} | {tt:.2f} s | {tt / total:.0%} |")
    return lines


def _socket_sends(stats: pstats.Stats) -> int:
    """How many times the profiled process called `socket.send` (its writes to nats-server)."""
    entries = stats.stats  # type: ignore[attr-defined]
    return sum(int(v[1]) for (_, _, name), v in entries.items() if "'send' of '_socket.socket'" in name)


def _short(filename: str) -> str:
    """A path from the package root on (`wrpc/server.py`, `nats/aio/client.py`, `asyncio/events.py`)."""
    parts = Path(filename).parts
    for anchor in ("wrpc", "nats", "asyncio", "tests"):
        if anchor in parts:
            return "/".join(parts[len(parts) - 1 - parts[::-1].index(anchor) :])
    return Path(filename).name


Results = dict[tuple[str, str, str], dict[tuple[str, int], dict[str, Any]]]
"""(transport, client, server) -> (payload, concurrency) -> best cell."""


def _report(
    results: Results,
    profile: tuple[pstats.Stats, dict[str, Any]] | None,
    seconds: float,
    load: tuple[float, float],
) -> str:
    def cell(transport: str, client: str, server: str, payload: str, concurrency: int) -> dict[str, Any]:
        return results[(transport, client, server)][(payload, concurrency)]

    transports = sorted({key[0] for key in results}, key=TRANSPORTS.index)
    lines = [
        "## RPC against the Rust wRPC reference: Python and Rust clients and servers",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"the Rust side is the interop peer (`tests/interop/rust`, the published wRPC crates, a release "
        f"build with every crate at opt-level 3). Each cell is the best of {REPEATS} runs, the pairs taking turns on every cell: the Rust "
        f"client (`bench-call`) counts every call of {WARMUP + WINDOW:g} s, the Python client "
        f"(`bench.rpc`'s loop) the calls of {WINDOW:g} s after {WARMUP:g} s of warm-up; every client and "
        "server is its own process, and they share two cores with nats-server (the whole run took "
        f"{seconds:.0f} s; load average {load[0]:.1f} when it started, {load[1]:.1f} when it ended). "
        "Workloads: `wrpc-interop:echo/echo` `echo-bytes` with 16 B and 16 KiB, `echo-record` with a "
        "six-field record. Reproduce: `python -m bench.rpc_rust`.",
        "",
    ]
    if "nats" in transports:
        py = cell("nats", "rust", "python", "16 B", 100)
        rs = cell("nats", "rust", "rust", "16 B", 100)
        ratio = py["throughput"] / rs["throughput"] if rs["throughput"] else 0.0
        lines += [
            "| target (NATS, Rust client, concurrency 100, 16 B) | measured | verdict |",
            "| --- | --- | --- |",
            f"| Python server >= 0.25x the Rust server's throughput | {ratio:.2f}x "
            f"({py['throughput']:.0f} / {rs['throughput']:.0f} calls/s) | "
            f"{'met' if ratio >= 0.25 else 'missed'} |",
            "",
        ]
    lines += [
        "Python server / Rust server throughput with the Rust client, every cell:",
        "",
        "| transport | payload | " + " | ".join(f"conc. {c}" for c in CONCURRENCY) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in CONCURRENCY) + " |",
    ]
    for transport in transports:
        for payload in WORKLOADS:
            ratios = [
                _ratio(
                    cell(transport, "rust", "python", payload, c)["throughput"],
                    cell(transport, "rust", "rust", payload, c)["throughput"],
                )
                for c in CONCURRENCY
            ]
            lines.append(f"| {transport} | {payload} | " + " | ".join(ratios) + " |")
    lines += [
        "",
        "All cells (calls/s, p50 / p99 in ms, and CPU time per call, user + system, of the client, the "
        "server and nats-server; on two shared cores their sum bounds the throughput at concurrency 100):",
        "",
        "| transport | payload | conc. | client -> server | calls/s | p50 / p99 ms "
        "| client / server / nats-server CPU µs/call |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for transport in transports:
        for payload in WORKLOADS:
            for concurrency in CONCURRENCY:
                for client, server in PAIRS:
                    c = cell(transport, client, server, payload, concurrency)
                    broker = f"{c['broker_cpu_us']:.0f}" if transport == "nats" else "-"
                    lines.append(
                        f"| {transport} | {payload} | {concurrency} | {client} -> {server} "
                        f"| {c['throughput']:.0f} | {c['p50_ms']:.2f} / {c['p99_ms']:.2f} "
                        f"| {c['client_cpu_us']:.0f} / {c['server_cpu_us']:.0f} / "
                        f"{broker} |"
                    )
    if "nats" in transports:
        rr, rp = cell("nats", "rust", "rust", "16 B", 100), cell("nats", "rust", "python", "16 B", 100)

        def cpu(c: dict[str, Any]) -> float:
            return float(c["client_cpu_us"] + c["server_cpu_us"] + c["broker_cpu_us"])

        def bound(c: dict[str, Any]) -> str:
            share = c["throughput"] / (2e6 / cpu(c))
            return f"{share:.0%} of it, " + ("bound by CPU" if share >= 0.8 else "not bound by CPU alone")

        lines += [
            "",
            "Reading the numbers (NATS, Rust client, 16 B, concurrency 100): per call, the Rust client, the "
            "server and nats-server together spent "
            f"{cpu(rr):.0f} µs of CPU with the Rust server ({rr['client_cpu_us']:.0f} / "
            f"{rr['server_cpu_us']:.0f} / {rr['broker_cpu_us']:.0f}) and {cpu(rp):.0f} µs with the Python "
            f"server ({rp['client_cpu_us']:.0f} / {rp['server_cpu_us']:.0f} / {rp['broker_cpu_us']:.0f}). "
            f"Two cores at that cost allow about {2e6 / cpu(rr):.0f} and {2e6 / cpu(rp):.0f} calls/s; the "
            f"Rust server's pair ran at {bound(rr)}, the Python server's at {bound(rp)}. The Rust server's "
            "figure is its whole process, including its multi-threaded tokio runtime's two worker threads "
            "waking each other on oversubscribed cores, and what it costs the client and nats-server "
            "depends on how its messages are batched into socket writes; this run measures those costs, it "
            "does not break them down. The ratio moves with what else the machine runs.",
        ]
    if profile is not None:
        stats, load_report = profile
        lines += [
            "",
            "Where the Python server spends its time: cProfile of a Python server over NATS while the Rust "
            f"client drove 16 B echoes at concurrency 100 for {PROFILE_SECONDS:g} s "
            f"({load_report['calls']} calls, {load_report['calls_per_s']:.0f} calls/s under the profiler, "
            "which slows Python code several-fold, so shares matter, not absolute times; the server made "
            f"{_socket_sends(stats) / max(1, load_report['calls']):.2f} socket sends per call, nats-py "
            "coalescing the messages of many calls into one write). Own time by area (per call = own time "
            "/ calls):",
            "",
            *_profile_tables(stats, int(load_report["calls"])),
        ]
    errors = {
        f"{t} {c}->{s}": sum(int(x["errors"]) for x in cells.values()) for (t, c, s), cells in results.items()
    }
    if any(errors.values()):
        lines += [
            "",
            "Failed calls during the run: " + ", ".join(f"{k}: {n}" for k, n in errors.items() if n),
        ]
        first = [
            str(x["first_error"])
            for cells in results.values()
            for x in cells.values()
            if x.get("first_error")
        ]
        if first:
            lines.append(f"(first error a Rust client reported: {first[0]})")
    return "\n".join(lines)


def main() -> None:
    peer, why = _peer_binary()
    if peer is None:
        print(f"bench.rpc_rust skipped: {why}", flush=True)
        return
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    results: Results = {}
    profile = None
    with EmbeddedNats(jetstream=False, max_payload=8 * 1024 * 1024) as nats_server:
        for transport in TRANSPORTS:
            with contextlib.ExitStack() as stack:
                run = _Run(peer, transport, nats_server, stack)
                for payload in WORKLOADS:
                    for concurrency in CONCURRENCY:
                        print(f"-- {transport} {payload} x{concurrency}", flush=True)
                        for rep in range(REPEATS):
                            for client, server in PAIRS if rep % 2 == 0 else reversed(PAIRS):
                                c = run.measure(client, server, payload, concurrency)
                                best = results.setdefault((transport, client, server), {})
                                if (payload, concurrency) not in best or (
                                    c["throughput"] > best[(payload, concurrency)]["throughput"]
                                ):
                                    best[(payload, concurrency)] = c
                                print(
                                    f"   {client:>6} -> {server:<6} {c['throughput']:8.0f} calls/s  "
                                    f"p50 {c['p50_ms']:7.2f} ms  p99 {c['p99_ms']:7.2f} ms  "
                                    f"CPU µs/call client {c['client_cpu_us']:4.0f} server {c['server_cpu_us']:4.0f} "
                                    f"broker {c['broker_cpu_us']:4.0f}  errors {c['errors']}",
                                    flush=True,
                                )
                if transport == "nats":
                    print("-- profiling the Python server (nats, 16 B x100)", flush=True)
                    profile = run.profile()
    body = _report(results, profile, time.perf_counter() - started, (load_before, os.getloadavg()[0]))
    print(body)
    write_section("rpc-rust", body)


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] in ("serve", "load"):
        _child(sys.argv[1:])
    else:
        main()
