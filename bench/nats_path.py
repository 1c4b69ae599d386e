"""Per-call CPU of wRPC's NATS code paths without sockets, against nats-py request/reply doing the same.

Why: end-to-end numbers (`bench.rpc`) on a shared machine move by a factor of two between runs, since
three processes share two cores with whatever else runs. This measures only the Python work of one
side of a call, so a change to the hot path can be judged in one run.

Each side runs on a nats-py client that takes itself for connected but has no socket:

- server: prebuilt invocations of a 16 B echo (with the caller's two extension headers, as
  `wrpc.client` sends them) and the params EOF that follows each are parsed in chunks of 100 calls;
  what the server publishes is dropped. Baseline: a nats-py subscription callback that responds.
- caller: 100 concurrent callers; every published invocation is answered with a prebuilt handshake,
  result and end of results. Baseline: 100 concurrent `nc.request` callers, each answered with a reply.

The answering and message building are part of every figure, so the ratios understate the difference
a little. Reported: the best of several runs, in µs per call of process CPU time; with `--callgrind`
(valgrind installed) instructions per call instead, which do not move with machine load.

Run: `python -m bench.nats_path` (about half a minute) or `python -m bench.nats_path --callgrind`
(several minutes). The module also runs itself as `python -m bench.nats_path side SIDE CALLS` in a child
process, printing that side's µs per call.
"""

from __future__ import annotations

import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from typing import Any

from bench import ROOT, write_section

SIDES = ("wrpc server", "nats-py server", "wrpc caller", "nats-py caller")
CALLS = 5000
REPEATS = 7
CONCURRENCY = 100
PAYLOAD = b"x" * 16


def _client() -> Any:
    """A nats-py client that takes itself for connected, with no socket behind it."""
    from nats.aio.client import Client as NATS

    nc = NATS()
    nc._status = NATS.CONNECTED
    nc._flush_queue = asyncio.Queue()
    nc._max_payload = 1 << 20
    nc._flusher_task = asyncio.get_running_loop().create_future()  # "running": publishes only queue
    return nc


def _drop_output(nc: Any) -> list[bytes]:
    out, nc._pending = nc._pending, []
    nc._pending_data_size = 0
    while not nc._flush_queue.empty():
        nc._flush_queue.get_nowait()
    return out


async def _no_flush(*_: Any, **__: Any) -> None:
    """Stands in for `Client.flush`: there is no server to answer the PING."""


async def _wrpc_server(calls: int) -> float:
    from nats.aio.client import Client as NATS

    from bench.rpc import INSTANCE, _functions
    from wrpc.codec import compile
    from wrpc.server import Server
    from wrpc.transport import nats_rules as rules
    from wrpc.transport.nats import NatsTransport

    NATS.flush = _no_flush  # type: ignore[method-assign]
    nc = _client()
    transport = NatsTransport(nc, prefix="bench")
    server = Server(transport)
    func = _functions()["echo-bytes"]
    await server.serve(INSTANCE, func, lambda data: data, name="echo-bytes")
    await asyncio.sleep(0)
    sid, inbox_sid = max(nc._subs), transport._inbox_sub._id  # type: ignore[union-attr]
    subject = rules.invocation_subject("bench", INSTANCE, "echo-bytes").encode()
    params = compile(func.params_type).encode((PAYLOAD,))
    header = rules.invocation_headers((), 60.0)
    inbox = transport._inbox.encode()
    chunks = _chunks(
        calls,
        lambda i: (
            b"HMSG %s %d _INBOX.caller.%d %d %d\r\n%s%s\r\n"
            % (subject, sid, i, len(header), len(header) + len(params), header, params)
            + b"MSG %s.T%d.params %d 0\r\n\r\n" % (inbox, i, inbox_sid)
        ),
    )
    return await _serve_chunks(nc, chunks, lambda: bool(transport._invocations or server._calls))


async def _raw_server(calls: int) -> float:
    nc = _client()

    async def respond(msg: Any) -> None:
        await msg.respond(msg.data)

    sub = await nc.subscribe("bench.echo", cb=respond)
    chunks = _chunks(
        calls,
        lambda i: b"MSG bench.echo %d _INBOX.caller.%d %d\r\n%s\r\n" % (sub._id, i, len(PAYLOAD), PAYLOAD),
    )
    return await _serve_chunks(nc, chunks, lambda: sub._pending_queue.qsize() > 0)


def _chunks(calls: int, messages: Any) -> list[bytes]:
    """What a server receives for `calls` calls (`messages(i)` for call i), 100 calls per chunk."""
    return [b"".join(messages(i) for i in range(start, start + 100)) for start in range(0, calls, 100)]


async def _serve_chunks(nc: Any, chunks: list[bytes], busy: Any) -> float:
    """CPU time for a server to take in `chunks`, letting its tasks run while `busy()` says they have
    work left; what it publishes is dropped."""
    _drop_output(nc)
    started = time.process_time()
    for chunk in chunks:
        await nc._ps.parse(chunk)
        while busy():
            await asyncio.sleep(0)
        _drop_output(nc)
    return time.process_time() - started


async def _callers(calls: int, call: Any, answer: Any, nc: Any) -> float:
    """CPU time for `calls` calls made by CONCURRENCY callers, each invocation answered by `answer`."""
    done = 0

    async def caller() -> None:
        nonlocal done
        for _ in range(calls // CONCURRENCY):
            await call()
            done += 1

    tasks = [asyncio.get_running_loop().create_task(caller()) for _ in range(CONCURRENCY)]
    started = time.process_time()
    while done < calls:
        await asyncio.sleep(0)
        replies = b"".join(answer(command) for command in _drop_output(nc))
        if replies:
            await nc._ps.parse(replies)
    elapsed = time.process_time() - started
    await asyncio.gather(*tasks)
    return elapsed


async def _wrpc_caller(calls: int) -> float:
    from nats.aio.client import Client as NATS

    from bench.rpc import INSTANCE, _functions
    from wrpc.client import Client
    from wrpc.transport.nats import NatsTransport

    NATS.flush = _no_flush  # type: ignore[method-assign]
    nc = _client()
    transport = NatsTransport(nc, prefix="bench")
    await transport.start()
    client = Client(transport, timeout=60)
    func = _functions()["echo-bytes"]
    sid = transport._inbox_sub._id  # type: ignore[union-attr]
    result = b"\x10" + PAYLOAD

    async def call() -> None:
        if await client.invoke(INSTANCE, func, (PAYLOAD,)) != PAYLOAD:
            raise AssertionError("echo returned something else")

    def answer(command: bytes) -> bytes:
        if not command.startswith(b"HPUB"):
            return b""  # the params EOF
        reply = command.split(b" ", 3)[2]
        return (
            b"MSG %s %d %s.server 0\r\n\r\n" % (reply, sid, reply)
            + b"MSG %s.results %d %d\r\n%s\r\n" % (reply, sid, len(result), result)
            + b"MSG %s.results %d 0\r\n\r\n" % (reply, sid)
        )

    return await _callers(calls, call, answer, nc)


async def _raw_caller(calls: int) -> float:
    nc = _client()

    async def call() -> None:
        if (await nc.request("bench.echo", PAYLOAD, timeout=60)).data != PAYLOAD:
            raise AssertionError("echo returned something else")

    def answer(command: bytes) -> bytes:
        if not command.startswith(b"PUB bench.echo"):
            return b""
        reply = command.split(b" ", 3)[2]
        return b"MSG %s %d %d\r\n%s\r\n" % (reply, max(nc._subs), len(PAYLOAD), PAYLOAD)

    return await _callers(calls, call, answer, nc)


_RUNNERS = {
    "wrpc server": _wrpc_server,
    "nats-py server": _raw_server,
    "wrpc caller": _wrpc_caller,
    "nats-py caller": _raw_caller,
}


def _run_side(side: str, calls: int) -> float:
    """µs of CPU per call for one side, in a fresh process (nothing warm from the other sides)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.nats_path", "side", side, str(calls)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(proc.stdout.split()[-1])


def _instructions(side: str, calls: int) -> int:
    """Instructions valgrind counts for one run of a side (process start-up included)."""
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.nats_path",
            "side",
            side,
            str(calls),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count for {side}")
    return int(found.group(1))


def main() -> None:
    callgrind = "--callgrind" in sys.argv
    if callgrind and shutil.which("valgrind") is None:
        print("bench.nats_path: --callgrind needs valgrind; measuring CPU time instead")
        callgrind = False
    per_call: dict[str, float] = {}
    if callgrind:  # the difference of two runs leaves out start-up and warm-up
        for side in SIDES:
            per_call[side] = (_instructions(side, 1500) - _instructions(side, 500)) / 1000
    else:  # the sides take turns, so that the machine's slow and fast phases fall on all of them
        for _ in range(REPEATS):
            for side in SIDES:
                run = _run_side(side, CALLS)
                per_call[side] = min(per_call.get(side, run), run)
    for side in SIDES:
        print(f"{side:>15}: {per_call[side]:,.1f} {'instructions' if callgrind else 'µs'}/call", flush=True)
    unit = "instructions per call" if callgrind else "µs of CPU per call"
    value = (lambda v: f"{v:,.0f}") if callgrind else (lambda v: f"{v:.1f}")
    how = (
        "instructions per call counted by valgrind (callgrind), the difference of a 1,500-call and a "
        "500-call run"
        if callgrind
        else f"process CPU time per call, the best of {REPEATS} runs of {CALLS:,} calls, the sides taking turns"
    )
    lines = [
        "## NATS code paths: per-call CPU without sockets",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{how}; each side in a fresh process. One 16 B echo call, the server's or the caller's side, "
        "on a nats-py client with no socket: the server parses prebuilt invocations and params EOFs; "
        "100 concurrent callers are each answered with a prebuilt handshake, result and end of results. "
        "Baselines: nats-py request/reply doing the same (a responding subscription callback; "
        "`nc.request`). Building and answering the messages is part of every figure. Reproduce: "
        f"`python -m bench.nats_path{' --callgrind' if callgrind else ''}`.",
        "",
        f"| side | wRPC ({unit}) | nats-py ({unit}) | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for role in ("server", "caller"):
        ours, raw = per_call[f"wrpc {role}"], per_call[f"nats-py {role}"]
        lines.append(f"| {role} | {value(ours)} | {value(raw)} | {ours / raw:.2f}x |")
    lines += [
        "",
        "A wRPC server receives two messages per call (the invocation, with the caller's deadline and "
        "liveness headers, and the params EOF) and sends three (handshake, results, end of results); "
        "a nats-py responder receives one and sends one. A wRPC caller sends two and receives three; "
        "`nc.request` sends one and receives one. `bench.rpc` shows what this means end to end.",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("nats_path" + ("_callgrind" if callgrind else ""), body)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "side":
        seconds = asyncio.run(_RUNNERS[sys.argv[2]](int(sys.argv[3])))
        print(f"{seconds / int(sys.argv[3]) * 1e6:.2f}")
    else:
        main()
