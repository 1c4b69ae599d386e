"""The wasm-encoded WIT package decoder and merge (`witparser._decoding`), on hand-written components.

The fixtures follow the shape `wasm-tools component wit --wasm` gives a package: one exported component
type per interface (importing the foreign interfaces it uses) and one per world (wrapping the world's
component type). The corpus's own wasm dependencies are covered by the conformance runner.
"""

from __future__ import annotations

import random
import re

import pytest
import wasmtime

import witparser
from tests.wit_canonical import canonical
from witparser import format_resolve
from witparser._decoding import NOT_A_PACKAGE, decode_wasm_into
from witparser._error import WitError
from witparser._model import Handle, OwnerInterface, Record, Resource
from witparser._resolve import Resolve

PACKAGE = r"""
(component
  (type
    (component
      (type
        (instance
          (type (record (field "x" u32) (field "y" u32)))
          (export "point" (type (eq 0)))
          (type (enum "red" "green"))
          (export "color" (type (eq 2)))
          (type (flags "read" "write"))
          (export "perms" (type (eq 4)))
          (type (list u8))
          (type (variant (case "circle" u32) (case "blob" 6) (case "none")))
          (export "shape" (type (eq 7)))
          (export "file" (type (sub resource)))
          (type (own 9))
          (type (func (param "name" string) (result 10)))
          (export "[constructor]file" (func (type 11)))
          (type (borrow 9))
          (type (result 6 (error string)))
          (type (func (param "self" 12) (param "n" u32) (result 13)))
          (export "[method]file.read" (func (type 14)))
          (type (func (param "name" string) (result 10)))
          (export "[static]file.open" (func (type 15)))
        )
      )
      (export "my:pkg/types@1.0.0" (instance (type 0)))
    )
  )
  (export "types" (type 0))
  (type
    (component
      (type
        (instance
          (type (record (field "x" u32) (field "y" u32)))
          (export "point" (type (eq 0)))
        )
      )
      (import "my:pkg/types@1.0.0" (instance (type 0)))
      (alias export 0 "point" (type))
      (type
        (instance
          (alias outer 1 1 (type))
          (export "point" (type (eq 0)))
          (type (option 1))
          (type (func (param "p" 1) (result 2)))
          (export "mirror" (func (type 3)))
          (type (func async))
          (export "tick" (func (type 4)))
        )
      )
      (export "my:pkg/api@1.0.0" (instance (type 2)))
    )
  )
  (export "api" (type 2))
  (type
    (component
      (type
        (component
          (type
            (instance
              (type (record (field "x" u32) (field "y" u32)))
              (export "point" (type (eq 0)))
            )
          )
          (import "my:pkg/types@1.0.0" (instance (type 0)))
          (type
            (instance
              (type (func async))
              (export "tick" (func (type 0)))
            )
          )
          (import "my:pkg/api@1.0.0" (instance (type 1)))
          (type (func (param "type" string)))
          (export "run" (func (type 2)))
        )
      )
      (export "my:pkg/app@1.0.0" (component (type 0)))
    )
  )
  (export "app" (type 4))
)
"""

PACKAGE_TEXT = """\
package my:pkg@1.0.0;

interface types {
  record point {
    x: u32,
    y: u32,
  }

  enum color {
    red,
    green,
  }

  flags perms {
    read,
    write,
  }

  variant shape {
    circle(u32),
    blob(list<u8>),
    none,
  }

  resource file {
    constructor(name: string);
    read: func(n: u32) -> result<list<u8>, string>;
    open: static func(name: string) -> file;
  }
}

interface api {
  use types.{point};

  mirror: func(p: point) -> option<point>;

  tick: async func();
}

world app {
  import types;
  import api;

  export run: func(%type: string);
}
"""

DEPENDENT = r"""
(component
  (type
    (component
      (type
        (instance
          (type (list string))
          (export "names" (type (eq 0)))
        )
      )
      (import "dep:lib/shared" (instance (type 0)))
      (alias export 0 "names" (type))
      (type
        (instance
          (alias outer 1 1 (type))
          (export "names" (type (eq 0)))
          (type (func (result 1)))
          (export "all" (func (type 2)))
        )
      )
      (export "top:app/front" (instance (type 2)))
    )
  )
  (export "front" (type 0))
  (@custom "package-docs" "\01{\"docs\":\"The app.\",\"interfaces\":{\"front\":{\"docs\":\"Front door.\",\"stability\":{\"unstable\":{\"feature\":\"beta\"}},\"funcs\":{\"all\":{\"docs\":\"Every name.\"}}}}}")
)
"""


def decode(text: str, resolve: Resolve | None = None) -> tuple[Resolve, int]:
    resolve = Resolve() if resolve is None else resolve
    return resolve, decode_wasm_into(resolve, text.encode(), "fixture.wat")


def test_text_and_binary_inputs_decode_alike() -> None:
    from_text, text_id = decode(PACKAGE)
    from_binary = Resolve()
    binary_id = decode_wasm_into(from_binary, wasmtime.wat2wasm(PACKAGE), "fixture.wasm")
    assert (text_id, from_text.to_json()) == (binary_id, from_binary.to_json())


def test_records_variants_resources_and_worlds_print_back_as_the_package() -> None:
    resolve, _ = decode(PACKAGE)
    assert format_resolve(resolve) == PACKAGE_TEXT


def test_resource_functions_and_implicit_handles_point_at_the_resource() -> None:
    resolve, package = decode(PACKAGE)
    types = resolve.interfaces[resolve.packages[package].interfaces["types"]]
    file = types.types["file"]
    assert isinstance(resolve.types[file].kind, Resource)
    read = types.functions["[method]file.read"]
    assert read.kind.name == "method" and read.kind.resource == file
    self_type = resolve.types[read.params[0].type]  # type: ignore[index]
    assert isinstance(self_type.kind, Handle) and self_type.kind.kind == "borrow"
    ctor = types.functions["[constructor]file"]
    assert ctor.result == types.functions["[static]file.open"].result
    assert isinstance(resolve.types[types.types["point"]].kind, Record)


def test_a_used_type_is_an_alias_owned_by_the_using_interface() -> None:
    resolve, package = decode(PACKAGE)
    api = resolve.packages[package].interfaces["api"]
    point = resolve.types[resolve.interfaces[api].types["point"]]
    assert point.owner == OwnerInterface(api)
    assert resolve.type_interface_dep(resolve.interfaces[api].types["point"]) == 0


def test_foreign_packages_come_first_and_docs_and_gates_are_restored() -> None:
    resolve, package = decode(DEPENDENT)
    assert [str(p.name) for p in resolve.packages] == ["dep:lib", "top:app"]
    assert package == 1
    front = resolve.interfaces[resolve.packages[1].interfaces["front"]]
    assert resolve.packages[1].docs == "The app."
    assert front.docs == "Front door." and front.stability is not None
    assert front.functions["all"].docs == "Every name."
    shared = resolve.interfaces[resolve.packages[0].interfaces["shared"]]
    assert list(shared.types) == ["names"] and shared.package == 0


def test_merging_a_package_twice_reuses_it() -> None:
    resolve, first = decode(PACKAGE)
    counts = (len(resolve.packages), len(resolve.interfaces), len(resolve.worlds))
    named = [(t.name, t.owner) for t in resolve.types if t.name is not None]
    _, second = decode(PACKAGE, resolve)
    assert second == first
    assert (len(resolve.packages), len(resolve.interfaces), len(resolve.worlds)) == counts
    # Like the reference, only named types are matched; anonymous ones are appended again, unused.
    assert [(t.name, t.owner) for t in resolve.types if t.name is not None] == named


def test_merging_after_other_packages_shifts_every_id() -> None:
    resolve, _ = decode(DEPENDENT)
    _, package = decode(PACKAGE, resolve)
    assert package == 2
    alone, _ = decode(PACKAGE)
    assert format_resolve(resolve, [package]) == format_resolve(alone)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(component (core module))", NOT_A_PACKAGE),
        ("(module)", NOT_A_PACKAGE),
        ("(component)", NOT_A_PACKAGE),
        (
            '(component (type (component)) (export "x" (type 0)))',
            "Expected a single export, but found 0 instead",
        ),
        ('(component (type (component (export "X_" (instance)))) (export "x" (type 0)))', "cannot extract"),
        ('(component (import "f" (func)))', NOT_A_PACKAGE),
    ],
)
def test_components_that_are_not_packages_are_rejected_by_name(text: str, message: str) -> None:
    with pytest.raises(WitError, match=re.escape(message)):
        decode(text)


@pytest.mark.parametrize(
    "data",
    [
        b"\0asm",
        b"\0asm\x0d\x00\x01\x00\x07\x05\x01",
        b"\0asm\x02\x00\x05\x00",
        b"\0asm\x0d\x00\x01\x00\x07\x02\x01\x99",
    ],
)
def test_malformed_binaries_raise_wit_error(data: bytes) -> None:
    with pytest.raises(WitError):
        decode_wasm_into(Resolve(), data, "bad.wasm")


def test_unparsable_text_names_the_file() -> None:
    with pytest.raises(WitError, match=r"bad\.wat"):
        decode_wasm_into(Resolve(), b"(component (type", "bad.wat")


def test_deeply_nested_anonymous_types_are_rejected_not_recursed_into() -> None:
    depth = 3000
    chain = "(type (list u8))" + "".join(f"(type (list {i}))" for i in range(depth - 1))
    func = f'(type (func (result {depth - 1}))) (export "f" (func (type {depth})))'
    text = f'(component (type (component (type (instance {chain} {func})) (export "a:b/c" (instance (type 0))))) (export "c" (type 0)))'
    with pytest.raises(WitError, match="type nesting too deep"):
        decode(text)


def test_mutated_binaries_decode_or_raise_wit_error() -> None:
    """A deterministic mutation fuzz of the binary reader and decoder (byte edits, cuts, insertions)."""
    seeds = [wasmtime.wat2wasm(PACKAGE), wasmtime.wat2wasm(DEPENDENT)]
    rng = random.Random(7)
    outcomes = []
    for _ in range(3000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(8, len(data))
            edit = rng.randrange(3)
            if edit == 0:
                data[at] = rng.randrange(256)
            elif edit == 1:
                del data[at : at + rng.randint(1, 8)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 4))
        try:
            decode_wasm_into(Resolve(), bytes(data), "mutant.wasm")
            outcomes.append(True)
        except WitError:
            outcomes.append(False)
    assert 0 < sum(outcomes) < len(outcomes)


@pytest.mark.parametrize("text", [PACKAGE, DEPENDENT], ids=["package", "dependent"])
def test_a_decoded_package_prints_as_wit_that_parses_back_to_it(text: str) -> None:
    decoded, _ = decode(text)
    reparsed = witparser.parse(format_resolve(decoded), path="printed.wit", features={"beta"})
    assert canonical(reparsed) == canonical(decoded)


LEGACY = r"""
(component
  (type
    (component
      (type (instance (type (list string)) (export "names" (type (eq 0)))))
      (import "x:dep/shared" (instance (type 0)))
      (alias export 0 "names" (type))
      (type
        (instance
          (alias outer 1 1 (type))
          (export "names" (type (eq 0)))
          (type (func (result 1)))
          (export "all" (func (type 2)))
        )
      )
      (export "a:b/i" (instance (type 2)))
      (type (component (type (instance (type (func)) (export "all" (func (type 0))))) (import "a:b/i" (instance (type 0)))))
      (export "a:b/w" (component (type 3)))
    )
  )
  (export "a:b/wit" (type 0))
)
"""


def test_the_legacy_single_export_encoding_decodes_and_is_elaborated_on_merge() -> None:
    resolve, package = decode(LEGACY)
    assert [str(p.name) for p in resolve.packages] == ["x:dep", "a:b"] and package == 1
    world = resolve.worlds[resolve.packages[1].worlds["w"]]
    # The world names only `a:b/i`; merging elaborates it, adding the interface `i` uses types from.
    assert [resolve.name_world_key(k) for k in world.imports] == ["x:dep/shared", "a:b/i"]
