"""Encode+decode throughput of the compiled wRPC codec against msgspec's msgpack on equivalent values.

The baseline is msgspec (C) encoding and decoding msgspec Structs of the same shape, measured in the
same run: default Structs (encoded as maps with field names, msgspec's usual form) and tagged unions for
variants. Each case reports the round trips per second of both and the ratio (ours / msgspec); for
`list<u8>` of 1 MiB it also reports MB/s. Targets: >= 0.3x on the record and list-of-records cases,
>= 500 MB/s for `list<u8>`.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import time
from collections.abc import Callable
from typing import Any

import msgspec

from bench import write_section
from wrpc import types as t
from wrpc.codec import compile
from wrpc.values import Variant

# --- the wRPC types and values --------------------------------------------------------------------

SCALARS_T = t.Tuple((t.U32(), t.S64(), t.F64(), t.Bool(), t.U8()))
SCALARS_V = (123456, -987654321, 3.25, True, 7)

RECORD_T = t.Record(
    "order",
    (
        ("id", t.U64()), ("customer", t.String()), ("quantity", t.U32()), ("price", t.F64()),
        ("paid", t.Bool()), ("note", t.Option(t.String())), ("priority", t.U8()), ("delta", t.S32()),
        ("sku", t.String()), ("region", t.String()),
    ),
)  # fmt: skip
RECORD_V: dict[str, Any] = {
    "id": 9_000_000_001, "customer": "ada lovelace", "quantity": 3, "price": 19.99, "paid": True,
    "note": "leave at the door", "priority": 2, "delta": -40, "sku": "AB-1234-XY", "region": "eu-west",
}  # fmt: skip

BYTES_T = t.List(t.U8())
BYTES_V = bytes(range(256)) * 4096  # 1 MiB

ROW_T = t.Record(
    "row",
    (
        ("id", t.U32()),
        ("name", t.String()),
        ("score", t.F64()),
        ("active", t.Bool()),
        ("tags", t.List(t.String())),
    ),
)
ROWS_T = t.List(ROW_T)
ROWS_V: list[dict[str, Any]] = [
    {"id": i, "name": f"user-{i}", "score": i * 0.5, "active": i % 2 == 0, "tags": ["a", "b"]}
    for i in range(1000)
]

SHAPE_T = t.Variant(
    "shape",
    (("circle", t.F64()), ("rect", t.Tuple((t.F64(), t.F64()))), ("label", t.String()), ("empty", None)),
)
SHAPES_T = t.List(SHAPE_T)
_SHAPES = [Variant("circle", 1.5), Variant("rect", (2.0, 3.0)), Variant("label", "hi"), Variant("empty")]
SHAPES_V = [_SHAPES[i % 4] for i in range(1000)]

# --- the msgspec equivalents ------------------------------------------------------------------------


class Scalars(msgspec.Struct):
    a: int
    b: int
    c: float
    d: bool
    e: int


class Order(msgspec.Struct):
    id: int
    customer: str
    quantity: int
    price: float
    paid: bool
    note: str | None
    priority: int
    delta: int
    sku: str
    region: str


class Row(msgspec.Struct):
    id: int
    name: str
    score: float
    active: bool
    tags: list[str]


class Circle(msgspec.Struct, tag=True):
    r: float


class Rect(msgspec.Struct, tag=True):
    w: float
    h: float


class Label(msgspec.Struct, tag=True):
    text: str


class Empty(msgspec.Struct, tag=True):
    pass


Shape = Circle | Rect | Label | Empty
_MS_SHAPES: list[Shape] = [Circle(1.5), Rect(2.0, 3.0), Label("hi"), Empty()]

CASES: list[tuple[str, t.WitType, Any, type, Any]] = [
    ("scalars (5-tuple)", SCALARS_T, SCALARS_V, Scalars, Scalars(*SCALARS_V)),
    ("10-field record", RECORD_T, RECORD_V, Order, Order(**RECORD_V)),
    ("list<u8> of 1 MiB", BYTES_T, BYTES_V, bytes, BYTES_V),
    ("list of 1,000 records", ROWS_T, ROWS_V, list[Row], [Row(**r) for r in ROWS_V]),
    ("list of 1,000 variants", SHAPES_T, SHAPES_V, list[Shape], [_MS_SHAPES[i % 4] for i in range(1000)]),
]


def _rate(round_trip: Callable[[], object], budget: float = 0.2) -> float:
    """Round trips per CPU second of one timed batch sized to about `budget` seconds.

    CPU time of this process (`time.process_time`), not wall-clock: on a shared machine the time spent
    descheduled while others run would otherwise swing the results by 2x between runs.
    """
    round_trip()
    count = 1
    while True:
        start = time.process_time()
        for _ in range(count):
            round_trip()
        elapsed = time.process_time() - start
        if elapsed > budget / 4:
            break
        count *= 4
    start = time.process_time()
    for _ in range(count):
        round_trip()
    return count / (time.process_time() - start)


def _pair(ours: Callable[[], object], theirs: Callable[[], object], rounds: int = 5) -> tuple[float, float]:
    """Best rates of ours and the baseline, measured alternately so that load on a shared machine hits both."""
    best_ours = best_theirs = 0.0
    for _ in range(rounds):
        best_ours = max(best_ours, _rate(ours))
        best_theirs = max(best_theirs, _rate(theirs))
    return best_ours, best_theirs


def measure(
    cases: list[tuple[str, t.WitType, Any, type, Any]] = CASES,
) -> list[tuple[str, float, float, int]]:
    """(case, our round trips/s, msgspec round trips/s, encoded size) for every case."""
    rows = []
    for name, ty, value, ms_type, ms_value in cases:
        codec = compile(ty)
        encode, decode = codec.encode, codec.decode
        data = encode(value)
        assert decode(data) == value, name
        ms_encoder = msgspec.msgpack.Encoder()
        ms_decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(ms_type)

        def ours(
            encode: Callable[[Any], bytes] = encode,
            decode: Callable[[bytes], Any] = decode,
            value: Any = value,
        ) -> object:
            return decode(encode(value))

        def theirs(enc: Any = ms_encoder, dec: Any = ms_decoder, value: Any = ms_value) -> object:
            return dec.decode(enc.encode(value))

        rows.append((name, *_pair(ours, theirs), len(data)))
    return rows


_UNPACK_F64 = struct.Struct("<d").unpack_from


def _handwritten_order_decoder(buf: bytes) -> dict[str, Any]:
    """The 10-field record decoded by the least code pure Python can do it with: no checks at all.

    It assumes one-byte lengths and small ints (true of `RECORD_V` except `id`) and validates nothing, so
    it is a ceiling for any generated pure-Python decoder, not something usable.
    """
    pos = shift = ident = 0
    while True:
        byte = buf[pos]
        ident |= (byte & 127) << shift
        pos += 1
        if byte < 128:
            break
        shift += 7
    n = buf[pos]
    customer = buf[pos + 1 : pos + 1 + n].decode()
    pos += 1 + n
    quantity = buf[pos]
    price = _UNPACK_F64(buf, pos + 1)[0]
    paid = buf[pos + 9] == 1
    pos += 10
    note = None
    if buf[pos]:
        n = buf[pos + 1]
        note = buf[pos + 2 : pos + 2 + n].decode()
        pos += 2 + n
    else:
        pos += 1
    priority, delta = buf[pos], buf[pos + 1] - 128
    n = buf[pos + 2]
    sku = buf[pos + 3 : pos + 3 + n].decode()
    pos += 3 + n
    n = buf[pos]
    region = buf[pos + 1 : pos + 1 + n].decode()
    return {
        "id": ident, "customer": customer, "quantity": quantity, "price": price, "paid": paid,
        "note": note, "priority": priority, "delta": delta, "sku": sku, "region": region,
    }  # fmt: skip


def measure_ceiling() -> tuple[float, float, float]:
    """Decodes per second of the 10-field record: ours, the hand-written check-free decoder, msgspec."""
    data = compile(RECORD_T).encode(RECORD_V)
    assert _handwritten_order_decoder(data) == RECORD_V
    decode = compile(RECORD_T).decode
    ms_data = msgspec.msgpack.encode(Order(**RECORD_V))
    ms_decoder = msgspec.msgpack.Decoder(Order)
    best = [0.0, 0.0, 0.0]
    for _ in range(5):
        for k, run in enumerate(
            (
                lambda: decode(data),
                lambda: _handwritten_order_decoder(data),
                lambda: ms_decoder.decode(ms_data),
            )
        ):
            best[k] = max(best[k], _rate(run))
    return best[0], best[1], best[2]


def _raise_mmap_threshold() -> bool:
    """Make glibc keep 1 MiB blocks on the heap (no fresh pages per allocation); False where unavailable."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 256 << 20) and libc.mallopt(m_trim_threshold, 512 << 20))
    except (OSError, AttributeError):
        return False


def main() -> None:
    rows = measure()
    lines = [
        "## Codec",
        "",
        "`.venv/bin/python -m bench.codec`: encode + decode round trips per second of `wrpc.codec` (generated",
        "pure-Python code) and, as the baseline in the same run, msgspec's msgpack (C) on equivalent msgspec",
        "Structs (default map form; variants as tagged unions). Ratio = ours / msgspec (higher is better);",
        "each side is the best of 5 batches measured alternately, in CPU time of the process.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" msgspec {msgspec.__version__}; load average at start {os.getloadavg()[0]:.1f}.",
        "",
        "| case | wire bytes | wrpc round trips/s | msgspec round trips/s | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    bytes_case = [c for c in CASES if "MiB" in c[0]]
    if _raise_mmap_threshold():
        tuned = measure([(f"{c[0]}, glibc mmap threshold raised", *c[1:]) for c in bytes_case])
        rows += tuned
    for name, ours, theirs, size in rows:
        extra = f" ({ours * size * 2 / 1e6:,.0f} MB/s)" if "MiB" in name else ""
        lines.append(f"| {name} | {size:,} | {ours:,.0f}{extra} | {theirs:,.0f} | {ours / theirs:.2f}x |")
        print(f"{name:50} ours {ours:12,.0f}/s  msgspec {theirs:12,.0f}/s  ratio {ours / theirs:.2f}x{extra}")
    ours, ceiling, theirs = measure_ceiling()
    print(f"record decode: ours {ours:,.0f}/s, hand-written {ceiling:,.0f}/s, msgspec {theirs:,.0f}/s")
    lines += [
        "",
        "The pure-Python ceiling, decoding the 10-field record only (decodes/s):",
        "",
        "| decoder | decodes/s | vs msgspec |",
        "| --- | ---: | ---: |",
        f"| wrpc.codec (generated, fully checked) | {ours:,.0f} | {ours / theirs:.2f}x |",
        f"| hand-written pure Python, no checks at all | {ceiling:,.0f} | {ceiling / theirs:.2f}x |",
        f"| msgspec msgpack (C) | {theirs:,.0f} | 1.00x |",
        "",
        NOTES.format(share=ours / ceiling),
    ]
    write_section("codec", "\n".join(lines))


NOTES = """How the generated code is built for speed. Each type compiles to fast code that the codec runs
first and precise code that it compiles and re-runs only when the fast code fails (or, decoding,
ends past the buffer); the precise code's error or value is the one returned, so messages, offsets and
paths are unchanged (`tests/unit/test_codec_fast_path.py` fuzzes the two modes against each other).
Fast code skips path bookkeeping (a `try` per member, numbered list elements) and per-string end
checks, reads LEB128 values of up to five bytes inline, reads runs of fixed-size members (bool, u8,
s8, f32, f64) with one `struct` call and bools through a `(False, True)` table, loops over lists of
scalars in place, appends with the specialized `list.append` call and iterates without `range`.
Each of these was kept only where callgrind instruction counts or interleaved timings showed a gain;
see the commit messages for each one's measured effect.

Before and after, in CPU instructions per operation (callgrind, `Codec.encode` / `Codec.decode` on the
values above; deterministic, unlike the timings). Before is commit dbd9076, after is this branch.

| case | encode before | encode after | decode before | decode after | round trip vs msgspec |
| --- | ---: | ---: | ---: | ---: | ---: |
| 10-field record | 25,884 | 23,991 | 26,465 | 19,912 | 0.14x -> 0.17x |
| list of 1,000 records | 11.57M | 9.11M | 15.59M | 11.55M | 0.18x -> 0.24x |
| msgspec, for scale | record 3,135 / list 1.18M | | record 4,158 / list 3.70M | | 1.00x |

Timed runs of this benchmark on the shared machine today put the record at 0.12-0.15x (0.08-0.11x
before) and the list of records at 0.18-0.29x (0.10-0.14x before); the instruction counts are the
steadier measure.

Where this lands and why. `list<u8>` meets its target by a wide margin: it is a length prefix plus one
copy each way (large byte strings are never copied into the output bytearray), so it runs near memory
speed and near msgspec; MB/s counts the payload once per direction. The second `list<u8>` row shows the
same with glibc told to keep 1 MiB blocks on the heap: on this VM the default allocator maps fresh pages
for each 1 MiB object, which slows both sides equally. The record, list-of-records and variant cases
still miss the 0.3x target: 0.3x would mean about 24,000 instructions per record round trip (we
use 43,900) and 16.3M per list round trip (we use 20.7M). The generated decoder now decodes the record at
{share:.0%} of the speed of the hand-written pure-Python decoder that checks nothing (59% before; 86-109%
across today's runs; that decoder loops over the u64 id, which the generated code unrolls), so the
generated code, every check included, is at the ceiling of pure Python rather than short of it. What remains is CPython's per-value work that C does not pay: under
callgrind, bytecode dispatch alone is 59% of the instructions that encode the list of records and 33%
of those that decode it; the rest of decoding is building the objects (a dict per record, a str per
string, a list per `list<string>`, and the cyclic GC those allocations trigger), the same objects
msgspec builds in C without an interpreter around them. Encoding checks each field's type and range
(one `type(x) is int` and two comparisons per integer) because the wire must never carry an
out-of-range value. Reaching 0.3x on records would take a compiled extension (C, or Rust with PyO3)
walking the same type tree, which this project does not add now.
Numbers come from a shared 2-core machine under load; CPU time keeps most of that out, but expect
+-15% between runs (ratios are measured alternately within one run and move less)."""


if __name__ == "__main__":
    main()
