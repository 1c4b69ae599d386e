"""The type model: WIT type expressions, types from a witparser Resolve and from wasmtime component types."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from wrpc import types as t
from wrpc.errors import UnsupportedType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list<option<string>>", t.List(t.Option(t.String()))),
        ("tuple<u8, s32>", t.Tuple((t.U8(), t.S32()))),
        ("tuple<>", t.Tuple(())),
        ("result<_, string>", t.Result(None, t.String())),
        ("result<u8>", t.Result(t.U8(), None)),
        ("result", t.Result()),
        ("future", t.Future()),
        ("stream<list<u8>>", t.Stream(t.List(t.U8()))),
        ("list<u8, 4>", t.FixedList(t.U8(), 4)),
        ("own<bucket>", t.Own("bucket")),
        ("borrow<bucket>", t.Borrow("bucket")),
        (" option< error-context > ", t.Option(t.ErrorContext())),
    ],
)
def test_type_expressions_parse(text: str, expected: t.WitType) -> None:
    assert t.parse_type_expr(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "list<u8",
        "tuple<u8,>",
        "option<_>",
        "option<u8, u8>",
        "result<u8, u8, u8>",
        "list<u8, n>",
        "u8 u8",
        "",
    ],
)
def test_malformed_type_expressions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        t.parse_type_expr(text)


def test_unknown_names_are_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="unknown type 'point'"):
        t.parse_type_expr("list<point>")


@pytest.mark.parametrize(
    "text",
    [
        "list<option<string>>",
        "tuple<u8, s32>",
        "result<_, string>",
        "result<u8>",
        "result",
        "future<stream<u8>>",
    ],
)
def test_type_names_print_back_as_wit(text: str) -> None:
    assert t.type_name(t.parse_type_expr(text)) == text


def test_functions_from_a_resolve_follow_aliases_and_name_resources() -> None:
    import witparser

    resolve = witparser.parse(
        """
        package test:types;
        interface api {
          record point { x: s32, y: s32 }
          type pt = point;
          flags perms { read, write }
          resource blob { size: func() -> u64; }
          variant shape { circle(f64), none }
          move: func(p: pt, by: list<tuple<s8, s8>>) -> result<point, string>;
          open: func(perms: perms) -> option<blob>;
        }
        """
    )
    api = next(i for i in resolve.interfaces if i.name == "api")
    move = t.function_from_resolve(resolve, api.functions["move"])
    point = t.Record("point", (("x", t.S32()), ("y", t.S32())))
    assert move.params == (("p", point), ("by", t.List(t.Tuple((t.S8(), t.S8())))))
    assert move.results_type == t.Tuple((t.Result(point, t.String()),))
    open_ = t.function_from_resolve(resolve, api.functions["open"])
    assert open_.params_type == t.Tuple((t.Flags("perms", ("read", "write")),))
    assert open_.result == t.Option(t.Own("blob"))
    size = t.function_from_resolve(resolve, api.functions["[method]blob.size"])
    assert size.params == (("self", t.Borrow("blob")),)
    assert t.parse_type_expr("list<test:types/api.shape>", resolve) == t.List(
        t.Variant("shape", (("circle", t.F64()), ("none", None)))
    )
    assert t.parse_type_expr("pt", resolve) == point


def test_named_types_resolve_against_a_loaded_tree() -> None:
    import witparser

    resolve = witparser.load(str(shared_path("wit", "wasi-keyvalue")))
    error = t.parse_type_expr("wasi:keyvalue/store@0.2.0-draft2.error", resolve)
    assert error == t.parse_type_expr("wasi:keyvalue/store.error", resolve)
    assert isinstance(error, t.Variant) and [c for c, _ in error.cases] == [
        "no-such-store",
        "access-denied",
        "other",
    ]
    assert t.parse_type_expr("result<option<list<u8>>, error>", resolve) == t.Result(
        t.Option(t.List(t.U8())), error
    )


def test_map_types_are_unsupported() -> None:
    from witparser._model import Map, TypeDef
    from witparser._resolve import Resolve

    resolve = Resolve(types=[TypeDef("m", Map("string", "u8"))])
    with pytest.raises(UnsupportedType, match="map"):
        t.from_resolve(resolve, 0)


def test_types_from_wasmtime_component_types() -> None:
    import wasmtime
    import wasmtime.component as wc

    engine = wasmtime.Engine()
    component = wc.Component(
        engine,
        """(component
          (type $r (record (field "a" u8) (field "b-c" (list string))))
          (import "r" (type $rr (eq $r)))
          (type $v (variant (case "x") (case "y" u32)))
          (import "v" (type $vv (eq $v)))
          (type $e (enum "p" "q"))
          (import "e" (type $ee (eq $e)))
          (type $fl (flags "m" "n"))
          (import "fl" (type $fll (eq $fl)))
          (import "res" (type $res (sub resource)))
          (import "f" (func (param "x" $rr) (param "y" $vv) (param "z" $ee) (param "w" $fll)
            (param "o" (option (option u8))) (param "t" (tuple s8 s16 s32 s64 f32 f64 char bool u16 u64))
            (param "h" (own $res)) (param "g" (borrow $res)) (result (result string (error (list u8))))))
        )""",
    )
    func = component.type.imports(engine)["f"].ty
    fn = t.function_from_wasmtime("f", func)
    assert fn.params == (
        ("x", t.Record("", (("a", t.U8()), ("b-c", t.List(t.String()))))),
        ("y", t.Variant("", (("x", None), ("y", t.U32())))),
        ("z", t.Enum("", ("p", "q"))),
        ("w", t.Flags("", ("m", "n"))),
        ("o", t.Option(t.Option(t.U8()))),
        (
            "t",
            t.Tuple(
                (t.S8(), t.S16(), t.S32(), t.S64(), t.F32(), t.F64(), t.Char(), t.Bool(), t.U16(), t.U64())
            ),
        ),
        ("h", t.Own("")),
        ("g", t.Borrow("")),
    )
    assert fn.result == t.Result(t.String(), t.List(t.U8()))
