"""Typed values of generated bindings survive typed -> dynamic -> codec bytes -> dynamic -> typed, and the
bytes are the codec's (the reference vectors of protocol notes 1.7 where one applies)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bindgen_support import bindings, submodule
from wrpc import codec
from wrpc.bindgen import runtime as rt
from wrpc.errors import EncodeError
from wrpc.values import Err, Ok, Some

WIT = """
package test:roundtrip;

interface types {
    /// Three flags.
    flags abc { a, b, c }
    record rec-nested { foo: string }
    /// A record holding a record.
    record rec { nested: rec-nested }
    variant var { var(rec), empty }
    enum foobar { foo, bar }
    type names = list<string>;
    record everything {
        %type: u8,
        return: bool,
        s: s64,
        f: f64,
        c: char,
        bytes: list<u8>,
        opt: option<rec>,
        nested-opt: option<option<bool>>,
        res: result<list<var>, foobar>,
        unit-res: result,
        tup: tuple<abc, names>,
    }
    /// Returns what it got.
    echo: func(e: everything) -> everything;
    check: func(x: u8) -> result<u8, foobar>;
    records: func(s: stream<rec>) -> future<rec>;
}

world roundtrip {
    import types;
}
"""


@pytest.fixture(scope="module")
def types(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out: Path = tmp_path_factory.mktemp("bindings")
    return submodule(bindings(WIT, "roundtrip", out), "imports.types")


def roundtrip(binding: rt.Binding, value: Any) -> tuple[Any, bytes]:
    cx = rt.Context(None, "", "")
    compiled = codec.compile(binding.wit)
    data = compiled.encode(binding.lower(value, cx))
    return binding.lift(compiled.decode(data), cx), data


def test_nested_record_round_trips_with_the_reference_bytes(types: ModuleType) -> None:
    value = types.Rec(types.RecNested("bar"))
    back, data = roundtrip(types._t_rec, value)
    assert back == value
    assert data == bytes.fromhex("03626172")


def test_variant_cases_round_trip_with_the_reference_bytes(types: ModuleType) -> None:
    value = types.VarVar(types.Rec(types.RecNested("bar")))
    back, data = roundtrip(types._t_var, value)
    assert (back, data) == (value, bytes.fromhex("0003626172"))
    back, data = roundtrip(types._t_var, types.VarEmpty())
    assert (back, data) == (types.VarEmpty(), b"\x01")


def test_flags_are_a_flag_enum_with_the_reference_bit_order(types: ModuleType) -> None:
    value = types.Abc.A | types.Abc.C
    back, data = roundtrip(types._t_abc, value)
    assert (back, data) == (value, b"\x05")
    assert roundtrip(types._t_abc, types.Abc(0)) == (types.Abc(0), b"\x00")


def test_enum_cases_are_enum_members(types: ModuleType) -> None:
    assert roundtrip(types._t_foobar, types.Foobar.BAR) == (types.Foobar.BAR, b"\x01")


@pytest.mark.parametrize("nested_opt", [None, Some(None), Some(True), Some(False)])
@pytest.mark.parametrize("res_kind", ["ok", "err"])
def test_a_record_of_every_kind_round_trips(types: ModuleType, nested_opt: Any, res_kind: str) -> None:
    res = (
        Ok([types.VarEmpty(), types.VarVar(types.Rec(types.RecNested("x")))])
        if res_kind == "ok"
        else Err(types.Foobar.FOO)
    )
    value = types.Everything(
        type=7,
        return_=True,
        s=-(2**40),
        f=0.5,
        c="ह",
        bytes_=b"\x00\xff",
        opt=types.Rec(types.RecNested("o")),
        nested_opt=nested_opt,
        res=res,
        unit_res=Err(),
        tup=(types.Abc.B, ["p", "q"]),
    )
    back, _ = roundtrip(types._t_everything, value)
    assert back == value


def test_function_descriptor_uses_the_wire_names_and_instance(types: ModuleType) -> None:
    func = types._f_echo
    assert (func.name, func.instance) == ("echo", "test:roundtrip/types")
    assert [name for name, _ in func.type.params] == ["e"]


def test_generated_docstrings_come_from_the_wit_docs(types: ModuleType) -> None:
    assert types.Rec.__doc__ == "A record holding a record."
    assert types.Abc.__doc__ == "Three flags."
    assert types.Types.echo.__doc__ == "Returns what it got."


def test_result_annotations_carry_their_payload_types(types: ModuleType) -> None:
    assert types.Types.check.__annotations__["return"] == "Ok[int] | Err[Foobar]"


def test_a_wrong_python_value_fails_to_lower_with_its_param_path(types: ModuleType) -> None:
    cx = rt.Context(None, "", "")
    with pytest.raises(EncodeError) as info:
        types._f_echo.lower_params([types.Rec(types.RecNested("x"))], cx)
    assert "params[0]" in str(info.value)
    assert "Everything" in str(info.value)


async def test_stream_and_future_payloads_convert_item_by_item_both_ways(types: ModuleType) -> None:
    cx = rt.Context(None, "", "")
    stream, future = types._f_records.params[0][1], types._f_records.result
    records = [types.Rec(types.RecNested(name)) for name in ("a", "b")]

    async def items(*values: Any) -> AsyncIterator[Any]:
        for value in values:
            yield value

    async def ready(value: Any) -> Any:
        return value

    lowered = [item async for item in stream.lower(items(*records), cx)]
    assert lowered == [{"nested": {"foo": "a"}}, {"nested": {"foo": "b"}}]
    assert [item async for item in stream.lift(items(*lowered), cx)] == records
    assert await future.lift(ready({"nested": {"foo": "c"}}), cx) == types.Rec(types.RecNested("c"))
    assert await future.lower(ready(records[0]), cx) == {"nested": {"foo": "a"}}
