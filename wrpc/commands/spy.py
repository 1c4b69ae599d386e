"""`wrpc spy`: watch live wRPC traffic on NATS, one line per call, decoded when the WIT is given.

    wrpc spy --nats URL [--prefix P] [--wit PATH] [--json] [--record FILE]
    wrpc spy --replay FILE [--wit PATH] [--json]

The spy subscribes to the invocation subjects (`P.wrpc.0.0.1.>`, or every subject when no prefix is
given) and to the inboxes (`_INBOX.>`), and pieces each call together from its messages: the invocation
(subject, caller, first params) -> the handshake on the caller's reply subject `R_c` (whose reply names
the server's `R_s`) -> `R_s.params[.path]` -> `R_c.results[.path]`, an empty message ending each channel
(protocol notes 2.3). A call is shown when its results end; one that never ends is shown when it expires
or when the spy stops.

Listening on an invocation subject counts as interest to NATS: while the spy runs, a call to a function
nobody serves gets no fast no-responders answer and waits for its deadline. The spy shows such a call
as "no server accepted the call" after `NO_HANDSHAKE_AFTER` seconds.

Rules of this module:
1. `Correlator` is sans-IO: `observe(message)` takes one NATS message (live or replayed) and returns the
   calls it completed. Messages may arrive out of order across the spy's subscriptions; one that belongs
   to no known call waits briefly for its invocation. Live and replayed traffic go through the same code, so a recording shows exactly
   what the live spy showed.
2. A recording is a CBOR sequence of the raw messages (`{"t", "subject", "reply", "headers", "data"}`),
   not of decoded calls: decoding happens again on replay, with whatever WIT is given then.
3. The spy never publishes anything; it only listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import cbor2

from wrpc import types as t
from wrpc.codec import async_paths, compile, stream_decoder
from wrpc.errors import WrpcError
from wrpc.transport import nats_rules as rules
from wrpc.values import PendingFuture, PendingStream
from wrpc.wave import format_value

Functions = Mapping[tuple[str, str], t.FunctionType]

EXPIRE_AFTER = 60.0
"""Seconds after which a call whose results never ended is shown as unfinished."""

NO_HANDSHAKE_AFTER = 5.0
"""Seconds after which a call no server accepted is shown. While the spy listens on an invocation subject
NATS counts it as interest, so such a caller gets no fast no-responders answer and waits for its deadline."""

_NO_HANDSHAKE = "no server accepted the call (no handshake)"

ORPHAN_LIMIT = 256
ORPHAN_AGE = 2.0
"""The spy's subscriptions deliver independently, so a handshake or a result can come in before the invocation
it answers; up to `ORPHAN_LIMIT` such messages younger than `ORPHAN_AGE` seconds wait for their invocation."""


@dataclass(frozen=True, slots=True)
class Message:
    """One NATS message as the spy saw it; also the unit of a recording."""

    t: float
    subject: str
    reply: str
    headers: Mapping[str, str] | None
    data: bytes

    def to_cbor(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "subject": self.subject,
            "reply": self.reply,
            "headers": self.headers,
            "data": self.data,
        }

    @classmethod
    def from_cbor(cls, item: Mapping[str, Any]) -> Message:
        return cls(
            item["t"], item["subject"], item.get("reply") or "", item.get("headers"), bytes(item["data"])
        )


@dataclass
class _Channel:
    data: bytearray = field(default_factory=bytearray)
    ended: bool = False


@dataclass
class Call:
    """One invocation pieced together from its messages."""

    subject: str
    prefix: str
    instance: str
    func: str
    caller: str
    started: float
    reply: str
    server: str = ""
    ended: float | None = None
    error: str | None = None
    messages: int = 1
    params: dict[tuple[int, ...], _Channel] = field(default_factory=dict)
    results: dict[tuple[int, ...], _Channel] = field(default_factory=dict)
    async_results: list[tuple[int, ...]] = field(default_factory=list)
    """Result channels the WIT says carry async values: the call ends when they and the sync results have."""

    @property
    def duration_ms(self) -> float | None:
        return None if self.ended is None else (self.ended - self.started) * 1000


def split_invocation_subject(subject: str, functions: Functions) -> tuple[str, str, str] | None:
    """`[prefix.]wrpc.0.0.1.[instance.]func` -> (prefix, instance, func); None if not an invocation.

    Instance and function names may both contain dots (`@0.2.0`, `counter.get-count`). With the WIT,
    the known (instance, func) pairs decide; without it the instance ends after its `@version`, or at
    the first dot after its `/`, and a subject with no `/` is a root-level function (instance "").
    """
    marker = rules.PROTOCOL + "."
    if subject.startswith(marker):
        prefix, rest = "", subject[len(marker) :]
    else:
        at = subject.find("." + marker)
        if at < 0:
            return None
        prefix, rest = subject[:at], subject[at + len(marker) + 1 :]
    if not rest:
        return None
    for instance, func in functions:
        if rest == (f"{instance}.{func}" if instance else func):
            return prefix, instance, func
    slash = rest.find("/")
    if slash < 0:
        return prefix, "", rest
    at_sign = rest.find("@", slash)
    start = slash
    if at_sign >= 0:
        # the version: three dotted numbers, then an optional pre-release without dots
        dots = 0
        start = at_sign
        while dots < 3:
            nxt = rest.find(".", start + 1)
            if nxt < 0:
                return None
            dots += 1
            start = nxt
        return prefix, rest[:start], rest[start + 1 :]
    dot = rest.find(".", start)
    if dot < 0:
        return None
    return prefix, rest[:dot], rest[dot + 1 :]


def _channel_of(subject: str, bases: Mapping[str, Call], kind: str) -> tuple[Call, tuple[int, ...]] | None:
    """`<base>.<kind>[.p0.p1...]` with a known base -> (call, path)."""
    marker = f".{kind}"
    at = subject.find(marker)
    while at >= 0:
        call = bases.get(subject[:at])
        if call is not None:
            tail = subject[at + len(marker) :]
            if not tail:
                return call, ()
            if tail.startswith("."):
                try:
                    return call, tuple(int(p) for p in tail[1:].split("."))
                except ValueError:
                    return None
        at = subject.find(marker, at + 1)
    return None


class Correlator:
    """Pieces calls together from NATS messages (sans-IO)."""

    def __init__(self, functions: Functions | None = None) -> None:
        self.functions: Functions = functions or {}
        self._by_reply: dict[str, Call] = {}
        self._by_server: dict[str, Call] = {}
        self._orphans: deque[Message] = deque(maxlen=ORPHAN_LIMIT)

    def observe(self, msg: Message) -> list[Call]:
        """Account for one message; returns the calls it finished."""
        calls = self._route(msg)
        if calls is not None:
            return calls
        if msg.reply and self._invocation(msg):
            return self._retry_orphans()
        orphans = self._orphans
        while orphans and msg.t - orphans[0].t > ORPHAN_AGE:
            orphans.popleft()
        orphans.append(msg)
        return []

    def _route(self, msg: Message) -> list[Call] | None:
        """The calls `msg` finished, or None when it belongs to no call the spy knows."""
        params = _channel_of(msg.subject, self._by_server, rules.PARAMS)
        if params is not None:
            call, path = params
            self._feed(call, call.params, path, msg)
            return []
        results = _channel_of(msg.subject, self._by_reply, rules.RESULTS)
        if results is not None:
            call, path = results
            self._feed(call, call.results, path, msg)
            if msg.data:
                return []
            if path == ():
                error = (msg.headers or {}).get(rules.HEADER_ERROR)
                if error is not None:
                    call.error = rules.decode_error_text(error)
                    return [self._finish(call, msg.t)]
            done = all(call.results.get(p, _Channel()).ended for p in ((), *call.async_results))
            return [self._finish(call, msg.t)] if done else []
        cancel = _channel_of(msg.subject, self._by_server, rules.CANCEL)
        if cancel is not None:
            cancelled = cancel[0]
            reason = (msg.headers or {}).get(rules.HEADER_CANCEL, "no reason given")
            cancelled.error = f"cancelled by the caller: {reason}"
            return [self._finish(cancelled, msg.t)]
        handshake = self._by_reply.get(msg.subject)
        if handshake is not None:
            return self._handshake(handshake, msg)
        return None

    def _retry_orphans(self) -> list[Call]:
        """Route again, in arrival order, the messages that came before the invocation they belong to."""
        orphans, self._orphans = self._orphans, deque(maxlen=ORPHAN_LIMIT)
        finished: list[Call] = []
        for orphan in orphans:
            calls = self._route(orphan)
            if calls is None:
                self._orphans.append(orphan)
            else:
                finished += calls
        return finished

    def expire(self, now: float) -> list[Call]:
        """Calls no server accepted within `NO_HANDSHAKE_AFTER`, or that did not end within `EXPIRE_AFTER`."""
        old = []
        for call in list(self._by_reply.values()):
            if not call.server and now - call.started > NO_HANDSHAKE_AFTER:
                call.error = _NO_HANDSHAKE
            elif now - call.started > EXPIRE_AFTER:
                call.error = f"no end of results within {EXPIRE_AFTER:g} s"
            else:
                continue
            self._forget(call)
            old.append(call)
        return old

    def flush(self) -> list[Call]:
        """Every call still open (the spy is stopping)."""
        open_calls = list(self._by_reply.values())
        for call in open_calls:
            call.error = call.error or (
                "still running when the spy stopped" if call.server else _NO_HANDSHAKE
            )
            self._forget(call)
        return open_calls

    def _invocation(self, msg: Message) -> bool:
        """Start a call if `msg` is an invocation."""
        parts = split_invocation_subject(msg.subject, self.functions)
        if parts is None:
            return False
        prefix, instance, func_name = parts
        caller = (msg.headers or {}).get("source-id") or msg.reply.rpartition(".")[0] or msg.reply
        call = Call(msg.subject, prefix, instance, func_name, caller, msg.t, msg.reply)
        call.params[()] = _Channel(bytearray(msg.data))
        func = self.functions.get((instance, func_name))
        if func is not None:
            concrete = (p for p in async_paths(func.results_type) if None not in p)
            call.async_results = [tuple(i for i in p if i is not None) for p in concrete]
        self._by_reply[msg.reply] = call
        return True

    def _handshake(self, call: Call, msg: Message) -> list[Call]:
        call.messages += 1
        call.started = min(call.started, msg.t)
        status = (msg.headers or {}).get("Status")
        if status == "503":
            call.error = "no responders"
            return [self._finish(call, msg.t)]
        if status and not status.startswith("2"):
            call.error = f"NATS status {status} {(msg.headers or {}).get('Description', '')}".rstrip()
            return [self._finish(call, msg.t)]
        if msg.reply and not call.server:
            call.server = msg.reply
            self._by_server[msg.reply] = call
        return []

    def _feed(
        self, call: Call, channels: dict[tuple[int, ...], _Channel], path: tuple[int, ...], msg: Message
    ) -> None:
        call.messages += 1
        call.started = min(call.started, msg.t)  # an overtaking message may predate the invocation's arrival
        channel = channels.setdefault(path, _Channel())
        if msg.data:
            channel.data += msg.data
        else:
            channel.ended = True

    def _finish(self, call: Call, now: float) -> Call:
        call.ended = max(now, call.started)
        self._forget(call)
        return call

    def _forget(self, call: Call) -> None:
        self._by_reply.pop(call.reply, None)
        self._by_server.pop(call.server, None)


# --- showing calls ----------------------------------------------------------------------------------


def _resolve(
    value: Any, channels: Mapping[tuple[int, ...], _Channel], offsets: dict[tuple[int, ...], int]
) -> Any:
    """`value` with pending futures and streams replaced by what their channels carried, as far as it goes."""
    if isinstance(value, PendingFuture):
        channel = channels.get(value.path)
        ty = value.type
        if channel is None or not isinstance(ty, t.Future) or ty.inner is None:
            return value
        start = offsets.get(value.path, 0)
        inner, end = compile(ty.inner).decode_prefix(bytes(channel.data), start, value.path)
        offsets[value.path] = end
        return _resolve(inner, channels, offsets)
    if isinstance(value, PendingStream):
        channel = channels.get(value.path)
        ty = value.type
        if channel is None or not isinstance(ty, t.Stream):
            return value
        start = offsets.get(value.path, 0)
        items = stream_decoder(ty, value.path).feed(bytes(channel.data[start:]))
        offsets[value.path] = len(channel.data)
        return items if isinstance(items, bytes) else [_resolve(i, channels, offsets) for i in items]
    if isinstance(value, list):
        return [_resolve(v, channels, offsets) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v, channels, offsets) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, channels, offsets) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__") and hasattr(value, "value"):
        return type(value)(
            *[_resolve(getattr(value, f), channels, offsets) for f in value.__dataclass_fields__]
        )
    return value


def _decode_side(
    ty: t.Tuple, names: list[str], channels: Mapping[tuple[int, ...], _Channel]
) -> list[str] | str:
    """The values on one side of a call as WAVE text, or a hex dump with the reason when they do not decode."""
    root = channels.get((), _Channel())
    try:
        values, _ = compile(ty).decode_prefix(bytes(root.data))
        values = _resolve(values, channels, {})
    except WrpcError as exc:
        return f"{_hex(root.data)} ({exc})"
    out = []
    for name, ty_i, value in zip(names, ty.types, values, strict=True):
        try:
            text = format_value(value, ty_i)
        except (WrpcError, TypeError, ValueError):
            text = repr(value)
        out.append(f"{name}: {text}" if name else text)
    return out


def _hex(data: bytes | bytearray, limit: int = 64) -> str:
    text = bytes(data[:limit]).hex(" ")
    return text + (f" ... ({len(data)} bytes)" if len(data) > limit else "") if data else "<empty>"


def describe(call: Call, functions: Functions) -> dict[str, Any]:
    """A call as plain data: the JSON line, and what the text line is made from."""
    func = functions.get((call.instance, call.func))
    error = call.error
    if func is not None:
        params: Any = _decode_side(func.params_type, [n for n, _ in func.params], call.params)
        results: Any = []
        if func.result is not None and error is None:
            if call.results.get((), _Channel()).data:
                results = _decode_side(func.results_type, [""], call.results)
            else:
                error = "the server ended the call without results"
    else:
        params = {".".join(map(str, p)) or "sync": _hex(c.data) for p, c in call.params.items()}
        results = {".".join(map(str, p)) or "sync": _hex(c.data) for p, c in call.results.items()}
    return {
        "time": call.started,
        "subject": call.subject,
        "prefix": call.prefix,
        "instance": call.instance,
        "func": call.func,
        "caller": call.caller,
        "params": params,
        "results": results,
        "duration_ms": None if call.duration_ms is None else round(call.duration_ms, 3),
        "messages": call.messages,
        "error": error,
    }


def format_line(info: Mapping[str, Any]) -> str:
    """One human line per call."""
    stamp = (
        time.strftime("%H:%M:%S", time.localtime(info["time"])) + f".{int(info['time'] * 1000) % 1000:03d}"
    )
    target = f"{info['instance']}.{info['func']}" if info["instance"] else info["func"]

    def side(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(value)
        if isinstance(value, dict):
            return " ".join(f"[{k}] {v}" for k, v in value.items())
        return str(value)

    duration = "" if info["duration_ms"] is None else f"{info['duration_ms']:.2f} ms, "
    where = f"{info['prefix']}: " if info["prefix"] else ""
    line = f"{stamp} {where}{target}({side(info['params'])})"
    if info["error"]:
        line += f" !! {info['error']}"
    else:
        line += f" -> {side(info['results']) or '()'}"
    return f"{line}  [{duration}{info['messages']} msgs, from {info['caller']}]"


# --- the command --------------------------------------------------------------------------------------


def register(parser: argparse.ArgumentParser) -> None:
    from wrpc.connect import add_nats_arguments

    add_nats_arguments(parser)
    parser.add_argument("--wit", metavar="PATH", help="WIT file or directory: decode params and results")
    parser.add_argument("--json", action="store_true", help="print one JSON object per call")
    parser.add_argument(
        "--record", metavar="FILE", help="also write every message seen to FILE (CBOR sequence)"
    )
    parser.add_argument(
        "--replay", metavar="FILE", help="show the calls of a recording instead of live traffic"
    )
    parser.add_argument("--count", type=int, metavar="N", help="stop after N calls")
    parser.add_argument("--seconds", type=float, metavar="S", help="stop after S seconds")
    parser.set_defaults(func=run)


class _Printer:
    def __init__(self, functions: Functions, as_json: bool, count: int | None) -> None:
        self.functions = functions
        self.as_json = as_json
        self.remaining = count

    def show(self, calls: list[Call]) -> bool:
        """Print `calls`; False once `--count` calls were shown."""
        for call in calls:
            info = describe(call, self.functions)
            print(json.dumps(info, default=str) if self.as_json else format_line(info), flush=True)
            if self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    return False
        return True


def _load_functions(path: str | None) -> Functions:
    if path is None:
        return {}
    import witparser
    from wrpc.functions import all_functions

    return all_functions(witparser.load(path))


def read_recording(stream: BinaryIO) -> Iterator[Message]:
    """The messages of a recording, in order."""
    while True:
        try:
            item = cbor2.load(stream)
        except cbor2.CBORDecodeEOF:
            return
        yield Message.from_cbor(item)


def run(ns: argparse.Namespace) -> int:
    try:
        functions = _load_functions(ns.wit)
    except Exception as exc:  # a WIT error is the user's to fix: say it and stop
        print(f"wrpc spy: cannot load {ns.wit}: {exc}", file=sys.stderr)
        return 2
    printer = _Printer(functions, ns.json, ns.count)
    correlator = Correlator(functions)
    if ns.replay:
        try:
            recording = open(ns.replay, "rb")  # noqa: SIM115 - closed by the with below
        except OSError as exc:
            print(f"wrpc spy: cannot read the recording: {exc}", file=sys.stderr)
            return 2
        with recording:
            for msg in read_recording(recording):
                if not printer.show(correlator.observe(msg) + correlator.expire(msg.t)):
                    return 0
        printer.show(correlator.flush())
        return 0
    try:
        return asyncio.run(_live(ns, correlator, printer))
    except WrpcError as exc:
        print(f"wrpc spy: {exc}", file=sys.stderr)
        return 1


async def _live(ns: argparse.Namespace, correlator: Correlator, printer: _Printer) -> int:
    from nats.aio.msg import Msg

    from wrpc.connect import NatsOptions, connect
    from wrpc.transport._natspy import flush_subscriptions

    options = NatsOptions.from_args(ns)
    nc = await connect(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    record = open(ns.record, "wb") if ns.record else None  # noqa: SIM115 - closed in finally

    async def on_message(msg: Msg) -> None:
        seen = Message(
            time.time(), msg.subject, msg.reply or "", dict(msg.headers) if msg.headers else None, msg.data
        )
        if record is not None:
            cbor2.dump(seen.to_cbor(), record)
            record.flush()
        if not printer.show(correlator.observe(seen)):
            stop.set()

    subjects = [f"{options.prefix}.{rules.PROTOCOL}.>", "_INBOX.>"] if options.prefix else [">"]
    try:
        for subject in subjects:
            await nc.subscribe(subject, cb=on_message, pending_msgs_limit=0, pending_bytes_limit=0)
        await flush_subscriptions(nc)
        print(f"wrpc spy: watching {', '.join(subjects)} on {options.url}", file=sys.stderr, flush=True)
        deadline = None if ns.seconds is None else loop.time() + ns.seconds
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            if not printer.show(correlator.expire(time.time())):
                break
            if deadline is not None and loop.time() >= deadline:
                break
        printer.show(correlator.flush())
    finally:
        await nc.close()
        if record is not None:
            record.close()
    return 0
