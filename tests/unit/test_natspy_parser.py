"""`_natspy.FastParser` against nats-py's own protocol parser, with no server.

The differential tests feed the same NATS server-to-client stream, cut at arbitrary points, to nats-py's
`Parser` and to `FastParser` over a client that records what the parser calls, and require the same calls
in the same order and the same parser state afterwards; so the fast path may only be faster, never
different. The inline-delivery tests use an unconnected nats-py `Client` (its real `_process_msg` and
`_process_headers`) with a subscription wired by hand the way `subscribe_inline` wires it.

Nothing the parsers await here can suspend, so each `parse` coroutine is run to completion with one
`send(None)`: no event loop, and hypothesis can run hundreds of streams in well under a second.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Coroutine, Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription
from nats.errors import ProtocolError
from nats.protocol.parser import AWAITING_CONTROL_LINE, AWAITING_MSG_PAYLOAD, Parser

from wrpc.transport import _natspy
from wrpc.transport._natspy import FastParser, Message, _InlineQueue

STREAMS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Runaway(Exception):
    """The parser kept delivering far more messages than the stream holds."""


class RecordingClient:
    """Stands in for nats-py's `Client` as its parser sees it: records every call, subscribes nothing
    (so `FastParser` hands every message to `_process_msg`, exactly as nats-py's parser does)."""

    def __init__(self, limit: int = 1000) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self._subs: dict[int, Subscription] = {}
        self._limit = limit

    def _record(self, call: tuple[Any, ...]) -> None:
        self.calls.append(call)
        if len(self.calls) > self._limit:
            raise Runaway(f"more than {self._limit} calls; the first ones: {self.calls[:3]}")

    async def _process_msg(
        self, sid: int, subject: bytes, reply: bytes, payload: bytes, headers: bytes | None
    ) -> None:
        # Types too: the client decodes subject and reply, and tests `headers` for truth.
        self._record(("msg", sid, bytes(subject), bytes(reply), payload, headers, type(payload)))

    async def _process_ping(self) -> None:
        self._record(("ping",))

    async def _process_pong(self) -> None:
        self._record(("pong",))

    async def _process_info(self, info: dict[str, Any], initial_connection: bool = False) -> None:
        self._record(("info", info))

    async def _process_err(self, text: str) -> None:
        self._record(("err", text))


def finish(coro: Coroutine[Any, Any, None]) -> None:
    """Run a parser coroutine whose awaits never suspend."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise AssertionError("the parser suspended, though nothing it awaits here can")


def feed(parser: Parser, chunks: Iterable[bytes]) -> None:
    for chunk in chunks:
        finish(parser.parse(chunk))


def failure(parser: Parser, chunks: Iterable[bytes]) -> str | None:
    """`feed`, and the type of what it raised, if anything."""
    try:
        feed(parser, chunks)
    except Exception as exc:
        return type(exc).__name__
    return None


def state(parser: Parser) -> tuple[Any, ...]:
    """What nats-py's parser reads when it goes on: the buffer, the state and `header_needed` (which it
    never resets before a MSG), and, only while a payload is awaited, its size and arguments (between
    messages they are leftovers of the last one, and `FastParser` does not keep them up to date)."""
    head = (bytes(parser.buf), parser.state, parser.header_needed)
    if parser.state == AWAITING_MSG_PAYLOAD:
        return (*head, parser.needed, dict(parser.msg_arg))
    return head


def both(chunks: list[bytes]) -> tuple[RecordingClient, Parser, RecordingClient, Parser]:
    """The same chunks through nats-py's parser and through `FastParser`, each with its own client."""
    slow_client, fast_client = RecordingClient(), RecordingClient()
    slow, fast = Parser(slow_client), FastParser(fast_client)
    feed(slow, chunks)
    feed(fast, chunks)
    return slow_client, slow, fast_client, fast


def cut(stream: bytes, points: Iterable[int]) -> list[bytes]:
    bounds = [0, *sorted(points), len(stream)]
    return [stream[a:b] for a, b in itertools.pairwise(bounds)]


# --- protocol streams ---------------------------------------------------------------------------------

SUBJECTS = st.sampled_from(["a", "foo.bar", "_INBOX.Xy12.tok.results.0", "pfx.wrpc.0.0.1.ns:pkg/i.f"])
REPLIES = st.one_of(st.just(""), SUBJECTS)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\t"])
TRAPS = [b"\r\n", b"MSG ", b"MSG a 1 3\r\nabc\r\n", b"HMSG a 1 12 14\r\n", b"PING\r\n", b"\r\n\r\n", b"-ERR "]
PAYLOADS = st.one_of(
    st.just(b""),
    st.binary(max_size=48),
    st.lists(st.one_of(st.sampled_from(TRAPS), st.binary(max_size=6)), max_size=6).map(b"".join),
)
HEADER_BLOCKS = st.one_of(
    st.dictionaries(
        st.sampled_from(["a", "Status", "wrpc-timeout", "X-Key"]),
        st.text("abc 12:/", max_size=12).map(str.strip),
        min_size=1,
        max_size=3,
    ).map(lambda h: ("NATS/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n").encode()),
    st.sampled_from([b"NATS/1.0 503\r\n\r\n", b"NATS/1.0 404 No Messages\r\n\r\n"]),
)


@st.composite
def msg_ops(draw: st.DrawFn) -> bytes:
    subject, reply, sep = draw(SUBJECTS), draw(REPLIES), draw(SEPARATORS)
    sid, payload = draw(st.integers(1, 99)), draw(PAYLOADS)
    args = [subject, str(sid), *([reply] if reply else [])]
    if draw(st.booleans()):
        block = draw(HEADER_BLOCKS)
        line = sep.join(["HMSG", *args, str(len(block)), str(len(block) + len(payload))])
        return line.encode() + b"\r\n" + block + payload + b"\r\n"
    return sep.join(["MSG", *args, str(len(payload))]).encode() + b"\r\n" + payload + b"\r\n"


OTHER_OPS = st.one_of(
    st.sampled_from([b"PING\r\n", b"PONG\r\n", b"+OK\r\n"]),
    st.text("abc xyz'\"", min_size=1, max_size=16).map(lambda t: f"-ERR '{t}'\r\n".encode()),
    st.fixed_dictionaries(
        {"server_id": st.text("ABC", max_size=5), "max_payload": st.integers(0, 2**20)}
    ).map(lambda info: b"INFO " + json.dumps(info).encode() + b"\r\n"),
)


@st.composite
def cut_streams(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    """A stream of whole operations (mostly MSG/HMSG) and the same bytes cut at random points."""
    ops = draw(st.lists(st.one_of(msg_ops(), msg_ops(), OTHER_OPS), min_size=1, max_size=12))
    stream = b"".join(ops)
    points = draw(st.lists(st.integers(0, len(stream)), max_size=10))
    return stream, cut(stream, points)


# --- differential -----------------------------------------------------------------------------------


@STREAMS
@given(cut_streams())
def test_fast_parser_makes_the_same_calls_as_nats_py_for_any_cutting_of_the_stream(
    case: tuple[bytes, list[bytes]],
) -> None:
    stream, chunks = case
    slow_client, slow, fast_client, fast = both(chunks)
    assert fast_client.calls == slow_client.calls, stream
    assert state(fast) == state(slow), stream
    assert state(fast)[:2] == (b"", AWAITING_CONTROL_LINE)


@STREAMS
@given(cut_streams(), st.data())
def test_fast_parser_holds_the_same_partial_state_when_the_stream_stops_anywhere(
    case: tuple[bytes, list[bytes]], data: st.DataObject
) -> None:
    stream, _ = case
    end = data.draw(st.integers(0, len(stream)), label="end")
    chunks = cut(stream[:end], data.draw(st.lists(st.integers(0, end), max_size=6), label="points"))
    slow_client, slow, fast_client, fast = both(chunks)
    assert fast_client.calls == slow_client.calls
    assert state(fast) == state(slow)
    # And the rest of the stream, fed later, completes it identically.
    finish(slow.parse(stream[end:]))
    finish(fast.parse(stream[end:]))
    assert fast_client.calls == slow_client.calls
    assert state(fast) == state(slow)


MIXED = (
    b'INFO {"max_payload": 1048576}\r\n'
    b"MSG foo.bar 1 3\r\nabc\r\n"
    b"+OK\r\n"
    b"MSG foo.bar 2 _INBOX.r 0\r\n\r\n"
    b"HMSG a 3 _INBOX.r 18 23\r\nNATS/1.0\r\nk: v\r\n\r\nhello\r\n"
    b"PING\r\n"
    b"HMSG a 3 16 18\r\nNATS/1.0 503\r\n\r\n\r\n\r\n"
    b"MSG a 4 11\r\nMSG a 1 3\r\n\r\n"
    b"PONG\r\n"
    b"-ERR 'Permissions Violation for Subscription to \"x\"'\r\n"
)


def test_fast_parser_matches_nats_py_when_fed_one_byte_at_a_time() -> None:
    chunks = [MIXED[i : i + 1] for i in range(len(MIXED))]
    slow_client, slow, fast_client, fast = both(chunks)
    assert fast_client.calls == slow_client.calls
    assert len([c for c in fast_client.calls if c[0] == "msg"]) == 5
    assert state(fast) == state(slow)


@pytest.mark.parametrize(
    ("head", "rest"),
    [
        (b"MSG foo 7 _INBOX.r 5\r\n", b"hello\r\nPING\r\nMSG foo 7 2\r\nhi\r\n"),
        (b"HMSG foo 7 18 23\r\n", b"NATS/1.0\r\nk: v\r\n\r\nhello\r\nMSG foo 7 0\r\n\r\n"),
        (b"HMSG foo 7 18 23\r\nNATS/1", b".0\r\nk: v\r\n\r\nhello\r\n"),
        (b"PONG\r\nMSG foo 7 5", b"\r\nhello\r\n"),
    ],
    ids=["after-msg-line", "after-hmsg-line", "inside-the-header-block", "inside-a-msg-line"],
)
def test_switching_to_the_fast_parser_mid_message_loses_nothing(head: bytes, rest: bytes) -> None:
    reference_client, switched_client = RecordingClient(), RecordingClient()
    reference, switched = Parser(reference_client), Parser(switched_client)
    for parser in (reference, switched):
        finish(parser.parse(head))
    assert state(switched)[1] == AWAITING_MSG_PAYLOAD or state(switched)[0]  # something is half-read
    switched.__class__ = FastParser  # what subscribe_inline does to a live connection's parser
    for rest_chunk in cut(rest, [len(rest) // 2]):
        finish(reference.parse(rest_chunk))
        finish(switched.parse(rest_chunk))
    assert switched_client.calls == reference_client.calls
    assert next(c[4] for c in switched_client.calls if c[0] == "msg") == b"hello"
    assert state(switched) == state(reference)


MALFORMED = [
    b"MSG a\r\n",
    b"MSG a 1\r\n",
    b"MSG a x 3\r\nabc\r\n",
    b"MSG a 1 x\r\n",
    b"MSG a 1 r 3 4\r\nabc\r\n",
    b"HMSG a 1 3\r\nabc\r\n",
    b"HMSG a 1 r x 5\r\nabcde\r\n",
    b"HMSG a x 0 3\r\nabc\r\n",
    b"MSG a 1 -1\r\nxyz\r\n",
    b"MSG a 1 -15\r\nPING\r\n",
    b"MSG a 1 +3\r\nabc\r\n",
    b"MSG a 1 1_0\r\n0123456789\r\n",
    b"MSG a 1 3 \r\nabc\r\n",
]


@pytest.mark.parametrize(
    ("parser_class", "stream"),
    [
        pytest.param(cls, stream, id=f"{cls.__name__}-{stream!r}")
        for stream in MALFORMED
        for cls in (Parser, FastParser)
    ],
)
def test_a_malformed_msg_line_raises_protocol_error_and_delivers_nothing(
    parser_class: type[Parser], stream: bytes
) -> None:
    client = RecordingClient(limit=50)
    with pytest.raises(ProtocolError):
        feed(parser_class(client), [stream])
    assert client.calls == []


# --- inline delivery --------------------------------------------------------------------------------


def inline_client(handler: _natspy.Handler, sid: int = 7) -> tuple[NATS, Subscription]:
    """An unconnected nats-py client with one subscription wired as `subscribe_inline` wires it."""
    nc = NATS()
    sub = Subscription(nc, sid, "s.>", pending_msgs_limit=0, pending_bytes_limit=0)
    sub._pending_queue = _InlineQueue(sub, handler)  # type: ignore[assignment]
    nc._subs[sid] = sub
    return nc, sub


HEADERS = b"NATS/1.0\r\nA: 1\r\nwrpc-timeout: 250\r\n\r\n"
INLINE_STREAM = (
    b"MSG s.x 7 _INBOX.r.1 5\r\nhello\r\n"
    b"MSG s.y 7 0\r\n\r\n"
    b"HMSG s.z 7 " + b"%d %d\r\n" % (len(HEADERS), len(HEADERS) + 3) + HEADERS + b"abc\r\n"
    b"HMSG s.z 7 _INBOX.r.2 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"
)


def test_inline_subscription_gets_messages_with_str_subjects_bytes_data_and_parsed_headers() -> None:
    got: list[Message] = []
    nc, sub = inline_client(got.append)
    finish(FastParser(nc).parse(INLINE_STREAM))
    assert got == [
        Message("s.x", "_INBOX.r.1", b"hello", None),
        Message("s.y", "", b"", None),
        Message("s.z", "", b"abc", {"A": "1", "wrpc-timeout": "250"}),
        Message("s.z", "_INBOX.r.2", b"", {"Status": "503"}),
    ]
    assert all(type(m.subject) is str and type(m.reply) is str and type(m.data) is bytes for m in got)
    assert nc.stats["in_msgs"] == 4
    assert nc.stats["in_bytes"] == 5 + 0 + 3 + 0  # payloads only, as nats-py counts
    assert sub._received == 4


def test_inline_delivery_equals_nats_py_delivering_into_the_inline_queue() -> None:
    """Where `FastParser` hands a message to nats-py (a MSG after another operation in the same read),
    `_process_msg` puts it on the `_InlineQueue`: handler, statistics and pending size come out the same."""
    fast_got: list[Message] = []
    slow_got: list[Message] = []
    fast_nc, fast_sub = inline_client(fast_got.append)
    slow_nc, slow_sub = inline_client(slow_got.append)
    finish(FastParser(fast_nc).parse(INLINE_STREAM))
    finish(FastParser(slow_nc).parse(b"PONG\r\n" + INLINE_STREAM))  # all of it goes through nats-py
    finish(Parser(slow_nc).parse(INLINE_STREAM))
    assert slow_got == fast_got + fast_got
    assert slow_nc.stats["in_msgs"] == 2 * fast_nc.stats["in_msgs"]
    assert slow_nc.stats["in_bytes"] == 2 * fast_nc.stats["in_bytes"]
    assert slow_sub._received == 2 * fast_sub._received
    assert slow_sub._pending_size == fast_sub._pending_size == 0


NAMES = st.one_of(
    st.sampled_from([b"A", b"wrpc-timeout", b"Nats-Msg-Id", b" padded ", b"has space", b"caf\xc3\xa9", b""]),
    st.binary(max_size=6),
)
VALUES = st.one_of(
    st.sampled_from([b"1", b" two words ", b"\tx", b"caf\xc3\xa9", b"\xff\xfe", b"a: b", b""]),
    st.binary(max_size=6),
)
HEADER_LINES = st.lists(
    st.tuples(NAMES, st.sampled_from([b": ", b":", b":\t", b""]), VALUES).map(b"".join), max_size=4
).map(lambda lines: b"".join(line + b"\r\n" for line in lines))
STATUS_LINES = st.sampled_from(["", " 503", " 404 No Messages", " 100 Idle Heartbeat", " 408", " abc"])


@st.composite
def header_blocks(draw: st.DrawFn) -> bytes:
    """Header blocks as a server may relay them: any status line, lines good and bad."""
    return b"NATS/1.0" + draw(STATUS_LINES).encode() + b"\r\n" + draw(HEADER_LINES) + b"\r\n"


@st.composite
def inline_streams(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    ops = []
    for _ in range(draw(st.integers(1, 6))):
        subject, reply, payload = draw(SUBJECTS), draw(REPLIES), draw(PAYLOADS)
        args = [subject, "7", *([reply] if reply else [])]
        if draw(st.booleans()):
            block = draw(header_blocks())
            line = " ".join(["HMSG", *args, str(len(block)), str(len(block) + len(payload))])
            ops.append(line.encode() + b"\r\n" + block + payload + b"\r\n")
        else:
            ops.append(" ".join(["MSG", *args, str(len(payload))]).encode() + b"\r\n" + payload + b"\r\n")
    stream = b"".join(ops)
    return stream, cut(stream, draw(st.lists(st.integers(0, len(stream)), max_size=6)))


@STREAMS
@given(inline_streams())
def test_inline_delivery_hands_over_what_nats_py_would_for_any_headers_and_cutting(
    case: tuple[bytes, list[bytes]],
) -> None:
    """Subject, reply, data and headers (parsed by whichever code) as nats-py's own parser and
    `_process_msg` deliver them into the inline queue, and the same statistics."""
    stream, chunks = case
    fast_got: list[Message] = []
    slow_got: list[Message] = []
    fast_nc, fast_sub = inline_client(fast_got.append)
    slow_nc, slow_sub = inline_client(slow_got.append)
    # nats-py's status reading raises on some bytes (a description that is not UTF-8): so must this.
    assert failure(FastParser(fast_nc), chunks) == failure(Parser(slow_nc), chunks), stream
    assert fast_got == slow_got, stream
    assert [type(m.data) for m in fast_got] == [bytes] * len(fast_got)
    assert fast_nc.stats == slow_nc.stats
    assert (fast_sub._received, fast_sub._pending_size) == (slow_sub._received, slow_sub._pending_size)


def test_a_raising_handler_is_logged_and_the_next_message_is_still_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple[str, dict[str, Any]]] = []

    class Log:
        def error(self, event: str, **fields: Any) -> None:
            logged.append((event, fields))

    monkeypatch.setattr(_natspy, "log", Log())
    got: list[Message] = []

    def handler(message: Message) -> None:
        if message.data == b"boom":
            raise ValueError("handler broke")
        got.append(message)

    nc, sub = inline_client(handler)
    finish(FastParser(nc).parse(b"MSG s.a 7 4\r\nboom\r\nMSG s.b 7 2\r\nok\r\n"))
    finish(FastParser(nc).parse(b"+OK\r\nMSG s.a 7 4\r\nboom\r\nMSG s.c 7 2\r\nok\r\n"))
    assert [m.subject for m in got] == ["s.b", "s.c"]
    assert (
        logged
        == [
            ("message handler failed", {"subject": "s.a", "error": "ValueError('handler broke')"}),
        ]
        * 2
    )
    assert sub._received == 4
    assert sub._pending_size == 0


def test_messages_of_ordinary_subscriptions_still_go_to_their_queue() -> None:
    got: list[Message] = []
    nc, _ = inline_client(got.append)
    ordinary = Subscription(nc, 8, "t", pending_msgs_limit=0, pending_bytes_limit=0)
    nc._subs[8] = ordinary
    finish(FastParser(nc).parse(b"MSG t 8 r 3\r\nabc\r\nMSG s 7 3\r\ndef\r\nMSG gone 9 1\r\nx\r\n"))
    assert [m.data for m in got] == [b"def"]
    queued = ordinary._pending_queue.get_nowait()
    assert (queued.subject, queued.reply, queued.data, queued.headers) == ("t", "r", b"abc", None)
    assert ordinary._pending_queue.empty()
    assert nc.stats["in_msgs"] == 3  # a message for no subscription is still counted, as nats-py does


def test_an_inline_subscription_with_a_message_limit_is_left_to_nats_py_which_enforces_it() -> None:
    got: list[Message] = []
    nc, sub = inline_client(got.append)
    sub._max_msgs = 1  # what `await sub.unsubscribe(limit=1)` sets
    finish(FastParser(nc).parse(b"MSG s 7 1\r\na\r\nMSG s 7 1\r\nb\r\n"))
    assert [m.data for m in got] == [b"a"]
    assert 7 not in nc._subs


# --- supported ----------------------------------------------------------------------------------------


def test_a_client_missing_an_internal_is_not_supported_and_the_verdict_is_kept_per_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_natspy, "_checked", {})

    class Older(NATS):
        """A nats-py whose client lacks one of the internals `_natspy` relies on."""

        def __init__(self) -> None:
            super().__init__()
            del self._pending_data_size

    assert _natspy.supported(NATS())
    assert not _natspy.supported(Older())
    assert _natspy._checked == {NATS: True, Older: False}
