"""The cost of typed bindings: round trips of generated dataclasses, enums and variant classes
(lower -> encode -> decode -> lift) against the dynamic values the codec takes directly (encode ->
decode), which is the baseline measured in the same run. Ratio = typed / dynamic round trips per second;
1.0 would mean the conversions are free.
"""

from __future__ import annotations

import importlib
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import witparser
from bench import write_section
from wrpc.bindgen import generate, write
from wrpc.bindgen import runtime as rt
from wrpc.codec import Codec, compile

WIT = """
package bench:typed;

interface shapes {
    enum region { eu, us, ap }
    record order {
        id: u64, customer: string, quantity: u32, price: f64, paid: bool,
        note: option<string>, priority: u8, delta: s32, sku: string, region: region,
    }
    record row { id: u32, name: string, score: f64, active: bool, tags: list<string> }
    variant shape { circle(f64), rect(tuple<f64, f64>), label(string), empty }
    rows: func(r: list<row>);
    shapes: func(s: list<shape>);
    place: func(o: order);
}

world typed {
    import shapes;
}
"""


def _bindings(out: Path) -> ModuleType:
    resolve = witparser.parse(WIT)
    write(generate(resolve, resolve.select_world(world="typed")), out, "bench_typed_bindings")
    sys.path.insert(0, str(out))
    return importlib.import_module("bench_typed_bindings.imports.shapes")


def _rate(fn: Callable[[], Any], seconds: float = 0.5) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


def _cases(m: ModuleType) -> list[tuple[str, rt.Binding, Any]]:
    order = m.Order(9_000_000_001, "ada", 3, 19.99, True, "door", 2, -40, "AB-1234", m.Region.EU)
    rows = [m.Row(i, f"user-{i}", i * 0.5, i % 2 == 0, ["a", "b"]) for i in range(1000)]
    kinds = [m.ShapeCircle(1.5), m.ShapeRect((2.0, 3.0)), m.ShapeLabel("hi"), m.ShapeEmpty()]
    shapes = [kinds[i % 4] for i in range(1000)]
    return [
        ("record of 10 fields (enum, option)", m._t_order, order),
        ("list of 1000 records", rt.list_(m._t_row), rows),
        ("list of 1000 variants", rt.list_(m._t_shape), shapes),
    ]


def measure() -> list[tuple[str, float, float]]:
    cx = rt.Context(None, "", "")
    results = []
    with tempfile.TemporaryDirectory() as out:
        for name, binding, value in _cases(_bindings(Path(out))):
            codec = compile(binding.wit)
            dynamic = binding.lower(value, cx)
            assert binding.lift(codec.decode(codec.encode(dynamic)), cx) == value

            def typed(b: rt.Binding = binding, v: Any = value, c: Codec = codec) -> None:
                b.lift(c.decode(c.encode(b.lower(v, cx))), cx)

            def untyped(d: Any = dynamic, c: Codec = codec) -> None:
                c.decode(c.encode(d))

            results.append((name, _rate(typed), _rate(untyped)))
    return results


def main() -> None:
    lines = [
        "## Typed bindings",
        "",
        "`.venv/bin/python -m bench.bindgen`: round trips per second of generated typed values (lower,",
        "encode, decode, lift) and, as the baseline in the same run, of the codec's dynamic values (encode,",
        "decode). Ratio = typed / dynamic.",
        f"Machine: {platform.machine()}, Python {platform.python_version()}.",
        "",
        "| case | typed round trips/s | dynamic round trips/s | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, typed_rate, dynamic_rate in measure():
        lines.append(
            f"| {name} | {typed_rate:,.0f} | {dynamic_rate:,.0f} | {typed_rate / dynamic_rate:.2f} |"
        )
    lines += [
        "",
        "The conversions are interpreted combinators (`wrpc.bindgen.runtime`): one call per field and per",
        "element. Lists of numbers and strings, `list<u8>` and `stream<u8>` are passed through untouched.",
    ]
    print("\n".join(lines))
    write_section("bindgen", "\n".join(lines))


if __name__ == "__main__":
    main()
