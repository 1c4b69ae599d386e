"""The canonical Python representation of dynamic wRPC values.

Every WIT value has exactly one Python form, chosen so that a value round-trips through the codec
unambiguously given its type (nested options and results included) and so that the common cases are
plain Python objects:

| WIT type | Python value (what the decoder returns) | the encoder also accepts |
| --- | --- | --- |
| `bool` | `bool` | |
| `u8`..`u64`, `s8`..`s64` | `int` (range-checked on encode) | `int` subclasses except `bool` |
| `f32`, `f64` | `float` | `int` |
| `char` | a 1-character `str` (a Unicode scalar value, never a surrogate) | |
| `string` | `str` | |
| `list<u8>` | `bytes` | `bytearray`, `memoryview`, any sequence of ints |
| `list<T>`, `list<T, N>` | `list` | any sequence (`tuple`, ...) |
| `record` | `dict` of WIT field name (kebab-case, as declared) to value, in declaration order | any mapping |
| `tuple<...>` | `tuple` | `list` |
| `variant` | `Variant(case, value)`, `value` is `None` for a case without payload | |
| `enum` | the case name, `str` | |
| `flags` | `frozenset[str]` of the set labels | any iterable of label names |
| `option<T>` | `None` for none; for some, the payload itself, or `Some(payload)` when T is itself an `option` (the one case where the payload could be `None`) | `Some(payload)` for any option |
| `result<T, E>` | `Ok(value)` / `Err(value)`; `value` is `None` when that side has no payload | |
| `own<R>`, `borrow<R>` | `bytes`: the opaque handle | `bytearray`, `memoryview` |
| `future<T>`, `stream<T>` | decoded: `PendingFuture` / `PendingStream` (the index path where the data will arrive), or `ReadyFuture` / `ReadyStream` when a peer sent the value inline | encoded: any object; it is always sent pending and handed back to the caller as a `Deferred` with its index path |
| `error-context` | `None` (zero bytes on the wire, as the Rust generator does) | |

Rules of this module:
1. It holds the value classes only: no encoding, no type knowledge beyond what the table says.
2. Every class is immutable, hashable when its contents are, and compares by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from wrpc.types import WitType

T = TypeVar("T")

IndexPath = tuple[int, ...]
"""An absolute index path of an async value: `(param index, field index, ...)` (see spec/wrpc.md 1.6)."""


@dataclass(frozen=True, slots=True)
class Some(Generic[T]):
    """`some(value)` of an `option`; the decoder uses it only where the payload is itself an option.

    Generic so typed bindings can say `Some[int | None] | None` and mypy checks the payload.
    """

    value: T


@dataclass(frozen=True, slots=True)
class Ok(Generic[T]):
    """The `ok` side of a `result`; `value` is `None` when the type has no ok payload (`Ok[None]`)."""

    value: T = None  # type: ignore[assignment]  # `Ok()` is `Ok[None]`; a TypeVar has no default here


@dataclass(frozen=True, slots=True)
class Err(Generic[T]):
    """The `err` side of a `result`; `value` is `None` when the type has no err payload (`Err[None]`)."""

    value: T = None  # type: ignore[assignment]  # `Err()` is `Err[None]`, as for `Ok`


@dataclass(frozen=True, slots=True)
class Variant:
    """A variant value: the case name as declared in WIT and its payload (`None` when it has none)."""

    case: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class PendingFuture:
    """A decoded `future<T>` whose value will arrive on the async channel named by `path`."""

    path: IndexPath
    type: WitType


@dataclass(frozen=True, slots=True)
class PendingStream:
    """A decoded `stream<T>` whose chunks will arrive on the async channel named by `path`."""

    path: IndexPath
    type: WitType


@dataclass(frozen=True, slots=True)
class ReadyFuture:
    """A `future<T>` a peer sent inline (`01` + T); Python peers never send this form."""

    value: Any


@dataclass(frozen=True, slots=True)
class ReadyStream:
    """A `stream<T>` a Rust peer sent inline as a non-empty list; it is complete (`bytes` for `stream<u8>`)."""

    items: Any


@dataclass(frozen=True, slots=True)
class Deferred:
    """An async value the encoder wrote as pending: its data must be sent on the channel at `path`.

    `type` is the `Future` or `Stream` type at that position and `value` the object the caller
    put there (for example an async iterator of chunks); the transport decides how to drain it.
    """

    path: IndexPath
    type: WitType
    value: Any


__all__ = [
    "Deferred",
    "Err",
    "IndexPath",
    "Ok",
    "PendingFuture",
    "PendingStream",
    "ReadyFuture",
    "ReadyStream",
    "Some",
    "Variant",
]
