"""Serve Python functions as wRPC functions over any transport.

`Server(transport).serve(instance, func_type, handler)` accepts invocations of one function; each runs
in its own task: decode the params (futures and streams become awaitables and async iterators), call
the handler, encode the result, send deferred futures and streams on their channels, end the call.

    server = Server(NatsTransport(nc, prefix="rust", queue_group="rust"))
    await server.serve("wrpc-examples:hello/handler", hello_type, lambda: "hello from Python")
    ...
    await server.close()

Rules of this module:
1. Transport-agnostic: only `wrpc.transport.base` is used.
2. Bad input never stops a server: a malformed or truncated invocation, params of the wrong type or a
   huge length prefix is logged with the subject and ends that invocation as a failure; everything
   else keeps being served.
3. A handler's exception ends the call as a failure carrying `"<ExceptionType>: <message>"` (the error
   text extension), which a Python caller raises as `RemoteError`; an upstream caller sees the usual
   end of the result channel.
4. A call stops when the caller's deadline passes (the deadline extension) or the caller cancels or
   disappears (the cancellation extension): the handler task is cancelled and the invocation ended.
5. Every task a server starts is tracked and ends with it: after `close()` nothing is left running.
6. A call whose handler is a plain function and whose params have all arrived runs without a task,
   from the step that accepted it, when the transport can send its results without waiting
   (`ServerInvocation.finish_nowait`); anything else continues in a task where it left off. Such a
   call cannot be interrupted, so it needs no deadline timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from wrpc import types as t
from wrpc.codec import Codec, compile
from wrpc.errors import DecodeError, IncompleteResults, TruncatedInput, WrpcError
from wrpc.functions import wire_name
from wrpc.log import get_logger
from wrpc.transport.asyncvalues import Channels, Signature, bind, encode, send_deferred, signature
from wrpc.transport.base import ROOT, Acceptor, Listener, ServerInvocation

log = get_logger("wrpc.server")

_current: contextvars.ContextVar[ServerInvocation | None] = contextvars.ContextVar(
    "wrpc_invocation", default=None
)

Handler = Callable[..., Any]
"""Called with the decoded params as positional arguments; may be `async`. Returns the result (or None)."""

NOT_CALLED: Any = object()
"""Where a call resumes when its handler has not been called yet."""


@dataclass(frozen=True)
class Served:
    """One function being served."""

    instance: str
    name: str
    func: t.FunctionType
    handler: Handler
    listener: Listener
    signature: Signature
    eager: bool
    """Whether calls may run without a task (rule 6): a plain-function handler, no async values."""
    params_codec: Codec
    results_codec: Codec


class Server:
    """Serves functions over `transport` until `close()`.

    A call stops at its caller's deadline; `default_timeout` bounds calls whose caller sent none.
    """

    def __init__(self, transport: Acceptor, *, default_timeout: float | None = None) -> None:
        self.transport = transport
        self.default_timeout = default_timeout
        """Seconds a call may run when its caller sent no deadline (upstream callers never do)."""
        self._served: list[Served] = []
        self._loops: set[asyncio.Task[None]] = set()
        self._calls: set[asyncio.Task[None]] = set()

    def stats(self) -> dict[str, int]:
        """Live state, for leak checks: functions served, calls in progress."""
        return {"served": len(self._served), "calls": len(self._calls)}

    async def serve(
        self, instance: str, func: t.FunctionType, handler: Handler, *, name: str | None = None
    ) -> Served:
        """Start serving `func` of `instance` with `handler`; ready to accept calls when this returns."""
        wire = name or wire_name(func.name)
        sig = signature(func)
        listener = await self.transport.serve(instance, wire, param_paths=sig.param_paths)
        eager = not (inspect.iscoroutinefunction(handler) or sig.params_async or sig.results_async)
        served = Served(
            instance, wire, func, handler, listener, sig, eager, compile(sig.params), compile(sig.results)
        )
        self._served.append(served)
        task = asyncio.get_running_loop().create_task(self._accept(served))
        self._loops.add(task)
        task.add_done_callback(self._loops.discard)
        log.debug("serving function", instance=instance, func=wire)
        return served

    async def _accept(self, served: Served) -> None:
        loop = asyncio.get_running_loop()

        def start(inv: ServerInvocation) -> None:
            if served.eager:
                rest = contextvars.copy_context().run(_begin, served, inv, self._call)
                if rest is None:
                    return
            else:
                rest = self._call(served, inv)
            task = loop.create_task(rest)
            self._calls.add(task)
            task.add_done_callback(self._calls.discard)

        await served.listener.dispatch(start)

    async def _call(self, served: Served, inv: ServerInvocation, result: Any = NOT_CALLED) -> None:
        """Run one invocation in this task; the deadline and the caller's cancellation cancel it.

        One task per call: the deadline is a timer and cancellation a callback, both cancelling this
        task with a reason, so nothing else waits alongside the handler.
        """
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        stopped: list[str] = []  # why the deadline or the caller stopped the call, once one did
        running = True

        def stop(reason: str) -> None:
            if running and not stopped:
                stopped.append(reason)
                task.cancel()

        timeout = inv.timeout if inv.timeout is not None else self.default_timeout
        timer = None if timeout is None else loop.call_later(timeout, stop, "deadline exceeded")
        withdraw = inv.on_cancel(lambda: stop("cancelled by the caller"))
        try:
            await _handle(served, inv, result)
        except asyncio.CancelledError:
            running = False
            if not stopped or task.uncancel() > 0:
                await _end(inv, "the server is shutting down")
                raise
            log.info("call stopped", subject=inv.description, reason=stopped[0])
            await _end(inv, stopped[0])
        except Exception as exc:
            running = False  # a late deadline or cancellation must not cut the ending short
            log.error("call crashed", subject=inv.description, error=repr(exc))
            await _end(inv, f"internal server error: {exc!r}")
        finally:
            running = False
            if timer is not None:
                timer.cancel()
            withdraw()

    async def close(self) -> None:
        """Stop accepting, stop every call in progress, release everything."""
        for served in self._served:
            await served.listener.aclose()
        self._served.clear()
        for task in [*self._loops, *self._calls]:
            task.cancel()
        await asyncio.gather(*self._loops, *self._calls, return_exceptions=True)

    async def __aenter__(self) -> Server:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def current_invocation() -> ServerInvocation | None:
    """The invocation the running handler serves (its `headers`, `timeout`, `description`), or None
    outside a handler. Calls a handler makes through `wrpc.client` pass its `traceparent` on."""
    return _current.get()


async def _end(inv: ServerInvocation, reason: str) -> None:
    with contextlib.suppress(WrpcError):
        await inv.fail(reason)


Resume = Callable[[Served, ServerInvocation, Any], Coroutine[Any, Any, None]]


def _begin(served: Served, inv: ServerInvocation, resume: Resume) -> Coroutine[Any, Any, None] | None:
    """Run a call as far as it goes without waiting (rule 6). Returns None when the call is over, else
    the coroutine that does the rest in a task: `resume(served, inv, result)` (the deadline and
    cancellation apply to it) or the ending of a failed call. Runs in a context of its own, inside the
    transport's step that accepted the call."""
    _current.set(inv)
    try:
        data = inv.take_params_nowait() or b""  # no bytes at all can still be all of them (no params)
    except WrpcError:
        return resume(served, inv, NOT_CALLED)  # the task reports it
    try:
        params, _ = served.params_codec.decode_prefix(data, root="params")
    except TruncatedInput:
        inv.reader(ROOT).unread(data)
        return resume(served, inv, NOT_CALLED)
    except DecodeError as exc:
        return _invalid(inv, exc)
    try:
        result = served.handler(*params)
        if _awaitable(result):
            return resume(served, inv, result)
        data = served.results_codec.encode(() if served.func.result is None else (result,), root="results")
    except Exception as exc:
        return _failed(inv, exc)
    try:
        if not inv.finish_nowait(data):
            return resume(served, inv, result)
    except WrpcError as exc:
        log.info("invocation lost", subject=inv.description, error=str(exc))
    return None


def _awaitable(value: Any) -> bool:
    """`inspect.isawaitable`, without its abstract-class check for the usual plain values."""
    return type(value) not in _PLAIN and (hasattr(type(value), "__await__") or inspect.isawaitable(value))


_PLAIN = frozenset({bytes, str, int, float, bool, type(None), list, tuple, dict})


async def _handle(served: Served, inv: ServerInvocation, result: Any = NOT_CALLED) -> None:
    """One invocation from params to results; every failure ends it with a reason. `result` is where
    `_begin` left off: the handler's result (maybe awaitable) once it was called."""
    sig = served.signature
    _current.set(inv)
    if result is NOT_CALLED:
        channels = Channels(inv.reader, f"params of {inv.description}")
        try:
            params = await channels.source(()).decode(sig.params, (), what="params")
        except (DecodeError, IncompleteResults) as exc:
            await _invalid(inv, exc)
            return
        except WrpcError as exc:
            log.info("invocation lost", subject=inv.description, error=str(exc))
            await _end(inv, str(exc))
            return
        try:
            result = served.handler(*(bind(params, channels) if sig.params_async else params))
        except Exception as exc:
            await _failed(inv, exc)
            return
    await _finish(served, inv, result)


async def _finish(served: Served, inv: ServerInvocation, result: Any) -> None:
    """From the handler's result (maybe awaitable) to the end of the call."""
    try:
        if _awaitable(result):
            result = await result
        values = () if served.func.result is None else (result,)
        data, deferred = encode(served.signature.results, values, root="results")
        root = inv.writer(())
        await root.write(data)
        await root.close()
        if deferred:
            await send_deferred(deferred, inv.writer)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        await _failed(inv, exc)
        return
    with contextlib.suppress(WrpcError):
        await inv.close()


async def _invalid(inv: ServerInvocation, exc: WrpcError) -> None:
    log.warning("invalid invocation", subject=inv.description, error=str(exc))
    await _end(inv, f"invalid params: {exc}")


async def _failed(inv: ServerInvocation, exc: Exception) -> None:
    text = f"{type(exc).__name__}: {exc}"
    log.info("handler failed", subject=inv.description, error=text)
    await _end(inv, text)


def bound_handlers(impl: object, functions: Mapping[str, t.FunctionType]) -> dict[str, Handler]:
    """Handlers for `functions` (wire name -> type) from the methods of `impl`, matched by Python name.

    `counter.get-count` looks for `counter_get_count`, `hello` for `hello`; a missing method raises
    `AttributeError` naming what is missing.
    """
    handlers: dict[str, Handler] = {}
    for wire in functions:
        attr = wire.replace("-", "_").replace(".", "_")
        handler = getattr(impl, attr, None)
        if handler is None:
            raise AttributeError(f"{type(impl).__name__} has no method {attr!r} for function {wire!r}")
        handlers[wire] = handler
    return handlers
