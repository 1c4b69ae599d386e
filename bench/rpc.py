"""Echo calls across processes: wRPC over NATS and over framed TCP against what a Python developer would
otherwise use, measured in the same run.

Workload: echo of 16 B and 16 KiB (`list<u8>`) and of a five-field record, at concurrency 1, 100 and
1,000 (that many calls in flight from one client process). Every system runs its server in one process
and its client in another:

- `wrpc-nats`: `wrpc.client.Client` -> nats-server -> `wrpc.server.Server` (at least four NATS messages
  per call);
- `nats-py`: raw request/reply with the same payload bytes (two messages per call), the NATS baseline;
- `grpc.aio`: a unary echo with a generic handler and bytes in and out, the usual alternative;
- `wrpc-tcp`: wRPC's framed transport, a new TCP connection per call as upstream does;
- `raw-tcp`: an asyncio streams echo with the same connection-per-call pattern, the TCP baseline.

Raw baselines move the wRPC encoding of each payload (the same bytes, no codec). Throughput is calls per
second over a fixed window after a warm-up; latency percentiles are per call. Results are ratios against
the baseline of the same transport, plus the targets: wRPC over NATS at >= 0.45x raw nats-py throughput at
concurrency 100, <= 1.5x its p50 at concurrency 1, and >= 1.5x grpc.aio's throughput at concurrency 100.

Run as `python -m bench.rpc` (the whole comparison, about five minutes); the module also runs
itself as `python -m bench.rpc serve SYSTEM ADDRESS` and `python -m bench.rpc load SYSTEM ADDRESS` (which
measures one cell per request line on stdin) in the child processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import ROOT, write_section

WIT = """
package bench:rpc;

interface echo {
    record reading {
        id: u64,
        sensor: string,
        tags: list<string>,
        value: f64,
        ok: bool,
    }

    echo-bytes: func(data: list<u8>) -> list<u8>;
    echo-reading: func(v: reading) -> reading;
}
"""
INSTANCE = "bench:rpc/echo"
READING = {
    "id": 1_234_567_890,
    "sensor": "greenhouse/north/3",
    "tags": ["temp", "celsius"],
    "value": 21.5,
    "ok": True,
}
PAYLOADS = ("16 B", "16 KiB", "record")
CONCURRENCY = (1, 100, 1000)
SYSTEMS = ("wrpc-nats", "nats-py", "grpc.aio", "wrpc-tcp", "raw-tcp")
NATS_SYSTEMS = ("wrpc-nats", "nats-py")
WARMUP = float(os.environ.get("BENCH_RPC_WARMUP", "0.5"))
WINDOW = float(os.environ.get("BENCH_RPC_WINDOW", "1.5"))
"""Seconds of warm-up and of measurement per cell (environment overrides for a quick smoke run)."""
REPEATS = 5
"""Each cell runs this often per system, the systems taking turns (forward, then backward) so that load
from other processes on the machine falls on all of them alike. The tables report each system's best
run; the targets compare the systems round by round (a round is one run of each, close together in
time) and take the median, which moves least with the machine's slow and fast phases."""

Call = Callable[[], Awaitable[Any]]


def _functions() -> dict[str, Any]:
    import witparser
    from wrpc.functions import interface_functions

    return {name: func for (_, name), func in interface_functions(witparser.parse(WIT)).items()}


def _payload_value(payload: str) -> Any:
    return {"16 B": b"x" * 16, "16 KiB": bytes(range(256)) * 64, "record": READING}[payload]


def _payload_bytes(payload: str) -> bytes:
    """The wRPC encoding of the payload's params: what the raw baselines move instead."""
    from wrpc.codec import compile

    func = _functions()["echo-reading" if payload == "record" else "echo-bytes"]
    return compile(func.params_type).encode((_payload_value(payload),))


# --- servers (child processes) -------------------------------------------------------------------


async def _serve(system: str, address: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        if system in ("wrpc-nats", "wrpc-tcp"):
            from wrpc.server import Server

            if system == "wrpc-nats":
                import nats

                from wrpc.transport.nats import NatsTransport

                nc = await nats.connect(address, pending_size=64 * 1024 * 1024)
                stack.push_async_callback(nc.close)
                acceptor: Any = NatsTransport(nc, prefix="bench")
                stack.push_async_callback(acceptor.close)
            else:
                from wrpc.transport.framed import FramedServer

                acceptor = await stack.enter_async_context(FramedServer(address))
            server = await stack.enter_async_context(Server(acceptor))
            for name, func in _functions().items():
                await server.serve(INSTANCE, func, lambda v: v, name=name)
        elif system == "nats-py":
            import nats

            nc = await nats.connect(address, pending_size=64 * 1024 * 1024)
            stack.push_async_callback(nc.close)

            async def reply(msg: Any) -> None:
                await msg.respond(msg.data)

            await nc.subscribe("bench.echo", cb=reply)
            await nc.flush()
        elif system == "grpc.aio":
            import grpc

            async def echo(request: bytes, context: Any) -> bytes:
                return request

            server = grpc.aio.server(options=[("grpc.max_receive_message_length", 64 << 20)])
            handler = grpc.method_handlers_generic_handler(
                "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
            )
            server.add_generic_rpc_handlers((handler,))
            server.add_insecure_port(address)
            await server.start()
            stack.push_async_callback(server.stop, None)
        elif system == "raw-tcp":

            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                writer.write(await reader.read())  # the request ends with the client's half-close
                writer.write_eof()
                writer.close()

            host, port = address.removeprefix("tcp://").rsplit(":", 1)
            tcp = await asyncio.start_server(handle, host, int(port), backlog=4096)
            stack.push_async_callback(tcp.wait_closed)
            stack.callback(tcp.close)
        print("ready", flush=True)
        await stop.wait()


# --- clients (child processes) -------------------------------------------------------------------


async def _client_calls(system: str, address: str, stack: contextlib.AsyncExitStack) -> dict[str, Call]:
    """One zero-argument coroutine function per payload, each making one echo call and checking it."""
    calls: dict[str, Call] = {}
    if system in ("wrpc-nats", "wrpc-tcp"):
        from wrpc.client import Client

        if system == "wrpc-nats":
            import nats

            from wrpc.transport.nats import NatsTransport

            nc = await nats.connect(address, pending_size=64 * 1024 * 1024)
            stack.push_async_callback(nc.close)
            invoker: Any = NatsTransport(nc, prefix="bench")
            stack.push_async_callback(invoker.close)
        else:
            from wrpc.transport.framed import FramedClient

            invoker = FramedClient(address)
        client = Client(invoker, timeout=60)
        functions = _functions()
        for payload in PAYLOADS:
            func = functions["echo-reading" if payload == "record" else "echo-bytes"]
            value = _payload_value(payload)

            def make(func: Any = func, value: Any = value) -> Call:
                async def call() -> None:
                    if await client.invoke(INSTANCE, func, (value,)) != value:
                        raise AssertionError("echo returned something else")

                return call

            calls[payload] = make()
        return calls
    if system == "nats-py":
        import nats

        nc = await nats.connect(address, pending_size=64 * 1024 * 1024)
        stack.push_async_callback(nc.close)
        for payload in PAYLOADS:
            data = _payload_bytes(payload)

            def make_nats(data: bytes = data) -> Call:
                async def call() -> None:
                    if (await nc.request("bench.echo", data, timeout=60)).data != data:
                        raise AssertionError("echo returned something else")

                return call

            calls[payload] = make_nats()
        return calls
    if system == "grpc.aio":
        import grpc

        channel = grpc.aio.insecure_channel(address)
        stack.push_async_callback(channel.close)
        echo = channel.unary_unary("/bench.Echo/Echo")
        for payload in PAYLOADS:
            data = _payload_bytes(payload)

            def make_grpc(data: bytes = data) -> Call:
                async def call() -> None:
                    if await echo(data) != data:
                        raise AssertionError("echo returned something else")

                return call

            calls[payload] = make_grpc()
        return calls
    host, port = address.removeprefix("tcp://").rsplit(":", 1)
    for payload in PAYLOADS:
        data = _payload_bytes(payload)

        def make_tcp(data: bytes = data) -> Call:
            async def call() -> None:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(data)
                writer.write_eof()
                got = await reader.read()
                writer.close()
                if got != data:
                    raise AssertionError("echo returned something else")

            return call

        calls[payload] = make_tcp()
    return calls


async def _measure(call: Call, concurrency: int) -> dict[str, float]:
    """Calls per second over `WINDOW` after `WARMUP`, and latency percentiles of the calls in the window."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    window_start, window_end = start + WARMUP, start + WARMUP + WINDOW
    latencies: list[float] = []
    errors = 0
    completed = 0

    async def worker() -> None:
        nonlocal errors, completed
        perf = time.perf_counter
        while (now := loop.time()) < window_end:
            t0 = perf()
            try:
                await call()
            except Exception:
                errors += 1
                continue
            completed += 1
            if now >= window_start:
                latencies.append(perf() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    n = len(latencies)
    return {
        "calls": n,
        "throughput": n / WINDOW,
        "p50_ms": latencies[n // 2] * 1000 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
        "errors": errors,
        "completed": completed,
    }


async def _load(system: str, address: str) -> None:
    """Measure one cell per request line on stdin (`{"payload": .., "concurrency": ..}`), until EOF."""
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        calls = await _client_calls(system, address, stack)
        print("ready", flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            cell = json.loads(line)
            result = await _measure(calls[cell["payload"]], cell["concurrency"])
            print(json.dumps({**cell, **result}), flush=True)


# --- the comparison (parent process) -------------------------------------------------------------


def _address(system: str, nats_url: str, port: int) -> str:
    if system in ("wrpc-nats", "nats-py"):
        return nats_url
    if system == "grpc.aio":
        return f"127.0.0.1:{port}"
    return f"tcp://127.0.0.1:{port}"


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc (0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _System:
    """One system under test: its server process and its client process, which measures on request."""

    def __init__(self, name: str, address: str, broker_pid: int | None = None) -> None:
        self.name = name
        self.broker_pid = broker_pid
        """nats-server's process, whose CPU per call is measured too for the NATS systems."""
        cmd = [sys.executable, "-m", "bench.rpc"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.server = subprocess.Popen(
            [*cmd, "serve", name, address], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        self._ready(self.server, "server")
        self.client = subprocess.Popen(
            [*cmd, "load", name, address],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._ready(self.client, "client")

    def _ready(self, proc: subprocess.Popen[str], what: str) -> None:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            self.stop()
            raise RuntimeError(f"the {self.name} {what} did not start")

    def measure(self, payload: str, concurrency: int) -> dict[str, Any]:
        """One cell, with the CPU time client and server spent per completed call (warm-up included)."""
        assert self.client.stdin is not None and self.client.stdout is not None
        broker = self.broker_pid
        cpu_before = (
            _cpu_seconds(self.client.pid),
            _cpu_seconds(self.server.pid),
            _cpu_seconds(broker) if broker else 0.0,
        )
        self.client.stdin.write(json.dumps({"payload": payload, "concurrency": concurrency}) + "\n")
        self.client.stdin.flush()
        line = self.client.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} client died (status {self.client.wait()})")
        cpu_after = (
            _cpu_seconds(self.client.pid),
            _cpu_seconds(self.server.pid),
            _cpu_seconds(broker) if broker else 0.0,
        )
        result: dict[str, Any] = json.loads(line)
        calls = max(1, result["completed"])
        result["client_cpu_us"] = (cpu_after[0] - cpu_before[0]) / calls * 1e6
        result["server_cpu_us"] = (cpu_after[1] - cpu_before[1]) / calls * 1e6
        result["broker_cpu_us"] = (cpu_after[2] - cpu_before[2]) / calls * 1e6
        return result

    def stop(self) -> None:
        for proc in (getattr(self, "client", None), self.server):
            if proc is None or proc.poll() is not None:
                continue
            if proc.stdin is not None:
                proc.stdin.close()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def _verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def _report(
    results: dict[str, dict[tuple[str, int], list[dict[str, float]]]],
    seconds: float,
    load: tuple[float, float],
) -> str:
    def cell(system: str, payload: str, concurrency: int) -> dict[str, float]:
        """The system's best run of the cell."""
        return max(results[system][(payload, concurrency)], key=lambda run: run["throughput"])

    def compared(metric: str, ours: str, baseline: str, concurrency: int) -> tuple[float, str]:
        """ours / baseline for `metric` at 16 B: the median over rounds, and the text that shows it
        with the per-round ratios and the ratio of the best runs."""
        cells = (results[ours][("16 B", concurrency)], results[baseline][("16 B", concurrency)])
        ratios = [a[metric] / b[metric] for a, b in zip(*cells, strict=True)]
        median = statistics.median(ratios)
        best = cell(ours, "16 B", concurrency)[metric] / cell(baseline, "16 B", concurrency)[metric]
        rounds = ", ".join(f"{r:.2f}" for r in ratios)
        return median, f"{median:.2f}x (rounds: {rounds}; best runs: {best:.2f}x)"

    lines = [
        "## RPC: echo across processes, wRPC against nats-py, grpc.aio and raw TCP",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"each cell is the best of {REPEATS} runs of {WINDOW:g} s of calls after {WARMUP:g} s of warm-up, the "
        "systems taking turns on every cell (a round of turns at a time); client and server in separate "
        f"processes (the whole run took {seconds:.0f} s). Payloads: `list<u8>` of 16 B and 16 KiB, and a "
        "five-field record; raw baselines echo the same encoded bytes. TCP systems open one connection per "
        "call (upstream's framed model, and the raw echo does the same). Reproduce: `python -m bench.rpc`.",
        "",
        "Targets (wRPC over NATS, 16 B payload; the median of the per-round ratios, each round being one "
        "run of every system close together in time, then the ratios of the best runs):",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
    ]
    t1, t1_text = compared("throughput", "wrpc-nats", "nats-py", 100)
    t2, t2_text = compared("p50_ms", "wrpc-nats", "nats-py", 1)
    t3, t3_text = compared("throughput", "wrpc-nats", "grpc.aio", 100)
    lines += [
        f"| throughput >= 0.45x raw nats-py at concurrency 100 | {t1_text} | {_verdict(t1 >= 0.45)} |",
        f"| p50 <= 1.5x raw nats-py at concurrency 1 | {t2_text} | {_verdict(t2 <= 1.5)} |",
        f"| throughput >= 1.5x grpc.aio at concurrency 100 | {t3_text} | {_verdict(t3 >= 1.5)} |",
        "",
        "All cells (throughput in calls/s; ratios are wRPC / the baseline on the same transport, so a "
        "throughput ratio above 1 and a latency ratio below 1 favour wRPC):",
        "",
        "| payload | conc. | wrpc-nats calls/s | nats-py calls/s | ratio | wrpc-nats p50 / p99 ms | nats-py p50 / p99 ms "
        "| p50 ratio | grpc.aio calls/s | wrpc-nats / grpc | wrpc-tcp calls/s | raw-tcp calls/s | ratio "
        "| wrpc-tcp p50 / p99 ms | raw-tcp p50 / p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for payload in PAYLOADS:
        for concurrency in CONCURRENCY:
            w, r, g = (cell(s, payload, concurrency) for s in ("wrpc-nats", "nats-py", "grpc.aio"))
            wt, rt = cell("wrpc-tcp", payload, concurrency), cell("raw-tcp", payload, concurrency)
            lines.append(
                f"| {payload} | {concurrency} | {w['throughput']:.0f} | {r['throughput']:.0f} "
                f"| {_ratio(w['throughput'], r['throughput'])} | {w['p50_ms']:.2f} / {w['p99_ms']:.2f} "
                f"| {r['p50_ms']:.2f} / {r['p99_ms']:.2f} | {_ratio(w['p50_ms'], r['p50_ms'])} "
                f"| {g['throughput']:.0f} | {_ratio(w['throughput'], g['throughput'])} "
                f"| {wt['throughput']:.0f} | {rt['throughput']:.0f} | {_ratio(wt['throughput'], rt['throughput'])} "
                f"| {wt['p50_ms']:.2f} / {wt['p99_ms']:.2f} | {rt['p50_ms']:.2f} / {rt['p99_ms']:.2f} |"
            )
    lines += [
        "",
        "CPU time per completed call (user + system, from /proc; 16 B payload; nats-server's for the NATS "
        "systems). On a 2-core machine the client, the server and nats-server share two cores, so at high "
        "concurrency throughput is bounded by the sum of these:",
        "",
        "| system | conc. | client CPU µs/call | server CPU µs/call | nats-server CPU µs/call |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for system in SYSTEMS:
        for concurrency in CONCURRENCY:
            c = cell(system, "16 B", concurrency)
            broker = f"{c['broker_cpu_us']:.0f}" if system in NATS_SYSTEMS else "-"
            lines.append(
                f"| {system} | {concurrency} | {c['client_cpu_us']:.0f} | {c['server_cpu_us']:.0f} | {broker} |"
            )
    w100, r100 = cell("wrpc-nats", "16 B", 100), cell("nats-py", "16 B", 100)
    w_cpu = w100["client_cpu_us"] + w100["server_cpu_us"]
    r_cpu = r100["client_cpu_us"] + r100["server_cpu_us"]
    per_event = r100["server_cpu_us"] / 2  # the raw server receives one message and sends one per call
    lines += [
        "",
        "Reading the numbers: a wRPC call over NATS is five messages (invocation, handshake, params EOF, "
        "results, results EOF) where request/reply is two, and each message costs a publish, a delivery "
        "and routing in Python on both sides and in nats-server. At concurrency 100 wRPC spent "
        f"{w_cpu:.0f} µs of client plus server CPU per call against {r_cpu:.0f} µs for raw request/reply "
        f"({_ratio(w_cpu, r_cpu)}), and nats-server {w100['broker_cpu_us']:.0f} µs against "
        f"{r100['broker_cpu_us']:.0f} µs; with all of them bound by CPU on two shared cores, these ratios "
        "cap the throughput ratio. The framed transport opens a connection per call, so its baseline is a "
        "raw echo that does the same; connect and accept dominate both. Absolute numbers move with the "
        f"load other jobs put on the machine (load average {load[0]:.1f} when the run started, "
        f"{load[1]:.1f} when it ended).",
        "",
        "How wRPC got here (this machine, this benchmark): before any work on the hot path, 0.26x raw "
        "throughput at concurrency 100, p50 1.93x raw at concurrency 1, and 468 µs of client plus server "
        "CPU per call at concurrency 100 against 106 µs raw. A first round (the server starting a call "
        "before its handshake, one task per served call, codecs and signatures found by identity, cheaper "
        "tokens) gave 0.30x to 0.46x and 247 to 279 µs. The second round was guided by `bench.nats_path`, "
        "which measures each side's Python work per call without sockets (instructions per call under "
        "callgrind before this round: server 280k, caller 404k; the NATS code paths section has the "
        "current counts beside nats-py's). It goes below nats-py's public API in one module, "
        "`wrpc/transport/_natspy.py`: messages of wRPC's subscriptions reach their handler synchronously "
        "from nats-py's read loop (no queue and task hop per message); a parser subclass reads MSG and "
        "HMSG itself and hands those messages over without a `Msg` or a coroutine; a header block seen "
        "before is not parsed again; publishing appends to nats-py's pending buffer without an await "
        "chain. A call whose handler is a plain function runs without any task, in the step that read its "
        "invocation, and its handshake, results and end of results leave as one batch; callers share one "
        "loop timer for their deadlines instead of an asyncio timer each. The bytes on the wire are "
        "unchanged (the interop tests against the Rust peers pass as before).",
        "",
        "Where the remaining time goes: per call the server receives two messages (the invocation with "
        "the caller's two extension headers, and the params EOF) and sends three, where nats-py's "
        "responder receives one and sends one; the caller sends two and receives three, where "
        "`nc.request` sends one and receives one; nats-server routes five messages instead of two "
        f"({w100['broker_cpu_us']:.0f} µs against {r100['broker_cpu_us']:.0f} µs here). Raw "
        f"request/reply's server spends {per_event:.0f} µs per send or receive; at that rate the ten "
        f"sends and receives of a wRPC call would cost {10 * per_event:.0f} µs of the {w_cpu:.0f} µs "
        "measured. The record rows also pay the codec on both sides, which in pure Python costs more "
        "than the messages (see the codec section)"
        + (
            f". The throughput ratio at concurrency 100, {t1:.2f}x, is below the 0.45x target in this run."
            if t1 < 0.45
            else "."
        ),
    ]
    errors = {
        s: sum(int(run["errors"]) for runs in cells.values() for run in runs) for s, cells in results.items()
    }
    if any(errors.values()):
        lines += [
            "",
            "Failed calls during the run: " + ", ".join(f"{s}: {n}" for s, n in errors.items() if n),
        ]
    return "\n".join(lines)


def main() -> None:
    from wrpc.embedded import EmbeddedNats, free_port

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    results: dict[str, dict[tuple[str, int], list[dict[str, float]]]] = {s: {} for s in SYSTEMS}
    with (
        EmbeddedNats(jetstream=False, max_payload=8 * 1024 * 1024) as nats_server,
        contextlib.ExitStack() as stack,
    ):
        systems = []
        for name in SYSTEMS:
            # EmbeddedNats does not publish its process; the benchmark reads its CPU time through it.
            broker_pid = nats_server._proc.pid if name in NATS_SYSTEMS and nats_server._proc else None
            system = _System(name, _address(name, nats_server.url, free_port()), broker_pid)
            stack.callback(system.stop)
            systems.append(system)
        for payload in PAYLOADS:
            for concurrency in CONCURRENCY:
                print(f"-- {payload} x{concurrency}", flush=True)
                for rep in range(REPEATS):
                    for system in systems if rep % 2 == 0 else reversed(systems):
                        c = system.measure(payload, concurrency)
                        results[system.name].setdefault((payload, concurrency), []).append(c)
                        print(
                            f"   {system.name:>9} {c['throughput']:8.0f} calls/s  p50 {c['p50_ms']:7.2f} ms  "
                            f"p99 {c['p99_ms']:7.2f} ms  errors {c['errors']}",
                            flush=True,
                        )
    body = _report(results, time.perf_counter() - started, (load_before, os.getloadavg()[0]))
    print(body)
    write_section("rpc", body)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("serve", "load"):
        runner = _serve if sys.argv[1] == "serve" else _load
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(runner(sys.argv[2], sys.argv[3]))
    else:
        main()
