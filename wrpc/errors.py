"""One exception hierarchy for everything a wRPC caller or server can act on.

Rules of this module:
1. Every failure a user can meet has its own class here, and its message says what happened and what to do.
2. Like h11, errors say whose fault it was: `LocalError` means "you asked for something the protocol or the
   type forbids" (nothing was sent); `RemoteError`-side classes mean the peer or the network misbehaved.
3. Other modules raise these classes; they never define exception types of their own.
"""

from __future__ import annotations


class WrpcError(Exception):
    """Base of every error this library raises on purpose."""


# --- local: the caller passed something wrong; nothing reached the wire -----------------------------


class LocalError(WrpcError):
    """The local side asked for something the protocol or the type forbids."""


class EncodeError(LocalError, TypeError):
    """A Python value does not fit its WIT type; `path` names where inside the value (`params[0].rec.b`)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class UnsupportedType(LocalError):
    """A WIT type has no wRPC encoding (fixed-size lists, maps) or cannot be routed; refused before use."""


class WaveError(LocalError, ValueError):
    """WAVE text is malformed or does not fit its type; names the line and column, or the value path."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        self.reason = message
        where = f" at line {line}, column {column}" if line is not None and column is not None else ""
        super().__init__(f"{message}{where}")


class PayloadTooLarge(LocalError):
    """A single message would exceed the server's limit; raised before anything is sent."""

    def __init__(self, size: int, limit: int, what: str = "message") -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"{what} of {size} bytes exceeds the server's max_payload of {limit} bytes; "
            "split the value or raise max_payload on the NATS server"
        )


# --- remote: the peer or the network misbehaved -------------------------------------------------------


class RemoteProtocolError(WrpcError):
    """Bytes or messages received from the peer break the protocol."""


class DecodeError(RemoteProtocolError, ValueError):
    """Received bytes do not decode as the expected type.

    `offset` is the byte offset in the decoded stream, `path` the position inside the value.
    """

    def __init__(self, message: str, *, offset: int = 0, path: str = "") -> None:
        self.offset = offset
        self.path = path
        self.reason = message
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{message} at byte {offset}")


class TruncatedInput(DecodeError):
    """The bytes end before the value does; `needed` is the least total length that could complete it."""

    def __init__(self, message: str, *, offset: int = 0, path: str = "", needed: int = 0) -> None:
        self.needed = needed
        super().__init__(message, offset=offset, path=path)


class IncompleteResults(RemoteProtocolError):
    """The peer ended the invocation before all results (or async values) arrived."""


class RemoteError(WrpcError):
    """The server failed the call; `text` is its reason when the server sent one (a Python server does)."""

    def __init__(self, text: str | None, *, subject: str | None = None) -> None:
        self.text = text
        self.subject = subject
        where = f" ({subject})" if subject else ""
        super().__init__(f"remote call failed{where}: {text or 'the server gave no reason'}")


class NoResponders(WrpcError):
    """Nobody serves the subject; raised as soon as NATS says so, never as a timeout."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"no server is listening on {subject!r}; check that it is running and that the prefix, "
            "instance and function names match"
        )


class DeadlineExceeded(WrpcError):
    """The call did not complete within its deadline."""

    def __init__(self, subject: str, timeout: float) -> None:
        self.subject = subject
        self.timeout = timeout
        super().__init__(f"call to {subject!r} did not complete within {timeout:g} s")


class ConnectionLost(WrpcError):
    """The transport connection closed while a call was in flight."""


class Unauthorized(WrpcError):
    """The server refused our credentials or our permission to use a subject."""
