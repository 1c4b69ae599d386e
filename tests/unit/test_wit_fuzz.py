"""Fuzzing the WIT parser: every input either loads or raises `WitError`, and none hangs.

Three sources of input: hypothesis-generated WIT from a small grammar (nearly always valid; what loads
must print back to the same packages), hypothesis random text and token soup, and a deterministic fuzz
over the corpus and `../shared/wit/` files (character flips, deletions, token insertions, truncation,
line duplication and swaps), plus mutated copies of the corpus's directory cases loaded from a temp dir.
Together well over 10,000 inputs in well under a minute on two cores.

A hang is caught by a CPU-time alarm (`ITIMER_PROF`, which leaves pytest-timeout's `SIGALRM` alone)
around each input, and each input's wall time is checked against `PER_INPUT_SECONDS` as well.
"""

from __future__ import annotations

import random
import shutil
import signal
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import witparser
from tests.conftest import SHARED, shared_path
from tests.wit_canonical import canonical
from witparser import WitError, format_resolve

PER_INPUT_SECONDS = 2.0
MUTANTS = 10_000
DIR_MUTANTS = 300
SEED = 20260825


class Hang(Exception):
    """An input ran past its CPU-time budget."""


@contextmanager
def cpu_deadline(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def load_or_reject(action: Callable[[], object], describe: Callable[[], str]) -> bool:
    """Run one input: True if it loaded, False if it raised `WitError`; anything else fails the test."""
    start = time.perf_counter()
    try:
        with cpu_deadline(PER_INPUT_SECONDS):
            action()
        loaded = True
    except WitError:
        loaded = False
    except Hang:
        pytest.fail(f"hang (> {PER_INPUT_SECONDS} s CPU) on:\n{describe()}")
    except Exception as err:
        pytest.fail(f"{type(err).__name__}: {err}\non input:\n{describe()}")
    elapsed = time.perf_counter() - start
    assert elapsed < PER_INPUT_SECONDS, f"took {elapsed:.2f} s on:\n{describe()}"
    return loaded


def parse_text(text: str) -> bool:
    return load_or_reject(lambda: witparser.parse(text, path="fuzz.wit"), lambda: text[:4000])


# ---------------------------------------------------------------------------------------------------
# Seeds and mutations

TOKENS = [
    "package", "interface", "world", "use", "type", "func", "record", "enum", "flags", "variant",
    "resource", "constructor", "static", "async", "import", "export", "include", "with", "as", "from",
    "list", "option", "result", "tuple", "future", "stream", "own", "borrow", "map", "string", "u32",
    "error-context", "_", "{", "}", "(", ")", "<", ">", ";", ":", ",", ".", "=", "->", "@", "*", "/",
    "%", "%type", "a:b", "a:b/c", "@1.0.0", "@since(version = 1.0.0)", "@unstable(feature = x)",
    "@deprecated(version = 0.1.0)", "/// doc\n", "/* c */", "/*", "*/", "//", '"s"', "\n", "\t",
    "package a:b;", "package x:y {", "interface i {}", "world w {}", "list<u8, 4>", "1.0.0-rc.1+b",
    "\u202e", "é", "\0", "\r\n", "a-", "-a", "A-b", "0x", "99999999999999999999",
]  # fmt: skip

CHARS = string.printable + "{}<>;:@%/*\0\u202eé\u00a0\u2028"


def _seed_texts() -> list[str]:
    roots = [SHARED / "conformance" / "wit-parser" / "ui", SHARED / "wit"]
    paths = sorted(p for root in roots if root.exists() for p in root.rglob("*.wit"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(7)
        pos = rng.randint(0, len(text))
        if choice == 0 and text:
            pos = min(pos, len(text) - 1)
            text = text[:pos] + rng.choice(CHARS) + text[pos + 1 :]
        elif choice == 1:
            text = text[:pos] + text[pos + rng.randint(1, 24) :]
        elif choice == 2:
            token = rng.choice(TOKENS)
            text = (
                f"{text[:pos]} {token} {text[pos:]}"
                if rng.random() < 0.5
                else text[:pos] + token + text[pos:]
            )
        elif choice == 3:
            text = text[:pos]
        else:
            lines = text.split("\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if choice in (4, 5):
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def test_mutated_corpus_and_shared_files_load_or_raise_wit_error() -> None:
    seeds = _seed_texts()
    if not seeds:
        shared_path("conformance", "wit-parser")  # skips with the reason
    rng = random.Random(SEED)
    outcomes = [parse_text(mutate(rng.choice(seeds), rng)) for _ in range(MUTANTS)]
    # The mutations must leave some inputs valid, or the fuzz only exercises the first error path.
    assert 0 < sum(outcomes) < len(outcomes)


def _corpus_dir_cases() -> list[Path]:
    ui = SHARED / "conformance" / "wit-parser" / "ui"
    return sorted(p for p in ui.iterdir() if p.is_dir() and p.name != "parse-fail") if ui.exists() else []


def test_mutated_directory_cases_load_or_raise_wit_error(tmp_path: Path) -> None:
    cases = _corpus_dir_cases()
    if not cases:
        shared_path("conformance", "wit-parser", "ui")
    rng = random.Random(SEED + 1)
    for n in range(DIR_MUTANTS):
        case = tmp_path / f"case{n}"
        shutil.copytree(rng.choice(cases), case)
        files = sorted(case.rglob("*.wit"))
        victim = rng.choice(files)
        mutated = mutate(victim.read_text(encoding="utf-8"), rng)
        victim.write_text(mutated, encoding="utf-8")
        load_or_reject(
            partial(witparser.load, str(case), features={"active"}),
            partial(str.format, "{}:\n{}", victim, mutated),
        )
        shutil.rmtree(case)


# ---------------------------------------------------------------------------------------------------
# Hypothesis: random text, and WIT from a small grammar

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(alphabet=st.sampled_from(CHARS) | st.characters(), max_size=300))
def test_random_text_loads_or_raises_wit_error(text: str) -> None:
    parse_text(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_soup_loads_or_raises_wit_error(tokens: list[str]) -> None:
    parse_text(" ".join(tokens))


WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda"]
KEYWORD_NAMES = ["type", "record", "list", "own", "map", "async", "static", "stream"]
PRIMITIVES = ["bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64", "char", "string"]


@st.composite
def names(draw: st.DrawFn, count: int) -> list[str]:
    pool = draw(st.permutations(WORDS + [f"%{k}" for k in KEYWORD_NAMES]))
    return [f"{name}{i}" if not name.startswith("%") else name for i, name in enumerate(pool[:count])]


@st.composite
def types_(draw: st.DrawFn, named: list[str], depth: int = 0) -> str:
    leaves = PRIMITIVES + named
    if depth >= 2 or draw(st.booleans()):
        return draw(st.sampled_from(leaves))
    inner = lambda: draw(types_(named, depth + 1))  # noqa: E731
    shape = draw(st.sampled_from(["list", "option", "result", "result_", "tuple", "fixed", "map", "future"]))
    if shape == "result_":
        return f"result<_, {inner()}>"
    if shape == "tuple":
        return f"tuple<{', '.join(inner() for _ in range(draw(st.integers(1, 3))))}>"
    if shape == "fixed":
        return f"list<{inner()}, {draw(st.integers(1, 9))}>"
    if shape == "map":
        return f"map<string, {inner()}>"
    if shape == "result":
        return f"result<{inner()}, {inner()}>"
    return f"{shape}<{inner()}>"


def _docs(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", "/// Some docs.\n", "/// Two\n///\n///   lines.\n", "/** block */\n"]))


def _gate(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", "", "@since(version = 1.0.0)\n", "@unstable(feature = active)\n"]))


DEP_PACKAGE = """
package fuzz:dep@0.1.0 {
  interface base {
    type id = u64;
    record meta { a: u8, b: list<string> }
    resource token;
  }
}
"""
DEP_TYPES = ["id", "meta", "token"]


@st.composite
def interfaces(draw: st.DrawFn, iface: str, earlier: dict[str, list[str]]) -> tuple[str, list[str]]:
    """An interface (text, names of its types); it may `use` types of `earlier` interfaces and the dep."""
    defined: list[str] = []
    items = []
    for other, types in [("fuzz:dep/base@0.1.0", DEP_TYPES), *earlier.items()]:
        picked = [t for t in types if draw(st.booleans())]
        if picked:
            # Renamed with a prefix no local name has, so a `use` never clashes with a definition.
            renames = [f"{t} as u-{other.split('/')[-1].split('@')[0]}-{t.lstrip('%')}" for t in picked]
            items.append(f"{_gate(draw)}use {other}.{{{', '.join(renames)}}};")
            defined += [r.split(" as ")[1] for r in renames]
    for name in draw(names(8))[: draw(st.integers(0, 6))]:
        kind = draw(st.sampled_from(["record", "enum", "flags", "variant", "alias", "resource", "func"]))
        head = _docs(draw) + _gate(draw)
        members = [f"m{i}" for i in range(draw(st.integers(1, 3)))]
        if kind == "record":
            body = ", ".join(f"{m}: {draw(types_(defined))}" for m in members)
            items.append(f"{head}record {name} {{ {body} }}")
        elif kind in ("enum", "flags"):
            items.append(f"{head}{kind} {name} {{ {', '.join(members)} }}")
        elif kind == "variant":
            cases = ", ".join(f"{m}({draw(types_(defined))})" if draw(st.booleans()) else m for m in members)
            items.append(f"{head}variant {name} {{ {cases} }}")
        elif kind == "alias":
            items.append(f"{head}type {name} = {draw(types_(defined))};")
        elif kind == "resource":
            ctor = f"constructor(x: {draw(types_(defined))});" if draw(st.booleans()) else ""
            method = f"get: {'async ' if draw(st.booleans()) else ''}func() -> {draw(types_(defined))};"
            items.append(f"{head}resource {name} {{ {ctor} {method} make: static func() -> {name}; }}")
        else:
            prefix = "async " if draw(st.booleans()) else ""
            params = ", ".join(f"{m}: {draw(types_(defined))}" for m in members)
            result = f" -> {draw(types_(defined))}" if draw(st.booleans()) else ""
            items.append(f"{head}{name}: {prefix}func({params}){result};")
            continue
        defined.append(name)
    own = [name for name in defined if not name.startswith("u-")]
    return f"{_docs(draw)}{_gate(draw)}interface {iface} {{\n" + "\n".join(items) + "\n}\n", own


@st.composite
def packages(draw: st.DrawFn) -> str:
    """A package of interfaces and two worlds (one included in the other), with a nested dependency."""
    earlier: dict[str, list[str]] = {}
    body = ""
    for name in [f"i{n}" for n in range(draw(st.integers(1, 3)))]:
        text, types = draw(interfaces(name, earlier))
        body += text
        earlier[name] = types
    items = [f"{_gate(draw)}import {name};" for name in earlier if draw(st.booleans())]
    items += [f"export {name};" for name in earlier if draw(st.booleans())]
    if draw(st.booleans()):
        items.append("import inline: interface { ping: func() -> bool; }")
    typed = [(name, types[0]) for name, types in earlier.items() if types]
    use_a_type: bool = draw(st.booleans())
    if typed and use_a_type:
        iface, ty = typed[0]
        items.append(f"use {iface}.{{{ty} as world-{ty.lstrip('%')}}};")
        items.append(f"import take: func(x: world-{ty.lstrip('%')});")
    if draw(st.booleans()):
        items.append("include base;")
    base = "world base {\n  import fuzz:dep/base@0.1.0;\n  export tick: func();\n}\n"
    world = "world w {\n" + "\n".join(items) + "\nexport run: func(x: string) -> u32;\n}\n"
    return f"{_docs(draw)}package fuzz:pkg@1.2.3;\n\n{body}{base}{world}{DEP_PACKAGE}"


@FUZZ
@given(packages())
def test_generated_wit_loads_and_prints_back_to_the_same_packages(text: str) -> None:
    def round_trip() -> None:
        loaded = witparser.parse(text, path="generated.wit", features={"active"})
        printed = format_resolve(loaded)
        reparsed = witparser.parse(printed, path="printed.wit", features={"active"})
        assert canonical(reparsed) == canonical(loaded), printed

    # The grammar can still write a type that uses itself or a borrow in a result: those are
    # legitimate rejections, but then it must be a `WitError`.
    load_or_reject(round_trip, lambda: text)
