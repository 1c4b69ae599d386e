"""WIT text to a resolved `Resolve`, compatible with the Rust `wit-parser` crate (0.257.1).

    >>> import witparser
    >>> resolve = witparser.parse("package a:b; interface i { f: func(); }")
    >>> resolve.id_of(0)
    'a:b/i'

`load` reads a directory (with its `deps/`) or a file; `parse` reads one WIT text. Both raise
`WitError`, whose `str()` is the reference's error text. `Resolve.to_json()` is the reference's JSON;
`format_resolve(resolve)` prints it back as WIT text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from witparser._error import WitError
from witparser._model import (
    PRIMITIVES,
    Alias,
    Case,
    Enum,
    EnumCase,
    Field,
    FixedLengthList,
    Flag,
    Flags,
    Function,
    FunctionKind,
    Future,
    Handle,
    IncludeName,
    Interface,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Package,
    PackageName,
    Param,
    Record,
    Resource,
    Result,
    Span,
    Stability,
    Stable,
    Stream,
    Tuple,
    Type,
    TypeDef,
    TypeDefKind,
    TypeOwner,
    Unstable,
    Variant,
    Version,
    World,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)
from witparser._resolve import Resolve

__all__ = [
    "PRIMITIVES",
    "Alias",
    "Case",
    "Enum",
    "EnumCase",
    "Field",
    "FixedLengthList",
    "Flag",
    "Flags",
    "Function",
    "FunctionKind",
    "Future",
    "Handle",
    "IncludeName",
    "Interface",
    "List",
    "Map",
    "Option",
    "OwnerInterface",
    "OwnerWorld",
    "Package",
    "PackageName",
    "Param",
    "Record",
    "Resolve",
    "Resource",
    "Result",
    "Span",
    "Stability",
    "Stable",
    "Stream",
    "Tuple",
    "Type",
    "TypeDef",
    "TypeDefKind",
    "TypeOwner",
    "Unstable",
    "Variant",
    "Version",
    "WitError",
    "World",
    "WorldFunction",
    "WorldInterface",
    "WorldItem",
    "WorldKey",
    "WorldType",
    "format_resolve",
    "load",
    "load_into",
    "parse",
]


def load(path: str | os.PathLike[str], features: Iterable[str] = (), all_features: bool = False) -> Resolve:
    """Resolve the WIT at `path`: a directory (its `*.wit` files plus `deps/`), a `.wit` file, or wasm.

    `@unstable(feature = x)` items are kept only when `x` is in `features` (or `all_features`).
    """
    resolve = Resolve(features=set(features), all_features=all_features)
    load_into(resolve, path)
    return resolve


def load_into(resolve: Resolve, path: str | os.PathLike[str]) -> int:
    """Add the WIT at `path` to an existing `resolve`; returns the id of its main package.

    Paths in error messages are `path` as given, joined with the names found under it.
    """
    from witparser._fs import push_path

    return push_path(resolve, os.fspath(path))


def parse(
    text: str, path: str = "<input>", features: Iterable[str] = (), all_features: bool = False
) -> Resolve:
    """Resolve one WIT text; nested `package x:y { ... }` blocks are its only dependencies.

    `path` only names the text in error messages.
    """
    from witparser._ast_resolve import parse_text

    resolve = Resolve(features=set(features), all_features=all_features)
    resolve.push_group(parse_text(text, path))
    return resolve


def format_resolve(resolve: Resolve, package_ids: Iterable[int] | None = None) -> str:
    """WIT text for `package_ids` (default: every package, the main one last and the rest nested) that
    parses back to the same packages."""
    from witparser._printer import format_resolve as _format

    return _format(resolve, None if package_ids is None else list(package_ids))
