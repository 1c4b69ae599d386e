"""The `package-docs` custom section: the docs and gates a WIT package's binary encoding cannot carry.

The component binary format has no place for doc comments or `@since`/`@unstable` gates, so the
encoder (`PackageMetadata` in wit-parser's metadata.rs) stores them as JSON in a custom section named
`package-docs`, after one version byte (0 or 1). Decoding reads that section and writes the docs and
gates back onto the freshly decoded package.

Rules of this module:
1. It only injects: it never adds or removes items, and an entry naming an item the package does not
   have is an error (as in the reference), not something silently skipped.
2. Malformed JSON, wrong shapes and bad versions are `WitError`s.
"""

from __future__ import annotations

import json
from typing import Any

from witparser._error import WitError
from witparser._model import (
    Enum,
    Flags,
    Function,
    Record,
    Stability,
    Stable,
    TypeDef,
    Unstable,
    Variant,
    Version,
    WorldFunction,
    WorldInterface,
    WorldType,
)
from witparser._resolve import Resolve
from witparser._semver import SemverError, parse_version

SECTION_NAME = "package-docs"


def inject_package_docs(resolve: Resolve, package_id: int, data: bytes) -> None:
    """Apply a `package-docs` section's contents to package `package_id` of `resolve`."""
    _inject_package_metadata(resolve, package_id, _parse_metadata(data))


def version(text: str) -> Version:
    """A semver version from a binary's text (a name or a gate); a bad one is a `WitError`."""
    try:
        return parse_version(text)
    except SemverError as err:
        raise WitError(str(err)) from None


def _parse_metadata(data: bytes) -> dict[str, Any]:
    if not data or data[0] not in (0, 1):
        found = f"Some({data[0]})" if data else "None"
        raise WitError(f"expected package-docs version 1, got {found}")
    try:
        parsed = json.loads(data[1:].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise WitError(f"invalid {SECTION_NAME} section: {err}") from None
    if not isinstance(parsed, dict):
        raise WitError(f"invalid {SECTION_NAME} section: expected an object")
    return parsed


def _stability(value: Any) -> Stability:
    if value is None or value == "unknown":
        return None
    if isinstance(value, dict) and len(value) == 1:
        ((tag, body),) = value.items()
        if isinstance(body, dict):
            deprecated = body.get("deprecated")
            deprecated_version = version(deprecated) if isinstance(deprecated, str) else None
            if tag == "stable" and isinstance(body.get("since"), str):
                return Stable(version(body["since"]), deprecated_version)
            if tag == "unstable" and isinstance(body.get("feature"), str):
                return Unstable(body["feature"], deprecated_version)
    raise WitError(f"invalid stability in {SECTION_NAME} section: {value!r}")


def _dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise WitError(f"invalid {SECTION_NAME} section: expected an object, found {value!r}")
    return value


def _docs(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WitError(f"invalid {SECTION_NAME} section: expected a string, found {value!r}")


def _inject_package_metadata(resolve: Resolve, package_id: int, data: dict[str, Any]) -> None:
    package = resolve.packages[package_id]
    for name, meta in _dict(data.get("worlds")).items():
        if name not in package.worlds:
            raise WitError(f'missing world "{name}"')
        _inject_world(resolve, package.worlds[name], _dict(meta))
    for name, meta in _dict(data.get("interfaces")).items():
        if name not in package.interfaces:
            raise WitError(f'missing interface "{name}"')
        _inject_interface(resolve, package.interfaces[name], _dict(meta))
    if data.get("docs") is not None:
        package.docs = _docs(data["docs"])


def _inject_interface(resolve: Resolve, iface_id: int, data: dict[str, Any]) -> None:
    iface = resolve.interfaces[iface_id]
    for name, meta in _dict(data.get("types")).items():
        if name not in iface.types:
            raise WitError(f'missing type "{name}"')
        _inject_type(resolve.types[iface.types[name]], _dict(meta))
    for name, meta in _dict(data.get("funcs")).items():
        if name not in iface.functions:
            raise WitError(f'missing func "{name}"')
        _inject_function(iface.functions[name], meta)
    if data.get("docs") is not None:
        iface.docs = _docs(data["docs"])
    iface.stability = _stability(data.get("stability"))


def _inject_type(ty: TypeDef, data: dict[str, Any]) -> None:
    items = _dict(data.get("items"))
    if items:
        kind = ty.kind
        members: list[Any]
        if isinstance(kind, Record):
            members = kind.fields
        elif isinstance(kind, Flags):
            members = kind.flags
        elif isinstance(kind, Variant | Enum):
            members = kind.cases
        else:
            raise WitError("cannot inject item docs into a type without items")
        by_name = {member.name: member for member in members}
        for name, docs in items.items():
            if name not in by_name:
                raise WitError(f'missing item "{name}"')
            by_name[name].docs = _docs(docs)
    if data.get("docs") is not None:
        ty.docs = _docs(data["docs"])
    ty.stability = _stability(data.get("stability"))


def _inject_function(func: Function, data: Any) -> None:
    if data is None or isinstance(data, str):
        func.docs = data
        return
    data = _dict(data)
    func.docs = _docs(data.get("docs"))
    func.stability = _stability(data.get("stability"))


def _inject_world(resolve: Resolve, world_id: int, data: dict[str, Any]) -> None:
    world = resolve.worlds[world_id]
    named = [(n, m, False) for n, m in _dict(data.get("interfaces")).items()]
    named += [(n, m, True) for n, m in _dict(data.get("interface_exports")).items()]
    for name, meta, only_export in named:
        item = world.exports.get(name) if only_export else world.imports.get(name, world.exports.get(name))
        if not isinstance(item, WorldInterface):
            raise WitError(f'missing interface "{name}"')
        meta = _dict(meta)
        item.stability = _stability(meta.get("stability"))
        _inject_interface(resolve, item.id, meta)
    for name, meta in _dict(data.get("types")).items():
        item = world.imports.get(name)
        if not isinstance(item, WorldType):
            raise WitError(f'missing type "{name}"')
        _inject_type(resolve.types[item.id], _dict(meta))
    keys: dict[tuple[str, bool], WorldInterface] = {}
    for table, is_import in ((world.imports, True), (world.exports, False)):
        for key, item in table.items():
            if isinstance(item, WorldInterface):
                keys.setdefault((resolve.name_world_key(key), is_import), item)
    for field_name, is_import, attr in (
        ("interface_import_stability", True, "stability"),
        ("interface_export_stability", False, "stability"),
        ("interface_import_docs", True, "docs"),
        ("interface_export_docs", False, "docs"),
    ):
        for name, value in _dict(data.get(field_name)).items():
            target = keys.get((name, is_import))
            if target is None:
                raise WitError(f"missing interface `{name}`")
            if attr == "stability":
                target.stability = _stability(value)
            else:
                target.docs = _docs(value)
    funcs = [(n, m, False) for n, m in _dict(data.get("funcs")).items()]
    funcs += [(n, m, True) for n, m in _dict(data.get("func_exports")).items()]
    for name, meta, only_export in funcs:
        item = world.exports.get(name) if only_export else world.imports.get(name, world.exports.get(name))
        if not isinstance(item, WorldFunction):
            raise WitError(f'missing func "{name}"')
        _inject_function(item.function, meta)
    if data.get("docs") is not None:
        world.docs = _docs(data["docs"])
    world.stability = _stability(data.get("stability"))
