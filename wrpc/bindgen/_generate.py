"""Generating a world's bindings: the order of the work (types, stubs, handlers, world functions) and
the files it yields. The public names are re-exported by `wrpc.bindgen`.
"""

from __future__ import annotations

from pathlib import Path

from witparser import _model as m
from witparser._resolve import Resolve
from wrpc.bindgen._client import emit_imported_resource, emit_stub, is_method
from wrpc.bindgen._context import GENERATED, Context, Direction
from wrpc.bindgen._module import docstring
from wrpc.bindgen._names import Namespace, pascal, snake
from wrpc.bindgen._server import emit_exported_resource, emit_handler, emit_serve, resource_methods
from wrpc.bindgen._types import TypeWriter


def generate(resolve: Resolve, world_id: int) -> dict[str, str]:
    """The modules of world `world_id`'s bindings: file path (relative to the package) -> source."""
    cx = Context(resolve, world_id)
    tw = TypeWriter(cx, {"import": emit_imported_resource, "export": emit_exported_resource})
    world = cx.world
    cx.world_module.docs += [
        f"Typed wRPC bindings of the world `{cx.world_instance}`. {GENERATED}",
        *_docs(world.docs),
    ]

    planned = list(cx.interface_modules.items())  # the world's own; types may plan more (`use`d only)
    stubs: dict[int, str] = {}
    for (direction, interface_id), module in planned:
        if direction == "import":
            stubs[interface_id] = module.names.claim(pascal(_item_name(cx, direction, interface_id)))
        else:
            module.names.claim("Handler")
            module.names.claim("serve")
    for name in ("Imports", "Exports", "serve_exports", "serve"):
        cx.world_module.names.claim(name)

    for (direction, interface_id), _ in planned:
        for type_id in resolve.interfaces[interface_id].types.values():
            tw.emit(type_id, direction)
    for item in world.imports.values():
        if isinstance(item, m.WorldType):
            tw.emit(item.id, "import")

    for (direction, interface_id), module in planned:
        interface = resolve.interfaces[interface_id]
        functions = list(interface.functions.values())
        instance = cx.instances[(direction, interface_id)]
        if direction == "import":
            emit_stub(tw, module, stubs[interface_id], functions, instance, interface.docs)
        else:
            handler, served = emit_handler(tw, module, "Handler", functions, instance, interface.docs)
            emit_serve(tw, module, handler, served, resource_methods(tw, functions), instance)

    _world_functions(tw, cx)
    tw.flush()
    files = {module.filename: module.render() for module in cx.modules}
    for package in ("imports", "exports"):
        files.setdefault(f"{package}/__init__.py", f'"""The {package[:-1]}ed interfaces. {GENERATED}"""\n')
    return files


def _item_name(cx: Context, direction: Direction, interface_id: int) -> str:
    """An interface's name in the world: its world key, or its own name."""
    key = cx.keys[(direction, interface_id)]
    return key if isinstance(key, str) else cx.resolve.interfaces[interface_id].name or "interface"


def _docs(text: str | None) -> list[str]:
    return ["", text] if text else []


def _world_functions(tw: TypeWriter, cx: Context) -> None:
    """The world module's `Imports` stub, `Exports` protocol and the `serve` of every export."""
    module = cx.world_module
    world = cx.world
    imported = [i.function for i in world.imports.values() if isinstance(i, m.WorldFunction)]
    if any(not is_method(f) for f in imported):
        emit_stub(tw, module, "Imports", imported, cx.world_instance, None)
    serves: list[tuple[str, str, str]] = []
    for (direction, interface_id), other in cx.interface_modules.items():
        if direction == "export":
            alias = module.alias_of(other)
            serves.append(
                (snake(_item_name(cx, direction, interface_id)), f"{alias}.Handler", f"{alias}.serve")
            )
    exported = [i.function for i in world.exports.values() if isinstance(i, m.WorldFunction)]
    if exported:
        handler, served = emit_handler(tw, module, "Exports", exported, cx.world_instance, None)
        serve_exports = emit_serve(tw, module, handler, served, [], cx.world_instance, "serve_exports")
        serves.append(("world", handler, serve_exports))
    if not serves:
        return
    names = Namespace({"server", "served"})
    params = [(names.claim(param), annotation, fn) for param, annotation, fn in serves]
    summary = (
        f"Serve every export of `{cx.world_instance}` on `server` (a `wrpc.server.Server`, a transport or a `Client`).\n\n"
        "Returns the `Server`; `await server.close()` stops serving."
    )
    module.add(
        "",
        "",
        "async def serve(",
        "    server: _rt.Serving,",
        *(f"    {param}: {annotation}," for param, annotation, _ in params),
        ") -> _rt.Server:",
        *docstring(summary, "    "),
        "    served = _rt.as_server(server)",
        *(f"    await {fn}(served, {param})" for param, _, fn in params),
        "    return served",
    )


def write(files: dict[str, str], out: Path, package: str) -> list[Path]:
    """Write generated `files` as package `package` under directory `out`; returns the paths written."""
    written = []
    for name, source in sorted(files.items()):
        path = out / package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        written.append(path)
    return written


def package_name(resolve: Resolve, world_id: int) -> str:
    """The default Python package name of a world's bindings: its name in snake_case."""
    return snake(resolve.worlds[world_id].name)
