"""Python declarations for WIT types: classes and aliases, their annotations, and their runtime bindings.

Each named WIT type becomes, in its home module (see `_context`):

| WIT | Python |
| --- | --- |
| `record` | a `@dataclass` with snake_case fields |
| `variant` | one frozen `@dataclass` per case (`value` holds the payload) and a union alias of them |
| `enum` | an `Enum` whose values are the WIT case names |
| `flags` | a `Flag` with one bit per label, in declaration order |
| `resource` | a client proxy class (imports) or a `Protocol` (exports), written by `_client` / `_server` |
| anything else (`type a = list<u8>`, `use` aliases) | a `TypeAlias` |

and, next to it, a private binding (`_t_<name>`, built from `wrpc.bindgen.runtime`) that carries the wire
type and converts between the typed value and the codec's dynamic value.

Rules of this module:
1. A named type is emitted once per module side, after everything its binding needs, so module-level code
   never refers to a name defined later. Annotations are lazy (`from __future__ import annotations`), so
   they only need the name to exist; that is what breaks the one cycle WIT allows (a resource whose
   methods take a record that holds the resource).
2. Anonymous types (`list<T>`, `option<T>`, `tuple<...>`, ...) are written inline, never named.
3. Every WIT type maps to exactly one annotation and one binding expression; the table above and the
   two `match` statements below are the whole mapping.
"""

from __future__ import annotations

from collections.abc import Callable

from witparser import _model as m
from wrpc.bindgen._context import Context, dealias
from wrpc.bindgen._module import Module, docstring, lit, tuple_call
from wrpc.bindgen._names import Namespace, pascal, snake, upper
from wrpc.errors import UnsupportedType
from wrpc.functions import wire_name

PRIMITIVES: dict[str, tuple[str, str]] = {
    "bool": ("bool", "BOOL"), "u8": ("int", "U8"), "u16": ("int", "U16"), "u32": ("int", "U32"),
    "u64": ("int", "U64"), "s8": ("int", "S8"), "s16": ("int", "S16"), "s32": ("int", "S32"),
    "s64": ("int", "S64"), "f32": ("float", "F32"), "f64": ("float", "F64"), "char": ("str", "CHAR"),
    "string": ("str", "STRING"), "error-context": ("None", "ERROR_CONTEXT"),
}  # fmt: skip
"""WIT primitive -> (annotation, name of its binding in `wrpc.bindgen.runtime`)."""

ResourceEmitter = Callable[["TypeWriter", Module, int, str, str], None]
"""Writes a resource's class: (type writer, home module, type id, Python name, binding name)."""


class TypeWriter:
    """Claims names for and emits the named types of one world's modules."""

    def __init__(self, cx: Context, resources: dict[str, ResourceEmitter]) -> None:
        self.cx = cx
        self.resolve = cx.resolve
        self._resources = resources
        self._emitted: set[tuple[str, int]] = set()
        self._descriptors: dict[tuple[str, str, str], str] = {}
        self._pending: list[tuple[Module, m.Function, str, str]] = []

    # --- names ---------------------------------------------------------------------------------------

    def claim(self, type_id: int, direction: str) -> tuple[Module, str, str]:
        """The home module, Python name and binding name of named type `type_id` (claimed once)."""
        home = self.cx.home(type_id, "export" if direction == "export" else "import")
        key = (home.dotted, type_id)
        if key not in self.cx.defined:
            name = self.resolve.types[type_id].name or f"type{type_id}"
            self.cx.defined[key] = (
                home.names.claim(pascal(name)),
                home.names.claim("_t_" + snake(name).rstrip("_")),
            )
        py_name, binding = self.cx.defined[key]
        return home, py_name, binding

    def _qualified(self, module: Module, type_id: int, which: int) -> str:
        home, py_name, binding = self.claim(type_id, module.direction)
        name = (py_name, binding)[which]
        return name if home is module else f"{module.alias_of(home)}.{name}"

    # --- annotations ---------------------------------------------------------------------------------

    def annotation(self, module: Module, ty: m.Type | None) -> str:
        """The Python annotation of `ty` as written in `module` (`None` for an absent payload)."""
        if ty is None:
            return "None"
        if isinstance(ty, str):
            return PRIMITIVES[ty][0]
        typedef = self.resolve.types[ty]
        if typedef.name is not None:
            return self._qualified(module, ty, 0)
        return self.kind_annotation(module, typedef.kind)

    def kind_annotation(self, module: Module, kind: m.TypeDefKind) -> str:
        """The annotation of an anonymous type (or of what a named alias-like type stands for)."""
        a = self.annotation
        match kind:
            case m.List(type=elem):
                return "bytes" if dealias(self.resolve, elem) == "u8" else f"list[{a(module, elem)}]"
            case m.FixedLengthList(type=elem):
                return f"list[{a(module, elem)}]"
            case m.Tuple(types=types):
                return f"tuple[{', '.join(a(module, t) for t in types) or '()'}]"
            case m.Option(type=inner):
                if self._is_option(inner):
                    return f"Some[{a(module, inner)}] | None"
                return f"{a(module, inner)} | None"
            case m.Result(ok=ok, err=err):
                return f"Ok[{a(module, ok)}] | Err[{a(module, err)}]"
            case m.Handle(resource=resource):
                return a(module, resource)
            case m.Future(type=inner):
                return f"Awaitable[{a(module, inner)}]"
            case m.Stream(type=inner):
                if inner is not None and dealias(self.resolve, inner) == "u8":
                    return "AsyncIterator[bytes]"
                return f"AsyncIterator[{a(module, inner)}]"
            case m.Alias(type=target):
                return a(module, target)
            case m.Map():
                raise UnsupportedType("map types have no wRPC encoding (protocol notes 1.3)")
        raise ValueError(f"a {type(kind).__name__} type cannot appear anonymously")

    def _is_option(self, ty: m.Type) -> bool:
        target = dealias(self.resolve, ty)
        return isinstance(target, int) and isinstance(self.resolve.types[target].kind, m.Option)

    # --- bindings ------------------------------------------------------------------------------------

    def binding(self, module: Module, ty: m.Type | None) -> str:
        """A module-level expression for the runtime binding of `ty`; emits named types it needs first."""
        if ty is None:
            return "None"
        if isinstance(ty, str):
            return "_rt." + PRIMITIVES[ty][1]
        typedef = self.resolve.types[ty]
        if typedef.name is not None:
            self.emit(ty, module.direction)
            return self._qualified(module, ty, 1)
        return self.kind_binding(module, typedef.kind)

    def kind_binding(self, module: Module, kind: m.TypeDefKind) -> str:
        """The binding expression of an anonymous type (or of what a named alias-like type stands for)."""
        b = self.binding
        match kind:
            case m.List(type=elem):
                return "_rt.BYTES" if dealias(self.resolve, elem) == "u8" else f"_rt.list_({b(module, elem)})"
            case m.FixedLengthList(type=elem, length=length):
                return f"_rt.fixed_list({b(module, elem)}, {length})"
            case m.Tuple(types=types):
                return f"_rt.tuple_({', '.join(b(module, t) for t in types)})"
            case m.Option(type=inner):
                return f"_rt.option({b(module, inner)})"
            case m.Result(ok=ok, err=err):
                return f"_rt.result({b(module, ok)}, {b(module, err)})"
            case m.Handle(kind=kind_name, resource=resource):
                return f"_rt.{kind_name}({b(module, resource)})"
            case m.Future(type=inner):
                return f"_rt.future({b(module, inner)})"
            case m.Stream(type=inner):
                return f"_rt.stream({b(module, inner)})"
            case m.Alias(type=target):
                return b(module, target)
            case m.Map():
                raise UnsupportedType("map types have no wRPC encoding (protocol notes 1.3)")
        raise ValueError(f"a {type(kind).__name__} type cannot appear anonymously")

    # --- definitions ---------------------------------------------------------------------------------

    def emit(self, type_id: int, direction: str) -> None:
        """Write named type `type_id` into its home module (once), after what its binding needs."""
        home, py_name, binding = self.claim(type_id, direction)
        key = (home.dotted, type_id)
        if key in self._emitted:
            return
        self._emitted.add(key)
        typedef = self.resolve.types[type_id]
        kind = typedef.kind
        if isinstance(kind, m.Resource):
            self._resources[home.direction](self, home, type_id, py_name, binding)
            return
        for dep in self._dependencies(kind):
            if isinstance(dep, int) and self.resolve.types[dep].name is not None:
                self.emit(dep, home.direction)
        match kind:
            case m.Record(fields=fields):
                self._record(home, typedef, fields, py_name, binding)
            case m.Variant(cases=cases):
                self._variant(home, typedef, cases, py_name, binding)
            case m.Enum(cases=enum_cases):
                self._enum(home, typedef, enum_cases, py_name, binding)
            case m.Flags(flags=flags):
                self._flags(home, typedef, flags, py_name, binding)
            case _:
                annotation = self.kind_annotation(home, kind)
                home.add("", f"{py_name}: TypeAlias = {annotation}", *docstring(typedef.docs, ""))
                home.add(f"{binding} = {self.kind_binding(home, kind)}", "")

    def _dependencies(self, kind: m.TypeDefKind) -> list[m.Type]:
        """Every type a definition refers to, looking through anonymous types."""
        out: list[m.Type] = []
        direct: list[m.Type | None]
        match kind:
            case m.Record(fields=fields):
                direct = [f.type for f in fields]
            case m.Variant(cases=cases):
                direct = [c.type for c in cases]
            case m.Tuple(types=types):
                direct = list(types)
            case m.Option(type=t) | m.List(type=t) | m.FixedLengthList(type=t) | m.Alias(type=t):
                direct = [t]
            case m.Result(ok=ok, err=err):
                direct = [ok, err]
            case m.Future(type=t) | m.Stream(type=t):
                direct = [t]
            case m.Handle(resource=resource):
                direct = [resource]
            case m.Map(key=key, value=value):
                direct = [key, value]
            case _:
                direct = []
        for ty in direct:
            if ty is None or isinstance(ty, str):
                continue
            if self.resolve.types[ty].name is not None:
                out.append(ty)
            else:
                out += self._dependencies(self.resolve.types[ty].kind)
        return out

    def _record(
        self, home: Module, typedef: m.TypeDef, fields: list[m.Field], name: str, binding: str
    ) -> None:
        home.add("", "@dataclass", f"class {name}:", *docstring(typedef.docs, "    "))
        names = Namespace()
        entries = []
        for f in fields:
            attr = names.claim(snake(f.name))
            home.add(f"    {attr}: {self.annotation(home, f.type)}", *docstring(f.docs, "    "))
            entries.append(f"({lit(f.name)}, {lit(attr)}, {self.binding(home, f.type)})")
        if not fields:
            home.add("    pass")
        home.add(
            "",
            "",
            *tuple_call(f"{binding} = _rt.record({name}, {lit(typedef.name or '')}, ", entries, ")"),
            "",
        )

    def _variant(
        self, home: Module, typedef: m.TypeDef, cases: list[m.Case], name: str, binding: str
    ) -> None:
        classes = []
        entries = []
        for case in cases:
            cls = home.names.claim(name + pascal(case.name))
            classes.append(cls)
            docs = case.docs or f"The `{case.name}` case of `{typedef.name}`."
            home.add("", "@dataclass(frozen=True)", f"class {cls}:", *docstring(docs, "    "))
            if case.type is not None:
                home.add(f"    value: {self.annotation(home, case.type)}")
            home.add("")
            entries.append(f"({lit(case.name)}, {cls}, {self.binding(home, case.type)})")
        home.add("", f"{name}: TypeAlias = {' | '.join(classes)}", *docstring(typedef.docs, ""))
        home.add(*tuple_call(f"{binding} = _rt.variant({lit(typedef.name or '')}, ", entries, ")"), "")

    def _enum(
        self, home: Module, typedef: m.TypeDef, cases: list[m.EnumCase], name: str, binding: str
    ) -> None:
        home.add("", f"class {name}(Enum):", *docstring(typedef.docs, "    "))
        names = Namespace()
        for case in cases:
            home.add(f"    {names.claim(upper(case.name))} = {lit(case.name)}", *docstring(case.docs, "    "))
        home.add("", "", f"{binding} = _rt.enum({name}, {lit(typedef.name or '')})", "")

    def _flags(self, home: Module, typedef: m.TypeDef, flags: list[m.Flag], name: str, binding: str) -> None:
        home.add("", f"class {name}(Flag):", *docstring(typedef.docs, "    "))
        names = Namespace()
        entries = []
        for i, flag in enumerate(flags):
            member = names.claim(upper(flag.name))
            home.add(f"    {member} = {1 << i}", *docstring(flag.docs, "    "))
            entries.append(f"({lit(flag.name)}, {name}.{member})")
        if not flags:
            home.add("    pass")
        home.add(
            "",
            "",
            *tuple_call(f"{binding} = _rt.flags({name}, {lit(typedef.name or '')}, ", entries, ")"),
            "",
        )

    # --- functions -----------------------------------------------------------------------------------

    def signature(
        self, module: Module, function: m.Function, skip_self: bool
    ) -> tuple[list[tuple[str, str]], str]:
        """The Python (param name, annotation) pairs and return annotation of `function` in `module`."""
        names = Namespace()
        params = function.params[1:] if skip_self else function.params
        out = [(names.claim(snake(p.name)), self.annotation(module, p.type)) for p in params]
        return out, self.annotation(module, function.result)

    def descriptor(self, module: Module, function: m.Function, instance: str) -> str:
        """The private name of `function`'s runtime descriptor in `module`.

        Only the name is claimed here; `flush` writes the descriptors once the classes that refer to them
        are complete, because writing one emits the named types its bindings need.
        """
        key = (module.dotted, function.name, instance)
        if key not in self._descriptors:
            name = module.names.claim("_f_" + snake(wire_name(function.name).replace(".", "-")).rstrip("_"))
            self._descriptors[key] = name
            self._pending.append((module, function, instance, name))
        return self._descriptors[key]

    def flush(self) -> None:
        """Write every claimed descriptor (which may emit more types, and so more descriptors)."""
        while self._pending:
            module, function, instance, name = self._pending.pop(0)
            params = [f"({lit(p.name)}, {self.binding(module, p.type)})" for p in function.params]
            result = self.binding(module, function.result)
            head = f"{name} = _rt.Function({lit(wire_name(function.name))}, {lit(instance)}, "
            module.tail += tuple_call(head, params, f", {result})")
