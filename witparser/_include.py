"""World `include`: copying another world's imports and exports in (reference `resolve_include`).

Rules of this module:
1. Includes run after the whole package is copied in and in world order, so an included world (local
   or foreign) is already complete; an include whose gate is off is skipped.
2. Named items are copied (renamed by `with { a as b }`, which also renames `[method]a.m`-style
   names); a name already present is a shadowing error. Interface-keyed items merge with ones
   already present, merging their gates (a foreign include drops an `@since` gate).
3. What the included world owns is cloned, never shared: its types (and the anonymous types that
   reach them) and its inline interfaces, which record `clone_of`. That is `Cloner`'s job.
4. After the includes, names differing only in case clash (an error without a location).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witparser._model import (
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
    Param,
    Record,
    Result,
    Span,
    Stability,
    Stable,
    Stream,
    Tuple,
    TypeDef,
    TypeDefKind,
    TypeOwner,
    Variant,
    Version,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)

if TYPE_CHECKING:
    from witparser._remap import Remap
    from witparser._resolve import Resolve


def process_world_includes(remap: Remap, resolve: Resolve, world_id: int, package_id: int) -> None:
    """Apply every enabled `include` of world `world_id`, then check for case-insensitive clashes."""
    world = resolve.worlds[world_id]
    includes, world.includes = world.includes, []
    for include in includes:
        if not resolve.include_stability(include.stability, package_id, include.span):
            continue
        included = remap.map_world(resolve, include.id, include.span)
        _include(resolve, world_id, included, include.names, include.span, package_id)
    _check_case_insensitive(resolve, world_id)


def rename(original: str, include_name: IncludeName) -> str | None:
    """`original` renamed by one `with` entry, or `None` when the entry does not apply to it."""
    if original == include_name.name:
        return include_name.as_
    kind, bracket, rest = original.partition("]")
    if not bracket:
        return None
    name, dot, tail = rest.partition(".")
    if dot and name == include_name.name:
        return f"{kind}]{include_name.as_}.{tail}"
    if rest == include_name.name:
        return f"{kind}]{include_name.as_}"
    return None


def _include(
    resolve: Resolve, world_id: int, included_id: int, names: list[IncludeName], span: Span, package_id: int
) -> None:
    world = resolve.worlds[world_id]
    included = resolve.worlds[included_id]
    imports, exports = list(included.imports.items()), list(included.exports.items())
    is_external = world.package != included.package

    unmatched = list(names)
    for key, _ in [*imports, *exports]:
        if isinstance(key, str):
            unmatched = [n for n in unmatched if rename(key, n) is None]
    if unmatched:
        raise resolve.error(
            span,
            f"no import or export kebab-name `{unmatched[0].name}`. Note that an ID does not support renaming",
        )

    cloner = Cloner(resolve, CloneMaps(), OwnerWorld(included_id), OwnerWorld(world_id), package_id)
    for items, target, what in ((imports, world.imports, "import"), (exports, world.exports, "export")):
        for key, item in items:
            _include_item(cloner, names, target, key, item, span, what, is_external)


def _include_item(
    cloner: Cloner,
    names: list[IncludeName],
    target: dict[WorldKey, WorldItem],
    key: WorldKey,
    item: WorldItem,
    span: Span,
    what: str,
    is_external: bool,
) -> None:
    resolve = cloner.resolve
    if isinstance(key, str):
        new_name = next((r for n in names if (r := rename(key, n)) is not None), key)
        new_item = copy_world_item(item)
        cloner.world_item(new_item)
        if isinstance(new_item, WorldFunction):
            new_item.function.name = new_name
        elif isinstance(new_item, WorldType):
            resolve.types[new_item.id].name = new_name
        shadowed = new_name in target
        target[new_name] = new_item
        if shadowed:
            raise resolve.error(span, f"{what} of `{new_name}` shadows previously {what}ed items")
        return
    assert isinstance(item, WorldInterface)
    present = target.get(key)
    if present is None:
        present = copy_world_item(item)
        target[key] = present
    assert isinstance(present, WorldInterface) and present.id == item.id
    present.stability = _merge_include_stability(
        resolve, item.stability, present.stability, is_external, item.span
    )


def _merge_include_stability(
    resolve: Resolve, new: Stability, into: Stability, is_external: bool, span: Span
) -> Stability:
    if is_external and isinstance(new, Stable):
        return None
    if new == into or new is None:
        return into
    if into is None:
        return new
    raise resolve.error(
        span, f"mismatch in stability from '{debug_stability(new)}' to '{debug_stability(into)}'"
    )


def debug_stability(stability: Stability) -> str:
    """The reference's `Debug` text of a stability (it appears in the stability-mismatch error)."""
    if stability is None:
        return "Unknown"
    deprecated = "None" if stability.deprecated is None else f"Some({_debug_version(stability.deprecated)})"
    if isinstance(stability, Stable):
        return f"Stable {{ since: {_debug_version(stability.since)}, deprecated: {deprecated} }}"
    return f'Unstable {{ feature: "{stability.feature}", deprecated: {deprecated} }}'


def _debug_version(version: Version) -> str:
    text = f"Version {{ major: {version.major}, minor: {version.minor}, patch: {version.patch}"
    if version.pre:
        text += f', pre: Prerelease("{".".join(version.pre)}")'
    if version.build:
        text += f', build: BuildMetadata("{".".join(version.build)}")'
    return text + " }"


def _check_case_insensitive(resolve: Resolve, world_id: int) -> None:
    world = resolve.worlds[world_id]
    for items, what in ((world.imports, "import"), (world.exports, "export")):
        seen: dict[str, str] = {}
        for key in items:
            if not isinstance(key, str):
                continue
            lower = key.lower()
            existing = seen.get(lower)
            if existing is not None and existing != key:
                raise resolve.error(
                    Span(),
                    f"{what} `{key}` in world `{world.name}` conflicts with {what} `{existing}` "
                    "(kebab-case identifiers are case-insensitive)",
                )
            seen[lower] = key


# ---------------------------------------------------------------------------------------------------
# Cloning (the reference's resolve/clone.rs)


class CloneMaps:
    """Original id -> clone id, for types and interfaces, shared by the cloners of one include."""

    __slots__ = ("interfaces", "types")

    def __init__(self) -> None:
        self.types: dict[int, int] = {}
        self.interfaces: dict[int, int] = {}


class Cloner:
    """Deep-copies items owned by `prev_owner` so that `new_owner` gets its own ids.

    Every type reached from a cloned item is cloned once (anonymous ones included) except an alias's
    target that `prev_owner` does not own: that is a `use` of another interface's type and stays shared.
    """

    __slots__ = ("maps", "new_owner", "new_package", "prev_owner", "resolve")

    def __init__(
        self,
        resolve: Resolve,
        maps: CloneMaps,
        prev_owner: TypeOwner,
        new_owner: TypeOwner,
        new_package: int | None = None,
    ) -> None:
        self.resolve = resolve
        self.maps = maps
        self.prev_owner = prev_owner
        self.new_owner = new_owner
        self.new_package = new_package

    def world_item(self, item: WorldItem) -> None:
        """Clone what a name-keyed world item owns (its types, or its inline interface), in place."""
        if isinstance(item, WorldType):
            item.id = self.type_id(item.id)
        elif isinstance(item, WorldFunction):
            self.function(item.function)
        elif self.resolve.interfaces[item.id].name is None:
            item.id = self.interface(item.id)

    def type_id(self, type_id: int) -> int:
        clone = self.maps.types.get(type_id)
        if clone is None:
            original = self.resolve.types[type_id]
            new = TypeDef(
                name=original.name,
                kind=self._kind(copy_kind(original.kind)),
                owner=original.owner,
                docs=original.docs,
                stability=original.stability,
                span=original.span,
                external_id=original.external_id,
            )
            if new.owner is not None:
                assert new.owner == self.prev_owner, f"cloning type {type_id} owned by {new.owner!r}"
                new.owner = self.new_owner
            clone = len(self.resolve.types)
            self.resolve.types.append(new)
            self.maps.types[type_id] = clone
        return clone

    def _ty(self, ty: object) -> object:
        return self.type_id(ty) if isinstance(ty, int) else ty

    def _kind(self, kind: TypeDefKind) -> TypeDefKind:
        if isinstance(kind, Alias):
            target = kind.type
            if isinstance(target, int):
                if self.resolve.types[target].owner == self.prev_owner:
                    kind.type = self.type_id(target)
                else:
                    kind.type = self.maps.types.get(target, target)
        elif isinstance(kind, Handle):
            kind.resource = self.type_id(kind.resource)
        elif isinstance(kind, Option | List | FixedLengthList):
            kind.type = self._ty(kind.type)  # type: ignore[assignment]
        elif isinstance(kind, Future | Stream):
            if kind.type is not None:
                kind.type = self._ty(kind.type)  # type: ignore[assignment]
        elif isinstance(kind, Map):
            kind.key = self._ty(kind.key)  # type: ignore[assignment]
            kind.value = self._ty(kind.value)  # type: ignore[assignment]
        elif isinstance(kind, Tuple):
            kind.types = [self._ty(t) for t in kind.types]  # type: ignore[misc]
        elif isinstance(kind, Record):
            for fld in kind.fields:
                fld.type = self._ty(fld.type)  # type: ignore[assignment]
        elif isinstance(kind, Variant):
            for case in kind.cases:
                if case.type is not None:
                    case.type = self._ty(case.type)  # type: ignore[assignment]
        elif isinstance(kind, Result):
            if kind.ok is not None:
                kind.ok = self._ty(kind.ok)  # type: ignore[assignment]
            if kind.err is not None:
                kind.err = self._ty(kind.err)  # type: ignore[assignment]
        return kind

    def function(self, func: Function) -> None:
        if func.kind.resource is not None:
            func.kind = FunctionKind(func.kind.name, self.type_id(func.kind.resource))
        for param in func.params:
            param.type = self._ty(param.type)  # type: ignore[assignment]
        if func.result is not None:
            func.result = self._ty(func.result)  # type: ignore[assignment]

    def interface(self, interface_id: int) -> int:
        """Clone an (inline) interface with its types and functions; the copy records `clone_of`."""
        resolve = self.resolve
        original = resolve.interfaces[interface_id]
        next_id = len(resolve.interfaces)
        inner = Cloner(resolve, self.maps, OwnerInterface(interface_id), OwnerInterface(next_id))
        types = {name: inner.type_id(type_id) for name, type_id in original.types.items()}
        functions = {}
        for name, func in original.functions.items():
            copy = copy_function(func)
            inner.function(copy)
            functions[name] = copy
        package: int | None
        if self.new_package is not None:
            package = self.new_package
        elif isinstance(self.new_owner, OwnerInterface):
            package = resolve.interfaces[self.new_owner.id].package
        else:
            assert isinstance(self.new_owner, OwnerWorld)
            package = resolve.worlds[self.new_owner.id].package
        assert len(resolve.interfaces) == next_id
        resolve.interfaces.append(
            Interface(
                name=original.name,
                types=types,
                functions=functions,
                docs=original.docs,
                stability=original.stability,
                package=package,
                span=original.span,
                clone_of=interface_id,
            )
        )
        assert interface_id not in self.maps.interfaces
        self.maps.interfaces[interface_id] = next_id
        return next_id


# ---------------------------------------------------------------------------------------------------
# Copies of the mutable model objects that cloning rewrites


def copy_world_item(item: WorldItem) -> WorldItem:
    if isinstance(item, WorldInterface):
        return WorldInterface(item.id, item.stability, item.span, item.external_id, item.docs)
    if isinstance(item, WorldFunction):
        return WorldFunction(copy_function(item.function))
    return WorldType(item.id, item.span)


def copy_function(func: Function) -> Function:
    return Function(
        name=func.name,
        kind=func.kind,
        params=[Param(p.name, p.type, p.span) for p in func.params],
        result=func.result,
        docs=func.docs,
        stability=func.stability,
        span=func.span,
        external_id=func.external_id,
    )


def copy_kind(kind: TypeDefKind) -> TypeDefKind:
    """A copy of `kind` whose type references can be rewritten without touching the original."""
    if isinstance(kind, Record):
        return Record([Field(f.name, f.type, f.docs, f.span) for f in kind.fields])
    if isinstance(kind, Variant):
        return Variant([Case(c.name, c.type, c.docs, c.span) for c in kind.cases])
    if isinstance(kind, Tuple):
        return Tuple(list(kind.types))
    if isinstance(kind, Flags):
        return Flags([Flag(f.name, f.docs, f.span) for f in kind.flags])
    if isinstance(kind, Enum):
        return Enum([EnumCase(c.name, c.docs, c.span) for c in kind.cases])
    if isinstance(kind, Alias):
        return Alias(kind.type)
    if isinstance(kind, Handle):
        return Handle(kind.kind, kind.resource)
    if isinstance(kind, Option):
        return Option(kind.type)
    if isinstance(kind, List):
        return List(kind.type)
    if isinstance(kind, FixedLengthList):
        return FixedLengthList(kind.type, kind.length)
    if isinstance(kind, Map):
        return Map(kind.key, kind.value)
    if isinstance(kind, Result):
        return Result(kind.ok, kind.err)
    if isinstance(kind, Future):
        return Future(kind.type)
    if isinstance(kind, Stream):
        return Stream(kind.type)
    return kind
