"""The JSON form of a `Resolve`, byte for byte what the reference's `serde_json::to_string_pretty` writes.

The conformance corpus compares this text exactly, so this module is all the JSON knowledge there is
(the twin of the reference's serde_.rs plus its `#[serde(...)]` attributes).

Rules of this module:
1. Keys are emitted in the reference's field order; optional fields (`docs`, `stability`,
   `external_id`, `clone_of`, a function's `result`, an empty parameter name) are left out when absent.
2. Ids are arena indices and every `Type` is a primitive name or a type id, so the model serializes
   without lookups; nothing here reads anything but the one item it is writing.
3. `json.dumps(obj, indent=2, ensure_ascii=False)` over dicts built in that order is the whole format.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from witparser._model import (
    Alias,
    Enum,
    FixedLengthList,
    Flags,
    Function,
    Future,
    Handle,
    Interface,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Package,
    Record,
    Resource,
    Result,
    Stability,
    Stable,
    Stream,
    Tuple,
    TypeDef,
    TypeDefKind,
    TypeOwner,
    Unknown,
    Variant,
    World,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
)

if TYPE_CHECKING:
    from witparser._resolve import Resolve

JsonObject = dict[str, Any]


def to_json(resolve: Resolve) -> str:
    """The whole `Resolve` as the reference prints it (no trailing newline)."""
    return json.dumps(resolve_to_obj(resolve), indent=2, ensure_ascii=False)


def resolve_to_obj(resolve: Resolve) -> JsonObject:
    """The `Resolve` as plain JSON-ready dicts and lists, keys in the reference's order."""
    return {
        "worlds": [_world(world) for world in resolve.worlds],
        "interfaces": [_interface(iface) for iface in resolve.interfaces],
        "types": [_typedef(ty) for ty in resolve.types],
        "packages": [_package(pkg) for pkg in resolve.packages],
    }


def world_key(key: WorldKey) -> str:
    """A world key as written in JSON: the name itself, or `interface-N` for an interface id."""
    return key if isinstance(key, str) else f"interface-{key}"


def _docs(obj: JsonObject, docs: str | None) -> None:
    if docs is not None:
        obj["docs"] = {"contents": docs}


def _stability(obj: JsonObject, stability: Stability) -> None:
    if stability is None:
        return
    if isinstance(stability, Stable):
        inner: JsonObject = {"since": str(stability.since)}
        key = "stable"
    else:
        inner = {"feature": stability.feature}
        key = "unstable"
    if stability.deprecated is not None:
        inner["deprecated"] = str(stability.deprecated)
    obj["stability"] = {key: inner}


def _package(pkg: Package) -> JsonObject:
    obj: JsonObject = {"name": str(pkg.name)}
    _docs(obj, pkg.docs)
    obj["interfaces"] = dict(pkg.interfaces)
    obj["worlds"] = dict(pkg.worlds)
    return obj


def _world(world: World) -> JsonObject:
    obj: JsonObject = {
        "name": world.name,
        "imports": {world_key(k): _world_item(v) for k, v in world.imports.items()},
        "exports": {world_key(k): _world_item(v) for k, v in world.exports.items()},
        "package": world.package,
    }
    _docs(obj, world.docs)
    _stability(obj, world.stability)
    return obj


def _world_item(item: WorldItem) -> JsonObject:
    if isinstance(item, WorldInterface):
        inner: JsonObject = {"id": item.id}
        _stability(inner, item.stability)
        if item.external_id is not None:
            inner["external_id"] = item.external_id
        _docs(inner, item.docs)
        return {"interface": inner}
    if isinstance(item, WorldFunction):
        return {"function": _function(item.function)}
    return {"type": item.id}


def _interface(iface: Interface) -> JsonObject:
    obj: JsonObject = {
        "name": iface.name,
        "types": dict(iface.types),
        "functions": {name: _function(func) for name, func in iface.functions.items()},
    }
    _docs(obj, iface.docs)
    _stability(obj, iface.stability)
    obj["package"] = iface.package
    if iface.clone_of is not None:
        obj["clone_of"] = iface.clone_of
    return obj


def _function(func: Function) -> JsonObject:
    kind = func.kind
    obj: JsonObject = {
        "name": func.name,
        "kind": kind.name if kind.resource is None else {kind.name: kind.resource},
        "params": [{"name": p.name, "type": p.type} if p.name else {"type": p.type} for p in func.params],
    }
    if func.result is not None:
        obj["result"] = func.result
    _docs(obj, func.docs)
    _stability(obj, func.stability)
    if func.external_id is not None:
        obj["external_id"] = func.external_id
    return obj


def _owner(owner: TypeOwner) -> JsonObject | None:
    if isinstance(owner, OwnerInterface):
        return {"interface": owner.id}
    if isinstance(owner, OwnerWorld):
        return {"world": owner.id}
    return None


def _typedef(ty: TypeDef) -> JsonObject:
    obj: JsonObject = {"name": ty.name, "kind": _kind(ty.kind), "owner": _owner(ty.owner)}
    _docs(obj, ty.docs)
    _stability(obj, ty.stability)
    if ty.external_id is not None:
        obj["external_id"] = ty.external_id
    return obj


def _named(name: str, docs: str | None, **extra: Any) -> JsonObject:
    obj: JsonObject = {"name": name, **extra}
    _docs(obj, docs)
    return obj


def _kind(kind: TypeDefKind) -> Any:
    if isinstance(kind, Alias):
        return {"type": kind.type}
    if isinstance(kind, Record):
        return {"record": {"fields": [_named(f.name, f.docs, type=f.type) for f in kind.fields]}}
    if isinstance(kind, Resource):
        return "resource"
    if isinstance(kind, Handle):
        return {"handle": {kind.kind: kind.resource}}
    if isinstance(kind, Flags):
        return {"flags": {"flags": [_named(f.name, f.docs) for f in kind.flags]}}
    if isinstance(kind, Tuple):
        return {"tuple": {"types": list(kind.types)}}
    if isinstance(kind, Variant):
        return {"variant": {"cases": [_named(c.name, c.docs, type=c.type) for c in kind.cases]}}
    if isinstance(kind, Enum):
        return {"enum": {"cases": [_named(c.name, c.docs) for c in kind.cases]}}
    if isinstance(kind, Option):
        return {"option": kind.type}
    if isinstance(kind, Result):
        return {"result": {"ok": kind.ok, "err": kind.err}}
    if isinstance(kind, List):
        return {"list": kind.type}
    if isinstance(kind, Map):
        return {"map": [kind.key, kind.value]}
    if isinstance(kind, FixedLengthList):
        return {"fixed-length-list": [kind.type, kind.length]}
    if isinstance(kind, Future):
        return {"future": kind.type}
    if isinstance(kind, Stream):
        return {"stream": kind.type}
    if isinstance(kind, Unknown):
        return "unknown"
    raise TypeError(f"not a type definition kind: {kind!r}")
