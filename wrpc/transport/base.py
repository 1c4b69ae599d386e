"""The transport abstraction every wRPC transport implements (NATS, framed TCP/Unix), after Rust's
Invoke / Serve / Index traits.

An invocation is two multiplexed byte streams, one per direction. Each direction has a *root* channel
(path `()`: the sync params or the sync results) and any number of sub-channels named by an index path
(a tuple of u32, `(1,)`, `(0, 1)`), one for each future or stream whose data travels apart from the
sync bytes (protocol notes 1.6). The transport moves bytes; it never looks inside them. The codec and
`wrpc.client` / `wrpc.server` give the bytes their meaning.

Rules of this module:
1. Bytes on a channel are a byte stream. Message or frame boundaries mean nothing, except that a
   transport may report the end of a channel (EOF). A reader returns `b""` exactly once at EOF.
2. The client declares up front which async param paths it will write (`param_paths`, concrete paths
   known once the params are encoded) and which result paths it expects (`result_paths`, where `None`
   is a wildcard element, e.g. one list element). Transports that need registration (framed) use these;
   others may also create incoming channels lazily on first use or first byte.
3. `invoke` sends the whole sync param encoding and ends the root param channel; only async params are
   written afterwards, through `writer(path)`. Whatever was not closed when the invocation is closed is
   ended by the transport (Rust's drop semantics: a dropped writer sends EOF).
4. Failures the caller can act on are raised as `wrpc.errors` classes: `NoResponders`, `PayloadTooLarge`,
   `DeadlineExceeded`, `ConnectionLost`, `Unauthorized`. A reader whose transport broke raises the error
   from `read()`.
5. Three optional extensions (spec/wrpc.md section 4) travel where the transport can carry them and are
   silently absent where it cannot: a per-call `timeout` (the server learns it as
   `ServerInvocation.timeout`), an error text on failure (`ServerInvocation.fail(reason)` on the server,
   `ChannelReader.error_text` on the client's root result reader), and cancellation
   (`ClientInvocation.cancel()` on the client, `ServerInvocation.cancelled` on the server).
6. Only asyncio plumbing lives here. Subject formats, frame layouts and size rules belong to each
   transport's own sans-IO module.
"""

from __future__ import annotations

import asyncio
import collections
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

Path = tuple[int, ...]
"""A concrete index path: `()` is the root channel, `(1,)` param 1, `(0, 2)` field 2 of param 0."""

PathPattern = tuple[int | None, ...]
"""An index path in which `None` matches any element index (async values inside list or stream elements)."""

ROOT: Path = ()


class ChannelReader:
    """One incoming byte channel. The transport feeds it; one consumer reads it.

    Buffers without limit: neither NATS nor the framed protocol has flow control, so a reader that
    stops reading holds what arrived until its invocation is closed.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._chunks: collections.deque[bytes] = collections.deque()
        self._eof = False
        self._error_text: str | None = None
        self._failure: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    # --- transport side ----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Append received bytes (ignored after EOF; empty data is ignored, it is not EOF)."""
        if data and not self._eof:
            self._chunks.append(data)
            self._wake()

    def feed_eof(self, error_text: str | None = None) -> None:
        """End the channel; `error_text` is the peer's reason when it ended the channel by failing."""
        if not self._eof:
            self._eof = True
            self._error_text = error_text
            self._wake()

    def fail(self, exc: BaseException) -> None:
        """End the channel because the transport broke; `read()` raises `exc` once the buffer drains."""
        if not self._eof:
            self._failure = exc
            self._eof = True
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    # --- consumer side -----------------------------------------------------------------------------

    @property
    def at_eof(self) -> bool:
        """True once the channel ended and every buffered byte was read."""
        return self._eof and not self._chunks

    @property
    def error_text(self) -> str | None:
        """The peer's failure reason carried with the EOF (an extension), or None."""
        return self._error_text

    @property
    def buffered(self) -> int:
        """Bytes received and not yet read."""
        return sum(len(c) for c in self._chunks)

    async def read(self) -> bytes:
        """The next received bytes, or `b""` at EOF. Raises the transport's error if it broke."""
        while not self._chunks:
            if self._eof:
                if self._failure is not None:
                    raise self._failure
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._chunks.popleft()

    def unread(self, data: bytes) -> None:
        """Put `data` back in front of what is buffered (a consumer that read too early)."""
        if data:
            self._chunks.appendleft(data)

    def read_nowait(self) -> bytes | None:
        """Buffered bytes if any, `b""` at EOF, None when a read would have to wait."""
        if self._chunks:
            return self._chunks.popleft()
        if self._eof:
            if self._failure is not None:
                raise self._failure
            return b""
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        while chunk := await self.read():
            yield chunk


class ChannelWriter(ABC):
    """One outgoing byte channel. `close()` ends it (EOF) and is idempotent."""

    @property
    @abstractmethod
    def closed(self) -> bool: ...

    @abstractmethod
    async def write(self, data: bytes) -> None:
        """Send bytes; the transport splits them to fit its message limits. Empty data sends nothing."""

    @abstractmethod
    async def close(self) -> None:
        """End the channel."""


class ClientInvocation(ABC):
    """The caller's side of one invocation: writers for async params, readers for results."""

    description: str
    """Where the call went, for logs and errors (the NATS subject, or `tcp://host:port instance.func`)."""

    @abstractmethod
    def writer(self, path: Path) -> ChannelWriter:
        """The writer of async param channel `path`: a declared `param_paths` entry, or a path nested
        below one (an async value inside a future's value) once that future is being written."""

    @abstractmethod
    def reader(self, path: Path = ROOT) -> ChannelReader:
        """The reader of result channel `path`; `()` is the sync results."""

    @abstractmethod
    async def cancel(self, reason: str = "cancelled by the caller") -> None:
        """Tell the server (where the transport can) that nobody waits for this call any more, then close."""

    @abstractmethod
    async def close(self) -> None:
        """Release the invocation: end open writers, stop routing results. Idempotent."""


class ServerInvocation(ABC):
    """The server's side of one accepted invocation: readers for params, writers for results."""

    instance: str
    func: str
    headers: Mapping[str, str]
    """Transport headers of the invocation message (NATS: `source-id`, `link-name`, `traceparent`...)."""
    timeout: float | None
    """Seconds the caller said it would wait (the deadline extension), or None."""
    cancelled: asyncio.Event
    """Set when the caller cancelled the call (the cancellation extension)."""
    description: str
    """Where the call came from, for logs (the invocation subject)."""

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` once `cancelled` is set; returns a function that withdraws it.

        This default watches the event with a task; a transport that sets the event itself overrides
        it to call back directly, since a task per call costs as much as a small call's other work.
        """
        watcher = asyncio.get_running_loop().create_task(self.cancelled.wait())
        watcher.add_done_callback(lambda done: None if done.cancelled() else callback())

        def withdraw() -> None:
            watcher.cancel()

        return withdraw

    @abstractmethod
    def reader(self, path: Path = ROOT) -> ChannelReader:
        """The reader of param channel `path`; `()` is the sync params."""

    @abstractmethod
    def writer(self, path: Path = ROOT) -> ChannelWriter:
        """The writer of result channel `path`; `()` is the sync results."""

    def take_params_nowait(self) -> bytes | None:
        """Param bytes already received on the root channel, taken off it, or None if none are there yet
        (a consumer that cannot use them yet puts them back with `reader(ROOT).unread`). Raises the
        transport's error if the channel broke."""
        return self.reader(ROOT).read_nowait() or None

    def finish_nowait(self, results: bytes) -> bool:
        """Send `results` as the whole result encoding and close the invocation, if the transport can
        without waiting; otherwise (this default) send nothing and return False, and the server writes
        and closes as usual. Raises what the transport raises; the invocation is closed either way.

        A quick call then needs no task: a plain-function handler's results go out from the step that
        accepted the call.
        """
        return False

    @abstractmethod
    async def fail(self, reason: str) -> None:
        """End every open result channel as a failure, carrying `reason` where the transport can."""

    @abstractmethod
    async def close(self) -> None:
        """Release the invocation: end open result writers (EOF), stop routing params. Idempotent."""


class Invoker(ABC):
    """The client half of a transport (Rust's `Invoke`)."""

    @abstractmethod
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
        """Start a call: send `params` (the whole sync param encoding) and end the root param channel.

        Returns once the server accepted the call (NATS: the handshake arrived), or raises
        `NoResponders`, `PayloadTooLarge`, `DeadlineExceeded` (nothing accepted within `timeout`),
        `ConnectionLost` or `Unauthorized`. `bounded` says the caller's own deadline already covers
        this wait (as `wrpc.client` does), so the transport arms no timer for it; `timeout` is still
        sent as the deadline extension.
        """


class Listener(ABC):
    """Accepted invocations of one served function, in arrival order."""

    @abstractmethod
    def __aiter__(self) -> AsyncIterator[ServerInvocation]: ...

    async def dispatch(self, start: Callable[[ServerInvocation], None]) -> None:
        """Hand each accepted invocation to `start` as it arrives, until the listener closes.

        This default iterates. A transport that can call `start` the moment an invocation arrives
        overrides it: the call's first step then runs before the transport's next socket write, so a
        quick call's results can leave in the same write as its handshake.
        """
        async for inv in self:
            start(inv)

    @abstractmethod
    async def aclose(self) -> None:
        """Stop accepting; the iterator ends. Invocations already accepted stay with their owner."""


class Acceptor(ABC):
    """The server half of a transport (Rust's `Serve`)."""

    @abstractmethod
    async def serve(self, instance: str, func: str, *, param_paths: Sequence[PathPattern] = ()) -> Listener:
        """Start accepting invocations of `instance.func`; ready to receive when this returns."""


def path_str(path: PathPattern) -> str:
    """A path as the protocol notes print it, `[0, 1]`, with `*` for a wildcard."""
    if not path:
        return "[]"  # the root channel, named once per call
    return "[" + ", ".join("*" if p is None else str(p) for p in path) + "]"
