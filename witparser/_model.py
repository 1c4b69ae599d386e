"""The resolved WIT data model: the arena of packages, worlds, interfaces and types.

This mirrors the Rust `wit-parser` crate's `Resolve` (lib.rs) so that ids, orders and the JSON
serialization line up with the reference one to one, and so every consumer (codec, bindgen, lattice)
shares one currency.

Rules of this module:
1. It holds data only: no parsing, no resolution, no I/O. The parser and resolver build these objects;
   everything downstream reads them.
2. Ids are plain ints: an item's id is its index in its `Resolve` arena (or in an `UnresolvedPackage`'s
   local arena before it is pushed). A `Type` is a primitive name (a `str`) or a type id (an `int`).
3. Insertion order of every dict is meaningful (it is the order of the reference), never sort them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

PRIMITIVES: frozenset[str] = frozenset(
    {
        "bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64",
        "f32", "f64", "char", "string", "error-context",
    }
)  # fmt: skip

Type: TypeAlias = str | int
"""A value type: a primitive name from `PRIMITIVES`, or the id of a `TypeDef`."""


@dataclass(slots=True)
class Span:
    """A byte range in the parser's source map; `start == end == 0` means "no location"."""

    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True, order=False)
class Version:
    """A semver version (`1.0.1-a+b`); ordering follows semver precedence, build breaks ties."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[object, ...]:
        """Orders versions as the Rust `semver` crate does (`Ord for Version`).

        A release sorts after its pre-releases; pre-release identifiers compare numerically when both
        are numeric, numeric before alphanumeric, text as ASCII; build metadata breaks ties the same way
        (numbers by value, then by written length), an empty build sorting first.
        """
        pre: tuple[object, ...] = (
            (1,) if not self.pre else (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre))
        )
        build = tuple(
            (0, len(b.lstrip("0")), b.lstrip("0"), len(b)) if b.isdigit() else (1, 0, b, 0)
            for b in self.build
        )
        return (self.major, self.minor, self.patch, pre, build)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += "-" + ".".join(self.pre)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


@dataclass(frozen=True, slots=True)
class PackageName:
    namespace: str
    name: str
    version: Version | None = None

    @property
    def sort_key(self) -> tuple[object, ...]:
        """Orders names as the reference's derived `Ord`: namespace, name, then version (none first)."""
        version = () if self.version is None else (self.version.sort_key,)
        return (self.namespace, self.name, version)

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version is not None else base


@dataclass(frozen=True, slots=True)
class Stable:
    since: Version
    deprecated: Version | None = None


@dataclass(frozen=True, slots=True)
class Unstable:
    feature: str
    deprecated: Version | None = None


Stability: TypeAlias = Stable | Unstable | None
"""`None` is the reference's `Stability::Unknown` (no gate attribute)."""


# ---------------------------------------------------------------------------------------------------
# Type definitions


@dataclass(slots=True)
class Field:
    name: str
    type: Type
    docs: str | None = None
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Record:
    fields: list[Field]


@dataclass(slots=True)
class Flag:
    name: str
    docs: str | None = None
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Flags:
    flags: list[Flag]


@dataclass(slots=True)
class Case:
    name: str
    type: Type | None
    docs: str | None = None
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Variant:
    cases: list[Case]


@dataclass(slots=True)
class EnumCase:
    name: str
    docs: str | None = None
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Enum:
    cases: list[EnumCase]


@dataclass(slots=True)
class Tuple:
    types: list[Type]


@dataclass(slots=True)
class Option:
    type: Type


@dataclass(slots=True)
class Result:
    ok: Type | None
    err: Type | None


@dataclass(slots=True)
class List:
    type: Type


@dataclass(slots=True)
class Map:
    key: Type
    value: Type


@dataclass(slots=True)
class FixedLengthList:
    type: Type
    length: int


@dataclass(slots=True)
class Future:
    type: Type | None


@dataclass(slots=True)
class Stream:
    type: Type | None


@dataclass(slots=True)
class Handle:
    kind: Literal["own", "borrow"]
    resource: int


@dataclass(slots=True)
class Resource:
    pass


@dataclass(slots=True)
class Alias:
    """`type a = b;`, a `use`d name, or a primitive alias: the reference's `TypeDefKind::Type`."""

    type: Type


@dataclass(slots=True)
class Unknown:
    """A placeholder for a type imported from a foreign package before it is resolved."""


TypeDefKind: TypeAlias = (
    Record | Resource | Handle | Flags | Tuple | Variant | Enum | Option | Result | List | Map
    | FixedLengthList | Future | Stream | Alias | Unknown
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OwnerInterface:
    id: int


@dataclass(frozen=True, slots=True)
class OwnerWorld:
    id: int


TypeOwner: TypeAlias = OwnerInterface | OwnerWorld | None


@dataclass(slots=True)
class TypeDef:
    name: str | None
    kind: TypeDefKind
    owner: TypeOwner = None
    docs: str | None = None
    stability: Stability = None
    span: Span = field(default_factory=Span)
    external_id: str | None = None


# ---------------------------------------------------------------------------------------------------
# Functions

FunctionKindName: TypeAlias = Literal[
    "freestanding", "async-freestanding", "method", "async-method", "static", "async-static", "constructor"
]


@dataclass(frozen=True, slots=True)
class FunctionKind:
    """`name` as serialized; `resource` is the type id for every kind but the freestanding two."""

    name: FunctionKindName
    resource: int | None = None

    @property
    def is_async(self) -> bool:
        return self.name.startswith("async")


@dataclass(slots=True)
class Param:
    name: str
    type: Type
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Function:
    name: str
    kind: FunctionKind
    params: list[Param]
    result: Type | None = None
    docs: str | None = None
    stability: Stability = None
    span: Span = field(default_factory=Span)
    external_id: str | None = None

    @property
    def item_name(self) -> str:
        """The name as written in WIT (`m` for `[method]r.m`, `r` for `[constructor]r`)."""
        if self.name.startswith("["):
            rest = self.name.split("]", 1)[1]
            return rest.split(".", 1)[1] if "." in rest else rest
        return self.name


# ---------------------------------------------------------------------------------------------------
# Interfaces, worlds, packages


@dataclass(slots=True)
class Interface:
    name: str | None
    types: dict[str, int] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    docs: str | None = None
    stability: Stability = None
    package: int | None = None
    span: Span = field(default_factory=Span)
    clone_of: int | None = None


WorldKey: TypeAlias = str | int
"""A plain name (`"x"`, `"[method]r.m"`), or an interface id for `import a:b/c;`-style items."""


@dataclass(slots=True)
class WorldInterface:
    """`docs` are the comments on the `import`/`export` statement itself; `external_id` its `@external-id`."""

    id: int
    stability: Stability = None
    span: Span = field(default_factory=Span)
    external_id: str | None = None
    docs: str | None = None


@dataclass(slots=True)
class WorldFunction:
    function: Function


@dataclass(slots=True)
class WorldType:
    id: int
    span: Span = field(default_factory=Span)


WorldItem: TypeAlias = WorldInterface | WorldFunction | WorldType


@dataclass(slots=True)
class IncludeName:
    name: str
    as_: str


@dataclass(slots=True)
class WorldInclude:
    stability: Stability
    id: int
    names: list[IncludeName]
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class World:
    name: str
    imports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    exports: dict[WorldKey, WorldItem] = field(default_factory=dict)
    package: int | None = None
    docs: str | None = None
    stability: Stability = None
    includes: list[WorldInclude] = field(default_factory=list)
    span: Span = field(default_factory=Span)


@dataclass(slots=True)
class Package:
    name: PackageName
    docs: str | None = None
    interfaces: dict[str, int] = field(default_factory=dict)
    worlds: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# The seam between the front end (lexer, parser, AST resolution) and the `Resolve`.


@dataclass(frozen=True, slots=True)
class AstInterface:
    id: int


@dataclass(frozen=True, slots=True)
class AstWorld:
    id: int


AstItem: TypeAlias = AstInterface | AstWorld


@dataclass(slots=True)
class UnresolvedPackage:
    """One parsed package, its ids local to its own arenas, foreign references still unresolved.

    Mirrors the reference's `UnresolvedPackage`: interfaces and types are in topological order; each
    foreign interface or world used is a placeholder entry in `interfaces`/`worlds` listed in
    `foreign_deps` (package name -> item name -> (placeholder, stabilities of the uses)), and each
    foreign type used is an `Unknown` typedef owned by such a placeholder interface.
    """

    name: PackageName
    worlds: list[World] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    types: list[TypeDef] = field(default_factory=list)
    foreign_deps: dict[PackageName, dict[str, tuple[AstItem, list[Stability]]]] = field(default_factory=dict)
    docs: str | None = None
    package_name_span: Span = field(default_factory=Span)
    unknown_type_spans: list[Span] = field(default_factory=list)
    foreign_dep_spans: list[Span] = field(default_factory=list)
    required_resource_types: list[tuple[int, Span]] = field(default_factory=list)


@dataclass(slots=True)
class UnresolvedPackageGroup:
    """What parsing one file or one directory of `.wit` files yields: a main package and nested ones.

    `source_map` is the front end's `SourceMap` (witparser._source), which renders spans in errors.
    """

    main: UnresolvedPackage
    nested: list[UnresolvedPackage]
    source_map: object
