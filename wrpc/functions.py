"""WIT functions as wRPC addresses them: (instance, wire function name) -> function type.

Rules of this module (protocol notes 4.1, 4.2):
1. The instance of an interface's functions is `ns:pkg/iface[@version]`; of functions a world exports or
   imports directly, `ns:pkg/world[@version]`; of an inline interface `name` in a world,
   `ns:pkg/name[@version]` (what the wit-bindgen-wrpc generators use).
2. The wire name strips the kind prefix: `[constructor]r` -> `r`, `[method]r.m` -> `r.m`,
   `[static]r.f` -> `r.f`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wrpc import types as t

if TYPE_CHECKING:
    from witparser._model import Function, World
    from witparser._resolve import Resolve

Address = tuple[str, str]
"""(instance, wire function name)."""


def wire_name(name: str) -> str:
    """The wire function name of a WIT function name (`[method]counter.get-count` -> `counter.get-count`)."""
    if name.startswith("[") and "]" in name:
        return name.split("]", 1)[1]
    return name


def _add(
    resolve: Resolve, out: dict[Address, t.FunctionType], instance: str, funcs: dict[str, Function]
) -> None:
    for function in funcs.values():
        out[(instance, wire_name(function.name))] = t.function_from_resolve(resolve, function)


def interface_functions(resolve: Resolve) -> dict[Address, t.FunctionType]:
    """The functions of every named interface in `resolve`."""
    out: dict[Address, t.FunctionType] = {}
    for iface_id, iface in enumerate(resolve.interfaces):
        instance = resolve.id_of(iface_id)
        if instance is not None:
            _add(resolve, out, instance, iface.functions)
    return out


def world_functions(
    resolve: Resolve, world_id: int, *, exports: bool = True
) -> dict[Address, t.FunctionType]:
    """The functions a world exports (or, with `exports=False`, imports), by wRPC address."""
    from witparser._model import WorldFunction, WorldInterface

    world: World = resolve.worlds[world_id]
    items = world.exports if exports else world.imports
    out: dict[Address, t.FunctionType] = {}
    for key, item in items.items():
        if isinstance(item, WorldInterface):
            iface = resolve.interfaces[item.id]
            instance = resolve.id_of(item.id)
            if instance is None:
                if world.package is None or not isinstance(key, str):
                    continue
                instance = resolve.id_of_name(world.package, key)
            _add(resolve, out, instance, iface.functions)
        elif isinstance(item, WorldFunction) and world.package is not None:
            instance = resolve.id_of_name(world.package, world.name)
            _add(resolve, out, instance, {item.function.name: item.function})
    return out


def all_functions(resolve: Resolve) -> dict[Address, t.FunctionType]:
    """Every function `resolve` can address: interfaces, and the direct and inline items of every world."""
    out = interface_functions(resolve)
    for world_id in range(len(resolve.worlds)):
        out.update(world_functions(resolve, world_id, exports=True))
        out.update(world_functions(resolve, world_id, exports=False))
    return out


def find(resolve: Resolve, target: str) -> tuple[str, str, t.FunctionType]:
    """The function named `INSTANCE.FUNC` (e.g. `wasi:keyvalue/store@0.2.0-draft.open`,
    `ns:pkg/iface.counter.get-count`); `LookupError` listing close matches when there is none."""
    functions = all_functions(resolve)
    for (instance, name), func in functions.items():
        if f"{instance}.{name}" == target:
            return instance, name, func
    known = sorted(f"{i}.{n}" for i, n in functions)
    hint = [k for k in known if target.split(".")[-1] in k][:10] or known[:10]
    raise LookupError(f"no function {target!r} in the WIT; known functions include: {', '.join(hint)}")
