"""Where the NATS adapter goes below nats-py's public API, all in one module: delivering a subscription's
messages inline, parsing the protocol faster, and publishing without awaiting.

Why: a wRPC call is five NATS messages where request/reply is two, so nats-py's per-message costs decide
how close wRPC comes to raw request/reply. On delivery, nats-py puts every message on an `asyncio.Queue`
that a task per subscription reads; inline delivery calls the handler from nats-py's read loop
instead, saving a queue hop and a task wake-up per message. nats-py's parser matches each control line
with regular expressions, copies each payload twice and hands every message through two coroutines and
a message object; `FastParser` reads MSG lines by splitting, keeps one position into the buffer and
hands a message for an inline subscription straight to its handler (everything else still goes to
nats-py's own code). On publish, `Client.publish` is an await chain that validates both subjects and
encodes the headers every time; `publish_nowait` appends the same protocol command to the same pending
buffer synchronously, so a server can send a handshake and a whole result in one step and they leave
in one socket write. All keep nats-py's semantics: the same errors for a closed, draining,
disconnected or over-full connection, the same flusher, the same statistics, the same header parsing.
The subjects and header block are the caller's to get right (`nats_rules` builds them).

These internals (`Subscription._pending_queue`, `Client._pending`, `_pending_data_size`,
`_max_pending_size`, `_flush_queue`, `_flusher_task`, `_flush_pending`, `_subs`, `_ps`,
`_process_msg`, `_process_headers`, and the parser's state) are the same in every nats-py from 2.9 to
2.16; `supported()` checks a connection has them, and without them everything falls back to the
public API, slower but equivalent.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from nats import errors as nats_errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.protocol import parser as nats_parser

from wrpc.log import get_logger

log = get_logger("wrpc.nats")

_CLIENT_INTERNALS = (
    "_pending",
    "_pending_data_size",
    "_max_pending_size",
    "_flush_queue",
    "_flush_pending",
    "_subs",
    "_ps",
    "_process_msg",
    "_process_headers",
)
_CONNECTED = NATS.CONNECTED
_SUBSCRIPTION_INTERNALS = hasattr(Subscription(None), "_pending_queue")
_checked: dict[type, bool] = {}


def supported(nc: NATS) -> bool:
    """Whether `nc` has the internals this module relies on (nats-py 2.9 to 2.16 do); checked once
    per client class, since nats-py sets them all in `__init__`."""
    ok = _checked.get(type(nc))
    if ok is None:
        ok = _checked[type(nc)] = _SUBSCRIPTION_INTERNALS and all(
            hasattr(nc, name) for name in _CLIENT_INTERNALS
        )
    return ok


class Message(NamedTuple):
    """A received message, as inline handlers get it (cheaper to build than nats-py's `Msg`)."""

    subject: str
    reply: str
    data: bytes
    headers: Mapping[str, str] | None
    """Read-only when `FastParser` read them: the same block (a caller's usual headers) is read once."""


Handler = Callable[[Message], None]


class _InlineQueue:
    """Stands in for a subscription's message queue: `put_nowait` runs the handler on the spot.

    The handler runs inside nats-py's read loop, so it must not block and must not raise; an exception
    is logged and the message dropped, as nats-py's error callback would see it otherwise.
    """

    def __init__(self, sub: Subscription, handler: Handler) -> None:
        self._sub = sub
        self.handler = handler

    def put_nowait(self, msg: Msg) -> None:
        """A message nats-py's own `_process_msg` delivered (when `FastParser` did not)."""
        self._sub._pending_size -= len(msg.data)
        self.deliver(Message(msg.subject, msg.reply, msg.data, msg.headers))

    def deliver(self, message: Message) -> None:
        try:
            self.handler(message)
        except Exception as exc:
            log.error("message handler failed", subject=message.subject, error=repr(exc))

    def empty(self) -> bool:
        return True

    def qsize(self) -> int:
        return 0

    def task_done(self) -> None:
        pass

    async def join(self) -> None:
        pass


async def subscribe_inline(nc: NATS, subject: str, handler: Handler, *, queue: str = "") -> Subscription:
    """Subscribe `subject` with `handler` called synchronously for each message (no queue, no task),
    and give the connection the faster parser.

    Unsubscribe as usual with `await sub.unsubscribe()`.
    """
    if not supported(nc):

        async def deliver(msg: Msg) -> None:
            handler(Message(msg.subject, msg.reply, msg.data, msg.headers))

        return await nc.subscribe(
            subject, queue=queue, cb=deliver, pending_msgs_limit=0, pending_bytes_limit=0
        )
    if type(nc._ps) is nats_parser.Parser:
        # Same state, same fields: only the class changes, so a message half-read stays intact.
        nc._ps.__class__ = FastParser
    sub = await nc.subscribe(subject, queue=queue, pending_msgs_limit=0, pending_bytes_limit=0)
    sub._pending_queue = _InlineQueue(sub, handler)  # type: ignore[assignment]
    return sub


class FastParser(nats_parser.Parser):
    """nats-py's parser with a fast path for MSG and HMSG; every other operation goes to nats-py's own.

    Semantics are nats-py's: the same state fields (a half-read message survives a switch between the
    two), the same headers (status lines read by `Client._process_headers`, plain blocks as it reads
    them), the same statistics; messages of subscriptions that are not inline go through
    `Client._process_msg` as before. Speed comes from reading the received bytes in place (one copy per
    payload instead of two), splitting control lines instead of matching them, and handing a message
    for an inline subscription to its handler without a coroutine or a `Msg` in between.
    """

    async def parse(self, data: bytes = b"") -> None:
        if self.buf:  # the rest of an earlier read: continue from it
            self.buf.extend(data)
            data = bytes(self.buf)
            self.buf.clear()
        pos = 0
        size = len(data)
        other = False  # an operation other than MSG/HMSG is next: nats-py's parser takes over
        try:
            while pos < size:
                if self.state == nats_parser.AWAITING_MSG_PAYLOAD:
                    needed = self.needed
                    if size - pos < needed + 2:
                        break
                    arg = self.msg_arg
                    pending = self._payload(data, pos, arg["sid"], arg["subject"], arg["reply"], needed)
                    pos += needed + 2
                    if pending is not None:
                        await pending
                    continue
                first = data[pos]
                header = first == 72  # H
                if not (data.startswith(b"HMSG ", pos) if header else data.startswith(b"MSG ", pos)):
                    other = True
                    break
                end = data.find(b"\r\n", pos)
                if end < 0:
                    break
                args = data[pos + 4 + header : end].split()
                pos = end + 2
                if len(args) == 3 + header:
                    args.insert(2, b"")  # no reply subject
                if len(args) != 4 + header:
                    raise nats_errors.ProtocolError("nats: malformed MSG")
                # Sizes are plain digits, as in nats-py's grammar (int() alone would take "-1" or "+1").
                if not (args[-1].isdigit() and (not header or args[3].isdigit()) and data[end - 1] != 32):
                    raise nats_errors.ProtocolError("nats: malformed MSG")
                try:
                    sid = int(args[1])
                except ValueError:
                    raise nats_errors.ProtocolError("nats: malformed MSG") from None
                needed = int(args[-1])
                self.header_needed = int(args[3]) if header else 0
                if size - pos < needed + 2:  # the payload is still to come
                    self.msg_arg = {"subject": args[0], "sid": sid, "reply": args[2]}
                    self.needed = needed
                    self.state = nats_parser.AWAITING_MSG_PAYLOAD
                    continue
                pending = self._payload(data, pos, sid, args[0], args[2], needed)
                pos += needed + 2
                if pending is not None:
                    await pending
        finally:
            if pos < size:
                self.buf.extend(data[pos:] if pos else data)
        if other:
            await super().parse()

    def _payload(
        self, data: bytes, pos: int, sid: int, subject: bytes, reply: bytes, needed: int
    ) -> Awaitable[Any] | None:
        """Deliver the message whose payload starts at `pos`; an awaitable when nats-py must finish it."""
        header_size = self.header_needed
        if header_size:
            headers: bytes | None = data[pos : pos + header_size]
            payload = data[pos + header_size : pos + needed]
            self.header_needed = 0
        else:
            headers = None
            payload = data[pos : pos + needed]
        self.state = nats_parser.AWAITING_CONTROL_LINE
        nc = self.nc
        sub = nc._subs.get(sid)
        queue = sub._pending_queue if sub is not None else None
        if type(queue) is not _InlineQueue or sub._max_msgs:
            return nc._process_msg(sid, subject, reply, payload, headers)
        stats = nc.stats
        stats["in_msgs"] += 1
        stats["in_bytes"] += len(payload)
        sub._received += 1
        if headers is not None and not headers.startswith(_PLAIN_HEADERS):
            # A status line (no responders, timeouts): nats-py's own reading.
            return self._deliver_status(queue, subject, reply, payload, headers)
        parsed = _headers(headers) if headers is not None else None
        queue.deliver(Message(subject.decode(), reply.decode(), payload, parsed))
        return None

    async def _deliver_status(
        self, queue: _InlineQueue, subject: bytes, reply: bytes, payload: bytes, headers: bytes
    ) -> None:
        parsed = await self.nc._process_headers(headers)
        queue.deliver(Message(subject.decode(), reply.decode(), payload, parsed))


_PLAIN_HEADERS = b"NATS/1.0\r\n"
_HEADER_CACHE_SIZE = 256
_header_cache: dict[bytes, Mapping[str, str] | None] = {}


def _headers(block: bytes) -> Mapping[str, str] | None:
    """The headers of a plain block, read once per distinct block: a caller sends the same few headers
    with every call (a block with a unique trace id just passes through the cache)."""
    try:
        return _header_cache[block]
    except KeyError:
        pass
    if len(_header_cache) >= _HEADER_CACHE_SIZE:
        _header_cache.clear()
    parsed = _parse_header_lines(block)
    headers = _header_cache[block] = None if parsed is None else MappingProxyType(parsed)
    return headers


_SPACE = re.compile(r"\s")


def _parse_header_lines(block: bytes) -> dict[str, str] | None:
    """A header block without a status line, read as nats-py 2.16 reads it (`Name: value` lines split
    at the first colon, names without whitespace, values trimmed, None for no headers), faster."""
    out: dict[str, str] = {}
    for line in block[len(_PLAIN_HEADERS) :].split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        try:
            key = name.strip().decode("ascii")
        except UnicodeDecodeError:
            continue
        if _SPACE.search(key):
            continue
        out[key] = value.strip().decode("utf-8", "replace")
    return out or None


async def flush_subscriptions(nc: NATS) -> None:
    """Return once nats-server has every subscription made so far on `nc`.

    One `flush()` is not enough: nats-py writes its PING straight to the socket, ahead of a SUB still
    in the pending buffer, so the PONG can come back before the server saw the SUB (and a message
    published elsewhere meanwhile is lost). The first flush also kicks the flusher, so the second
    PING goes out after the SUB. It also gives a denied SUB's error time to arrive.
    """
    await nc.flush()
    await nc.flush()


Outgoing = tuple[str, bytes, str, bytes]
"""One message to publish: subject, payload, reply subject ("" for none), header block (b"" for none)."""


def publish_nowait(nc: NATS, *messages: Outgoing) -> Awaitable[Any] | None:
    """Queue messages, in order, for nats-py's flusher; returns None, or an awaitable to await (or spawn).

    The awaitable is nats-py's backpressure (the pending buffer is over its limit, or the flusher is not
    running): publishing is done either way, the awaitable only waits for the socket. Raises what
    `Client.publish` raises for a closed, draining or disconnected connection and an oversized payload,
    having queued none of them. Header blocks are encoded (`nats_rules.encode_headers`).
    """
    if not supported(nc):
        return _publish_public(nc, messages)
    connected = nc._status == _CONNECTED
    if not connected:  # nats-py's checks, in its order; a connected client passes them all
        if nc.is_closed:
            raise nats_errors.ConnectionClosedError
        if nc.is_draining_pubs:
            raise nats_errors.ConnectionDrainingError
        connected = nc.is_connected
        if not connected and (
            nc._max_pending_size <= 0
            or sum(len(m[1]) for m in messages) + nc._pending_data_size > nc._max_pending_size
        ):
            raise nats_errors.OutboundBufferLimitError
    max_payload = nc._max_payload
    size = 0
    commands = []
    for subject, payload, reply, header_block in messages:
        length = len(payload)
        if length > max_payload:
            raise nats_errors.MaxPayloadError
        size += length
        if header_block:
            hsize = len(header_block)
            commands.append(
                b"HPUB %s %s %d %d\r\n%s%s\r\n"
                % (subject.encode(), reply.encode(), hsize, hsize + length, header_block, payload)
            )
        else:
            commands.append(b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), reply.encode(), length, payload))
    command = commands[0] if len(commands) == 1 else b"".join(commands)
    stats = nc.stats
    stats["out_msgs"] += len(messages)
    stats["out_bytes"] += size
    nc._pending.append(command)
    pending_size = nc._pending_data_size = nc._pending_data_size + len(command)
    if 0 < nc._max_pending_size < pending_size:
        return nc._flush_pending(force_flush=True)
    flush_queue = nc._flush_queue
    if not connected or flush_queue is None or not flush_queue.empty():
        return None  # the reconnect will send what is pending, or a flush is already due
    flusher = getattr(nc, "_flusher_task", None)
    if flusher is None or flusher.done():
        return nc._flush_pending()  # nats-py writes inline when its flusher is gone
    flush_queue.put_nowait(asyncio.get_running_loop().create_future())
    return None


async def _publish_public(nc: NATS, messages: tuple[Outgoing, ...]) -> None:
    for subject, payload, reply, header_block in messages:
        headers = _parse_header_lines(header_block) if header_block else None
        await nc.publish(subject, payload, reply=reply, headers=headers)
