"""What the Rust reference peer really puts on the wire, recorded byte for byte and compared with the
protocol notes (`spec/wrpc.md`, and the byte vectors and sequences it inherits from the reference notes).

NATS: a raw nats-py subscriber on `>` sees every message of a Rust client calling a Rust server, in
order; the checks follow one invocation from its subject and reply inbox through the handshake, the
params EOF, the results and their EOF. Framed TCP: a byte-recording proxy sits between the Rust client
and the Rust server.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from tests.interop.peer import INTEROP_TIMEOUT, MAX_PAYLOAD, Peer, failed

pytestmark = [pytest.mark.interop, pytest.mark.timeout(INTEROP_TIMEOUT)]

SYNC_PARAMS = bytes.fromhex(
    "01 fe ff fd 03 ff ff ff f7 0f ff ff ff ff ff ff ff ff fe 01 7e ff fd 01 ff ff ff f7 07 ff ff ff ff"
    " ff ff ff ff fe 00 3d 0a d7 3e 12 a5 bd c1 17 26 db 3f 61 04 74 65 73 74 01 01 03 66 6f 6f 01 01"
    " 01 00 01 03 62 61 72"
)
"""Vector #23: the `test.sync` tuple of the reference's `assert_dynamic`."""

HELLO_RESULT = b"\x0fhello from Rust"
INBOX = re.compile(r"^_INBOX\.[A-Za-z0-9]{22}\.[A-Za-z0-9]{22}$")


@dataclass
class Recorded:
    subject: str
    reply: str
    payload: bytes
    headers: dict[str, str] | None


@dataclass
class Invocation:
    """The messages of one invocation, found from its invocation subject."""

    request: Recorded
    handshake: Recorded
    channels: dict[str, list[bytes]] = field(default_factory=dict)
    """Payloads per subject, relative to the caller's (`results...`) or server's (`params...`) inbox."""

    def joined(self, channel: str) -> bytes:
        return b"".join(self.channels.get(channel, []))

    def ends_with_eof(self, channel: str) -> bool:
        payloads = self.channels.get(channel, [])
        return bool(payloads) and payloads[-1] == b""


class Recorder:
    """Every message on the server, in the order the server delivers them to one subscriber."""

    def __init__(self, nc: NATS) -> None:
        self.nc = nc
        self.messages: list[Recorded] = []

    async def _on(self, msg: Msg) -> None:
        self.messages.append(Recorded(msg.subject, msg.reply, msg.data, msg.headers))

    async def start(self) -> None:
        await self.nc.subscribe(">", cb=self._on)
        await self.nc.flush()

    def invocation(self, subject: str) -> Invocation:
        requests = [m for m in self.messages if m.subject == subject]
        assert len(requests) == 1, f"{len(requests)} messages on {subject}: {self.subjects()}"
        request = requests[0]
        handshakes = [m for m in self.messages if m.subject == request.reply]
        assert len(handshakes) == 1, f"{len(handshakes)} handshakes on {request.reply}"
        handshake = handshakes[0]
        inv = Invocation(request, handshake)
        for m in self.messages:
            for base, name in ((request.reply, "results"), (handshake.reply, "params")):
                if m.subject == f"{base}.{name}" or m.subject.startswith(f"{base}.{name}."):
                    inv.channels.setdefault(m.subject[len(base) + 1 :], []).append(m.payload)
        return inv

    def subjects(self) -> list[str]:
        return [m.subject for m in self.messages]


@pytest.fixture
async def recorder(nc: NATS) -> AsyncIterator[Recorder]:
    rec = Recorder(nc)
    await rec.start()
    yield rec


async def settle(recorder: Recorder) -> None:
    """Wait until the recording has been quiet for 200 ms (every channel of the call has ended)."""
    seen = -1
    while len(recorder.messages) != seen:
        seen = len(recorder.messages)
        await asyncio.sleep(0.2)


async def rust_pair(peer: Peer, prefix: str, scenario: str) -> None:
    await peer.serve("nats", prefix)
    reports = await peer.call("nats", prefix, scenario)
    assert not failed(reports), failed(reports)


async def test_rust_hello_over_nats_is_the_sequence_of_the_notes(peer: Peer, recorder: Recorder) -> None:
    await rust_pair(peer, "wire-hello", "hello")
    await settle(recorder)
    inv = recorder.invocation("wire-hello.wrpc.0.0.1.wrpc-examples:hello/handler.hello")
    assert inv.request.payload == b"", "hello() has no params: the invocation message is empty"
    assert inv.request.headers is None, "wrpc adds no headers of its own"
    assert INBOX.match(inv.request.reply), inv.request.reply
    assert inv.handshake.payload == b"" and INBOX.match(inv.handshake.reply), inv.handshake
    assert inv.channels["params"] == [b""], "the client sends the sync-params EOF even with no params"
    assert inv.joined("results") == HELLO_RESULT
    assert inv.ends_with_eof("results")
    assert set(inv.channels) == {"params", "results"}


async def test_rust_test_sync_over_nats_carries_vector_23_both_ways(peer: Peer, recorder: Recorder) -> None:
    await rust_pair(peer, "wire-sync", "test-sync")
    await settle(recorder)
    inv = recorder.invocation("wire-sync.wrpc.0.0.1.test.sync")
    assert inv.request.payload == SYNC_PARAMS, inv.request.payload.hex(" ")
    # The params EOF goes out from a task of its own when the writer shuts down: with complete params
    # the server answers without it, so it may come after the results, or not at all when the caller
    # exits straight after the call (spec/wrpc.md 5.2).
    assert inv.channels.get("params", [b""]) == [b""]
    assert inv.joined("results") == SYNC_PARAMS, inv.joined("results").hex(" ")
    assert inv.ends_with_eof("results")


async def test_rust_streams_over_nats_match_vectors_35_36_and_39(peer: Peer, recorder: Recorder) -> None:
    await rust_pair(peer, "wire-async", "async")
    await settle(recorder)
    streams = recorder.invocation("wire-async.wrpc.0.0.1.wrpc-test:integration/async.with-streams")
    assert streams.request.payload == b""
    assert streams.joined("results") == b"\x00\x00", "two pending streams in the result tuple"
    assert streams.joined("results.0.0") == bytes.fromhex("04 74 65 73 74 00"), "vector #35"
    assert streams.joined("results.0.1") == bytes.fromhex(
        "01 01 03 66 6f 6f 01 02 03 62 61 72 03 62 61 7a 00"
    ), "vector #36"
    assert all(streams.ends_with_eof(c) for c in ("results", "results.0.0", "results.0.1"))

    future = recorder.invocation("wire-async.wrpc.0.0.1.wrpc-test:integration/async.with-future")
    assert future.request.payload == bytes.fromhex("03 62 61 72 00"), "vector #39 params"
    assert future.joined("params.1") == bytes.fromhex("03 66 6f 6f 03 62 61 72 00")
    assert future.ends_with_eof("params.1")
    assert future.joined("results") == b"\x00", "vector #39: the future is pending"
    assert future.joined("results.0") == bytes.fromhex("00 03 66 6f 6f 03 62 61 72 00"), "vector #39"


async def test_rust_splits_big_values_at_max_payload_and_caps_the_first_message(
    peer: Peer, recorder: Recorder
) -> None:
    size = 3 * MAX_PAYLOAD
    await rust_pair(peer, "wire-big", f"echo:{size}")
    await settle(recorder)
    inv = recorder.invocation("wire-big.wrpc.0.0.1.wrpc-interop:echo/echo.echo-bytes")
    first = len(inv.request.payload)
    assert first == MAX_PAYLOAD - len(inv.request.reply), "first message: max_payload - len(reply)"
    params = inv.channels["params"]
    assert all(len(p) <= MAX_PAYLOAD for p in params) and params[-1] == b""
    results = inv.channels["results"]
    assert all(len(p) <= MAX_PAYLOAD for p in results) and results[-1] == b""
    assert inv.request.payload + b"".join(params) == inv.joined("results")


class Proxy:
    """A TCP proxy that records what each side sent, per connection."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.sent: list[tuple[bytearray, bytearray]] = []
        self.server: asyncio.AbstractServer | None = None
        self.done = asyncio.Event()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, log: bytearray) -> None:
        while data := await reader.read(65536):
            log.extend(data)
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    async def _handle(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        s_reader, s_writer = await asyncio.open_connection(*self.upstream)
        logs = (bytearray(), bytearray())
        self.sent.append(logs)
        await asyncio.gather(self._pipe(c_reader, s_writer, logs[0]), self._pipe(s_reader, c_writer, logs[1]))
        c_writer.close()
        s_writer.close()
        self.done.set()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"


async def proxied_rust_server(peer: Peer) -> tuple[Proxy, str]:
    """A Rust peer serving on TCP behind a recording `Proxy`: the proxy and the address to call it at."""
    server = await peer.serve("tcp", "127.0.0.1:0")
    host, port = server.target.rsplit(":", 1)
    proxy = Proxy((host, int(port)))
    return proxy, await proxy.start()


async def test_rust_hello_over_tcp_is_the_bytes_of_the_notes(peer: Peer) -> None:
    proxy, target = await proxied_rust_server(peer)
    reports = await peer.call("tcp", target, "hello")
    assert not failed(reports), failed(reports)
    await asyncio.wait_for(proxy.done.wait(), 5)
    client, answer = proxy.sent[0]
    instance = b"wrpc-examples:hello/handler"
    assert bytes(client) == b"\x00" + bytes([len(instance)]) + instance + b"\x05hello\x00\x00"
    assert bytes(answer) == b"\x00\x10" + HELLO_RESULT


async def test_rust_stream_over_tcp_uses_indexed_frames(peer: Peer) -> None:
    proxy, target = await proxied_rust_server(peer)
    reports = await peer.call("tcp", target, "async")
    assert not failed(reports), failed(reports)
    for _ in range(100):
        if len(proxy.sent) >= 3 and all(a for _, a in proxy.sent):
            break
        await asyncio.sleep(0.02)
    instance = b"wrpc-test:integration/async"
    header = b"\x00" + bytes([len(instance)]) + instance + b"\x0bwith-future"
    client, answer = next((c, a) for c, a in proxy.sent if bytes(c).startswith(header))
    rest = bytes(client)[len(header) :]
    assert rest.startswith(b"\x00\x05\x03bar\x00"), rest.hex(" ")
    frames = rest[len(b"\x00\x05\x03bar\x00") :]
    assert _frame_data(frames, (1,)) == b"\x03foo\x03bar\x00", frames.hex(" ")
    assert bytes(answer).startswith(b"\x00\x01\x00"), bytes(answer).hex(" ")
    assert _frame_data(bytes(answer)[3:], (0,)) == b"\x00\x03foo\x03bar\x00", bytes(answer).hex(" ")


def _frame_data(data: bytes, path: tuple[int, ...]) -> bytes:
    """The concatenated data of the frames for `path` in a run of frames (single-byte LEBs only)."""
    out = bytearray()
    i = 0
    while i < len(data):
        n = data[i]
        frame_path = tuple(data[i + 1 : i + 1 + n])
        i += 1 + n
        length = data[i]
        i += 1
        assert length < 0x80, "test helper reads one-byte lengths only"
        if frame_path == path:
            out.extend(data[i : i + length])
        i += length
    return bytes(out)
