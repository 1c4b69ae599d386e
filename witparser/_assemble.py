"""Adding parsed package groups to a `Resolve`: package order, duplicates, cycles, span shifting.

The reference's `sort_unresolved_packages` (resolve/mod.rs) decides which package id each package of a
load gets, so it is reproduced step by step:

1. Every group's source map is absorbed into the `Resolve`'s map first, in group order (main group,
   then the `deps/` groups), so that every span, even in the first error, renders from one map.
2. All packages are gathered (per group: nested ones, then its main one) into a map ordered by
   package name (`PackageName.sort_key`); a name met twice is a duplicate-package error that names the
   later definition first.
3. The packages are visited in name order; each visit is a depth-first walk over its foreign
   dependencies in first-reference order, so a package is pushed after everything it depends on. A
   dependency already on the walk's path is a cycle; one not among the gathered packages is left for
   `witparser._remap` to look up among the packages already present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witparser._error import WitError
from witparser._model import (
    Enum,
    Flags,
    Function,
    PackageName,
    Record,
    Span,
    UnresolvedPackage,
    UnresolvedPackageGroup,
    Variant,
    WorldFunction,
)
from witparser._remap import Remap
from witparser._source import SourceMap

if TYPE_CHECKING:
    from witparser._resolve import Resolve


def push_groups(resolve: Resolve, main: UnresolvedPackageGroup, deps: list[UnresolvedPackageGroup]) -> int:
    """Push `main` and `deps` into `resolve` in dependency order; returns the id of `main.main`."""
    offsets: list[int] = []
    packages: list[tuple[UnresolvedPackage, int]] = []
    for group in [main, *deps]:
        offsets.append(_absorb(resolve, group.source_map))
        for pkg in [*group.nested, group.main]:
            packages.append((pkg, offsets[-1]))

    by_name: dict[PackageName, tuple[UnresolvedPackage, int]] = {}
    for pkg, offset in packages:
        previous = by_name.get(pkg.name)
        if previous is not None:
            raise _duplicate(resolve, pkg.name, _shift(pkg.package_name_span, offset), previous)
        by_name[pkg.name] = (pkg, offset)
    ordered = dict(sorted(by_name.items(), key=lambda item: item[0].sort_key))

    order: dict[PackageName, None] = {}
    visiting: set[PackageName] = set()
    for pkg, offset in ordered.values():
        _visit(resolve, pkg, offset, ordered, order, visiting)

    main_id: int | None = None
    for name in order:
        pkg, offset = ordered[name]
        if offset:
            _adjust_spans(pkg, offset)
        package_id = Remap().append(resolve, pkg)
        if name == main.main.name:
            main_id = package_id
    assert main_id is not None
    return main_id


def _absorb(resolve: Resolve, source_map: object) -> int:
    """Move a group's sources into the `Resolve`'s map; returns what to add to the group's spans.

    The first map is adopted as it is (no shift at all), which is the common single-group case.
    """
    assert isinstance(source_map, SourceMap)
    if not resolve.source_map.sources:
        resolve.source_map = source_map
        return 0
    return resolve.source_map.append(source_map)


def _visit(
    resolve: Resolve,
    pkg: UnresolvedPackage,
    offset: int,
    packages: dict[PackageName, tuple[UnresolvedPackage, int]],
    order: dict[PackageName, None],
    visiting: set[PackageName],
) -> None:
    if pkg.name in order:
        return
    for index, dep in enumerate(pkg.foreign_deps):
        if dep in visiting:
            span = _shift(pkg.foreign_dep_spans[index], offset)
            raise resolve.error(span, f"package `{dep}` creates a dependency cycle")
        visiting.add(dep)
        found = packages.get(dep)
        if found is not None:
            _visit(resolve, found[0], found[1], packages, order, visiting)
        visiting.discard(dep)
    order[pkg.name] = None


def _duplicate(
    resolve: Resolve, name: PackageName, span: Span, previous: tuple[UnresolvedPackage, int]
) -> WitError:
    earlier = _shift(previous[0].package_name_span, previous[1])
    message = f"package `{name}` is defined in two different locations"
    rendered = (
        f"{message}:\n  * {resolve.source_map.render_location(span)}"
        f"\n  * {resolve.source_map.render_location(earlier)}"
    )
    return WitError(message, rendered=rendered)


def _shift(span: Span, offset: int) -> Span:
    """`span` moved by `offset`; an unknown span (`Span()`) stays unknown."""
    if not offset or (span.start == 0 and span.end == 0):
        return span
    return Span(span.start + offset, span.end + offset)


def _adjust_spans(pkg: UnresolvedPackage, offset: int) -> None:
    """Shift every span of `pkg` into the `Resolve`'s map (the reference's `adjust_spans`).

    New `Span` objects are made rather than mutated, so a span the front end shares between two items
    is never shifted twice.
    """
    pkg.package_name_span = _shift(pkg.package_name_span, offset)
    pkg.unknown_type_spans = [_shift(s, offset) for s in pkg.unknown_type_spans]
    pkg.foreign_dep_spans = [_shift(s, offset) for s in pkg.foreign_dep_spans]
    pkg.required_resource_types = [(i, _shift(s, offset)) for i, s in pkg.required_resource_types]
    for world in pkg.worlds:
        world.span = _shift(world.span, offset)
        for item in [*world.imports.values(), *world.exports.values()]:
            if isinstance(item, WorldFunction):
                _adjust_function(item.function, offset)
            else:
                item.span = _shift(item.span, offset)
        for include in world.includes:
            include.span = _shift(include.span, offset)
    for iface in pkg.interfaces:
        iface.span = _shift(iface.span, offset)
        for func in iface.functions.values():
            _adjust_function(func, offset)
    for ty in pkg.types:
        ty.span = _shift(ty.span, offset)
        kind = ty.kind
        members: list[object]
        if isinstance(kind, Record):
            members = list(kind.fields)
        elif isinstance(kind, Variant | Enum):
            members = list(kind.cases)
        elif isinstance(kind, Flags):
            members = list(kind.flags)
        else:
            continue
        for member in members:
            member.span = _shift(member.span, offset)  # type: ignore[attr-defined]


def _adjust_function(func: Function, offset: int) -> None:
    func.span = _shift(func.span, offset)
    for param in func.params:
        param.span = _shift(param.span, offset)
