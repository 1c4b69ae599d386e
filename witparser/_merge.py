"""Merging one `Resolve` into another: the reference's `Resolve::merge`.

A wasm-encoded WIT package is decoded into a `Resolve` of its own and then merged into the one being
loaded. Packages the target already has (same name) are reused, their interfaces and worlds matched by
name; everything else is appended in the source's arena order with every id rewritten, so the
numbering is what the reference produces. Afterwards every world is elaborated again, since a merged
interface may have gained types that bring new interface dependencies.

Rules of this module:
1. Items are only appended or, for matched interfaces, extended with types and functions they lack;
   nothing already in the target is replaced.
2. The order of appends is the source's arena order, type by type, then interfaces, worlds, packages.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from witparser._elaborate import elaborate_world
from witparser._error import WitError
from witparser._model import (
    Alias,
    FixedLengthList,
    Function,
    FunctionKind,
    Future,
    Handle,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Record,
    Result,
    Span,
    Stability,
    Stable,
    Stream,
    Tuple,
    Type,
    TypeDefKind,
    Variant,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)
from witparser._resolve import Resolve


def merge(into: Resolve, source: Resolve) -> list[int]:
    """Append `source` to `into`, reusing packages `into` already has by name.

    Returns the new id of each of `source`'s packages. Items of a reused package are matched by name
    (interfaces, worlds, their types and functions); everything else is appended with its ids
    rewritten, in `source`'s arena order, so relative order and hence numbering are preserved.
    """
    matcher = _MergeMap(source, into)
    for package_id, package in enumerate(source.packages):
        existing = into.package_names.get(package.name)
        if existing is not None:
            matcher.package(package_id, existing)
    types: list[int] = []
    for type_id, ty in enumerate(source.types):
        mapped = matcher.types.get(type_id)
        if mapped is not None:
            _update_stability(ty.stability, into.types[mapped], "type")
            types.append(mapped)
            continue
        types.append(len(into.types))
        into.types.append(replace(ty, kind=_remap_kind(ty.kind, types)))
    interfaces: list[int] = []
    for iface_id, iface in enumerate(source.interfaces):
        mapped = matcher.interfaces.get(iface_id)
        if mapped is not None:
            target = into.interfaces[mapped]
            _update_stability(iface.stability, target, "interface")
            for name, type_id in iface.types.items():
                target.types.setdefault(name, types[type_id])
            for name, func in iface.functions.items():
                if name not in target.functions:
                    target.functions[name] = _remap_function(func, types)
            interfaces.append(mapped)
            continue
        interfaces.append(len(into.interfaces))
        functions = {
            name: _remap_function(f, types)
            for name, f in iface.functions.items()
            if _keeps(into, f.stability, iface.package)
        }
        types_of = {name: types[t] for name, t in iface.types.items()}
        into.interfaces.append(replace(iface, types=types_of, functions=functions))
    worlds: list[int] = []
    for world_id, world in enumerate(source.worlds):
        mapped = matcher.worlds.get(world_id)
        if mapped is not None:
            _update_stability(world.stability, into.worlds[mapped], "world")
            worlds.append(mapped)
            continue
        worlds.append(len(into.worlds))
        into.worlds.append(
            replace(
                world,
                imports=_remap_world_items(world.imports, types, interfaces),
                exports=_remap_world_items(world.exports, types, interfaces),
            )
        )
    packages: list[int] = []
    for package_id, package in enumerate(source.packages):
        mapped = matcher.packages.get(package_id)
        if mapped is not None:
            packages.append(mapped)
            continue
        packages.append(len(into.packages))
        into.packages.append(
            replace(
                package,
                interfaces={n: interfaces[i] for n, i in package.interfaces.items()},
                worlds={n: worlds[i] for n, i in package.worlds.items()},
            )
        )
    for package_name, package_id in source.package_names.items():
        into.package_names.setdefault(package_name, packages[package_id])
    _fix_parents(into, source, packages, interfaces, worlds, types, matcher)
    for name, package_id, iface_id in matcher.interfaces_to_add:
        into.packages[package_id].interfaces[name] = interfaces[iface_id]
    for name, package_id, world_id in matcher.worlds_to_add:
        into.packages[package_id].worlds[name] = worlds[world_id]
    # Merged interfaces may have gained types, hence interface dependencies, that worlds must import.
    for world_id, world in enumerate(into.worlds):
        elaborate_world(into, world_id, world.span)
    return packages


def _keeps(into: Resolve, stability: Stability, package_id: int | None) -> bool:
    """Whether a moved function survives its gate.

    The reference checks the gate while the function's interface still carries the *source* package
    id and looks that id up in the target (`packages.get`), so a `@since` gate whose id is not (yet) a
    target package is kept unchecked. That is reproduced here rather than "fixed", to keep the ids.
    """
    if package_id is None or (isinstance(stability, Stable) and package_id >= len(into.packages)):
        return True
    return into.include_stability(stability, package_id, Span())


def _fix_parents(
    into: Resolve,
    source: Resolve,
    packages: list[int],
    interfaces: list[int],
    worlds: list[int],
    types: list[int],
    matcher: _MergeMap,
) -> None:
    """Point the moved items' `package`, `clone_of` and `owner` links at their new ids."""
    for world_id in range(len(source.worlds)):
        if world_id not in matcher.worlds:
            world = into.worlds[worlds[world_id]]
            if world.package is not None:
                world.package = packages[world.package]
    for iface_id in range(len(source.interfaces)):
        if iface_id not in matcher.interfaces:
            iface = into.interfaces[interfaces[iface_id]]
            if iface.package is not None:
                iface.package = packages[iface.package]
            if iface.clone_of is not None:
                iface.clone_of = interfaces[iface.clone_of]
    for type_id in range(len(source.types)):
        if type_id not in matcher.types:
            ty = into.types[types[type_id]]
            if isinstance(ty.owner, OwnerInterface):
                ty.owner = OwnerInterface(interfaces[ty.owner.id])
            elif isinstance(ty.owner, OwnerWorld):
                ty.owner = OwnerWorld(worlds[ty.owner.id])


def _update_stability(source: Stability, target: Any, what: str) -> None:
    if source is None or source == target.stability:
        return
    if target.stability is None:
        target.stability = source
        return
    raise WitError(f"mismatch in stability of {what}: {source!r} vs {target.stability!r}")


def _remap_type(ty: Type, types: list[int]) -> Type:
    return ty if isinstance(ty, str) else types[ty]


def _remap_opt(ty: Type | None, types: list[int]) -> Type | None:
    return None if ty is None else _remap_type(ty, types)


def _remap_kind(kind: TypeDefKind, types: list[int]) -> TypeDefKind:
    t = types
    if isinstance(kind, Record):
        return Record([replace(f, type=_remap_type(f.type, t)) for f in kind.fields])
    if isinstance(kind, Variant):
        return Variant([replace(c, type=_remap_opt(c.type, t)) for c in kind.cases])
    if isinstance(kind, Tuple):
        return Tuple([_remap_type(x, t) for x in kind.types])
    if isinstance(kind, Option | List | Alias):
        return replace(kind, type=_remap_type(kind.type, t))
    if isinstance(kind, FixedLengthList):
        return replace(kind, type=_remap_type(kind.type, t))
    if isinstance(kind, Map):
        return Map(_remap_type(kind.key, t), _remap_type(kind.value, t))
    if isinstance(kind, Result):
        return Result(_remap_opt(kind.ok, t), _remap_opt(kind.err, t))
    if isinstance(kind, Future | Stream):
        return replace(kind, type=_remap_opt(kind.type, t))
    if isinstance(kind, Handle):
        return Handle(kind.kind, t[kind.resource])
    return kind


def _remap_function(func: Function, types: list[int]) -> Function:
    kind = func.kind
    if kind.resource is not None:
        kind = FunctionKind(kind.name, types[kind.resource])
    return replace(
        func,
        kind=kind,
        params=[replace(p, type=_remap_type(p.type, types)) for p in func.params],
        result=_remap_opt(func.result, types),
    )


def _remap_world_items(
    items: dict[WorldKey, WorldItem], types: list[int], interfaces: list[int]
) -> dict[WorldKey, WorldItem]:
    result: dict[WorldKey, WorldItem] = {}
    for key, item in items.items():
        new_key = key if isinstance(key, str) else interfaces[key]
        if isinstance(item, WorldInterface):
            result[new_key] = replace(item, id=interfaces[item.id])
        elif isinstance(item, WorldType):
            result[new_key] = replace(item, id=types[item.id])
        else:
            result[new_key] = WorldFunction(_remap_function(item.function, types))
    return result


class _MergeMap:
    """Which of `source`'s packages, interfaces, worlds and types already exist in `into`."""

    def __init__(self, source: Resolve, into: Resolve) -> None:
        self.source = source
        self.into = into
        self.packages: dict[int, int] = {}
        self.interfaces: dict[int, int] = {}
        self.types: dict[int, int] = {}
        self.worlds: dict[int, int] = {}
        self.interfaces_to_add: list[tuple[str, int, int]] = []
        self.worlds_to_add: list[tuple[str, int, int]] = []

    def package(self, source_id: int, into_id: int) -> None:
        source = self.source.packages[source_id]
        into = self.into.packages[into_id]
        self.packages[source_id] = into_id
        try:
            for name, iface in source.interfaces.items():
                if name not in into.interfaces:
                    self.interfaces_to_add.append((name, into_id, iface))
                    continue
                try:
                    self.interface(iface, into.interfaces[name])
                except WitError as err:
                    raise err.with_context(f"failed to merge interface `{name}`") from None
            for name, world in source.worlds.items():
                if name not in into.worlds:
                    self.worlds_to_add.append((name, into_id, world))
                    continue
                try:
                    self.world(world, into.worlds[name])
                except WitError as err:
                    raise err.with_context(f"failed to merge world `{name}`") from None
        except WitError as err:
            raise err.with_context(f"failed to merge package `{source.name}` into existing copy") from None

    def interface(self, source_id: int, into_id: int) -> None:
        self.interfaces[source_id] = into_id
        source = self.source.interfaces[source_id]
        into = self.into.interfaces[into_id]
        for name, type_id in source.types.items():
            if name in into.types:
                self.types[type_id] = into.types[name]
        for name, func in source.functions.items():
            other = into.functions.get(name)
            if other is not None:
                try:
                    _same_signature_shape(func, other)
                except WitError as err:
                    raise err.with_context(f"mismatch in function `{name}`") from None

    def world(self, source_id: int, into_id: int) -> None:
        self.worlds[source_id] = into_id
        source = self.source.worlds[source_id]
        into = self.into.worlds[into_id]
        for what, source_items, into_items in (
            ("import", source.imports, into.imports),
            ("export", source.exports, into.exports),
        ):
            if len(source_items) != len(into_items):
                raise WitError(f"world contains different number of {what}s than expected")
            for key, item in source_items.items():
                mapped_key = key if isinstance(key, str) else self.interfaces.get(key, key)
                other = into_items.get(mapped_key)
                if other is None:
                    raise WitError(f"{what} `{self.source.name_world_key(key)}` not found in target world")
                self._world_item(item, other)

    def _world_item(self, item: WorldItem, other: WorldItem) -> None:
        if isinstance(item, WorldInterface) and isinstance(other, WorldInterface):
            if self.source.interfaces[item.id].name is None and self.into.interfaces[other.id].name is None:
                self.interface(item.id, other.id)
            elif self.interfaces.get(item.id) != other.id:
                raise WitError("interfaces are not the same")
        elif isinstance(item, WorldType) and isinstance(other, WorldType):
            self.types[item.id] = other.id
        elif not (isinstance(item, WorldFunction) and isinstance(other, WorldFunction)):
            raise WitError("world items do not have the same type")


def _same_signature_shape(a: Function, b: Function) -> None:
    """The checks the reference makes before treating two functions as one (names, kinds, arity)."""
    if a.name != b.name:
        raise WitError(f"different function names `{a.name}` and `{b.name}`")
    if a.kind.name != b.kind.name:
        raise WitError("different function kind types")
    if len(a.params) != len(b.params):
        raise WitError("different number of function parameters")
    for pa, pb in zip(a.params, b.params, strict=True):
        if pa.name != pb.name:
            raise WitError(f"different function parameter names: {pa.name} != {pb.name}")
        if isinstance(pa.type, str) != isinstance(pb.type, str) or (
            isinstance(pa.type, str) and pa.type != pb.type
        ):
            raise WitError("different kinds of types").with_context(
                f"different function parameter types for `{pa.name}`"
            )
    if (a.result is None) != (b.result is None):
        raise WitError("different number of function results")
