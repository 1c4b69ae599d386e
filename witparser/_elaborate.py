"""World elaboration: listing every interface a world needs, in an order the world can be read in.

The reference's `elaborate_world` (resolve/mod.rs), run on each world once its includes are applied:

1. Imports are visited sorted by class (interfaces, then types `use`d from an interface, then other
   types, then freestanding functions, then resource functions; a stable sort). Each interface import
   is preceded by its transitive dependencies, added as `interface-N` imports carrying the importing
   item's gate; a `use`d type pulls in the interface it comes from the same way.
2. Exported interfaces pull their dependencies in too: as exports when they are exported themselves,
   otherwise as imports. An export that would need an interface both ways is rejected
   (``interface `X` transitively depends on an interface in incompatible ways``).
3. The imports are stably sorted by class once more, since step 2 may add interfaces after types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from witparser._model import (
    Alias,
    Span,
    Stability,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
)

if TYPE_CHECKING:
    from witparser._resolve import Resolve


def elaborate_world(resolve: Resolve, world_id: int, span: Span) -> None:
    """Rewrite world `world_id`'s imports and exports in elaborated form (in place)."""
    world = resolve.worlds[world_id]
    new_imports: dict[WorldKey, WorldItem] = {}

    def class_of(item: WorldItem) -> int:
        return _class(resolve, item)

    for key, item in sorted(world.imports.items(), key=lambda kv: class_of(kv[1])):
        if isinstance(item, WorldInterface):
            _add_import(resolve, new_imports, key, item.id, item.stability, item.docs, item.external_id)
        elif isinstance(item, WorldFunction):
            assert key not in new_imports
            new_imports[key] = item
        else:
            dep = resolve.type_interface_dep(item.id)
            if dep is not None:
                _add_import(resolve, new_imports, dep, dep, resolve.types[item.id].stability, None, None)
            assert key not in new_imports
            new_imports[key] = item

    new_exports: dict[WorldKey, WorldItem] = {}
    export_interfaces: dict[WorldKey, WorldInterface] = {}
    for key, item in world.exports.items():
        if isinstance(item, WorldInterface):
            export_interfaces[key] = item
        elif isinstance(item, WorldFunction):
            new_exports[key] = item
        else:
            raise AssertionError("a world exports a type")

    required_imports: set[int] = set()
    for key, item in export_interfaces.items():
        name = resolve.name_world_key(key)
        ok = _add_export(
            resolve, new_imports, new_exports, export_interfaces, required_imports, key, item, True
        )
        if not ok:
            raise resolve.error(
                span, f"interface `{name}` transitively depends on an interface in incompatible ways"
            )

    world.imports = dict(sorted(new_imports.items(), key=lambda kv: class_of(kv[1])))
    world.exports = new_exports


def _class(resolve: Resolve, item: WorldItem) -> int:
    if isinstance(item, WorldInterface):
        return 0
    if isinstance(item, WorldFunction):
        return 3 if item.function.kind.resource is None else 4
    ty = resolve.types[item.id]
    kind = ty.kind
    if isinstance(kind, Alias) and isinstance(kind.type, int) and resolve.types[kind.type].owner != ty.owner:
        return 1
    return 2


def _add_import(
    resolve: Resolve,
    imports: dict[WorldKey, WorldItem],
    key: WorldKey,
    interface_id: int,
    stability: Stability,
    docs: str | None,
    external_id: str | None,
) -> None:
    """Import `interface_id` under `key`, its dependencies first (the reference's `elaborate_world_import`)."""
    if key in imports:
        return
    for dep in resolve.interface_direct_deps(interface_id):
        _add_import(resolve, imports, dep, dep, stability, None, None)
    imports[key] = WorldInterface(interface_id, stability, Span(), external_id, docs)


def _add_export(
    resolve: Resolve,
    imports: dict[WorldKey, WorldItem],
    exports: dict[WorldKey, WorldItem],
    export_interfaces: dict[WorldKey, WorldInterface],
    required_imports: set[int],
    key: WorldKey,
    item: WorldInterface,
    add_export: bool,
) -> bool:
    """Add an exported interface (or, with `add_export` false, a dependency that must be imported).

    Returns false when an interface would be needed both as an import and as an export.
    """
    if key in exports:
        return add_export
    interface_id = item.id
    if not add_export and interface_id in required_imports:
        return True
    for dep in resolve.interface_direct_deps(interface_id):
        dep_item = WorldInterface(dep, item.stability, Span(), item.external_id, None)
        dep_export = add_export and dep in export_interfaces
        if not _add_export(
            resolve, imports, exports, export_interfaces, required_imports, dep, dep_item, dep_export
        ):
            return False
    if add_export:
        if interface_id in required_imports:
            return False
        exports[key] = item
    else:
        required_imports.add(interface_id)
        if key not in imports:
            imports[key] = item
    return True
