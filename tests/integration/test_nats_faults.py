"""Faults around a running call: the caller's process dies, the nats-server restarts under load."""

from __future__ import annotations

import asyncio
import collections
import sys
import textwrap
import time

from nats.aio.client import Client as NATS

from wrpc.client import Client
from wrpc.connect import NatsOptions, connect
from wrpc.embedded import EmbeddedNats
from wrpc.errors import ConnectionLost, DeadlineExceeded, NoResponders
from wrpc.server import Server
from wrpc.transport.nats import NatsTransport
from wrpc.types import FunctionType, parse_type_expr

INSTANCE = "wrpc-py:faults/test"
DRAIN = FunctionType("drain", (("s", parse_type_expr("stream<u8>")),), parse_type_expr("u64"))
GREET = FunctionType("greet", (("name", parse_type_expr("string")),), parse_type_expr("string"))

DYING_CALLER = textwrap.dedent(
    """
    import asyncio, sys
    import nats
    from wrpc.client import Client
    from wrpc.transport.nats import NatsTransport
    from wrpc.types import FunctionType, parse_type_expr

    async def endless():
        while True:
            yield b"x" * 10
            await asyncio.sleep(0.05)

    async def main():
        nc = await nats.connect(sys.argv[1])
        fn = FunctionType("drain", (("s", parse_type_expr("stream<u8>")),), parse_type_expr("u64"))
        await Client(NatsTransport(nc, prefix="faults"), timeout=None).invoke(sys.argv[2], fn, [endless()])

    asyncio.run(main())
    """
)


async def test_a_caller_process_dying_mid_call_leaves_the_server_clean(
    nats_server: EmbeddedNats, nc: NATS
) -> None:
    transport = NatsTransport(nc, prefix="faults", liveness_interval=0.2)
    server = Server(transport)
    started, stopped = asyncio.Event(), asyncio.Event()

    async def drain(stream: object) -> int:
        started.set()
        total = 0
        try:
            async for chunk in stream:  # type: ignore[attr-defined]
                total += len(chunk)
        except asyncio.CancelledError:
            stopped.set()
            raise
        return total

    await server.serve(INSTANCE, DRAIN, drain)
    caller = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DYING_CALLER, nats_server.url, INSTANCE
    )
    try:
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.sleep(0.3)
        caller.kill()
        await caller.wait()
        # No deadline was sent and the stream never ends: only the liveness probe can notice.
        await asyncio.wait_for(stopped.wait(), 3)
        deadline = time.monotonic() + 3
        while (server.stats()["calls"] or transport.stats()["invocations"]) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert server.stats()["calls"] == 0
        assert transport.stats()["invocations"] == 0
    finally:
        if caller.returncode is None:
            caller.kill()
            await caller.wait()
        await server.close()
        await transport.close()


async def test_calls_succeed_again_after_the_nats_server_restarts_mid_load() -> None:
    with EmbeddedNats() as nats_server:
        server_nc = await connect(NatsOptions(url=nats_server.url))
        client_nc = await connect(NatsOptions(url=nats_server.url))
        server_transport = NatsTransport(server_nc, prefix="restart")
        client_transport = NatsTransport(client_nc, prefix="restart")
        server = Server(server_transport)
        await server.serve(INSTANCE, GREET, lambda name: name)
        client = Client(client_transport, timeout=1.0)
        outcomes: collections.Counter[str] = collections.Counter()
        last_success = 0.0
        stop = asyncio.Event()

        async def load() -> None:
            nonlocal last_success
            while not stop.is_set():
                try:
                    assert await client.invoke(INSTANCE, GREET, ["x"]) == "x"
                    outcomes["ok"] += 1
                    last_success = time.monotonic()
                except (ConnectionLost, DeadlineExceeded, NoResponders) as exc:
                    outcomes[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)

        workers = [asyncio.create_task(load()) for _ in range(8)]
        try:
            await asyncio.sleep(0.5)
            before = outcomes["ok"]
            assert before > 0
            await asyncio.to_thread(nats_server.restart)
            restarted = time.monotonic()
            deadline = restarted + 15
            while last_success < restarted and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert last_success > restarted, f"no call succeeded after the restart: {dict(outcomes)}"
            after = outcomes["ok"]
            await asyncio.sleep(0.5)
            assert outcomes["ok"] > after, "calls must keep succeeding after the restart"
            print(f"outcomes across the restart: {dict(outcomes)}")
        finally:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await client.close()
            await server.close()
            await server_transport.close()
            await client_transport.close()
            await server_nc.close()
            await client_nc.close()
