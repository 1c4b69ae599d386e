"""wRPC over a real nats-server: large values, concurrency, queue groups, the failures a caller meets,
bad input, and that nothing leaks afterwards."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Callable, Coroutine

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from wrpc.client import Client
from wrpc.embedded import EmbeddedNats
from wrpc.errors import ConnectionLost, DeadlineExceeded, NoResponders, PayloadTooLarge, RemoteError
from wrpc.server import Server, current_invocation
from wrpc.transport import nats_rules as rules
from wrpc.transport.nats import NatsTransport
from wrpc.types import FunctionType, parse_type_expr

INSTANCE = "wrpc-py:behaviour/test"
BYTES = FunctionType("reverse", (("data", parse_type_expr("list<u8>")),), parse_type_expr("list<u8>"))
GREET = FunctionType("greet", (("name", parse_type_expr("string")),), parse_type_expr("string"))
SLOW = FunctionType("slow", (), parse_type_expr("string"))
VOID = FunctionType("fail", (), None)
DRAIN = FunctionType("drain", (("s", parse_type_expr("stream<u8>")),), parse_type_expr("u64"))


@pytest.fixture
async def transport(nc: NATS) -> AsyncIterator[NatsTransport]:
    t = NatsTransport(nc, prefix="behaviour", liveness_interval=0.2)
    yield t
    await t.close()


def live_state(nc: NATS, transport: NatsTransport, server: Server, client: Client) -> dict[str, int]:
    """Everything that must return to its baseline once calls are over."""
    # The liveness prober comes and goes with server invocations; count every other task.
    return {
        "subscriptions": len(nc._subs),
        "tasks": len(asyncio.all_tasks()) - transport.stats()["prober"],
        **{f"transport.{k}": v for k, v in transport.stats().items() if k != "prober"},
        **{f"server.{k}": v for k, v in server.stats().items()},
        **{f"client.{k}": v for k, v in client.stats().items()},
    }


def slow_until_cancelled(
    stopped: asyncio.Event, started: asyncio.Event | None = None
) -> Callable[[], Coroutine[None, None, str]]:
    """A `SLOW` handler that would answer only after 30 s: it sets `started` (if given) when it runs and
    `stopped` when its call is cancelled, which is what the deadline and cancellation tests wait for."""

    async def slow() -> str:
        if started is not None:
            started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            stopped.set()
            raise
        return "too late"

    return slow


async def settle(
    nc: NATS, transport: NatsTransport, server: Server, client: Client, baseline: dict[str, int]
) -> dict[str, int]:
    """The live state once it returned to `baseline`, or after 3 s."""
    deadline = time.monotonic() + 3
    state = live_state(nc, transport, server, client)
    while state != baseline and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        state = live_state(nc, transport, server, client)
    return state


async def test_ten_mib_params_and_results_cross_a_one_mib_server_in_messages_within_max_payload(
    nats_server: EmbeddedNats, nc: NATS, transport: NatsTransport
) -> None:
    assert nc.max_payload == 1024 * 1024
    sizes: collections.Counter[str] = collections.Counter()
    biggest = 0
    spy = await nats.connect(nats_server.url)

    async def record(msg: Msg) -> None:
        nonlocal biggest
        biggest = max(biggest, len(msg.data) + len(rules.encode_headers(msg.headers)))
        sizes[msg.subject.rsplit(".", 1)[-1]] += 1

    await spy.subscribe(">", cb=record)
    await spy.flush()
    server = Server(transport)
    await server.serve(INSTANCE, BYTES, lambda data: data[::-1])
    data = bytes(range(256)) * (10 * 4096)
    result = await Client(transport).invoke(INSTANCE, BYTES, [data])
    assert result == data[::-1]
    await spy.flush()
    await asyncio.sleep(0.1)
    await spy.close()
    await server.close()
    assert biggest <= 1024 * 1024, f"a message of {biggest} bytes exceeded max_payload"
    assert sizes["results"] >= 11 and sizes["params"] >= 11, sizes


async def test_a_thousand_concurrent_calls_on_one_client_all_succeed(transport: NatsTransport) -> None:
    server = Server(transport)

    async def greet(name: str) -> str:
        await asyncio.sleep(0.01)
        return f"hello {name}"

    await server.serve(INSTANCE, GREET, greet)
    client = Client(transport, timeout=60)
    names = [f"n{i}" for i in range(1000)]
    started = time.monotonic()
    results = await asyncio.gather(*(client.invoke(INSTANCE, GREET, [n]) for n in names))
    elapsed = time.monotonic() - started
    assert results == [f"hello {n}" for n in names]
    print(f"1000 concurrent calls in {elapsed:.2f} s ({1000 / elapsed:.0f} calls/s)")
    await server.close()


async def test_a_queue_group_of_three_servers_shares_the_load(nats_server: EmbeddedNats, nc: NATS) -> None:
    conns = [await nats.connect(nats_server.url) for _ in range(3)]
    transports = [NatsTransport(c, prefix="group", queue_group="workers") for c in conns]
    servers = [Server(t) for t in transports]
    served: collections.Counter[int] = collections.Counter()
    for i, server in enumerate(servers):

        def greet(name: str, i: int = i) -> str:
            served[i] += 1
            return name

        await server.serve(INSTANCE, GREET, greet)
    client_transport = NatsTransport(nc, prefix="group")
    client = Client(client_transport)
    await asyncio.gather(*(client.invoke(INSTANCE, GREET, [str(n)]) for n in range(90)))
    assert sum(served.values()) == 90, "each call must be served exactly once"
    assert all(served[i] > 0 for i in range(3)), f"load was not shared: {dict(served)}"
    for server, t, c in zip(servers, transports, conns, strict=True):
        await server.close()
        await t.close()
        await c.close()
    await client_transport.close()


async def test_no_responders_is_raised_fast_not_as_a_timeout(transport: NatsTransport) -> None:
    client = Client(transport, timeout=30)
    started = time.monotonic()
    with pytest.raises(NoResponders, match="no server is listening"):
        await client.invoke(INSTANCE, GREET, ["x"])
    assert time.monotonic() - started < 0.1


async def test_a_deadline_fires_on_the_caller_and_stops_the_servers_work(transport: NatsTransport) -> None:
    server = Server(transport)
    stopped = asyncio.Event()
    await server.serve(INSTANCE, SLOW, slow_until_cancelled(stopped))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        await Client(transport, timeout=0.3).invoke(INSTANCE, SLOW)
    assert time.monotonic() - started < 1.0
    await asyncio.wait_for(stopped.wait(), 2)
    await server.close()


async def test_the_server_stops_at_the_deadline_it_was_sent_even_when_the_caller_keeps_waiting(
    nc: NATS, transport: NatsTransport
) -> None:
    server = Server(transport)
    stopped = asyncio.Event()
    await server.serve(INSTANCE, SLOW, slow_until_cancelled(stopped))
    # A raw caller sends the deadline header and simply stops listening: the server must stop by itself.
    await nc.publish(
        "behaviour.wrpc.0.0.1." + INSTANCE + ".slow",
        b"",
        reply="_INBOX.nobody",
        headers={rules.HEADER_TIMEOUT: "200"},
    )
    await asyncio.wait_for(stopped.wait(), 2)
    await server.close()


async def test_a_handler_exception_reaches_the_python_caller_with_its_text(transport: NatsTransport) -> None:
    server = Server(transport)

    async def fail() -> None:
        raise ValueError("the disk is full")

    def greet(name: str) -> str:
        raise KeyError(name)

    await server.serve(INSTANCE, VOID, fail)
    await server.serve(INSTANCE, GREET, greet)
    client = Client(transport)
    with pytest.raises(RemoteError, match="ValueError: the disk is full") as info:
        await client.invoke(INSTANCE, VOID)
    assert info.value.text == "ValueError: the disk is full"
    with pytest.raises(RemoteError, match="KeyError: 'bob'"):
        await client.invoke(INSTANCE, GREET, ["bob"])
    await server.close()


async def test_a_cancelled_caller_stops_the_servers_work(transport: NatsTransport) -> None:
    server = Server(transport)
    started, stopped = asyncio.Event(), asyncio.Event()
    await server.serve(INSTANCE, SLOW, slow_until_cancelled(stopped, started))
    call = asyncio.create_task(Client(transport, timeout=None).invoke(INSTANCE, SLOW))
    await asyncio.wait_for(started.wait(), 2)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    await asyncio.wait_for(stopped.wait(), 2)
    await server.close()


async def raw_call(
    nc: NATS, subject: str, payload: bytes, *, then: list[bytes] | None = None
) -> tuple[bytes, str | None]:
    """Invoke by hand: publish, take the handshake, send `then` + EOF on params, collect results until EOF."""
    inbox = nc.new_inbox()
    results: asyncio.Queue[Msg] = asyncio.Queue()
    handshake: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()

    async def on_msg(msg: Msg) -> None:
        if msg.subject == inbox and not handshake.done():
            handshake.set_result(msg)
        elif msg.subject == inbox + ".results":
            await results.put(msg)

    sub = await nc.subscribe(inbox + ".>", cb=on_msg)
    sub2 = await nc.subscribe(inbox, cb=on_msg)
    await nc.flush()
    await nc.publish(subject, payload, reply=inbox)
    server_subject = (await asyncio.wait_for(handshake, 2)).reply
    for chunk in then or []:
        await nc.publish(server_subject + ".params", chunk)
    await nc.publish(server_subject + ".params", b"")
    data = b""
    while True:
        msg = await asyncio.wait_for(results.get(), 5)
        if not msg.data:
            await sub.unsubscribe()
            await sub2.unsubscribe()
            return data, (msg.headers or {}).get(rules.HEADER_ERROR)
        data += msg.data


async def test_bad_input_ends_only_that_invocation_and_the_server_keeps_serving(
    nc: NATS, transport: NatsTransport
) -> None:
    server = Server(transport)
    client = Client(transport)
    await server.serve(INSTANCE, GREET, lambda name: f"hello {name}")
    await server.serve(INSTANCE, BYTES, lambda data: data)
    await server.serve(INSTANCE, DRAIN, lambda s: 0)
    assert await client.invoke(INSTANCE, GREET, ["a"]) == "hello a"
    baseline = live_state(nc, transport, server, client)
    greet = "behaviour.wrpc.0.0.1." + INSTANCE + ".greet"
    reverse = "behaviour.wrpc.0.0.1." + INSTANCE + ".reverse"

    # No reply subject: logged and dropped.
    await nc.publish(greet, b"\x03abc")
    # Invalid UTF-8 in the string.
    data, error = await raw_call(nc, greet, b"\x02\xff\xfe")
    assert data == b"" and error is not None and "invalid params" in error
    # Truncated: the string says 5 bytes, 2 arrive, then EOF.
    data, error = await raw_call(nc, greet, b"\x05ab")
    assert data == b"" and error is not None and "invalid params" in error
    # A huge length prefix (u32::MAX bytes): refused at once, nothing buffered.
    data, error = await raw_call(nc, reverse, b"\xff\xff\xff\xff\x0f", then=[b"x" * 1000])
    assert data == b"" and error is not None and "max_buffered" in error
    # Trailing garbage after complete params is ignored, like the Rust server does; the call succeeds.
    data, error = await raw_call(nc, greet, b"\x01z")
    assert error is None and data == b"\x07hello z"

    assert await client.invoke(INSTANCE, GREET, ["b"]) == "hello b"
    assert await settle(nc, transport, server, client, baseline) == baseline
    await server.close()


async def test_nothing_leaks_after_every_kind_of_failure(nc: NATS, transport: NatsTransport) -> None:
    server = Server(transport)
    client = Client(transport, timeout=5)

    async def slow() -> str:
        await asyncio.sleep(30)
        return "late"

    async def fail() -> None:
        raise RuntimeError("boom")

    async def drain(s: object) -> int:
        total = 0
        async for chunk in s:  # type: ignore[attr-defined]
            total += len(chunk)
        return total

    await server.serve(INSTANCE, SLOW, slow)
    await server.serve(INSTANCE, VOID, fail)
    await server.serve(INSTANCE, DRAIN, drain)
    await server.serve(INSTANCE, GREET, lambda n: n)
    assert await client.invoke(INSTANCE, GREET, ["warm-up"]) == "warm-up"
    baseline = live_state(nc, transport, server, client)

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 100
            await asyncio.sleep(0.01)

    for _ in range(3):
        with pytest.raises(NoResponders):
            await client.invoke(INSTANCE, BYTES, [b"x"])
        with pytest.raises(DeadlineExceeded):
            await client.invoke(INSTANCE, SLOW, timeout=0.1)
        with pytest.raises(RemoteError):
            await client.invoke(INSTANCE, VOID)
        with pytest.raises(DeadlineExceeded):
            await client.invoke(INSTANCE, DRAIN, [endless()], timeout=0.2)
        call = asyncio.create_task(client.invoke(INSTANCE, SLOW))
        await asyncio.sleep(0.05)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert await client.invoke(INSTANCE, DRAIN, [[b"abc", b"de"]]) == 5
    assert await settle(nc, transport, server, client, baseline) == baseline
    await server.close()


async def test_headers_reach_the_handler_and_trace_context_follows_chained_calls(
    transport: NatsTransport,
) -> None:
    seen: dict[str, dict[str, str]] = {}
    server = Server(transport)
    client = Client(transport, headers={"source-id": "caller-component"})

    async def inner(name: str) -> str:
        inv = current_invocation()
        assert inv is not None
        seen["inner"] = dict(inv.headers)
        return name

    async def outer() -> str:
        inv = current_invocation()
        assert inv is not None
        seen["outer"] = dict(inv.headers)
        return str(await client.invoke(INSTANCE, GREET, ["chained"]))

    await server.serve(INSTANCE, GREET, inner)
    await server.serve(INSTANCE, SLOW, outer)
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    result = await client.invoke(INSTANCE, SLOW, headers={"link-name": "default", "traceparent": traceparent})
    assert result == "chained"
    assert seen["outer"]["source-id"] == "caller-component"
    assert seen["outer"]["link-name"] == "default"
    assert seen["outer"]["traceparent"] == traceparent
    assert seen["outer"][rules.HEADER_TIMEOUT] == "30000"
    assert seen["inner"]["traceparent"] == traceparent, "a call made inside a handler carries the trace on"
    assert "link-name" not in seen["inner"]
    await server.close()


async def test_a_server_failing_mid_stream_gives_the_reader_its_text(transport: NatsTransport) -> None:
    numbers = FunctionType("numbers", (), parse_type_expr("stream<u32>"))
    server = Server(transport)

    async def broken() -> AsyncIterator[int]:
        yield 1
        yield 2
        raise OSError("sensor unplugged")

    await server.serve(INSTANCE, numbers, broken)
    stream = await Client(transport).invoke(INSTANCE, numbers)
    got = []
    with pytest.raises(RemoteError, match="OSError: sensor unplugged"):
        async for n in stream:
            got.append(n)
    assert got == [1, 2]
    await server.close()


async def test_a_callers_failing_param_stream_fails_the_call_with_its_error_and_stops_the_server(
    transport: NatsTransport,
) -> None:
    server = Server(transport)
    stopped = asyncio.Event()

    async def drain(stream: object) -> int:
        try:
            return sum([len(c) async for c in stream])  # type: ignore[attr-defined]
        except BaseException:
            stopped.set()
            raise

    async def source() -> AsyncIterator[bytes]:
        yield b"abc"
        await asyncio.sleep(0.05)
        raise ValueError("the file vanished")

    await server.serve(INSTANCE, DRAIN, drain)
    with pytest.raises(ValueError, match="the file vanished"):
        await Client(transport).invoke(INSTANCE, DRAIN, [source()])
    await asyncio.wait_for(stopped.wait(), 2)
    await server.close()


async def test_headers_too_large_for_max_payload_are_refused_before_sending_naming_the_limit(
    transport: NatsTransport,
) -> None:
    client = Client(transport, headers={"x-huge": "y" * (1024 * 1024)})
    with pytest.raises(PayloadTooLarge, match="max_payload of 1048576 bytes"):
        await client.invoke(INSTANCE, GREET, ["x"])
    assert transport.stats()["invocations"] == 0


async def test_calls_on_a_closed_connection_raise_connection_lost(nats_server: EmbeddedNats) -> None:
    conn = await nats.connect(nats_server.url)
    transport = NatsTransport(conn, prefix="closed")
    await conn.close()
    with pytest.raises(ConnectionLost):
        await Client(transport).invoke(INSTANCE, GREET, ["x"])


async def test_a_server_default_timeout_bounds_calls_whose_caller_sent_no_deadline(
    nc: NATS, transport: NatsTransport
) -> None:
    server = Server(transport, default_timeout=0.2)
    stopped = asyncio.Event()
    await server.serve(INSTANCE, SLOW, slow_until_cancelled(stopped))
    # Like an upstream caller: no deadline header, no liveness probe.
    await nc.publish("behaviour.wrpc.0.0.1." + INSTANCE + ".slow", b"", reply="_INBOX.upstream")
    await asyncio.wait_for(stopped.wait(), 2)
    await server.close()


async def test_a_stream_inside_a_result_future_stays_open_until_it_was_read(transport: NatsTransport) -> None:
    later = FunctionType("later", (), parse_type_expr("future<stream<u8>>"))
    server = Server(transport)

    async def slow_bytes() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.3)
        yield b"late "
        await asyncio.sleep(0.1)
        yield b"data"

    async def handler() -> object:
        async def value() -> AsyncIterator[bytes]:
            return slow_bytes()

        return value()

    await server.serve(INSTANCE, later, handler)
    client = Client(transport)
    future = await client.invoke(INSTANCE, later)
    stream = await future
    await asyncio.sleep(0.05)  # the call must not be released once the future alone has arrived
    assert b"".join([chunk async for chunk in stream]) == b"late data"
    await server.close()


async def test_a_quick_calls_handshake_results_and_results_eof_reach_the_caller_in_that_order(
    nats_server: EmbeddedNats,
) -> None:
    # The server starts a call before publishing its handshake (so both can share a socket write);
    # a third connection watching the caller's inbox must still see the handshake first.
    server_nc, client_nc, spy = [await nats.connect(nats_server.url) for _ in range(3)]
    seen: list[Msg] = []

    async def record(msg: Msg) -> None:
        seen.append(msg)

    await spy.subscribe("_INBOX.>", cb=record)
    await spy.flush()
    server_transport = NatsTransport(server_nc, prefix="order")
    client_transport = NatsTransport(client_nc, prefix="order")
    server = Server(server_transport)
    await server.serve(INSTANCE, GREET, lambda name: f"hi {name}")
    client = Client(client_transport)
    for i in range(20):
        assert await client.invoke(INSTANCE, GREET, [str(i)]) == f"hi {i}"
    await asyncio.sleep(0.3)
    kinds: dict[str, list[tuple[str, bool]]] = collections.defaultdict(list)
    for msg in seen:
        route = rules.parse_inbox_subject(client_transport._inbox, msg.subject)
        if route is not None:
            token, kind, _ = route
            kinds[token].append((kind, bool(msg.data)))
    assert len(kinds) == 20
    assert all(k == [("", False), ("results", True), ("results", False)] for k in kinds.values()), kinds
    await server.close()
    await client_transport.close()
    await server_transport.close()
    for c in (server_nc, client_nc, spy):
        await c.close()
