"""A canonical, id-free form of a `Resolve`, for tests that compare two loads of the same WIT.

Two `Resolve`s built from the same packages by different routes (a directory, or the printer's text
parsed back) number their items differently and may order world imports and interface members
differently, but must agree on everything WIT can say. `canonical(resolve)` renders that: packages by
name; interfaces, worlds, types and functions by name (as dicts, so member order does not count);
fields, cases, flags and parameters as lists (their order is meaning); every type reference either as
`(owner, name)` for a named type or as the anonymous type's structure.
"""

from __future__ import annotations

from typing import Any

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
    Record,
    Resource,
    Result,
    Stream,
    Tuple,
    Type,
    TypeOwner,
    Variant,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
)
from witparser._resolve import Resolve


def canonical(resolve: Resolve) -> dict[str, Any]:
    return {
        str(package.name): _package(resolve, package_id)
        for package_id, package in enumerate(resolve.packages)
    }


def _package(resolve: Resolve, package_id: int) -> dict[str, Any]:
    package = resolve.packages[package_id]
    return {
        "docs": package.docs,
        "interfaces": {name: _interface(resolve, iface) for name, iface in package.interfaces.items()},
        "worlds": {name: _world(resolve, world) for name, world in package.worlds.items()},
    }


def _owner(resolve: Resolve, owner: TypeOwner) -> str:
    if isinstance(owner, OwnerInterface):
        iface = resolve.interfaces[owner.id]
        return _interface_name(resolve, owner.id) if iface.name is not None else f"<inline {owner.id}>"
    if isinstance(owner, OwnerWorld):
        world = resolve.worlds[owner.id]
        package = resolve.packages[world.package].name if world.package is not None else None
        return f"{package}:world:{world.name}"
    return "<none>"


def _interface_name(resolve: Resolve, iface_id: int) -> str:
    return resolve.id_of(iface_id) or f"<inline {iface_id}>"


def _ref(resolve: Resolve, ty: Type | None) -> Any:
    """A type reference: a primitive, a named type `(owner, name)`, or an anonymous structure."""
    if ty is None or isinstance(ty, str):
        return ty
    typedef = resolve.types[ty]
    if typedef.name is not None:
        if isinstance(typedef.owner, OwnerInterface) and resolve.interfaces[typedef.owner.id].name is None:
            # Types of inline interfaces are compared structurally with their interface.
            return ("inline-named", typedef.name)
        return ("named", _owner(resolve, typedef.owner), typedef.name)
    return _structure(resolve, typedef.kind)


def _structure(resolve: Resolve, kind: Any) -> Any:
    r = lambda t: _ref(resolve, t)  # noqa: E731
    if isinstance(kind, Record):
        return ("record", [(f.name, r(f.type), f.docs) for f in kind.fields])
    if isinstance(kind, Variant):
        return ("variant", [(c.name, r(c.type), c.docs) for c in kind.cases])
    if isinstance(kind, Enum):
        return ("enum", [(c.name, c.docs) for c in kind.cases])
    if isinstance(kind, Flags):
        return ("flags", [(f.name, f.docs) for f in kind.flags])
    if isinstance(kind, Resource):
        return ("resource",)
    if isinstance(kind, Handle):
        return ("handle", kind.kind, r(kind.resource))
    if isinstance(kind, Tuple):
        return ("tuple", [r(t) for t in kind.types])
    if isinstance(kind, Option | List):
        return (type(kind).__name__.lower(), r(kind.type))
    if isinstance(kind, FixedLengthList):
        return ("list", r(kind.type), kind.length)
    if isinstance(kind, Map):
        return ("map", r(kind.key), r(kind.value))
    if isinstance(kind, Result):
        return ("result", r(kind.ok), r(kind.err))
    if isinstance(kind, Future | Stream):
        return (type(kind).__name__.lower(), r(kind.type))
    if isinstance(kind, Alias):
        target = kind.type
        if isinstance(target, int) and resolve.types[target].name is None:
            # `type a = list<u8>` is the same WIT whether stored as a list or as an alias of one.
            return _structure(resolve, resolve.types[target].kind)
        return ("alias", r(target))
    return ("unknown", type(kind).__name__)


def _typedef(resolve: Resolve, type_id: int) -> Any:
    typedef = resolve.types[type_id]
    return (_structure(resolve, typedef.kind), typedef.docs, typedef.stability, typedef.external_id)


def _function(resolve: Resolve, func: Function) -> Any:
    resource = None if func.kind.resource is None else _ref(resolve, func.kind.resource)
    return (
        func.name,
        func.kind.name,
        resource,
        [(p.name, _ref(resolve, p.type)) for p in func.params],
        _ref(resolve, func.result),
        func.docs,
        func.stability,
        func.external_id,
    )


def _interface(resolve: Resolve, iface_id: int) -> Any:
    iface: Interface = resolve.interfaces[iface_id]
    return {
        "docs": iface.docs,
        "stability": iface.stability,
        "types": {name: _typedef(resolve, t) for name, t in iface.types.items()},
        "functions": {name: _function(resolve, f) for name, f in iface.functions.items()},
    }


def _world_item(resolve: Resolve, key: WorldKey, item: WorldItem) -> Any:
    if isinstance(item, WorldInterface):
        iface = resolve.interfaces[item.id]
        # The reference printer writes an interface's own docs on `import x: ...` when the statement
        # has none, so that is what the statement's docs mean after a round trip.
        docs = item.docs if item.docs is not None or not isinstance(key, str) else iface.docs
        target = _interface(resolve, item.id) if iface.name is None else _interface_name(resolve, item.id)
        return ("interface", target, item.stability, docs, item.external_id)
    if isinstance(item, WorldFunction):
        return ("function", _function(resolve, item.function))
    return ("type", _typedef(resolve, item.id))


def _world(resolve: Resolve, world_id: int) -> Any:
    world = resolve.worlds[world_id]

    def key(k: WorldKey) -> str:
        return k if isinstance(k, str) else _interface_name(resolve, k)

    return {
        "docs": world.docs,
        "stability": world.stability,
        "imports": {key(k): _world_item(resolve, k, v) for k, v in world.imports.items()},
        "exports": {key(k): _world_item(resolve, k, v) for k, v in world.exports.items()},
    }
