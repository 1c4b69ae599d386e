"""wRPC over NATS (protocol notes section 2), as a thin asyncio adapter over nats-py.

Rules of this module:
1. One inbox subscription per transport (`<inbox>.>`, subscribed and flushed before anything is
   published), demultiplexed locally by invocation token; each invocation, as caller or as server, gets
   a fresh `<inbox>.<token>`. Only served functions have subscriptions of their own (queue subscriptions
   when a queue group is set).
2. Subjects, size limits and header names come from `nats_rules`; nothing here formats a subject.
3. Every message is at most the server's `max_payload`; an empty message is the EOF of its channel.
4. An invocation lives in the routing table from its first message until it is closed; after that its
   messages are dropped, as Rust does. Closing ends every writer not yet ended (Rust's drop).
5. Connection trouble fails what is in flight with `ConnectionLost` instead of leaving it to a timeout;
   nats-py reconnects by itself and new calls work again once it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any

import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.subscription import Subscription

from wrpc.errors import (
    ConnectionLost,
    DeadlineExceeded,
    PayloadTooLarge,
    Unauthorized,
    WrpcError,
)
from wrpc.log import enabled_for, get_logger
from wrpc.transport import _natspy
from wrpc.transport import nats_rules as rules
from wrpc.transport._natspy import Message
from wrpc.transport.base import (
    ROOT,
    Acceptor,
    ChannelReader,
    ChannelWriter,
    ClientInvocation,
    Invoker,
    Listener,
    Path,
    PathPattern,
    ServerInvocation,
    path_str,
)

log = get_logger("wrpc.nats")
_log_enabled = enabled_for("wrpc.nats")

LINGER = 5.0
"""Seconds an abandoned call keeps waiting for its handshake, to cancel the server's work when it comes."""


class NatsTransport(Invoker, Acceptor):
    """Invoke and serve wRPC functions over one nats-py connection.

    `prefix` goes in front of every invocation subject (wasmCloud: `<lattice>.<component-id>`);
    `queue_group` makes served functions share load with other servers in the same group.
    `liveness_interval` is how often a server asks whether a caller that allows it is still there.
    """

    def __init__(
        self,
        nc: NATS,
        *,
        prefix: str = "",
        queue_group: str | None = None,
        liveness_interval: float = 2.0,
    ) -> None:
        self.nc = nc
        self.prefix = prefix
        self.queue_group = queue_group
        self.liveness_interval = liveness_interval
        self._tokens = rules.Tokens()
        self._inbox = ""
        self._inbox_sub: Subscription | None = None
        self._start_lock = asyncio.Lock()
        self._invocations: dict[str, _Invocation] = {}
        self._listeners: set[_NatsListener] = set()
        self._prober: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._unhook: Callable[[], None] = lambda: None
        self._inbox_error: Unauthorized | None = None
        self._denied_subscriptions: set[str] = set()
        self._subjects: dict[tuple[str, str], str] = {}
        self._closed = False

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe the inbox and hook connection events; idempotent, and done lazily by invoke/serve."""
        async with self._start_lock:
            if self._inbox_sub is not None:
                return
            if self._closed:
                raise ConnectionLost("the wRPC transport was closed")
            if self.nc.is_closed:
                raise ConnectionLost("the NATS connection is closed")
            self._inbox = self.nc.new_inbox()
            self._hook_connection_events()
            self._inbox_sub = await _natspy.subscribe_inline(self.nc, f"{self._inbox}.>", self._on_inbox)
            await self._flush_and_hear_denials()

    async def _flush_and_hear_denials(self) -> None:
        # nats-server usually reports a denied SUB before the PONG of the next PING, but now and then
        # just after it (measured: under 1 ms); the second round trip of flush_subscriptions makes
        # the verdict arrive first.
        await _natspy.flush_subscriptions(self.nc)

    async def close(self) -> None:
        """Stop serving, fail what is in flight, drop the inbox subscription. The connection stays open."""
        if self._closed:
            return
        self._closed = True
        for listener in list(self._listeners):
            await listener.aclose()
        for inv in list(self._invocations.values()):
            inv.break_off(ConnectionLost("the wRPC transport was closed"))
            await inv.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
        if self._inbox_sub is not None and not self.nc.is_closed:
            with contextlib.suppress(nats.errors.Error):
                await self._inbox_sub.unsubscribe()
        self._inbox_sub = None
        self._invocations.clear()  # calls abandoned before their handshake linger no longer
        self._unhook()

    def stats(self) -> dict[str, int]:
        """Live state, for leak checks: invocations routed, serving subscriptions, inbox subscribed."""
        return {
            "invocations": len(self._invocations),
            "listeners": len(self._listeners),
            "inbox": int(self._inbox_sub is not None),
            "prober": int(self._prober is not None),
            "tasks": len(self._tasks),
        }

    def _hook_connection_events(self) -> None:
        # nats-py takes its callbacks at connect time only; chain ours in front of the owner's.
        previous_disconnect = self.nc._disconnected_cb
        previous_error = self.nc._error_cb

        async def on_disconnect() -> None:
            self._on_disconnect()
            if previous_disconnect is not None:
                await previous_disconnect()

        async def on_error(exc: Exception) -> None:
            self._on_error(exc)
            if previous_error is not None:
                await previous_error(exc)

        self.nc._disconnected_cb = on_disconnect
        self.nc._error_cb = on_error
        self._unhook = lambda: self._restore_callbacks(
            on_disconnect, previous_disconnect, on_error, previous_error
        )

    def _restore_callbacks(self, ours_d: Any, previous_d: Any, ours_e: Any, previous_e: Any) -> None:
        # Only when nobody chained after us; otherwise our wrappers stay (they do nothing once closed).
        if self.nc._disconnected_cb is ours_d:
            self.nc._disconnected_cb = previous_d
        if self.nc._error_cb is ours_e:
            self.nc._error_cb = previous_e

    def _on_disconnect(self) -> None:
        for inv in list(self._invocations.values()):
            inv.break_off(ConnectionLost(f"the NATS connection dropped during {inv.description}"))

    def _on_error(self, exc: Exception) -> None:
        text = str(exc)
        lowered = text.lower()  # nats-py lowercases the server's -ERR text, subjects included
        if "permissions violation" not in lowered:
            return
        if "subscription" in lowered and '"' in lowered:
            self._denied_subscriptions.add(lowered.split('"')[1])
        if "subscription" in lowered and f'"{self._inbox.lower()}.>"' in lowered:
            self._inbox_error = Unauthorized(
                f"not permitted to subscribe to the reply inbox {self._inbox}.>: {text}"
            )
            for inv in list(self._invocations.values()):
                inv.break_off(self._inbox_error)
            return
        for inv in list(self._invocations.values()):
            if isinstance(inv, _NatsClientInvocation) and f'"{inv.subject.lower()}"' in lowered:
                inv.break_off(Unauthorized(f"not permitted to publish to {inv.subject!r}: {text}"))

    # --- publishing --------------------------------------------------------------------------------

    @property
    def max_payload(self) -> int:
        return int(self.nc.max_payload)

    def new_token(self) -> str:
        return self._tokens.next()

    def publish_nowait(self, *messages: _natspy.Outgoing) -> Awaitable[Any] | None:
        """Publish messages, in order, without waiting (see `_natspy`); returns nats-py's backpressure
        to await, if any. Raises nats-py's errors as `wrpc.errors`, having published none of them."""
        try:
            return _natspy.publish_nowait(self.nc, *messages)
        except nats.errors.Error as exc:
            raise _publish_error(exc, messages, self.max_payload) from exc

    async def publish(
        self, subject: str, payload: bytes, *, reply: str = "", header_block: bytes = b""
    ) -> None:
        """Publish one message, waiting out nats-py's backpressure."""
        message = (subject, payload, reply, header_block)
        pending = self.publish_nowait(message)
        if pending is not None:
            await self._backpressure(pending, message)

    async def _backpressure(self, pending: Awaitable[Any], message: _natspy.Outgoing) -> None:
        """Wait out what `publish_nowait` returned, with nats-py's errors as `wrpc.errors`."""
        try:
            await pending
        except nats.errors.Error as exc:
            raise _publish_error(exc, (message,), self.max_payload) from exc

    def publish_soon(self, *messages: _natspy.Outgoing) -> None:
        """Publish messages from code that cannot wait: backpressure, if any, is waited out in the
        background. Raises as `publish_nowait` does."""
        pending = self.publish_nowait(*messages)
        if pending is not None:
            self.spawn(self._settle(pending, messages[0][0]))

    async def _settle(self, pending: Awaitable[Any], subject: str) -> None:
        try:
            await pending
        except nats.errors.Error as exc:
            log.warning("publish failed", subject=subject, error=repr(exc))

    # --- routing -----------------------------------------------------------------------------------

    def _on_inbox(self, msg: Message) -> None:
        route = rules.parse_inbox_subject(self._inbox, msg.subject)
        if route is None:
            return
        token, kind, path = route
        inv = self._invocations.get(token)
        if inv is not None:
            inv.on_message(kind, path, msg)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a short fire-and-forget publish, tracked so that `close()` can wait for it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def register(self, inv: _Invocation) -> None:
        self._invocations[inv.token] = inv

    def unregister(self, inv: _Invocation) -> None:
        self._invocations.pop(inv.token, None)

    def inbox_subject(self, token: str) -> str:
        return f"{self._inbox}.{token}"

    def invocation_subject(self, instance: str, func: str) -> str:
        """The subject of `instance.func`, built once per function."""
        subject = self._subjects.get((instance, func))
        if subject is None:
            if len(self._subjects) >= 4096:
                self._subjects.clear()
            subject = self._subjects[instance, func] = rules.invocation_subject(self.prefix, instance, func)
        return subject

    # --- Invoker ------------------------------------------------------------------------------------

    async def invoke(
        self,
        instance: str,
        func: str,
        params: bytes,
        *,
        param_paths: Sequence[Path] = (),
        result_paths: Sequence[PathPattern] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        bounded: bool = False,
    ) -> ClientInvocation:
        if self._inbox_sub is None:
            await self.start()
        if self._inbox_error is not None:
            raise self._inbox_error
        subject = self.invocation_subject(instance, func)
        inv = _NatsClientInvocation(self, subject)
        header_block = rules.invocation_headers(tuple(headers.items()) if headers else (), timeout)
        limit = rules.first_message_limit(self.max_payload, inv.reply, header_block)
        if limit <= 0:
            raise PayloadTooLarge(len(header_block), self.max_payload, f"headers for {subject!r}")
        self.register(inv)
        try:
            message = (subject, params if len(params) <= limit else params[:limit], inv.reply, header_block)
            pending = self.publish_nowait(message)
            if pending is not None:
                await self._backpressure(pending, message)
            inv.published = True
            await inv.accepted(None if bounded else timeout)
            if len(params) > limit:
                root = inv.param_writer(ROOT)
                await root.write(params[limit:])
                await root.close()
            else:  # all params went with the invocation: only the EOF is left, and no writer is needed
                await self.publish(rules.channel_subject(inv.server_subject, rules.PARAMS, ROOT), b"")
        except BaseException as exc:
            await asyncio.shield(inv.cancel(f"the caller gave up: {exc!r}"))
            raise
        if _log_enabled(logging.DEBUG):
            log.debug("invoked", subject=subject, invocation=inv.token, params=len(params))
        return inv

    # --- Acceptor -----------------------------------------------------------------------------------

    async def serve(self, instance: str, func: str, *, param_paths: Sequence[PathPattern] = ()) -> Listener:
        await self.start()
        subject = self.invocation_subject(instance, func)
        listener = _NatsListener(self, instance, func, subject)
        listener.sub = await _natspy.subscribe_inline(
            self.nc, subject, listener.on_invocation, queue=self.queue_group or ""
        )
        await self._flush_and_hear_denials()
        if subject.lower() in self._denied_subscriptions:
            await listener.aclose()
            raise Unauthorized(f"not permitted to subscribe to {subject!r}, so it cannot be served")
        self._listeners.add(listener)
        log.debug("serving", subject=subject, queue_group=self.queue_group)
        return listener

    def forget_listener(self, listener: _NatsListener) -> None:
        self._listeners.discard(listener)

    def ensure_prober(self) -> None:
        """Run the liveness prober while server invocations exist (one task for all of them)."""
        if self._prober is None and self.liveness_interval > 0:
            self._prober = asyncio.get_running_loop().create_task(self._probe_loop())

    async def _probe_loop(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.liveness_interval)
                servers = [i for i in self._invocations.values() if isinstance(i, _NatsServerInvocation)]
                if not servers:
                    return
                now = time.monotonic()
                for inv in servers:
                    if inv.probe_allowed and now - inv.started >= self.liveness_interval:
                        with contextlib.suppress(WrpcError):
                            await self.publish(
                                rules.channel_subject(inv.reply_to, rules.ALIVE, ROOT),
                                b"",
                                reply=rules.channel_subject(inv.reply, rules.PROBE, ROOT),
                            )
        finally:
            self._prober = None


def _publish_error(
    exc: nats.errors.Error, messages: tuple[_natspy.Outgoing, ...], max_payload: int
) -> WrpcError | nats.errors.Error:
    """nats-py's publish error as a `wrpc.errors` class (others stay as they are)."""
    subject = messages[0][0]
    if isinstance(exc, nats.errors.MaxPayloadError):
        size, subject = max((len(m[1]), m[0]) for m in messages)
        return PayloadTooLarge(size, max_payload, f"message to {subject!r}")
    if isinstance(exc, (nats.errors.ConnectionClosedError, nats.errors.OutboundBufferLimitError)):
        return ConnectionLost(f"cannot publish to {subject!r}: {exc!r}")
    if isinstance(exc, nats.errors.ConnectionDrainingError):
        return ConnectionLost(f"cannot publish to {subject!r}: the connection is draining")
    return exc


class _NatsWriter(ChannelWriter):
    """A channel written as messages on one subject; EOF is an empty message."""

    def __init__(self, transport: NatsTransport, subject: str) -> None:
        self._transport = transport
        self.subject = subject
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise ConnectionLost(f"write to {self.subject!r} after its channel was closed")
        if not data:
            return
        limit = self._transport.max_payload
        if len(data) <= limit:
            await self._transport.publish(self.subject, data)
            return
        for piece in rules.split(data, limit):
            await self._transport.publish(self.subject, piece)

    async def close(self, error_text: str | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        header_block = (
            rules.encode_headers({rules.HEADER_ERROR: rules.encode_error_text(error_text)})
            if error_text is not None
            else b""
        )
        await self._transport.publish(self.subject, b"", header_block=header_block)


class _Invocation:
    """What caller and server invocations share: a token, readers fed from the inbox, writers to close."""

    def __init__(self, transport: NatsTransport) -> None:
        self.transport = transport
        self.token = transport.new_token()
        self.reply = transport.inbox_subject(self.token)
        self.description = ""
        self._readers: dict[Path, ChannelReader] = {}
        self._writers: dict[Path, _NatsWriter] = {}
        self._closed = False

    def reader(self, path: Path = ROOT) -> ChannelReader:
        reader = self._readers.get(path)
        if reader is None:
            reader = self._readers[path] = ChannelReader(f"{self.description} {path_str(path)}")
        return reader

    def feed(self, path: Path, msg: Message) -> None:
        reader = self.reader(path)
        if msg.data:
            reader.feed(msg.data)
        else:
            text = (msg.headers or {}).get(rules.HEADER_ERROR)
            reader.feed_eof(rules.decode_error_text(text) if text is not None else None)

    def on_message(self, kind: str, path: Path, msg: Message) -> None:
        raise NotImplementedError

    def break_off(self, exc: WrpcError) -> None:
        """The transport cannot carry this invocation any more: readers fail with `exc`."""
        for reader in self._readers.values():
            reader.fail(exc)

    async def end_writers(self, error_text: str | None = None) -> None:
        for writer in list(self._writers.values()):
            if not writer.closed:
                with contextlib.suppress(WrpcError):
                    await writer.close(error_text)

    async def close(self) -> None:
        if self._closed:
            return
        self._release()
        if self._writers:
            await self.end_writers()

    def _release(self) -> None:
        """Stop routing this invocation's messages and end its readers."""
        self._closed = True
        self.transport.unregister(self)
        for reader in self._readers.values():
            reader.feed_eof()


class _NatsClientInvocation(_Invocation, ClientInvocation):
    """The caller's side. The handshake is state (`server_subject`, or `_refusal`, once it came); a
    future exists only while `accepted` waits, so giving up on the wait leaves the state intact for
    `cancel` (a late handshake is still answered with a cancel)."""

    def __init__(self, transport: NatsTransport, subject: str) -> None:
        super().__init__(transport)
        self.subject = subject
        self.description = subject
        self.server_subject = ""
        self._refusal: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.published = False
        self._abandoned: str | None = None

    @property
    def answered(self) -> bool:
        """Whether the handshake (or an error standing in for it) arrived."""
        return bool(self.server_subject) or self._refusal is not None

    def on_message(self, kind: str, path: Path, msg: Message) -> None:
        if kind == "":
            if self._abandoned is not None and msg.reply and not (msg.headers or {}).get("Status"):
                # The caller gave up before the server accepted: tell the server now that it has.
                self.transport.unregister(self)
                self.transport.spawn(self._cancel_late(msg.reply, self._abandoned))
                return
            if self.answered:
                return
            outcome = rules.handshake_outcome(msg.headers, msg.reply, self.subject)
            if isinstance(outcome, Exception):
                self._refusal = outcome
            else:
                self.server_subject = outcome
            self._wake()
        elif kind == rules.RESULTS:
            self.feed(path, msg)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _expire(self, timeout: float) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(DeadlineExceeded(self.subject, timeout))

    async def accepted(self, timeout: float | None) -> None:
        """Until the server accepted the call; raises its refusal, or `DeadlineExceeded` after `timeout`."""
        if not self.answered:
            loop = asyncio.get_running_loop()
            self._waiter = loop.create_future()
            timer = None if timeout is None else loop.call_later(timeout, self._expire, timeout)
            try:
                await self._waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        if self._refusal is not None:
            raise self._refusal

    def break_off(self, exc: WrpcError) -> None:
        if not self.answered:
            self._refusal = exc
            self._wake()
        super().break_off(exc)

    def param_writer(self, path: Path) -> _NatsWriter:
        writer = self._writers.get(path)
        if writer is None:
            subject = rules.channel_subject(self.server_subject, rules.PARAMS, path)
            writer = self._writers[path] = _NatsWriter(self.transport, subject)
        return writer

    def writer(self, path: Path) -> ChannelWriter:
        return self.param_writer(path)

    async def _send_cancel(self, server_subject: str, reason: str) -> None:
        with contextlib.suppress(WrpcError):
            await self.transport.publish(
                rules.channel_subject(server_subject, rules.CANCEL, ROOT),
                b"",
                header_block=rules.encode_headers({rules.HEADER_CANCEL: rules.encode_error_text(reason)}),
            )

    async def _cancel_late(self, server_subject: str, reason: str) -> None:
        await self._send_cancel(server_subject, reason)
        with contextlib.suppress(WrpcError):
            await self.transport.publish(rules.channel_subject(server_subject, rules.PARAMS, ROOT), b"")

    async def cancel(self, reason: str = "cancelled by the caller") -> None:
        if self.server_subject and not self._closed:
            await self._send_cancel(self.server_subject, reason)
            # Param channels cut short end as failures, so the server cannot take them for complete.
            await self.end_writers(reason)
        elif self.published and not self.answered:
            self._abandoned = reason
        await self.close()

    async def close(self) -> None:
        if not self.answered and self.published and not self._closed:
            # A handshake may still come; keep routing it for a while so the server can be told.
            self._abandoned = self._abandoned or "the caller gave up before the call was accepted"
            self._closed = True
            asyncio.get_running_loop().call_later(LINGER, self.transport.unregister, self)
            return
        await super().close()


class _NatsServerInvocation(_Invocation, ServerInvocation):
    def __init__(self, transport: NatsTransport, listener: _NatsListener, msg: Message) -> None:
        super().__init__(transport)
        self.instance = listener.instance
        self.func = listener.func
        self.description = msg.subject
        self.reply_to = msg.reply
        self.headers = msg.headers or {}
        self.probe_allowed = rules.HEADER_PROBE in self.headers
        self._is_cancelled = False
        self._cancelled: asyncio.Event | None = None
        """Made on first use: most calls end before anyone looks."""
        self._cancel_callbacks: list[Callable[[], None]] = []
        self.started = time.monotonic()
        self.handshake_sent = False
        self._first: bytes | None = msg.data
        """The params that came with the invocation, until the root param reader is made (on demand)."""

    def reader(self, path: Path = ROOT) -> ChannelReader:
        if path == ROOT and self._first is not None:
            first, self._first = self._first, None
            reader = super().reader(ROOT)
            reader.feed(first)
            return reader
        return super().reader(path)

    def take_params_nowait(self) -> bytes | None:
        if self._first is not None:  # no root reader yet: it would have taken them
            first, self._first = self._first, None
            return first or None
        return super().take_params_nowait()

    @property
    def timeout(self) -> float | None:  # type: ignore[override]
        # Read only by a call that waits (a quick one never asks).
        return rules.parse_timeout_header(self.headers.get(rules.HEADER_TIMEOUT))

    @property
    def cancelled(self) -> asyncio.Event:  # type: ignore[override]
        if self._cancelled is None:
            self._cancelled = asyncio.Event()
            if self._is_cancelled:
                self._cancelled.set()
        return self._cancelled

    def on_message(self, kind: str, path: Path, msg: Message) -> None:
        if kind == rules.PARAMS:
            self.feed(path, msg)
        elif kind == rules.CANCEL:
            log.debug("caller cancelled", subject=self.description, invocation=self.token)
            self._set_cancelled()
        elif kind == rules.PROBE and (msg.headers or {}).get("Status") == "503":
            log.info("caller is gone", subject=self.description, invocation=self.token)
            self._set_cancelled()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        if self._is_cancelled:
            handle = asyncio.get_running_loop().call_soon(callback)
            return handle.cancel
        self._cancel_callbacks.append(callback)

        def withdraw() -> None:
            with contextlib.suppress(ValueError):  # already called
                self._cancel_callbacks.remove(callback)

        return withdraw

    def _set_cancelled(self) -> None:
        if not self._is_cancelled:
            self._is_cancelled = True
            if self._cancelled is not None:
                self._cancelled.set()
            callbacks, self._cancel_callbacks = self._cancel_callbacks, []
            for callback in callbacks:
                callback()

    def writer(self, path: Path = ROOT) -> ChannelWriter:
        writer = self._writers.get(path)
        if writer is None:
            subject = rules.channel_subject(self.reply_to, rules.RESULTS, path)
            writer = self._writers[path] = _NatsWriter(self.transport, subject)
        return writer

    def _handshake(self) -> _natspy.Outgoing:
        """The message that accepts the call: empty, on `R_c`, naming `R_s` as its reply subject."""
        self.handshake_sent = True
        return (self.reply_to, b"", self.reply, b"")

    def send_handshake(self) -> None:
        """Accept the call (unless `finish_nowait` already did)."""
        if not self.handshake_sent:
            self.transport.publish_soon(self._handshake())

    def finish_nowait(self, results: bytes) -> bool:
        # Only a call whose result channels are untouched and whose results fit in one message.
        if self._writers or self._closed or len(results) > self.transport.max_payload:
            return False
        subject = rules.channel_subject(self.reply_to, rules.RESULTS, ROOT)
        end = (subject, b"", "", b"")
        messages = [(subject, results, "", b""), end] if results else [end]
        if not self.handshake_sent:  # all in one go: handshake, results, end of results
            messages.insert(0, self._handshake())
        try:
            self.transport.publish_soon(*messages)
        finally:
            self._release()
        return True

    async def fail(self, reason: str) -> None:
        # The root result channel must end even if nothing was written, so the caller learns of it.
        self.writer(ROOT)
        await self.end_writers(reason)
        await self.close()

    def break_off(self, exc: WrpcError) -> None:
        super().break_off(exc)
        self._set_cancelled()


class _NatsListener(Listener):
    def __init__(self, transport: NatsTransport, instance: str, func: str, subject: str) -> None:
        self.transport = transport
        self.instance = instance
        self.func = func
        self.subject = subject
        self.sub: Subscription | None = None
        self._queue: asyncio.Queue[_NatsServerInvocation | None] = asyncio.Queue()
        self._start: Callable[[ServerInvocation], None] | None = None
        """Set while `dispatch` runs: invocations go straight to it instead of the queue."""
        self._dispatching: asyncio.Future[None] | None = None
        self._closed = False

    def on_invocation(self, msg: Message) -> None:
        """Accept an invocation (called inline from nats-py's read loop) and start the call at once: a
        quick call publishes its handshake, results and end of results together (`finish_nowait`);
        otherwise the handshake goes out before anything the call's task can send."""
        if self._closed:
            return
        if not msg.reply:
            log.warning("invocation without a reply subject dropped", subject=msg.subject)
            return
        transport = self.transport
        inv = _NatsServerInvocation(transport, self, msg)
        transport.register(inv)
        transport.ensure_prober()
        start = self._start
        if start is not None:
            start(inv)
        try:
            inv.send_handshake()
        except WrpcError as exc:
            log.warning("handshake failed", subject=msg.subject, invocation=inv.token, error=str(exc))
            inv.break_off(exc)
            transport.spawn(inv.close())
            return
        if start is None:
            self._queue.put_nowait(inv)

    def __aiter__(self) -> AsyncIterator[ServerInvocation]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ServerInvocation]:
        while (inv := await self._queue.get()) is not None:
            yield inv

    async def dispatch(self, start: Callable[[ServerInvocation], None]) -> None:
        while not self._queue.empty():  # accepted before dispatching began
            inv = self._queue.get_nowait()
            if inv is None:
                return
            start(inv)
        if self._closed:
            return
        self._start = start
        self._dispatching = asyncio.get_running_loop().create_future()
        try:
            await self._dispatching
        finally:
            self._start = None
            self._dispatching = None

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.transport.forget_listener(self)
        if self.sub is not None and not self.transport.nc.is_closed:
            with contextlib.suppress(nats.errors.Error):
                await self.sub.unsubscribe()
        while not self._queue.empty():
            inv = self._queue.get_nowait()
            if inv is not None:
                await inv.fail("the server stopped serving this function")
        self._queue.put_nowait(None)
        if self._dispatching is not None and not self._dispatching.done():
            self._dispatching.set_result(None)
