"""wRPC over framed byte streams (TCP and Unix sockets): the asyncio adapter around `_frames`.

Upstream wRPC's current transport (protocol notes section 3). Every call opens its own connection; the
client writes the version byte, instance, function name and the root params frame in one write, then the
frames of its async params, then half-closes. The server answers with frames and half-closes too.

Rules of this module:
1. All framing and routing decisions live in `_frames.FrameReader`; this module only moves bytes between
   an asyncio transport and `ChannelReader`s / writers, and owns each connection's lifetime.
2. A direction ends only with the half-close: the client half-closes once every declared async param
   writer is closed (at once when there is none); the server half-closes when its invocation is closed or
   failed. A connection is closed when both directions have ended.
3. A frame for a path nobody registered, or any other framing violation, ends every reader of that
   connection with `RemoteProtocolError`; a connection lost mid-call ends them with `ConnectionLost`.
4. A server without a handler for the header's (instance, name) drops the connection, as upstream does.
   It also drops a connection that sends no header within `header_timeout`, and one that keeps its send
   side open for more than `linger` after the answer was complete: no peer holds a server's sockets forever.
5. Framed streams carry no headers and none of the wRPC extensions (deadline, error text, cancellation):
   `ServerInvocation.timeout` is None, `fail(reason)` ends the results without the reason, and
   `cancel()` closes the connection; the server sees `cancelled` only if a later write fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from wrpc.errors import ConnectionLost, DeadlineExceeded, NoResponders, RemoteProtocolError
from wrpc.log import get_logger
from wrpc.transport._frames import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_FRAME_SIZE,
    EndOfInput,
    FrameReader,
    FrameReceived,
    IngressAborted,
    InvocationHeader,
    _NeedData,
    encode_framed,
    encode_invocation,
    encode_path,
)
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

log = get_logger("wrpc.framed")

WRITE_CHUNK = 1024 * 1024
"""Writes larger than this go out as several frames, so a peer's per-frame limit is never the problem."""


@dataclass(frozen=True, slots=True)
class FramedAddress:
    """Where a framed server listens: `tcp://HOST:PORT` or `unix:///path/to/socket`."""

    scheme: Literal["tcp", "unix"]
    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> FramedAddress:
        if text.startswith("unix://"):
            return cls("unix", path=text.removeprefix("unix://"))
        if text.startswith("tcp://"):
            host, sep, port = text.removeprefix("tcp://").rpartition(":")
            if sep and port.isdigit():
                return cls("tcp", host=host.strip("[]") or "127.0.0.1", port=int(port))
        raise ValueError(f"{text!r} is not a framed address; use tcp://HOST:PORT or unix:///PATH")

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


class _Sink:
    """What a connection hands its incoming frames to: one invocation's channel readers."""

    def __init__(self, patterns: Sequence[PathPattern], root_name: str) -> None:
        self._readers: dict[Path, ChannelReader] = {ROOT: ChannelReader(root_name)}
        for pattern in patterns:
            if None not in pattern:
                concrete = tuple(p for p in pattern if p is not None)
                self._readers[concrete] = ChannelReader(f"{root_name}{path_str(concrete)}")
        self._root_name = root_name
        self._ended = False
        self._error: BaseException | None = None

    def channel(self, path: Path) -> ChannelReader:
        reader = self._readers.get(path)
        if reader is None:
            reader = self._readers[path] = ChannelReader(f"{self._root_name}{path_str(path)}")
            if self._ended:
                self._end_one(reader)
        return reader

    def frame(self, path: Path, data: bytes) -> None:
        self.channel(path).feed(data)

    def end(self, error: BaseException | None) -> None:
        if self._ended:
            return
        self._ended = True
        self._error = error
        for reader in self._readers.values():
            self._end_one(reader)

    def _end_one(self, reader: ChannelReader) -> None:
        if self._error is None:
            reader.feed_eof()
        else:
            reader.fail(self._error)


class _Stream(asyncio.Protocol):
    """One connection: feeds the sans-IO reader, routes its events, and owns write flow control."""

    def __init__(
        self,
        frames: FrameReader,
        sink: _Sink | None,
        on_header: Callable[[_Stream, InvocationHeader], _Sink | None] | None = None,
        *,
        header_timeout: float | None = None,
        linger: float | None = None,
    ) -> None:
        self.frames = frames
        self.sink = sink
        self.peer = ""
        self._on_header = on_header
        self._header_timeout = header_timeout
        self._linger = linger
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None
        self._ingress_done = False
        self._egress_done = False
        self._lost = False
        self._resume: asyncio.Future[None] | None = None
        self.on_write_failed: Callable[[], None] | None = None
        self.on_closed: Callable[[_Stream], None] | None = None

    # --- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "unix"
        if self._header_timeout is not None:
            self._set_timer(self._header_timeout, "no invocation header arrived")

    def data_received(self, data: bytes) -> None:
        self.frames.receive_data(data)
        self._dispatch()

    def eof_received(self) -> bool:
        self.frames.receive_data(b"")
        self._dispatch()
        return True  # keep our write side open: the peer only half-closed

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._egress_done = True
        if not self._ingress_done:
            self._ingress_done = True
            if self.sink is not None:
                self.sink.end(ConnectionLost(f"connection to {self.peer} closed before the peer finished"))
        if self._resume is not None and not self._resume.done():
            self._resume.set_result(None)
        self._set_timer(None)
        if self.on_closed is not None:
            self.on_closed(self)

    def pause_writing(self) -> None:
        self._resume = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._resume is not None and not self._resume.done():
            self._resume.set_result(None)
        self._resume = None

    # --- routing --------------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while not self._ingress_done:
            event = self.frames.next_event()
            if isinstance(event, _NeedData):
                return
            if isinstance(event, FrameReceived):
                if self.sink is not None:
                    self.sink.frame(event.path, event.data)
            elif isinstance(event, InvocationHeader):
                self._set_timer(None)
                self.sink = self._on_header(self, event) if self._on_header is not None else None
                if self.sink is None:
                    self._ingress_done = True
                    self.abort()
            elif isinstance(event, EndOfInput):
                self._end_ingress(None)
            elif isinstance(event, IngressAborted):
                log.warning("framed ingress aborted", peer=self.peer, reason=event.reason)
                self._end_ingress(RemoteProtocolError(f"framed stream from {self.peer}: {event.reason}"))

    def _end_ingress(self, error: BaseException | None) -> None:
        self._ingress_done = True
        if self.sink is not None:
            self.sink.end(error)
        if self._egress_done or self.sink is None:  # nobody will answer a stream without an invocation
            self.abort()

    # --- writing --------------------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        if self._egress_done or self._transport is None:
            if self._lost and self.on_write_failed is not None:
                self.on_write_failed()
            raise ConnectionLost(f"connection to {self.peer} is closed for writing")
        self._transport.write(data)
        if self._resume is not None:
            await self._resume
            if self._lost:
                raise ConnectionLost(f"connection to {self.peer} closed while writing")

    def finish_egress(self) -> None:
        """Half-close: the peer's readers see their channels end."""
        if self._egress_done:
            return
        self._egress_done = True
        if self._transport is not None and not self._transport.is_closing():
            if self._transport.can_write_eof():
                self._transport.write_eof()
            if self._ingress_done:
                self._transport.close()
            elif self._linger is not None:
                self._set_timer(self._linger, "the peer did not finish sending after the answer was complete")

    def _set_timer(self, delay: float | None, reason: str = "") -> None:
        """Abort the connection after `delay` seconds unless this is called again first (None: never)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if delay is not None:
            self._timer = asyncio.get_running_loop().call_later(delay, self._overdue, reason)

    def _overdue(self, reason: str) -> None:
        self._timer = None
        log.warning("framed connection dropped", peer=self.peer, reason=reason)
        self._end_ingress(RemoteProtocolError(f"framed stream from {self.peer}: {reason}"))
        self.abort()

    def abort(self) -> None:
        """Close both directions now."""
        self._egress_done = True
        if self._transport is not None:
            self._transport.close()


class _FrameWriter(ChannelWriter):
    """One outgoing channel: each write becomes one or more frames on the connection."""

    def __init__(self, stream: _Stream, path: Path, on_close: Callable[[Path], None]) -> None:
        self._stream = stream
        self._path = path
        self._prefix = encode_path(path)
        self._on_close = on_close
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    async def write(self, data: bytes) -> None:
        if self._closed:
            raise ConnectionLost(f"channel {path_str(self._path)} was already closed")
        for start in range(0, len(data), WRITE_CHUNK):
            await self._stream.write(encode_framed(self._prefix, data[start : start + WRITE_CHUNK]))

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close(self._path)


class FramedClientInvocation(ClientInvocation):
    """The caller's side of one framed call: one connection, async param writers, result readers."""

    def __init__(self, description: str, param_paths: Sequence[Path], result_paths: Sequence[PathPattern]):
        self.description = description
        self.sink = _Sink(result_paths, "results")
        self._param_paths = [tuple(p) for p in param_paths]
        self._open: set[Path] = set(self._param_paths)
        self._writers: dict[Path, _FrameWriter] = {}
        self._stream: _Stream | None = None

    def attach(self, stream: _Stream) -> None:
        self._stream = stream
        self._writers = {p: _FrameWriter(stream, p, self._writer_closed) for p in self._param_paths}
        if not self._open:
            stream.finish_egress()

    def writer(self, path: Path) -> ChannelWriter:
        """The writer of `path`; a path not declared up front (an async value nested in a future's value)
        is opened on first use, which is always before its parent channel closes."""
        path = tuple(path)
        writer = self._writers.get(path)
        if writer is None:
            if self._stream is None:
                raise ConnectionLost(f"{self.description}: the call has not started")
            writer = self._writers[path] = _FrameWriter(self._stream, path, self._writer_closed)
            self._open.add(path)
        return writer

    def reader(self, path: Path = ROOT) -> ChannelReader:
        return self.sink.channel(tuple(path))

    def _writer_closed(self, path: Path) -> None:
        self._open.discard(path)
        if not self._open and self._stream is not None:
            self._stream.finish_egress()

    async def cancel(self, reason: str = "cancelled by the caller") -> None:
        await self.close()

    async def close(self) -> None:
        for writer in self._writers.values():
            await writer.close()
        self.sink.end(None)
        if self._stream is not None:
            self._stream.abort()


class FramedServerInvocation(ServerInvocation):
    """The server's side of one accepted framed call."""

    def __init__(self, stream: _Stream, header: InvocationHeader, param_paths: Sequence[PathPattern]):
        self.instance = header.instance
        self.func = header.name
        self.headers: Mapping[str, str] = {}
        self.timeout = None
        self.cancelled = asyncio.Event()
        self.description = f"{stream.peer} {header.instance}.{header.name}"
        self.sink = _Sink(param_paths, "params")
        self._stream = stream
        self._writers: dict[Path, _FrameWriter] = {}
        stream.on_write_failed = self.cancelled.set

    def reader(self, path: Path = ROOT) -> ChannelReader:
        return self.sink.channel(tuple(path))

    def writer(self, path: Path = ROOT) -> ChannelWriter:
        path = tuple(path)
        writer = self._writers.get(path)
        if writer is None:
            writer = self._writers[path] = _FrameWriter(self._stream, path, lambda _: None)
        return writer

    async def fail(self, reason: str) -> None:
        log.info("framed invocation failed", call=self.description, reason=reason)
        await self.close()

    async def close(self) -> None:
        for writer in self._writers.values():
            await writer.close()
        self._stream.finish_egress()


class FramedClient(Invoker):
    """Calls functions on a framed server, one connection per call (as upstream's TCP and Unix clients)."""

    def __init__(
        self,
        address: FramedAddress | str,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
    ) -> None:
        self.address = FramedAddress.parse(address) if isinstance(address, str) else address
        self._max_depth = max_depth
        self._max_frame_size = max_frame_size

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
        description = f"{self.address} {instance}.{func}"
        frames = FrameReader(
            expect_header=False,
            paths=result_paths,
            max_depth=self._max_depth,
            max_frame_size=self._max_frame_size,
        )
        invocation = FramedClientInvocation(description, param_paths, result_paths)
        stream = _Stream(frames, invocation.sink)
        loop = asyncio.get_running_loop()
        addr = self.address
        try:
            async with asyncio.timeout(None if bounded else timeout):
                if addr.scheme == "unix":
                    await loop.create_unix_connection(lambda: stream, addr.path)
                else:
                    await loop.create_connection(lambda: stream, addr.host, addr.port)
        except TimeoutError:
            raise DeadlineExceeded(description, timeout or 0.0) from None
        except (ConnectionRefusedError, FileNotFoundError) as exc:
            raise NoResponders(description) from exc
        except OSError as exc:
            raise ConnectionLost(f"cannot connect to {addr}: {exc}") from exc
        await stream.write(encode_invocation(instance, func, params))
        invocation.attach(stream)
        return invocation


class _FramedListener(Listener):
    def __init__(self, server: FramedServer, key: tuple[str, str], param_paths: Sequence[PathPattern]):
        self.param_paths = [tuple(p) for p in param_paths]
        self.queue: asyncio.Queue[FramedServerInvocation | None] = asyncio.Queue()
        self._server = server
        self._key = key

    def __aiter__(self) -> AsyncIterator[ServerInvocation]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[ServerInvocation]:
        while (invocation := await self.queue.get()) is not None:
            yield invocation

    async def aclose(self) -> None:
        if self._server.listeners.get(self._key) is self:
            del self._server.listeners[self._key]
        self.queue.put_nowait(None)


class FramedServer(Acceptor):
    """Accepts framed calls on a TCP port or a Unix socket and hands them to the listener of each function.

    `await server.start()` (or `async with`) binds; with `tcp://HOST:0` the chosen port is in `address`.
    """

    def __init__(
        self,
        address: FramedAddress | str,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        backlog: int = 1024,
        header_timeout: float = 30.0,
        linger: float = 30.0,
    ) -> None:
        self.address = FramedAddress.parse(address) if isinstance(address, str) else address
        self.backlog = backlog
        """Connections the kernel queues before they are accepted: one per call in flight, so keep it large."""
        self.header_timeout = header_timeout
        """Seconds a new connection may take to send its invocation header before it is dropped."""
        self.linger = linger
        """Seconds a caller may keep sending after the answer is complete before its connection is dropped."""
        self.listeners: dict[tuple[str, str], _FramedListener] = {}
        self._max_depth = max_depth
        self._max_frame_size = max_frame_size
        self._server: asyncio.AbstractServer | None = None
        self._streams: set[_Stream] = set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        addr = self.address
        if addr.scheme == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(addr.path)
            self._server = await loop.create_unix_server(self._new_stream, addr.path, backlog=self.backlog)
        else:
            self._server = await loop.create_server(
                self._new_stream, addr.host, addr.port, backlog=self.backlog
            )
            port = self._server.sockets[0].getsockname()[1]
            self.address = FramedAddress("tcp", host=addr.host, port=port)
        log.info("framed server listening", address=str(self.address))

    async def aclose(self) -> None:
        for listener in list(self.listeners.values()):
            await listener.aclose()
        if self._server is not None:
            self._server.close()
            for stream in list(self._streams):
                stream.abort()
            await self._server.wait_closed()
            self._server = None
            if self.address.scheme == "unix":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.address.path)

    async def __aenter__(self) -> FramedServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def serve(self, instance: str, func: str, *, param_paths: Sequence[PathPattern] = ()) -> Listener:
        key = (instance, func)
        if key in self.listeners:
            raise ValueError(f"`{instance}#{func}` is already served on {self.address}")
        listener = self.listeners[key] = _FramedListener(self, key, param_paths)
        return listener

    def _new_stream(self) -> _Stream:
        frames = FrameReader(
            expect_header=True, max_depth=self._max_depth, max_frame_size=self._max_frame_size
        )
        stream = _Stream(frames, None, self._accept, header_timeout=self.header_timeout, linger=self.linger)
        stream.on_closed = self._streams.discard
        self._streams.add(stream)
        return stream

    def _accept(self, stream: _Stream, header: InvocationHeader) -> _Sink | None:
        listener = self.listeners.get((header.instance, header.name))
        if listener is None:
            log.warning(
                "framed call to an unserved function dropped",
                peer=stream.peer,
                instance=header.instance,
                func=header.name,
            )
            return None
        for path in listener.param_paths:
            stream.frames.register(path)
        invocation = FramedServerInvocation(stream, header, listener.param_paths)
        listener.queue.put_nowait(invocation)
        return invocation.sink
