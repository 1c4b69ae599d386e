"""Call wRPC functions over any transport: `await Client(transport).invoke(instance, func, params)`.

The client encodes the params with the codec, sends the sync bytes through the transport, writes each
deferred future or stream on its own channel, decodes the results as they arrive and hands async
results back as awaitables (`RemoteFuture`) and async iterators (`RemoteStream`).

    nc = await wrpc.connect.connect(NatsOptions(url="nats://127.0.0.1:4222"))
    client = Client(NatsTransport(nc, prefix="rust"), timeout=5)
    greeting = await client.invoke("wrpc-examples:hello/handler", hello_type)   # FunctionType from WIT
    stream = await client.invoke("example:bytes/handler", echo_type, [chunks()]) # stream param and result
    async for chunk in stream: ...

Rules of this module:
1. Transport-agnostic: only `wrpc.transport.base` is used; NATS or framed is the caller's choice.
2. Every call has a deadline (the client's default unless the call says otherwise; `None` means
   none). It is sent to the server as the deadline extension and enforced here: the call fails with
   `DeadlineExceeded` and the server is told the caller gave up.
3. A server's failure surfaces as `RemoteError` with the server's text when it sent one (a Python
   server does), otherwise as `IncompleteResults`; a void function's call completes only at the end of
   the result channel, so a failed void call is reported too.
4. An invocation is released as soon as nothing more can arrive: at once for sync results, after the
   last async result was read otherwise (or at the deadline).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

from wrpc import types as t
from wrpc._deadlines import Deadlines
from wrpc.errors import DeadlineExceeded, IncompleteResults, RemoteError, WrpcError
from wrpc.functions import wire_name
from wrpc.log import get_logger
from wrpc.server import current_invocation
from wrpc.transport.asyncvalues import Channels, Signature, bind, encode, send_deferred, signature
from wrpc.transport.base import ClientInvocation, Invoker

log = get_logger("wrpc.client")

DEFAULT_TIMEOUT = 30.0
"""Seconds a call may take unless the client or the call says otherwise."""

_UNSET: Any = object()


class Client:
    """Dynamic wRPC calls over `transport`.

    `timeout` is the default deadline of each call in seconds (None: no deadline); `headers` are sent
    with every invocation (NATS: e.g. `source-id`, `link-name`, `traceparent`).
    """

    def __init__(
        self,
        transport: Invoker,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.transport = transport
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._background: set[asyncio.Task[None]] = set()
        self._deadlines: Deadlines | None = None

    def stats(self) -> dict[str, int]:
        """Live state, for leak checks: calls still draining async values, deadlines pending."""
        return {
            "background": len(self._background),
            "deadlines": 0 if self._deadlines is None else len(self._deadlines),
        }

    def _deadlines_of(self, loop: asyncio.AbstractEventLoop) -> Deadlines:
        deadlines = self._deadlines
        if deadlines is None or deadlines.loop is not loop:
            deadlines = self._deadlines = Deadlines(loop)
        return deadlines

    async def invoke(
        self,
        instance: str,
        func: t.FunctionType,
        params: Sequence[Any] = (),
        *,
        name: str | None = None,
        timeout: float | None = _UNSET,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call `func` of `instance` with `params`; return its result (None for a void function).

        `name` is the wire function name when it differs from `func.name` (`counter.get-count` for
        `[method]counter.get-count`: see `wire_name`).
        """
        wire = name or wire_name(func.name)
        timeout = self.timeout if timeout is _UNSET else timeout
        sig = signature(func)
        params_bytes, deferred = encode(sig.params, tuple(params))
        all_headers = _headers(self.headers, headers)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        inv: ClientInvocation | None = None
        sender: asyncio.Task[None] | None = None
        try:
            with _Deadline(self._deadlines_of(loop), deadline):
                inv = await self.transport.invoke(
                    instance,
                    wire,
                    params_bytes,
                    param_paths=[d.path for d in deferred],
                    result_paths=sig.result_paths,
                    headers=all_headers,
                    timeout=timeout,
                    bounded=True,
                )
                if deferred:
                    sender = loop.create_task(send_deferred(deferred, inv.writer))
                channels = Channels(inv.reader, f"results of {inv.description}")
                receive = _receive_results(inv, channels, func, sig)
                result = await (receive if sender is None else _results_unless_sending_fails(receive, sender))
        except TimeoutError:
            await _give_up(inv, sender, "deadline exceeded")
            raise DeadlineExceeded(f"{instance}.{wire}", timeout or 0.0) from None
        except asyncio.CancelledError:
            await asyncio.shield(_give_up(inv, sender, "the caller was cancelled"))
            raise
        except (RemoteError, IncompleteResults):
            # The server already ended the call: nothing to cancel, only to release.
            await _give_up(inv, sender, None)
            raise
        except BaseException:
            await _give_up(inv, sender, "the call failed")
            raise
        if sender is None and channels.live == 0:
            await inv.close()
        else:
            task = loop.create_task(_drain(inv, sender, channels, deadline))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return result

    async def close(self) -> None:
        """Release every call still draining async values."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)


class _Deadline:
    """`asyncio.timeout_at` for the body of one call, at a fraction of its cost (an entry in the
    client's `Deadlines`, no coroutines): at `when` the task is cancelled, and the cancellation leaves
    as `TimeoutError`."""

    __slots__ = ("_cancelling", "_deadlines", "_entry", "_expired", "_task")

    def __init__(self, deadlines: Deadlines, when: float | None) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = False
        self._deadlines = deadlines
        self._entry = None if when is None else deadlines.add(when, self._expire)

    def _expire(self) -> None:
        self._expired = True
        self._task.cancel()

    def __enter__(self) -> None:
        pass

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if self._entry is not None:
            self._deadlines.cancel(self._entry)
        # Only our own cancellation becomes a timeout: not one somebody else asked for too.
        if self._expired and exc_type is asyncio.CancelledError and self._task.uncancel() <= self._cancelling:
            raise TimeoutError from exc


PROPAGATED_HEADERS = ("traceparent", "tracestate")
"""Trace-context headers a call made inside a served call carries on from the call being served."""


def _headers(client: Mapping[str, str], call: Mapping[str, str] | None) -> Mapping[str, str]:
    """The headers of one call: trace context carried on from the call being served, then the
    client's, then the call's own (the transport copies them, so the client's may go as they are)."""
    inv = current_invocation()
    if inv is None and not call:
        return client
    propagated = {} if inv is None else {k: v for k, v in inv.headers.items() if k in PROPAGATED_HEADERS}
    return {**propagated, **client, **(call or {})}


async def _receive_results(
    inv: ClientInvocation, channels: Channels, func: t.FunctionType, sig: Signature
) -> Any:
    root = channels.source(())
    values = await root.decode(sig.results, (), what=channels.what)
    if func.result is None:
        # A void call is complete only when the result channel ends; a failure ends it with a reason.
        await root.at_end()
        error_text = inv.reader(()).error_text
        if error_text is not None:
            raise RemoteError(error_text, subject=inv.description)
        return None
    return bind(values[0], channels) if sig.results_async else values[0]


async def _results_unless_sending_fails(receive: Coroutine[Any, Any, Any], sender: asyncio.Task[None]) -> Any:
    """The results; but if writing an async param fails first (the caller's iterator raised), that error."""
    results = asyncio.ensure_future(receive)
    try:
        while not results.done():
            await asyncio.wait({results, sender}, return_when=asyncio.FIRST_COMPLETED)
            if (
                sender.done()
                and not sender.cancelled()
                and sender.exception() is not None
                and not results.done()
            ):
                raise sender.exception()  # type: ignore[misc]
        return results.result()
    finally:
        if not results.done():
            results.cancel()
            with contextlib.suppress(BaseException):
                await results


async def _drain(
    inv: ClientInvocation,
    sender: asyncio.Task[None] | None,
    channels: Channels,
    deadline: float | None,
) -> None:
    """Keep the invocation open until the params are sent and the async results (nested ones too) were read."""
    try:
        async with asyncio.timeout_at(deadline):
            if sender is not None:
                await sender
            await channels.wait_idle()
    except Exception as exc:  # the caller's own iterator may raise anything; the call ends either way
        log.debug("async values abandoned", subject=inv.description, reason=repr(exc))
        if sender is not None:
            sender.cancel()
        await inv.cancel("deadline exceeded" if isinstance(exc, TimeoutError) else str(exc))
        return
    finally:
        if sender is not None and not sender.done():
            sender.cancel()
    await inv.close()


async def _give_up(
    inv: ClientInvocation | None, sender: asyncio.Task[None] | None, reason: str | None
) -> None:
    """Stop sending and release the invocation; with a `reason`, tell the server the caller gave up."""
    if sender is not None:
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
    if inv is not None:
        with contextlib.suppress(WrpcError):
            await (inv.cancel(reason) if reason is not None else inv.close())
