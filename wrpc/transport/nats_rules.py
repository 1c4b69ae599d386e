"""The rules of wRPC over NATS that need no I/O: subjects, message sizes, handshake outcomes, extension
headers.

Rules of this module:
1. This is the one place that knows a wRPC NATS subject format. `nats.py` builds and parses subjects
   only through these functions.
2. Subjects (protocol notes 2.1): invocation `[prefix.]wrpc.0.0.1.[instance.]func`; on the caller's
   per-invocation reply subject `R_c`: the handshake on `R_c`, sync results on `R_c.results`, async
   results on `R_c.results.<p0>.<p1>...`; on the server's `R_s`: sync params `R_s.params`, async params
   `R_s.params.<path>`. Extensions add `R_s.cancel` (the caller gave up) and `R_c.alive` (a liveness
   probe whose no-responders answer says the caller is gone); upstream peers never subscribe to them,
   so they drop such messages.
3. A message on a channel subject is a piece of a byte stream; an empty message is the channel's EOF.
   So no data message may be empty and none may exceed `max_payload` (the first, carrying headers and
   going out with a reply subject, has the smaller limit Rust computes).
4. Nothing here touches a socket or asyncio.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterator, Mapping

from wrpc.errors import (
    ConnectionLost,
    DeadlineExceeded,
    LocalError,
    NoResponders,
    RemoteError,
    RemoteProtocolError,
)
from wrpc.transport.base import Path

PROTOCOL = "wrpc.0.0.1"

RESULTS = "results"
PARAMS = "params"
CANCEL = "cancel"
ALIVE = "alive"
PROBE = "probe"

HEADER_TIMEOUT = "wrpc-timeout-ms"
"""Extension: on the invocation message, how long (ms) the caller waits for the call to complete."""
HEADER_ERROR = "wrpc-error"
"""Extension: on the empty end-of-results message, the server's reason for failing the call."""
HEADER_PROBE = "wrpc-liveness"
"""Extension: on the invocation message, the caller lets the server probe `R_c.alive` to learn whether
it is still there."""
HEADER_CANCEL = "wrpc-cancel"
"""Extension: on the message to `R_s.cancel`, why the caller gave up."""

MAX_ERROR_TEXT = 4000
"""Longest error text sent in a header (longer texts are cut); headers count against max_payload."""

_NATS_HDR_OVERHEAD = len("NATS/1.0\r\n") + len("\r\n")


def invocation_subject(prefix: str, instance: str, func: str) -> str:
    """`[prefix.]wrpc.0.0.1.[instance.]func`, leaving out empty segments as Rust does."""
    parts = [p for p in (prefix, PROTOCOL, instance, func) if p]
    return ".".join(parts)


def channel_subject(base: str, kind: str, path: Path) -> str:
    """`base.kind[.p0.p1...]`, e.g. `R_c.results.0.1` or `R_s.params`."""
    if path:
        return f"{base}.{kind}." + ".".join(str(p) for p in path)
    return f"{base}.{kind}"


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]
_PAIR_BASE = len(_PAIRS)
_MAX_SEQUENCE = len(_DIGITS) ** 10
_LOW_RANGE = _PAIR_BASE**2
"""The last four sequence digits, written out per token."""


class Tokens:
    """Invocation tokens shaped as NATS NUIDs (what nats-py's `NUID` makes): 22 base-62 characters,
    a random 12-character prefix and a 10-digit sequence that grows by a random step of at most 332.
    The first six sequence digits change rarely, so they are kept written out with the prefix; a
    token then costs a small fraction of what `NUID.next` does."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._prefix = "".join(secrets.choice(_DIGITS) for _ in range(12))
        self._sequence = secrets.randbelow(_MAX_SEQUENCE)
        self._step = 33 + secrets.randbelow(300)
        self._high = -1
        self._head = ""

    def next(self) -> str:
        sequence = self._sequence + self._step
        if sequence >= _MAX_SEQUENCE:
            self._reset()
            sequence = self._sequence
        self._sequence = sequence
        high, low = divmod(sequence, _LOW_RANGE)
        if high != self._high:
            rest, c = divmod(high, _PAIR_BASE)
            a, b = divmod(rest, _PAIR_BASE)
            self._high = high
            self._head = self._prefix + _PAIRS[a] + _PAIRS[b] + _PAIRS[c]
        d, e = divmod(low, _PAIR_BASE)
        return self._head + _PAIRS[d] + _PAIRS[e]


Route = tuple[str, str, Path]
"""Where an inbox message belongs: the invocation token, the channel kind ("" for the handshake) and
its index path. A plain tuple: one is built for every message received."""


def parse_inbox_subject(inbox: str, subject: str) -> Route | None:
    """Split `<inbox>.<token>[.kind[.path...]]`; None for a subject that is not ours or is malformed.

    `kind` is "" for the bare reply subject (the handshake).
    """
    start = len(inbox) + 1
    if len(subject) <= start or subject[start - 1] != "." or not subject.startswith(inbox):
        return None
    tokens = subject[start:].split(".")
    if len(tokens) <= 2:  # the handshake and the sync channels: no path to parse
        return (tokens[0], tokens[1] if len(tokens) == 2 else "", ())
    try:
        path = tuple(map(int, tokens[2:]))
    except ValueError:
        return None
    if any(p < 0 or p > 0xFFFF_FFFF for p in path):
        return None
    return (tokens[0], tokens[1], path)


def first_message_limit(max_payload: int, reply: str, header_block: bytes) -> int:
    """How many param bytes fit in the invocation message (Rust's conservative rule, protocol notes 2.3),
    given its encoded header block (`encode_headers`)."""
    return max_payload - len(reply) - len(header_block)


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE_NEWLINES = str.maketrans({"\r": " ", "\n": " "})


def encode_headers(headers: Mapping[str, str] | None) -> bytes:
    """The header block of a message as nats-py would send it (names trimmed and checked, values on one
    line), or `b""` for no headers."""
    if not headers:
        return b""
    lines = ["NATS/1.0\r\n"]
    for key, value in headers.items():
        name = key.strip()
        if not name:
            continue
        if not _HEADER_NAME.fullmatch(name):
            raise LocalError(f"invalid NATS header name {name!r}: use letters, digits and !#$%&'*+-.^_`|~")
        lines.append(f"{name}: {value.strip().translate(_HEADER_VALUE_NEWLINES)}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode()


@functools.lru_cache(maxsize=256)
def invocation_headers(headers: tuple[tuple[str, str], ...], timeout: float | None) -> bytes:
    """The header block of an invocation: the caller's `headers` (as items), then the extensions' (the
    deadline, when there is one, and the liveness opt-in). Cached: most calls send the same."""
    extended = dict(headers)
    if timeout is not None:
        extended[HEADER_TIMEOUT] = timeout_header(timeout)
    extended[HEADER_PROBE] = "1"
    return encode_headers(extended)


def split(data: bytes, limit: int) -> Iterator[bytes]:
    """`data` in pieces of at most `limit` bytes, none empty (an empty message would mean EOF)."""
    if limit <= 0:
        raise ValueError(f"message limit must be positive, got {limit}")
    view = memoryview(data)
    for start in range(0, len(data), limit):
        yield bytes(view[start : start + limit])


def status_error(status: str, description: str, subject: str, timeout: float | None) -> Exception:
    """The error a NATS status message on the handshake subject means (protocol notes 2.3 step 4)."""
    if status == "503":
        return NoResponders(subject)
    if status == "408":
        return DeadlineExceeded(subject, timeout or 0.0)
    if status == "409":
        return ConnectionLost(f"NATS ended the request to {subject!r} (409 {description})")
    return RemoteError(f"NATS status {status} {description}".strip(), subject=subject)


def handshake_outcome(headers: Mapping[str, str] | None, reply: str, subject: str) -> str | Exception:
    """What a message on `R_c` means: the server's subject `R_s`, or the error the caller raises."""
    status = (headers or {}).get("Status")
    if status:
        return status_error(status, (headers or {}).get("Description", ""), subject, None)
    if not reply:
        return RemoteProtocolError(f"the server of {subject!r} did not specify a reply subject")
    return reply


def encode_error_text(text: str) -> str:
    """An error text made safe for a header value: one line, printable, at most MAX_ERROR_TEXT chars."""
    escaped = text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
    return escaped[:MAX_ERROR_TEXT]


def decode_error_text(value: str) -> str:
    """The inverse of `encode_error_text`."""
    out: list[str] = []
    chars = iter(value)
    for c in chars:
        if c != "\\":
            out.append(c)
            continue
        nxt = next(chars, "")
        out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
    return "".join(out)


def timeout_header(timeout: float) -> str:
    """The deadline extension's header value: whole milliseconds, at least 1."""
    return str(max(1, int(timeout * 1000)))


def parse_timeout_header(value: str | None) -> float | None:
    """Seconds from a `wrpc-timeout-ms` value; None when absent or malformed (a peer's bad header is ignored)."""
    if value is None:
        return None
    try:
        ms = int(value.strip())
    except ValueError:
        return None
    return ms / 1000 if ms > 0 else None
