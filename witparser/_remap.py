"""Copying one `UnresolvedPackage` into a `Resolve` (the reference's `Remap::append`).

The ids every consumer sees are decided here, so the order of side effects follows the reference
exactly:

1. The package is allocated and named; its foreign placeholders (which the front end puts first in
   each arena) are mapped to items of packages already present, failing with the reference's
   not-found errors, and handle targets from other packages are checked to be resources.
2. Types are copied in arena order (gated-off ones dropped). A value position that refers to a
   resource, directly or through aliases, is rewritten to an anonymous `own` handle of the referenced
   id, allocated on first need just before the type that needs it, one per referenced id per package.
3. Interfaces are copied (functions rewritten the same way, gated-off members dropped), then type
   owners are mapped, then worlds are copied and world-owned types' owners mapped.
4. Each world has its `include`s applied (`witparser._include`) and is elaborated
   (`witparser._elaborate`); finally the package lists its named interfaces and its worlds.

Rule: a reference to something dropped by a gate is an error at the first place it is met, with the
reference's wording; nothing here reorders the arenas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witparser._elaborate import elaborate_world
from witparser._error import WitError
from witparser._include import process_world_includes
from witparser._model import (
    Alias,
    AstInterface,
    FixedLengthList,
    Function,
    FunctionKind,
    Future,
    Handle,
    Interface,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Package,
    PackageName,
    Record,
    Resource,
    Result,
    Span,
    Stability,
    Stream,
    Tuple,
    Type,
    TypeDef,
    TypeDefKind,
    Unknown,
    UnresolvedPackage,
    Variant,
    World,
    WorldFunction,
    WorldInterface,
    WorldKey,
    WorldType,
)

if TYPE_CHECKING:
    from witparser._resolve import Resolve

_NO_SPAN = Span()


class Remap:
    """Local-to-global id maps for one package being appended (`None` = dropped by a gate)."""

    __slots__ = ("has_borrow", "interfaces", "own_handles", "types", "worlds")

    def __init__(self) -> None:
        self.types: list[int | None] = []
        self.interfaces: list[int | None] = []
        self.worlds: list[int | None] = []
        self.own_handles: dict[int, int] = {}
        """Referenced (global) type id -> the anonymous `own` handle made for it in this package."""
        self.has_borrow: dict[int, bool] = {}

    # -- id maps --------------------------------------------------------------------------------------

    def map_type(self, resolve: Resolve, local: int, span: Span) -> int:
        return _apply(resolve, self.types, local, "type", span)

    def map_interface(self, resolve: Resolve, local: int, span: Span) -> int:
        return _apply(resolve, self.interfaces, local, "interface", span)

    def map_world(self, resolve: Resolve, local: int, span: Span) -> int:
        return _apply(resolve, self.worlds, local, "world", span)

    def _map_owner(self, resolve: Resolve, table: list[int | None], local: int, what: str, span: Span) -> int:
        try:
            return _apply(resolve, table, local, what, span)
        except WitError as err:
            message = f"{err.message}; this type is not gated by a feature but its {what} is"
            raise resolve.error(span, message) from None

    # -- the whole package ----------------------------------------------------------------------------

    def append(self, resolve: Resolve, unresolved: UnresolvedPackage) -> int:
        """Copy `unresolved` into `resolve`; returns the new package id."""
        package_id = len(resolve.packages)
        resolve.packages.append(Package(name=unresolved.name, docs=unresolved.docs))
        assert unresolved.name not in resolve.package_names, f"package `{unresolved.name}` added twice"
        resolve.package_names[unresolved.name] = package_id
        self._process_foreign_deps(resolve, package_id, unresolved)

        foreign_types = len(self.types)
        foreign_interfaces = len(self.interfaces)
        foreign_worlds = len(self.worlds)

        for ty in unresolved.types[foreign_types:]:
            if not resolve.include_stability(ty.stability, package_id, ty.span):
                self.types.append(None)
                continue
            ty.kind = self._update_kind(resolve, ty.kind, ty.span)
            new_id = len(resolve.types)
            resolve.types.append(ty)
            kind = ty.kind
            if ty.name is None and ty.owner is None and isinstance(kind, Handle) and kind.kind == "own":
                new_id = self.own_handles.setdefault(kind.resource, new_id)
            self.types.append(new_id)

        for iface in unresolved.interfaces[foreign_interfaces:]:
            if not resolve.include_stability(iface.stability, package_id, iface.span):
                self.interfaces.append(None)
                continue
            assert iface.package is None
            iface.package = package_id
            self._update_interface(resolve, iface, package_id)
            self.interfaces.append(len(resolve.interfaces))
            resolve.interfaces.append(iface)

        local_types = [t for t in self.types[foreign_types:] if t is not None]
        for type_id in local_types:
            ty = resolve.types[type_id]
            if isinstance(ty.owner, OwnerInterface):
                ty.owner = OwnerInterface(
                    self._map_owner(resolve, self.interfaces, ty.owner.id, "interface", ty.span)
                )

        for world in unresolved.worlds[foreign_worlds:]:
            if not resolve.include_stability(world.stability, package_id, world.span):
                self.worlds.append(None)
                continue
            self._update_world(resolve, world, package_id)
            self.worlds.append(len(resolve.worlds))
            resolve.worlds.append(world)

        for type_id in local_types:
            ty = resolve.types[type_id]
            if isinstance(ty.owner, OwnerWorld):
                ty.owner = OwnerWorld(self._map_owner(resolve, self.worlds, ty.owner.id, "world", ty.span))

        for world_id in self.worlds[foreign_worlds:]:
            if world_id is None:
                continue
            process_world_includes(self, resolve, world_id, package_id)
            elaborate_world(resolve, world_id, resolve.worlds[world_id].span)

        package = resolve.packages[package_id]
        for iface_id in self.interfaces[foreign_interfaces:]:
            if iface_id is None:
                continue
            iface = resolve.interfaces[iface_id]
            iface.package = package_id
            if iface.name is not None:
                assert iface.name not in package.interfaces
                package.interfaces[iface.name] = iface_id
        for world_id in self.worlds[foreign_worlds:]:
            if world_id is None:
                continue
            world = resolve.worlds[world_id]
            world.package = package_id
            assert world.name not in package.worlds
            package.worlds[world.name] = world_id
        return package_id

    # -- foreign placeholders -------------------------------------------------------------------------

    def _process_foreign_deps(self, resolve: Resolve, package_id: int, unresolved: UnresolvedPackage) -> None:
        interface_deps: dict[int, tuple[PackageName, str, Span, list[Stability]]] = {}
        world_deps: dict[int, tuple[PackageName, str, Span, list[Stability]]] = {}
        for index, (pkg_name, items) in enumerate(unresolved.foreign_deps.items()):
            span = unresolved.foreign_dep_spans[index]
            for name, (item, stabilities) in items.items():
                table = interface_deps if isinstance(item, AstInterface) else world_deps
                assert item.id not in table
                table[item.id] = (pkg_name, name, span, stabilities)

        for local_id, iface in enumerate(unresolved.interfaces):
            dep = interface_deps.get(local_id)
            if dep is None:
                break
            self.interfaces.append(self._foreign_item(resolve, package_id, dep, iface.span, "interface"))
        for local_id, world in enumerate(unresolved.worlds):
            dep = world_deps.get(local_id)
            if dep is None:
                break
            self.worlds.append(self._foreign_item(resolve, package_id, dep, world.span, "world"))
        self._process_foreign_types(resolve, package_id, unresolved)

        for local_id, span in unresolved.required_resource_types:
            mapped = self.types[local_id]
            if mapped is None:
                # Configured away by a gate: any use of it fails on its own later.
                continue
            kind = resolve.types[mapped].kind
            while isinstance(kind, Alias) and isinstance(kind.type, int):
                kind = resolve.types[kind.type].kind
            if not isinstance(kind, Resource):
                raise resolve.error(span, "type used in a handle must be a resource")

    def _foreign_item(
        self,
        resolve: Resolve,
        package_id: int,
        dep: tuple[PackageName, str, Span, list[Stability]],
        item_span: Span,
        what: str,
    ) -> int | None:
        pkg_name, name, span, stabilities = dep
        found = resolve.package_names.get(pkg_name)
        if found is None:
            known = list(resolve.package_names)
            message = f"package '{pkg_name}' not found"
            if known:
                message += ". known packages:" + "".join(f"\n    {k}" for k in known)
            raise resolve.error(span, message)
        enabled = False
        for stability in stabilities:
            if resolve.include_stability(stability, package_id, item_span):
                enabled = True
                break
        if not enabled:
            return None
        pkg = resolve.packages[found]
        items = pkg.interfaces if what == "interface" else pkg.worlds
        if name not in items:
            raise resolve.error(item_span, f"{what} '{name}' not found in package '{pkg.name}'")
        return items[name]

    def _process_foreign_types(
        self, resolve: Resolve, package_id: int, unresolved: UnresolvedPackage
    ) -> None:
        for local_id, ty in enumerate(unresolved.types):
            if not isinstance(ty.kind, Unknown):
                break
            if not resolve.include_stability(ty.stability, package_id, ty.span):
                self.types.append(None)
                continue
            owner = ty.owner
            assert isinstance(owner, OwnerInterface), "a foreign type is owned by its placeholder interface"
            iface_id = self.map_interface(resolve, owner.id, _NO_SPAN)
            assert ty.name is not None
            found = resolve.interfaces[iface_id].types.get(ty.name)
            if found is None:
                span = unresolved.unknown_type_spans[local_id]
                raise resolve.error(span, f"type `{ty.name}` not defined in interface")
            self.types.append(found)

    # -- types ----------------------------------------------------------------------------------------

    def _update_kind(self, resolve: Resolve, kind: TypeDefKind, span: Span) -> TypeDefKind:
        """`kind` with its local ids mapped; value positions that name a resource become `own` handles.

        Plain aliases (`type a = r;`) and handle targets are only mapped: an alias of a resource is
        itself usable as a resource.
        """
        if isinstance(kind, Alias):
            if isinstance(kind.type, int):
                kind.type = self.map_type(resolve, kind.type, span)
        elif isinstance(kind, Handle):
            kind.resource = self.map_type(resolve, kind.resource, span)
        elif isinstance(kind, Record):
            for fld in kind.fields:
                fld.type = self.update_ty(resolve, fld.type, fld.span)
        elif isinstance(kind, Tuple):
            kind.types = [self.update_ty(resolve, t, span) for t in kind.types]
        elif isinstance(kind, Variant):
            for case in kind.cases:
                if case.type is not None:
                    case.type = self.update_ty(resolve, case.type, span)
        elif isinstance(kind, Option | List | FixedLengthList):
            kind.type = self.update_ty(resolve, kind.type, span)
        elif isinstance(kind, Future | Stream):
            if kind.type is not None:
                kind.type = self.update_ty(resolve, kind.type, span)
        elif isinstance(kind, Map):
            kind.key = self.update_ty(resolve, kind.key, span)
            kind.value = self.update_ty(resolve, kind.value, span)
        elif isinstance(kind, Result):
            if kind.ok is not None:
                kind.ok = self.update_ty(resolve, kind.ok, span)
            if kind.err is not None:
                kind.err = self.update_ty(resolve, kind.err, span)
        elif isinstance(kind, Unknown):
            raise AssertionError("an unknown type outside the foreign placeholders")
        return kind

    def update_ty(self, resolve: Resolve, ty: Type, span: Span) -> Type:
        """A value-position type mapped, with a reference to a resource turned into `own<that>`."""
        if not isinstance(ty, int):
            return ty
        mapped = self.map_type(resolve, ty, span)
        kind = resolve.types[mapped].kind
        while isinstance(kind, Alias) and isinstance(kind.type, int):
            kind = resolve.types[kind.type].kind
        if not isinstance(kind, Resource):
            return mapped
        handle = self.own_handles.get(mapped)
        if handle is None:
            handle = len(resolve.types)
            resolve.types.append(TypeDef(name=None, kind=Handle("own", mapped)))
            self.own_handles[mapped] = handle
        return handle

    # -- interfaces, functions, worlds ----------------------------------------------------------------

    def _update_interface(self, resolve: Resolve, iface: Interface, package_id: int) -> None:
        types = self.types
        iface.types = {
            name: self.map_type(resolve, local, iface.span)
            for name, local in iface.types.items()
            if types[local] is not None
        }
        kept: dict[str, Function] = {}
        for name, func in iface.functions.items():
            if not resolve.include_stability(func.stability, package_id, func.span):
                continue
            self.update_function(resolve, func, func.span)
            kept[name] = func
        iface.functions = kept

    def update_function(self, resolve: Resolve, func: Function, span: Span) -> None:
        kind = func.kind
        if kind.resource is not None:
            func.kind = FunctionKind(kind.name, self.map_type(resolve, kind.resource, span))
        for param in func.params:
            param.type = self.update_ty(resolve, param.type, span)
        if func.result is not None:
            func.result = self.update_ty(resolve, func.result, span)
            if self._type_has_borrow(resolve, func.result):
                raise resolve.error(
                    span,
                    f"function `{func.name}` returns a type which contains a `borrow<T>` which is not supported",
                )

    def _update_world(self, resolve: Resolve, world: World, package_id: int) -> None:
        imports, exports = world.imports, world.exports
        world.imports, world.exports = {}, {}
        for source, target in ((imports, world.imports), (exports, world.exports)):
            for key, item in source.items():
                span = item.function.span if isinstance(item, WorldFunction) else item.span
                if isinstance(item, WorldType):
                    item.id = self.map_type(resolve, item.id, span)
                if not resolve.include_stability(resolve.world_item_stability(item), package_id, span):
                    continue
                new_key: WorldKey = key if isinstance(key, str) else self.map_interface(resolve, key, span)
                if isinstance(item, WorldInterface):
                    item.id = self.map_interface(resolve, item.id, span)
                elif isinstance(item, WorldFunction):
                    self.update_function(resolve, item.function, span)
                assert new_key not in target
                target[new_key] = item

    # -- borrows in results ---------------------------------------------------------------------------

    def _type_has_borrow(self, resolve: Resolve, ty: Type | None) -> bool:
        if not isinstance(ty, int):
            return False
        cached = self.has_borrow.get(ty)
        if cached is None:
            cached = self._kind_has_borrow(resolve, resolve.types[ty].kind)
            self.has_borrow[ty] = cached
        return cached

    def _kind_has_borrow(self, resolve: Resolve, kind: object) -> bool:
        if isinstance(kind, Handle):
            return kind.kind == "borrow"
        if isinstance(kind, Alias | Option | List | FixedLengthList | Future | Stream):
            return self._type_has_borrow(resolve, kind.type)
        if isinstance(kind, Record):
            return any(self._type_has_borrow(resolve, f.type) for f in kind.fields)
        if isinstance(kind, Variant):
            return any(self._type_has_borrow(resolve, c.type) for c in kind.cases)
        if isinstance(kind, Tuple):
            return any(self._type_has_borrow(resolve, t) for t in kind.types)
        if isinstance(kind, Map):
            return self._type_has_borrow(resolve, kind.key) or self._type_has_borrow(resolve, kind.value)
        if isinstance(kind, Result):
            return self._type_has_borrow(resolve, kind.ok) or self._type_has_borrow(resolve, kind.err)
        if isinstance(kind, Unknown):
            raise AssertionError("an unknown type in a resolved package")
        return False


def _apply(resolve: Resolve, table: list[int | None], local: int, what: str, span: Span) -> int:
    if local >= len(table):
        raise AssertionError(f"a {what} was referenced before it was registered")
    mapped = table[local]
    if mapped is None:
        raise resolve.error(
            span, f"found a reference to a {what} which is excluded due to its feature not being activated"
        )
    return mapped
