"""The `Resolve`: every package loaded so far, in one arena of worlds, interfaces and types.

This is the shared currency of everything built on WIT (codec, bindgen, lattice), mirroring the
reference's `Resolve` (resolve/mod.rs). Packages enter only through `push_group`/`push_groups`, which
order a set of parsed packages by their dependencies and hand each to `witparser._remap` to be copied
into the arenas.

Rules of this module:
1. The arenas are append-only and an item's id is its index; attribute names (`worlds`, `interfaces`,
   `types`, `packages`, `package_names`, `features`, `all_features`) are the contract other modules use.
2. Every span stored here is valid in `source_map`: a group's source map is absorbed (and the spans of
   its packages shifted) before any of its packages is remapped, so errors render from this one map.
3. Queries (`id_of`, `select_world`, `interface_by_name`, `type_by_name`, dependency walks) never mutate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from witparser._assemble import push_groups
from witparser._error import WitError
from witparser._json import to_json
from witparser._model import (
    Alias,
    Interface,
    OwnerInterface,
    Package,
    PackageName,
    Span,
    Stability,
    TypeDef,
    UnresolvedPackageGroup,
    Unstable,
    World,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
)
from witparser._source import SourceMap


@dataclass(slots=True)
class Resolve:
    """All loaded packages; `load`/`parse` in `witparser` fill one, `features` gate `@unstable` items."""

    worlds: list[World] = field(default_factory=list)
    interfaces: list[Interface] = field(default_factory=list)
    types: list[TypeDef] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    package_names: dict[PackageName, int] = field(default_factory=dict)
    features: set[str] = field(default_factory=set)
    all_features: bool = False
    source_map: SourceMap = field(default_factory=SourceMap)
    main_packages: list[int] = field(default_factory=list)
    """The main package of every load so far, in load order (what `select_world` defaults to)."""

    # -- adding packages ------------------------------------------------------------------------------

    def push_group(self, group: UnresolvedPackageGroup) -> int:
        """Add one parsed group (a file or a directory) and its nested packages; returns the main id."""
        return self.push_groups(group, [])

    def push_groups(self, main: UnresolvedPackageGroup, deps: list[UnresolvedPackageGroup]) -> int:
        """Add a main group and its dependency groups, each package after those it depends on.

        Returns the id of `main`'s main package. On error the `Resolve` may be partly filled.
        """
        package_id = push_groups(self, main, deps)
        self.main_packages.append(package_id)
        return package_id

    # -- serialization --------------------------------------------------------------------------------

    def to_json(self) -> str:
        """The reference's `serde_json::to_string_pretty` of this `Resolve`."""
        return to_json(self)

    # -- gates ----------------------------------------------------------------------------------------

    def include_stability(self, stability: Stability, package_id: int, span: Span) -> bool:
        """Whether an item with this gate is kept in package `package_id` (reference `include_stability`).

        `@unstable` items are kept when their feature is enabled; `@since` items are always kept but
        their version must not be newer than the package's, which must have one.
        """
        if stability is None:
            return True
        if isinstance(stability, Unstable):
            return self.all_features or stability.feature in self.features
        package = self.packages[package_id]
        current = package.name.version
        if current is None:
            raise self.error(
                span,
                f"package [{package.name}] contains a feature gate with a version specifier, "
                "so it must have a version",
            )
        if stability.since.sort_key > current.sort_key:
            raise self.error(
                span,
                f"feature gate cannot reference unreleased version {stability.since} of package "
                f"[{package.name}] (current version {current})",
            )
        return True

    def error(self, span: Span, message: str) -> WitError:
        """A `WitError` located at `span` in this `Resolve`'s sources (unlocated for `Span()`)."""
        return self.source_map.error(span, message)

    # -- dependency walks -----------------------------------------------------------------------------

    def type_interface_dep(self, type_id: int) -> int | None:
        """The interface a `use`-alias type imports from, when that is not the type's own owner."""
        ty = self.types[type_id]
        kind = ty.kind
        if not isinstance(kind, Alias) or not isinstance(kind.type, int):
            return None
        other = self.types[kind.type]
        if other.owner == ty.owner:
            return None
        owner = other.owner
        if not isinstance(owner, OwnerInterface):
            raise AssertionError(f"type {type_id} aliases a type owned by {owner!r}, not an interface")
        return owner.id

    def interface_direct_deps(self, interface_id: int) -> list[int]:
        """Interfaces whose types `interface_id` uses, in the order of its types (repeats kept)."""
        deps = []
        for type_id in self.interfaces[interface_id].types.values():
            dep = self.type_interface_dep(type_id)
            if dep is not None:
                deps.append(dep)
        return deps

    # -- lookups --------------------------------------------------------------------------------------

    def id_of(self, interface_id: int) -> str | None:
        """`ns:pkg/iface@version` of a named interface, `None` for an inline (anonymous) one."""
        iface = self.interfaces[interface_id]
        if iface.name is None or iface.package is None:
            return None
        return self.id_of_name(iface.package, iface.name)

    def id_of_name(self, package_id: int, name: str) -> str:
        """`ns:pkg/name@version` for an item called `name` in package `package_id`."""
        pkg = self.packages[package_id].name
        base = f"{pkg.namespace}:{pkg.name}/{name}"
        return base if pkg.version is None else f"{base}@{pkg.version}"

    def name_world_key(self, key: WorldKey) -> str:
        """A world key as a human-readable name: the name, or the interface's `id_of`."""
        if isinstance(key, str):
            return key
        name = self.id_of(key)
        if name is None:
            raise AssertionError(f"world key {key} names an anonymous interface")
        return name

    def world_item_stability(self, item: WorldItem) -> Stability:
        """The gate of a world import or export (a type item's gate is its definition's)."""
        if isinstance(item, WorldInterface):
            return item.stability
        if isinstance(item, WorldFunction):
            return item.function.stability
        return self.types[item.id].stability

    def select_world(self, package_ids: int | list[int] | None = None, world: str | None = None) -> int:
        """The world id to generate for, like the reference's `Resolve::select_world`.

        `package_ids` are the main packages (default: those of every load so far). `world` is a plain
        name looked up in the single main package, or a qualified `ns:pkg/name[@version]`; with
        `world=None` the main package must hold exactly one world. Raises `LookupError` when the choice
        is missing or ambiguous.
        """
        if package_ids is None:
            mains = list(self.main_packages)
        else:
            mains = [package_ids] if isinstance(package_ids, int) else list(package_ids)
        if world is None:
            if len(mains) != 1:
                raise LookupError(self._many_mains("No main packages defined" if not mains else None))
            pkg = self.packages[mains[0]]
            if not pkg.worlds:
                raise LookupError(f"The main package `{pkg.name}` contains no worlds")
            if len(pkg.worlds) > 1:
                listing = "".join(f"\n  {self.id_of_name(mains[0], name)}" for name in pkg.worlds)
                raise LookupError(
                    f"There are multiple worlds in `{pkg.name}`; one must be explicitly chosen:{listing}"
                )
            return next(iter(pkg.worlds.values()))
        if not mains:
            raise LookupError("No main packages defined")
        package_id, name = self._world_package(mains, world)
        pkg = self.packages[package_id]
        if name not in pkg.worlds:
            raise LookupError(f"World `{name}` not found in package `{pkg.name}`")
        return pkg.worlds[name]

    def _many_mains(self, message: str | None) -> str:
        if message is not None:
            return message
        listing = "".join(
            f"\n  {self.id_of_name(w.package, w.name)}" for w in self.worlds if w.package is not None
        )
        return f"There are multiple main packages; a world must be explicitly chosen:{listing}"

    def _world_package(self, mains: list[int], world: str) -> tuple[int, str]:
        if ":" not in world:
            if len(mains) != 1:
                raise LookupError(self._many_mains(None))
            return mains[0], world
        package_text, _, rest = world.partition("/")
        name, _, version = rest.partition("@")
        wanted = f"{package_text}@{version}" if version else package_text
        for candidate, package_id in self.package_names.items():
            if str(candidate) == wanted:
                return package_id, name
        namespace, _, pkg_name = package_text.partition(":")
        versioned = [
            (candidate.version, package_id)
            for candidate, package_id in self.package_names.items()
            if not version
            and candidate.version is not None
            and (candidate.namespace, candidate.name) == (namespace, pkg_name)
        ]
        if len(versioned) > 1:
            raise LookupError(
                f"package name `{package_text}` is available at both versions {versioned[0][0]} and "
                f"{versioned[1][0]} but which is not specified"
            )
        if not versioned:
            raise LookupError(f"unknown package `{wanted}`")
        return versioned[0][1], name

    def package_by_name(self, name: str) -> int:
        """The id of the package written `ns:pkg` or `ns:pkg@version`; `KeyError` when absent.

        Without a version, a package with no version is taken, else the only version loaded (two
        versions of one package make the name ambiguous, which is a `KeyError` too).
        """
        for candidate, package_id in self.package_names.items():
            if str(candidate) == name:
                return package_id
        if "@" not in name:
            versions = [
                (c.version, pid) for c, pid in self.package_names.items() if f"{c.namespace}:{c.name}" == name
            ]
            if len(versions) == 1:
                return versions[0][1]
            if versions:
                listed = ", ".join(str(v) for v, _ in versions)
                raise KeyError(f"package `{name}` is loaded at several versions ({listed}); name one")
        raise KeyError(f"no package `{name}` in this Resolve")

    def interface_by_name(self, qualified: str) -> int:
        """The id of the interface `ns:pkg/iface[@version]`; `KeyError` when absent."""
        package_text, slash, rest = qualified.partition("/")
        if not slash:
            raise KeyError(f"`{qualified}` is not of the form ns:pkg/interface[@version]")
        iface, _, version = rest.partition("@")
        package_id = self.package_by_name(f"{package_text}@{version}" if version else package_text)
        interfaces = self.packages[package_id].interfaces
        if iface not in interfaces:
            raise KeyError(f"no interface `{iface}` in package `{self.packages[package_id].name}`")
        return interfaces[iface]

    def type_by_name(self, qualified: str) -> int:
        """The id of the type `ns:pkg/iface[@version].name` (e.g. `wasi:keyvalue/store.error`).

        Type names hold no `.`, so the name is what follows the last one, whatever the version holds.
        """
        head, dot, type_name = qualified.rpartition(".")
        if not dot or "/" not in head:
            raise KeyError(f"`{qualified}` is not of the form ns:pkg/interface.type")
        types = self.interfaces[self.interface_by_name(head)].types
        if type_name not in types:
            raise KeyError(f"no type `{type_name}` in interface `{head}`")
        return types[type_name]
