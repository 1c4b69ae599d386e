"""A minimal reader of the component-model binary format: bytes in, declaration trees out.

A WIT package encoded as wasm (what `wasm-tools component wit --wasm` writes, and what wit-parser's
`decoding.rs` reads back) uses a small corner of the component binary format: the top level holds only
custom sections, component-type definitions and exports of those types; inside, component and instance
type declarations hold defined value types, function types, nested instance/component types, aliases,
imports and exports. This module turns exactly that corner into plain data; `witparser._decoding` gives
the data its WIT meaning.

Rules of this module:
1. Sans-IO and meaning-free: it reads bytes and returns syntax (indices stay indices). It knows nothing
   about WIT, ids or index spaces.
2. Anything outside the corner above is still *skipped* correctly at section granularity (its section
   id is reported in `Component.other_sections`), so the caller can say "this is a real component, not a
   WIT package" instead of failing on bytes it never needed.
3. Every malformed input raises `WitError` with the byte offset; nothing else escapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from witparser._error import WitError

PRIMITIVE_BYTES: dict[int, str] = {
    0x7F: "bool", 0x7E: "s8", 0x7D: "u8", 0x7C: "s16", 0x7B: "u16", 0x7A: "s32", 0x79: "u32",
    0x78: "s64", 0x77: "u64", 0x76: "f32", 0x75: "f64", 0x74: "char", 0x73: "string",
    0x64: "error-context",
}  # fmt: skip

ValType: TypeAlias = str | int
"""A primitive name, or an index into the enclosing scope's type index space."""

# Sorts (the `sort` byte of imports, exports and aliases).
SORT_MODULE = "module"
SORT_FUNC = "func"
SORT_VALUE = "value"
SORT_TYPE = "type"
SORT_COMPONENT = "component"
SORT_INSTANCE = "instance"
_SORTS = {0x01: SORT_FUNC, 0x02: SORT_VALUE, 0x03: SORT_TYPE, 0x04: SORT_COMPONENT, 0x05: SORT_INSTANCE}


@dataclass(slots=True)
class ExternName:
    """An import/export name with the optional `implements`, version-suffix and external-id options."""

    name: str
    implements: str | None = None
    version_suffix: str | None = None
    external_id: str | None = None


# ---------------------------------------------------------------------------------------------------
# Type definitions


@dataclass(slots=True)
class PrimitiveDef:
    name: str


@dataclass(slots=True)
class RecordDef:
    fields: list[tuple[str, ValType]]


@dataclass(slots=True)
class VariantDef:
    cases: list[tuple[str, ValType | None]]


@dataclass(slots=True)
class ListDef:
    element: ValType


@dataclass(slots=True)
class MapDef:
    key: ValType
    value: ValType


@dataclass(slots=True)
class FixedListDef:
    element: ValType
    length: int


@dataclass(slots=True)
class TupleDef:
    types: list[ValType]


@dataclass(slots=True)
class FlagsDef:
    names: list[str]


@dataclass(slots=True)
class EnumDef:
    names: list[str]


@dataclass(slots=True)
class OptionDef:
    type: ValType


@dataclass(slots=True)
class ResultDef:
    ok: ValType | None
    err: ValType | None


@dataclass(slots=True)
class OwnDef:
    index: int


@dataclass(slots=True)
class BorrowDef:
    index: int


@dataclass(slots=True)
class FutureDef:
    type: ValType | None


@dataclass(slots=True)
class StreamDef:
    type: ValType | None


DefinedDef: TypeAlias = (
    PrimitiveDef | RecordDef | VariantDef | ListDef | MapDef | FixedListDef | TupleDef | FlagsDef | EnumDef
    | OptionDef | ResultDef | OwnDef | BorrowDef | FutureDef | StreamDef
)  # fmt: skip


@dataclass(slots=True)
class FuncDef:
    is_async: bool
    params: list[tuple[str, ValType]]
    result: ValType | None


@dataclass(slots=True)
class ResourceDef:
    """A concrete resource definition: legal in components, never in WIT-package type declarations."""


@dataclass(slots=True)
class InstanceTypeDef:
    decls: list[Decl]


@dataclass(slots=True)
class ComponentTypeDef:
    decls: list[Decl]


TypeDef: TypeAlias = DefinedDef | FuncDef | ResourceDef | InstanceTypeDef | ComponentTypeDef


# ---------------------------------------------------------------------------------------------------
# Declarations inside component and instance types


@dataclass(slots=True)
class TypeRef:
    """What an import or export declares: `sort` plus its index; for types, `index` is the `eq` bound
    and `None` means `(sub resource)`; for values it is the value type."""

    sort: str
    index: int | None
    value: ValType | None = None


@dataclass(slots=True)
class TypeDecl:
    type: TypeDef


@dataclass(slots=True)
class InstanceExportAlias:
    sort: str
    instance: int
    name: str


@dataclass(slots=True)
class OuterAlias:
    sort: str
    count: int
    index: int


@dataclass(slots=True)
class ImportDecl:
    name: ExternName
    ref: TypeRef


@dataclass(slots=True)
class ExportDecl:
    name: ExternName
    ref: TypeRef


Decl: TypeAlias = TypeDecl | InstanceExportAlias | OuterAlias | ImportDecl | ExportDecl


# ---------------------------------------------------------------------------------------------------
# The top level


@dataclass(slots=True)
class TopExport:
    name: ExternName
    sort: str
    index: int
    ascribed: TypeRef | None


@dataclass(slots=True)
class Component:
    """The top level of a component binary, as far as a WIT package needs it.

    `items` keeps type definitions, aliases, imports and exports in binary order, since that order
    builds the index spaces. `other_sections` lists the ids of sections this reader skipped.
    `core_module` is set (and nothing else read) when the bytes are a core module, not a component.
    """

    items: list[Decl | TopExport] = field(default_factory=list)
    custom: list[tuple[str, bytes]] = field(default_factory=list)
    other_sections: list[int] = field(default_factory=list)
    core_module: bool = False


MAGIC = b"\x00asm"
COMPONENT_VERSION = b"\x0d\x00\x01\x00"
MAX_DEPTH = 100
"""How deeply component/instance types may nest before the input is rejected."""


class _Reader:
    """A cursor over one byte string; every read checks bounds and reports the absolute offset."""

    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def fail(self, message: str, at: int | None = None) -> WitError:
        return WitError(f"{message} (at offset 0x{self.pos if at is None else at:x})")

    def u8(self) -> int:
        if self.pos >= self.end:
            raise self.fail("unexpected end of component binary")
        byte = self.data[self.pos]
        self.pos += 1
        return byte

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.fail("unexpected end of component binary")
        return self.data[self.pos]

    def u32(self) -> int:
        result = 0
        shift = 0
        start = self.pos
        while True:
            byte = self.u8()
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
            if shift >= 35:
                raise self.fail("invalid var_u32: integer representation too long", start)
        if result > 0xFFFF_FFFF:
            raise self.fail("invalid var_u32: integer too large", start)
        return result

    def s33(self) -> int:
        result = 0
        shift = 0
        start = self.pos
        while True:
            byte = self.u8()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
            if shift >= 35:
                raise self.fail("invalid var_s33: integer representation too long", start)
        if byte & 0x40:
            result -= 1 << shift
        return result

    def bytes_(self, size: int) -> bytes:
        if size > self.end - self.pos:
            raise self.fail("unexpected end of component binary")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def string(self) -> str:
        start = self.pos
        raw = self.bytes_(self.u32())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("malformed UTF-8 encoding", start) from None

    def count(self, what: str, limit: int = 1_000_000) -> int:
        start = self.pos
        n = self.u32()
        # Each element needs at least one byte, so a count beyond the remaining bytes is garbage.
        if n > limit or n > self.end - self.pos:
            raise self.fail(f"{what} count is out of bounds", start)
        return n

    def leading(self, byte: int, what: str) -> WitError:
        return self.fail(f"invalid leading byte (0x{byte:x}) for {what}", self.pos - 1)


def read_component(data: bytes) -> Component:
    """Read a component binary's top level (header, sections) into a `Component`."""
    reader = _Reader(data)
    if reader.bytes_(4) != MAGIC:
        raise reader.fail("magic header not detected: bad magic number", 0)
    version = reader.bytes_(4)
    if version[2:] == b"\x00\x00":
        return Component(core_module=True)
    if version != COMPONENT_VERSION:
        raise reader.fail("unknown binary version and encoding", 4)
    component = Component()
    while reader.pos < reader.end:
        section_id = reader.u8()
        size = reader.u32()
        if size > reader.end - reader.pos:
            raise reader.fail("section size is out of bounds")
        section = _Reader(data, reader.pos, reader.pos + size)
        reader.pos += size
        _read_section(section, section_id, component)
        if section.pos != section.end:
            raise section.fail("unexpected content in the section")
    return component


def _read_section(reader: _Reader, section_id: int, component: Component) -> None:
    if section_id == 0:
        name = reader.string()
        component.custom.append((name, reader.bytes_(reader.end - reader.pos)))
        return
    if section_id == 6:
        for _ in range(reader.count("aliases")):
            component.items.append(_read_alias(reader))
    elif section_id == 7:
        for _ in range(reader.count("types")):
            component.items.append(TypeDecl(_read_type(reader, 0)))
    elif section_id == 10:
        for _ in range(reader.count("imports")):
            component.items.append(ImportDecl(_read_name(reader), _read_type_ref(reader)))
    elif section_id == 11:
        for _ in range(reader.count("exports")):
            export_name = _read_name(reader)
            sort = _read_sort(reader)
            index = reader.u32()
            flag = reader.u8()
            if flag not in (0, 1):
                raise reader.leading(flag, "optional component export type")
            ascribed = _read_type_ref(reader) if flag else None
            component.items.append(TopExport(export_name, sort, index, ascribed))
    elif 1 <= section_id <= 12:
        component.other_sections.append(section_id)
        reader.pos = reader.end
    else:
        raise reader.fail(f"unknown component section id 0x{section_id:x}", reader.pos)


def _read_name(reader: _Reader) -> ExternName:
    tag = reader.u8()
    if tag not in (0x00, 0x01, 0x02):
        raise reader.leading(tag, "component name")
    name = ExternName(reader.string())
    if tag == 0x02:
        for _ in range(reader.count("name options")):
            option = reader.u8()
            value = reader.string()
            if option == 0x00 and name.implements is None:
                name.implements = value
            elif option == 0x01 and name.version_suffix is None:
                name.version_suffix = value
            elif option == 0x02 and name.external_id is None:
                name.external_id = value
            elif option > 0x02:
                raise reader.leading(option, "name option")
            else:
                raise reader.fail("duplicate option in name")
    return name


def _read_sort(reader: _Reader) -> str:
    byte = reader.u8()
    if byte == 0x00:
        inner = reader.u8()
        if inner != 0x11:
            raise reader.leading(inner, "component external kind")
        return SORT_MODULE
    if byte not in _SORTS:
        raise reader.leading(byte, "component external kind")
    return _SORTS[byte]


def _read_type_ref(reader: _Reader) -> TypeRef:
    sort = _read_sort(reader)
    if sort == SORT_TYPE:
        bound = reader.u8()
        if bound == 0x00:
            return TypeRef(sort, reader.u32())
        if bound == 0x01:
            return TypeRef(sort, None)
        raise reader.leading(bound, "type bound")
    if sort == SORT_VALUE:
        return TypeRef(sort, None, _read_valtype(reader))
    return TypeRef(sort, reader.u32())


def _read_valtype(reader: _Reader) -> ValType:
    byte = reader.peek()
    if byte in PRIMITIVE_BYTES:
        reader.pos += 1
        return PRIMITIVE_BYTES[byte]
    start = reader.pos
    index = reader.s33()
    if index < 0:
        raise reader.fail("invalid value type", start)
    return index


def _read_opt_valtype(reader: _Reader) -> ValType | None:
    flag = reader.u8()
    if flag == 0:
        return None
    if flag == 1:
        return _read_valtype(reader)
    raise reader.leading(flag, "optional component value type")


def _read_alias(reader: _Reader) -> InstanceExportAlias | OuterAlias:
    byte1 = reader.u8()
    byte2 = reader.u8() if byte1 == 0x00 else None
    target = reader.u8()
    if target == 0x00:
        if byte2 is not None or byte1 not in _SORTS:
            raise reader.leading(byte1 if byte2 is None else byte2, "component external kind")
        return InstanceExportAlias(_SORTS[byte1], reader.u32(), reader.string())
    if target == 0x01:
        raise reader.fail("core instance export aliases are not part of a WIT package")
    if target == 0x02:
        if byte1 == 0x03:
            sort = SORT_TYPE
        elif byte1 == 0x04:
            sort = SORT_COMPONENT
        elif byte2 in (0x10, 0x11):
            sort = "core-type" if byte2 == 0x10 else SORT_MODULE
        else:
            raise reader.leading(byte1, "component outer alias kind")
        return OuterAlias(sort, reader.u32(), reader.u32())
    raise reader.leading(target, "alias")


def _read_decls(reader: _Reader, depth: int, allow_imports: bool) -> list[Decl]:
    decls: list[Decl] = []
    for _ in range(reader.count("type declarations")):
        tag = reader.u8()
        if tag == 0x00:
            raise reader.fail("core types are not part of a WIT package")
        if tag == 0x01:
            decls.append(TypeDecl(_read_type(reader, depth)))
        elif tag == 0x02:
            decls.append(_read_alias(reader))
        elif tag == 0x03 and allow_imports:
            decls.append(ImportDecl(_read_name(reader), _read_type_ref(reader)))
        elif tag == 0x04:
            decls.append(ExportDecl(_read_name(reader), _read_type_ref(reader)))
        else:
            raise reader.leading(tag, "component or instance type declaration")
    return decls


def _read_type(reader: _Reader, depth: int) -> TypeDef:
    tag = reader.u8()
    if tag in PRIMITIVE_BYTES:
        return PrimitiveDef(PRIMITIVE_BYTES[tag])
    if tag in (0x40, 0x43):
        params = [(reader.string(), _read_valtype(reader)) for _ in range(reader.count("parameters"))]
        kind = reader.u8()
        if kind == 0x00:
            result: ValType | None = _read_valtype(reader)
        elif kind == 0x01:
            zero = reader.u8()
            if zero != 0x00:
                raise reader.leading(zero, "number of results")
            result = None
        else:
            raise reader.leading(kind, "component function results")
        return FuncDef(tag == 0x43, params, result)
    if tag in (0x41, 0x42):
        if depth >= MAX_DEPTH:
            raise reader.fail("type nesting is too deep")
        decls = _read_decls(reader, depth + 1, allow_imports=tag == 0x41)
        return ComponentTypeDef(decls) if tag == 0x41 else InstanceTypeDef(decls)
    if tag == 0x3F:
        raise reader.fail("resource definitions are not part of a WIT package")
    return _read_defined(reader, tag)


def _read_defined(reader: _Reader, tag: int) -> DefinedDef:
    if tag == 0x72:
        return RecordDef([(reader.string(), _read_valtype(reader)) for _ in range(reader.count("fields"))])
    if tag == 0x71:
        cases: list[tuple[str, ValType | None]] = []
        for _ in range(reader.count("cases")):
            name = reader.string()
            payload = _read_opt_valtype(reader)
            zero = reader.u8()
            if zero != 0x00:
                raise reader.leading(zero, "zero byte required")
            cases.append((name, payload))
        return VariantDef(cases)
    if tag == 0x70:
        return ListDef(_read_valtype(reader))
    if tag == 0x63:
        return MapDef(_read_valtype(reader), _read_valtype(reader))
    if tag == 0x67:
        return FixedListDef(_read_valtype(reader), reader.u32())
    if tag == 0x6F:
        return TupleDef([_read_valtype(reader) for _ in range(reader.count("tuple types"))])
    if tag == 0x6E:
        return FlagsDef([reader.string() for _ in range(reader.count("flag names"))])
    if tag == 0x6D:
        return EnumDef([reader.string() for _ in range(reader.count("enum cases"))])
    if tag == 0x6B:
        return OptionDef(_read_valtype(reader))
    if tag == 0x6A:
        return ResultDef(_read_opt_valtype(reader), _read_opt_valtype(reader))
    if tag == 0x69:
        return OwnDef(reader.u32())
    if tag == 0x68:
        return BorrowDef(reader.u32())
    if tag == 0x66:
        return StreamDef(_read_opt_valtype(reader))
    if tag == 0x65:
        return FutureDef(_read_opt_valtype(reader))
    raise reader.leading(tag, "component defined type")
