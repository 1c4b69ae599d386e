"""Handler protocols and `serve` functions for what a world exports.

```python
class Handler(Protocol):            # exports/handler.py, for `wrpc-examples:hello/handler`
    async def hello(self) -> str: ...

async def serve(server, handler: Handler, instance: str = "wrpc-examples:hello/handler") -> _rt.Server: ...
```

Rules of this module:
1. An exported interface's `Handler` protocol has one `async` method per freestanding function, plus
   `<resource>_new` for each constructor and `<resource>_<name>` for each static function; an exported
   resource is a protocol of its own whose instances the implementation returns from its constructor
   (the runtime's handle table maps them to handles, see `wrpc.bindgen.runtime` rule 4).
2. Method names are the client's (`_client.member_name`), so the same WIT reads the same on both sides.
3. `serve` registers every function of the interface, resource functions included, under the interface's
   instance name; a missing method fails at `serve`, before anything is registered.
"""

from __future__ import annotations

from witparser import _model as m
from wrpc.bindgen._client import is_method, member_name
from wrpc.bindgen._module import Module, docstring, lit
from wrpc.bindgen._names import Namespace
from wrpc.bindgen._types import TypeWriter


def _protocol_method(tw: TypeWriter, module: Module, names: Namespace, function: m.Function) -> str:
    method = is_method(function)
    params, returns = tw.signature(module, function, skip_self=method)
    attr = names.claim(member_name(tw.resolve.types, function))
    signature = ", ".join(["self", *(f"{p}: {a}" for p, a in params)])
    docs = function.docs
    module.add("", f"    async def {attr}({signature}) -> {returns}:", *docstring(docs, "        "))
    module.add("        ...")
    return attr


def emit_handler(
    tw: TypeWriter, module: Module, name: str, functions: list[m.Function], instance: str, docs: str | None
) -> tuple[str, list[tuple[m.Function, str]]]:
    """The `Protocol` an implementation of exported `functions` fulfils; returns its name and, for each
    function that is not a resource method, the Python method that serves it. `name` is claimed by the
    caller."""
    cls = name
    summary = f"What an implementation of `{instance}` provides; pass one to `serve`."
    module.add(
        "", "", f"class {cls}(Protocol):", *docstring(f"{docs}\n\n{summary}" if docs else summary, "    ")
    )
    names = Namespace()
    served = [(f, _protocol_method(tw, module, names, f)) for f in functions if not is_method(f)]
    if not served:
        module.add("    pass")
    return cls, served


def emit_serve(
    tw: TypeWriter,
    module: Module,
    handler_cls: str,
    served: list[tuple[m.Function, str]],
    methods: list[tuple[m.Function, str]],
    instance: str,
    name: str = "serve",
) -> str:
    """`serve(server, handler)` (named `name`, claimed by the caller) for one exported interface or a
    world's exported functions."""
    entries = [(f, attr, False) for f, attr in served] + [(f, attr, True) for f, attr in methods]
    module.add(
        "",
        "",
        f"async def {name}(",
        f"    server: _rt.Serving, handler: {handler_cls}, instance: str = {lit(instance)}",
        ") -> _rt.Server:",
        f'    """Serve `handler` as `{instance}` on `server` (a `wrpc.server.Server`, a transport or a `Client`).',
        "",
        "    Returns the `Server`, ready for calls; `await server.close()` stops serving.",
        '    """',
        "    return await _rt.serve(server, instance, handler, (",
    )
    for function, attr, method in entries:
        module.add(f"        ({tw.descriptor(module, function, instance)}, {lit(attr)}, {method}),")
    module.add("    ))")
    return name


def emit_exported_resource(tw: TypeWriter, module: Module, type_id: int, name: str, binding: str) -> None:
    """The protocol of an exported resource's instances (its methods) and its binding."""
    typedef = tw.resolve.types[type_id]
    summary = f"An instance of the exported resource `{typedef.name}`: what its constructor returns."
    docs = f"{typedef.docs}\n\n{summary}" if typedef.docs else summary
    module.add("", "", f"class {name}(Protocol):", *docstring(docs, "    "))
    names = Namespace()
    count = 0
    for function in _resource_functions(tw, type_id):
        if is_method(function):
            _protocol_method(tw, module, names, function)
            count += 1
    if not count:
        module.add("    pass")
    module.add("", "", f"{binding} = _rt.exported_resource({name}, {lit(typedef.name or '')})", "")


def _resource_functions(tw: TypeWriter, type_id: int) -> list[m.Function]:
    owner = tw.resolve.types[type_id].owner
    functions = (
        tw.resolve.interfaces[owner.id].functions.values() if isinstance(owner, m.OwnerInterface) else ()
    )
    return [f for f in functions if f.kind.resource == type_id]


def resource_methods(tw: TypeWriter, functions: list[m.Function]) -> list[tuple[m.Function, str]]:
    """(function, Python method name) for each resource method among `functions`."""
    return [(f, member_name(tw.resolve.types, f)) for f in functions if is_method(f)]
