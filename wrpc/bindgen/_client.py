"""Client stubs for what a world imports: one class per imported interface, one proxy class per resource.

```python
class Handler(_rt.Stub):            # imports/handler.py, for `wrpc-examples:hello/handler`
    INSTANCE = "wrpc-examples:hello/handler"
    async def hello(self) -> str: ...
```

Rules of this module:
1. A stub method is `async`, takes the WIT params by their snake_case names and returns the typed
   result; its body is one `_wrpc_call` with the function's descriptor (wire name and bindings).
2. Resource constructors and static functions are methods of the interface's stub
   (`counter_new(...)`, `counter_sum(...)`); resource methods are methods of the resource's proxy class,
   which holds the handle and calls through the client that produced it.
3. Class attributes the runtime reads are UPPER_CASE (`INSTANCE`) and instance attributes start with
   `_wrpc_`, so no WIT function name (always snake_case) can collide with them.
"""

from __future__ import annotations

from witparser import _model as m
from wrpc.bindgen._context import Context
from wrpc.bindgen._module import Module, docstring, lit
from wrpc.bindgen._names import Namespace, snake
from wrpc.bindgen._types import TypeWriter


def member_name(resolve_types: list[m.TypeDef], function: m.Function) -> str:
    """The Python name of a function as a stub or handler method: the item name, or for a resource's
    constructor and statics `<resource>_new` / `<resource>_<name>`."""
    kind = function.kind
    if kind.resource is None or kind.name in ("method", "async-method"):
        return snake(function.item_name)
    resource = resolve_types[kind.resource].name or "resource"
    return snake(f"{resource}-new" if kind.name == "constructor" else f"{resource}-{function.item_name}")


def is_method(function: m.Function) -> bool:
    return function.kind.name in ("method", "async-method")


def emit_method(
    tw: TypeWriter, module: Module, names: Namespace, function: m.Function, instance: str, on_resource: bool
) -> None:
    """One `async def` of a stub or proxy that calls `function`."""
    params, returns = tw.signature(module, function, skip_self=on_resource)
    descriptor = tw.descriptor(module, function, instance)
    args = ", ".join(["self"] * on_resource + [p for p, _ in params])
    attr = names.claim(member_name(tw.resolve.types, function))
    signature = ", ".join(["self", *(f"{p}: {a}" for p, a in params)])
    call = f"await self._wrpc_call({descriptor}{', ' if args else ''}{args})"
    docs = function.docs
    module.add("", f"    async def {attr}({signature}) -> {returns}:", *docstring(docs, "        "))
    if returns == "None":
        module.add(f"        {call}")
    else:
        module.add(f"        _result: {returns} = {call}", "        return _result")


def emit_stub(
    tw: TypeWriter,
    module: Module,
    name: str,
    functions: list[m.Function],
    instance: str,
    docs: str | None,
) -> None:
    """The client class `name` (claimed by the caller) of an imported interface or a world's functions."""
    cls = name
    summary = f"Calls the functions of `{instance}` through a `wrpc.client.Client`."
    module.add(
        "", "", f"class {cls}(_rt.Stub):", *docstring(f"{docs}\n\n{summary}" if docs else summary, "    ")
    )
    module.add("", f"    INSTANCE = {lit(instance)}")
    names = Namespace()
    for function in functions:
        if not is_method(function):
            emit_method(tw, module, names, function, instance, on_resource=False)


def resource_functions(cx: Context, type_id: int) -> tuple[list[m.Function], str]:
    """The functions of resource `type_id` and the (default) instance they are called on."""
    owner = cx.resolve.types[type_id].owner
    if isinstance(owner, m.OwnerInterface):
        functions = list(cx.resolve.interfaces[owner.id].functions.values())
        cx.module_of("import", owner.id)
        instance = cx.instances[("import", owner.id)]
    else:
        functions = [i.function for i in cx.world.imports.values() if isinstance(i, m.WorldFunction)]
        instance = cx.world_instance
    return [f for f in functions if f.kind.resource == type_id], instance


def emit_imported_resource(tw: TypeWriter, module: Module, type_id: int, name: str, binding: str) -> None:
    """The proxy class of an imported resource and its binding."""
    cx = tw.cx
    typedef = cx.resolve.types[type_id]
    functions, instance = resource_functions(cx, type_id)
    summary = f"A `{typedef.name}` resource of `{instance}`, held by its handle; methods call the owner."
    docs = f"{typedef.docs}\n\n{summary}" if typedef.docs else summary
    module.add("", "", f"class {name}(_rt.ImportedResource):", *docstring(docs, "    "))
    module.add("", f"    INSTANCE = {lit(instance)}")
    names = Namespace({"handle"})
    for function in functions:
        if is_method(function):
            emit_method(tw, module, names, function, instance, on_resource=True)
    module.add("", "", f"{binding} = _rt.imported_resource({name}, {lit(typedef.name or '')})", "")
