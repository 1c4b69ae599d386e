"""`_natspy` on a real nats-server: inline subscriptions, `publish_nowait`, and the public-API fallback.

Most tests run twice, once on nats-py's internals (`FastParser`, `_InlineQueue`, the pending buffer) and
once on the fallback a client without them gets (forced by marking its class unsupported), and expect
the same: the fallback must be equivalent, only slower. The other side of each exchange is a plain
nats-py connection, so what the fast path sends and receives is checked by nats-py's own code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.protocol import parser as nats_parser

import witparser
from wrpc.client import Client
from wrpc.embedded import EmbeddedNats
from wrpc.errors import ConnectionLost, NoResponders, PayloadTooLarge, RemoteError
from wrpc.functions import interface_functions
from wrpc.server import Server
from wrpc.transport import _natspy
from wrpc.transport import nats_rules as rules
from wrpc.transport._natspy import FastParser, Message, _InlineQueue, publish_nowait, subscribe_inline
from wrpc.transport.nats import NatsTransport

MiB = 1024 * 1024


@pytest.fixture(params=["internals", "public-api"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which path `_natspy` takes: nats-py's internals, or the public-API fallback."""
    if request.param == "public-api":
        monkeypatch.setitem(_natspy._checked, NATS, False)
    return str(request.param)


@pytest.fixture
async def plain(nats_server: EmbeddedNats) -> AsyncIterator[NATS]:
    """A second, ordinary nats-py connection: the other end of every exchange."""
    conn = await nats.connect(nats_server.url)
    yield conn
    await conn.close()


class Inbox:
    """An inline handler that keeps what it gets and lets a test wait for a number of messages."""

    def __init__(self) -> None:
        self.got: list[Message] = []
        self._changed = asyncio.Event()

    def __call__(self, message: Message) -> None:
        self.got.append(message)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Message]:
        try:
            async with asyncio.timeout(timeout):
                while len(self.got) < count:
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            shown = [m._replace(data=m.data[:40]) for m in self.got[-5:]]
            raise AssertionError(
                f"{len(self.got)} of {count} messages after {timeout} s; the last: {shown}"
            ) from None
        return self.got


async def ready(*conns: NATS) -> None:
    """Until the server has every subscription made so far on `conns`. One `flush()` is not enough:
    nats-py 2.16 writes its PING straight to the socket, ahead of a SUB still waiting in its pending
    buffer, so the PONG can come back before the server saw the SUB (a message published from another
    connection right after is then lost, a few runs in a hundred). The first flush lets the flusher
    write the SUB; the second PING follows it."""
    for conn in conns:
        await conn.flush()
        await conn.flush()


def assert_path(nc: NATS, mode: str) -> None:
    """The connection took the path `mode` names, so the test proved what it claims."""
    inline = [s for s in nc._subs.values() if type(s._pending_queue) is _InlineQueue]
    if mode == "internals":
        assert type(nc._ps) is FastParser and inline
    else:
        assert type(nc._ps) is nats_parser.Parser and not inline


# --- subscribe_inline -------------------------------------------------------------------------------


async def test_inline_subscription_receives_what_a_plain_client_publishes(
    nc: NATS, plain: NATS, mode: str
) -> None:
    inbox = Inbox()
    await subscribe_inline(nc, "inl.>", inbox)
    await ready(nc)
    assert_path(nc, mode)
    await plain.publish("inl.a", b"one")
    await plain.publish("inl.b", b"two", reply="r.1")
    await plain.publish("inl.c", b"", headers={"K": "v", "wrpc-timeout": "250"})
    await plain.publish("inl.d", b"four\r\nMSG x 1 2\r\n", reply="r.2", headers={"K": "v"})
    await plain.flush()
    assert await inbox.wait_for(4) == [
        Message("inl.a", "", b"one", None),
        Message("inl.b", "r.1", b"two", None),
        Message("inl.c", "", b"", {"K": "v", "wrpc-timeout": "250"}),
        Message("inl.d", "r.2", b"four\r\nMSG x 1 2\r\n", {"K": "v"}),
    ]


async def test_inline_subscription_receives_a_payload_of_max_payload(
    nc: NATS, plain: NATS, mode: str
) -> None:
    assert nc.max_payload == MiB
    inbox = Inbox()
    await subscribe_inline(nc, "big", inbox)
    await ready(nc)
    data = bytes(range(256)) * (MiB // 256)
    await plain.publish("big", data)
    await plain.flush()
    [message] = await inbox.wait_for(1)
    assert message.data == data
    assert nc.stats["in_bytes"] >= MiB


async def test_inline_subscription_receives_a_burst_in_order(nc: NATS, plain: NATS, mode: str) -> None:
    """Thousands of messages of varied sizes arrive in reads cut at arbitrary points."""
    inbox = Inbox()
    await subscribe_inline(nc, "burst.*", inbox)
    await ready(nc)
    count = 3000
    for i in range(count):
        await plain.publish(f"burst.{i % 7}", b"%d:" % i + b"x" * (i % 500), reply=f"r.{i}" if i % 3 else "")
    await plain.flush()
    got = await inbox.wait_for(count)
    assert [int(m.data.split(b":")[0]) for m in got] == list(range(count))
    assert all(m.data == b"%d:" % i + b"x" * (i % 500) for i, m in enumerate(got))
    assert all(
        m.subject == f"burst.{i % 7}" and m.reply == (f"r.{i}" if i % 3 else "") for i, m in enumerate(got)
    )


async def test_a_request_nobody_serves_answers_an_inline_reply_subscription_with_status_503(
    nc: NATS, mode: str
) -> None:
    inbox = Inbox()
    reply = nc.new_inbox()
    await subscribe_inline(nc, reply, inbox)
    await ready(nc)
    await nc.publish("nobody.serves.this", b"hello", reply=reply)
    [message] = await inbox.wait_for(1)
    assert message.subject == reply
    assert message.data == b""
    assert message.headers is not None and message.headers.get("Status") == "503", message.headers


async def test_unsubscribe_stops_inline_delivery(nc: NATS, plain: NATS, mode: str) -> None:
    inbox, sentinel = Inbox(), Inbox()
    sub = await subscribe_inline(nc, "unsub.x", inbox)
    await subscribe_inline(nc, "unsub.sentinel", sentinel)
    await ready(nc)
    await plain.publish("unsub.x", b"before")
    await plain.flush()
    await inbox.wait_for(1)
    await sub.unsubscribe()
    await ready(nc)
    in_msgs = nc.stats["in_msgs"]
    for _ in range(3):
        await plain.publish("unsub.x", b"after")
    await plain.publish("unsub.sentinel", b"")  # the server delivers in order: once this is here, so is all
    await plain.flush()
    await sentinel.wait_for(1)
    assert [m.data for m in inbox.got] == [b"before"]
    assert nc.stats["in_msgs"] - in_msgs == 1, "the server kept sending after the UNSUB"


async def test_ordinary_subscriptions_keep_working_after_the_parser_was_switched(
    nc: NATS, plain: NATS
) -> None:
    inbox = Inbox()
    await subscribe_inline(nc, "mix.inline", inbox)
    assert type(nc._ps) is FastParser
    by_callback: list[Msg] = []
    called = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        by_callback.append(msg)
        if len(by_callback) == 50:
            called.set()

    await nc.subscribe("mix.cb", cb=on_message)
    pulled = await nc.subscribe("mix.pull")

    async def respond(msg: Msg) -> None:
        await msg.respond(msg.data.upper())

    await plain.subscribe("mix.service", cb=respond)
    await ready(plain, nc)
    for i in range(50):  # interleaved, so inline and nats-py deliveries share reads
        await plain.publish("mix.inline", b"%d" % i)
        await plain.publish("mix.cb", b"%d" % i, headers={"N": str(i)})
    await plain.publish("mix.pull", b"pulled", reply="r.pull")
    await plain.flush()
    assert [m.data for m in await inbox.wait_for(50)] == [b"%d" % i for i in range(50)]
    await asyncio.wait_for(called.wait(), 5)
    assert [(m.data, m.headers) for m in by_callback] == [(b"%d" % i, {"N": str(i)}) for i in range(50)]
    msg = await pulled.next_msg(timeout=5)
    assert (msg.subject, msg.reply, msg.data) == ("mix.pull", "r.pull", b"pulled")
    response = await nc.request("mix.service", b"ping", timeout=5)
    assert response.data == b"PING"
    with pytest.raises(nats.errors.NoRespondersError):
        await nc.request("mix.nobody", b"ping", timeout=5)


async def test_two_flushes_put_a_ping_behind_every_pending_sub(
    nc: NATS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `ready` (and `NatsTransport`, which flushes twice after subscribing) relies on: the last
    PING nats-py writes follows the SUB, so its PONG means the server has the subscription."""
    written: list[bytes] = []
    transport = nc._transport
    assert transport is not None
    write, writelines = transport.write, transport.writelines

    def record_write(data: bytes) -> None:
        written.append(bytes(data))
        write(data)

    def record_writelines(payload: list[bytes]) -> None:
        written.extend(bytes(p) for p in payload)
        writelines(payload)

    monkeypatch.setattr(transport, "write", record_write)
    monkeypatch.setattr(transport, "writelines", record_writelines)
    await subscribe_inline(nc, "order.check", Inbox())
    await ready(nc)
    commands = b"".join(written).split(b"\r\n")
    assert commands[-2] == b"PING" and any(c.startswith(b"SUB order.check") for c in commands[:-2]), commands


# --- publish_nowait -----------------------------------------------------------------------------------


async def settle(pending: Awaitable[Any] | None) -> None:
    if pending is not None:
        await pending


async def test_publish_nowait_delivers_with_headers_and_replies(nc: NATS, plain: NATS, mode: str) -> None:
    received: list[Msg] = []
    done = asyncio.Event()

    async def on_message(msg: Msg) -> None:
        received.append(msg)
        if len(received) == 4:
            done.set()

    await plain.subscribe("pn.>", cb=on_message)
    await ready(plain)
    out_msgs, out_bytes = nc.stats["out_msgs"], nc.stats["out_bytes"]
    headers = {"K": "v", rules.HEADER_TIMEOUT: "100"}
    await settle(publish_nowait(nc, ("pn.a", b"one", "", b"")))
    await settle(publish_nowait(nc, ("pn.b", b"two", "r.b", b"")))
    await settle(publish_nowait(nc, ("pn.c", b"three", "", rules.encode_headers(headers))))
    await settle(publish_nowait(nc, ("pn.d", b"", "r.d", rules.encode_headers({"K": "v"}))))
    await asyncio.wait_for(done.wait(), 5)  # no flush on `nc`: publishing alone must reach the server
    assert [(m.subject, m.reply, m.data, m.headers) for m in received] == [
        ("pn.a", "", b"one", None),
        ("pn.b", "r.b", b"two", None),
        ("pn.c", "", b"three", headers),
        ("pn.d", "r.d", b"", {"K": "v"}),
    ]
    assert (nc.stats["out_msgs"] - out_msgs, nc.stats["out_bytes"] - out_bytes) == (4, 11)


async def test_publish_nowait_without_awaiting_anything_is_flushed_by_the_flusher(
    nc: NATS, plain: NATS
) -> None:
    inbox = Inbox()
    await subscribe_inline(plain, "nowait", inbox)
    await ready(plain, nc)
    pending = [publish_nowait(nc, ("nowait", b"%d" % i, "", b"")) for i in range(500)]
    assert pending == [None] * 500  # nothing over the pending limit: nothing to await
    assert [m.data for m in await inbox.wait_for(500)] == [b"%d" % i for i in range(500)]


async def test_publish_nowait_on_a_closed_connection_raises_connection_closed(
    nats_server: EmbeddedNats,
) -> None:
    conn = await nats.connect(nats_server.url)
    await conn.close()
    with pytest.raises(nats.errors.ConnectionClosedError):
        publish_nowait(conn, ("x", b"data", "", b""))


async def test_publish_nowait_with_a_message_over_max_payload_raises_and_sends_none_of_them(nc: NATS) -> None:
    out_msgs = nc.stats["out_msgs"]
    with pytest.raises(nats.errors.MaxPayloadError):
        publish_nowait(nc, ("ok", b"fits", "", b""), ("x", b"\0" * (MiB + 1), "", b""))
    assert nc.stats["out_msgs"] == out_msgs
    assert b"\0" * 64 not in b"".join(nc._pending)
    assert b"fits" not in b"".join(nc._pending)


async def test_transport_publish_on_a_closed_connection_raises_connection_lost(
    nats_server: EmbeddedNats, mode: str
) -> None:
    conn = await nats.connect(nats_server.url)
    transport = NatsTransport(conn, prefix="closed")
    await conn.close()
    with pytest.raises(ConnectionLost, match="cannot publish to 'x'"):
        await transport.publish("x", b"data")


async def test_transport_publish_over_max_payload_raises_payload_too_large(nc: NATS, mode: str) -> None:
    transport = NatsTransport(nc, prefix="big")
    with pytest.raises(PayloadTooLarge, match="max_payload of 1048576 bytes"):
        await transport.publish("x", b"\0" * (MiB + 1))
    await transport.publish("x", b"\0" * MiB)  # exactly max_payload is fine
    await transport.close()


# --- wRPC calls, on either path -------------------------------------------------------------------------

WIT = """
package test:natspy;
interface calls {
    greet: func(name: string) -> string;
    fail: func(why: string) -> string;
    fire: func(v: string);
}
"""
INSTANCE = "test:natspy/calls"
FUNCS = {name: func for (_, name), func in interface_functions(witparser.parse(WIT)).items()}


async def test_wrpc_calls_behave_the_same_on_either_path(nc: NATS, mode: str) -> None:
    transport = NatsTransport(nc, prefix="natspy")
    fired: list[str] = []

    async def fail(why: str) -> str:
        raise ValueError(why)

    handlers: dict[str, Callable[..., Any]] = {
        "greet": lambda name: f"hello {name}",
        "fail": fail,
        "fire": fired.append,
    }
    async with Server(transport) as server:
        for name, handler in handlers.items():
            await server.serve(INSTANCE, FUNCS[name], handler)
        client = Client(transport, timeout=5)
        assert await client.invoke(INSTANCE, FUNCS["greet"], ["bob"]) == "hello bob"
        with pytest.raises(RemoteError, match="ValueError: the disk is full") as info:
            await client.invoke(INSTANCE, FUNCS["fail"], ["the disk is full"])
        assert info.value.text == "ValueError: the disk is full"
        assert await client.invoke(INSTANCE, FUNCS["fire"], ["x"]) is None
        assert fired == ["x"]
        results = await asyncio.gather(
            *(client.invoke(INSTANCE, FUNCS["greet"], [str(i)]) for i in range(20))
        )
        assert results == [f"hello {i}" for i in range(20)]
        with pytest.raises(NoResponders):
            await client.invoke("test:natspy/nobody", FUNCS["greet"], ["x"])
        assert_path(nc, mode)
    await transport.close()
