"""WIT text from a `Resolve`: the reference's `WitPrinter` (wit-component's printing.rs).

`wasm-tools component wit` prints one main package with `package a:b;` followed by every other
package of the `Resolve` as a nested `package c:d { ... }` block; this module produces the same text
byte for byte, so that `wrpc wit print` output can be diffed against the reference's and parsed back.

Rules of this module:
1. Read-only: printing never changes the `Resolve`.
2. Layout follows the reference exactly: two-space indentation, a blank line between items of a block
   (imports of a world are not separated), `///` doc lines, gates and `@external-id` each on their own
   line above the item, keywords used as names escaped with `%`.
3. Items are printed from the elaborated `Resolve`: a world shows every import it ended up with
   (includes applied, implicit interface imports spelled out), so the text parses back to the same
   structure rather than to the original source.
4. Something a WIT text cannot express (an unnamed record, a resource without a name) raises
   `WitError`; the printer never writes text that would not parse.
"""

from __future__ import annotations

from witparser._error import WitError
from witparser._model import (
    Alias,
    Enum,
    FixedLengthList,
    Flags,
    Function,
    Future,
    Handle,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Record,
    Resource,
    Result,
    Stability,
    Stable,
    Stream,
    Tuple,
    Type,
    TypeDefKind,
    TypeOwner,
    Variant,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)
from witparser._resolve import Resolve

KEYWORDS: frozenset[str] = frozenset(
    {
        "use", "type", "func", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "f32", "f64",
        "float32", "float64", "char", "resource", "record", "flags", "variant", "enum", "bool", "string",
        "option", "result", "future", "stream", "list", "own", "borrow", "_", "as", "from", "static",
        "interface", "tuple", "world", "import", "export", "package", "with", "include", "constructor",
        "error-context", "async", "map",
    }
)  # fmt: skip
"""Names the printer escapes with `%`: the reference printer's list (a superset of the lexer's keywords)."""


def format_resolve(resolve: Resolve, package_ids: list[int] | None = None) -> str:
    """WIT text for `package_ids`, the last printed as the main package, the rest as nested blocks.

    By default every package of `resolve` is printed, with the main package of the latest load (or, for
    a `Resolve` with no recorded load, the last package nothing else depends on) as the main one, like
    `wasm-tools component wit`. The text then parses back on its own into an equivalent `Resolve`.
    """
    ids = list(range(len(resolve.packages))) if package_ids is None else list(package_ids)
    if not ids:
        raise WitError("there are no packages to print")
    main = _default_main(resolve) if package_ids is None else ids[-1]
    printer = _Printer(resolve)
    printer.package(main, is_main=True)
    for i, package_id in enumerate(p for p in ids if p != main):
        if i > 0:
            printer.out.newline()
            printer.out.newline()
        printer.package(package_id, is_main=False)
    return printer.out.text()


def _default_main(resolve: Resolve) -> int:
    mains = [p for p in resolve.main_packages if p < len(resolve.packages)]
    if mains:
        return mains[-1]
    used = {dep for package_id in range(len(resolve.packages)) for dep in _package_deps(resolve, package_id)}
    roots = [p for p in range(len(resolve.packages)) if p not in used]
    return roots[-1] if roots else len(resolve.packages) - 1


def _package_deps(resolve: Resolve, package_id: int) -> set[int]:
    """The packages `package_id` refers to directly (through `use`, imports, exports or types)."""
    package = resolve.packages[package_id]
    interfaces = []
    for iface in package.interfaces.values():
        interfaces.extend(resolve.interface_direct_deps(iface))
    for world_id in package.worlds.values():
        world = resolve.worlds[world_id]
        for item in [*world.imports.values(), *world.exports.values()]:
            if isinstance(item, WorldInterface):
                interfaces.append(item.id)
                interfaces.extend(resolve.interface_direct_deps(item.id))
            elif isinstance(item, WorldType):
                dep = resolve.type_interface_dep(item.id)
                if dep is not None:
                    interfaces.append(dep)
    owners = {resolve.interfaces[i].package for i in interfaces}
    return {p for p in owners if p is not None and p != package_id}


class _Output:
    """The reference's `OutputToString`: indentation by two spaces, applied lazily after a newline."""

    __slots__ = ("indent", "needs_indent", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.indent = 0
        self.needs_indent = False

    def text(self) -> str:
        return "".join(self.parts)

    def _indent_if_needed(self) -> None:
        if self.needs_indent:
            self.parts.append("  " * self.indent)
            self.needs_indent = False

    def write(self, text: str) -> None:
        self._indent_if_needed()
        self.parts.append(text)

    def newline(self) -> None:
        self.parts.append("\n")
        self.needs_indent = True

    def indent_start(self) -> None:
        self.parts.append(" {")
        self.indent += 1
        self.newline()

    def indent_end(self) -> None:
        self.indent = max(0, self.indent - 1)
        self._indent_if_needed()
        self.parts.append("}")
        self.newline()

    def semicolon(self) -> None:
        self.parts.append(";")
        self.newline()

    def doc(self, line: str) -> None:
        self._indent_if_needed()
        self.parts.append(f"/// {line}" if line else "///")
        self.newline()


def _escape(name: str) -> str:
    return f"%{name}" if name in KEYWORDS else name


def _external_id(value: str) -> str:
    out = []
    for c in value:
        if (c.isascii() and c.isalnum()) or c in "-_./: ":
            out.append(c)
        elif c in _ESCAPES:
            out.append(_ESCAPES[c])
        else:
            out.append(f"\\u{{{ord(c):x}}}")
    return "".join(out)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class _Printer:
    def __init__(self, resolve: Resolve) -> None:
        self.resolve = resolve
        self.out = _Output()
        self.any_items = False

    # -- packages, interfaces, worlds -------------------------------------------------------------

    def package(self, package_id: int, is_main: bool) -> None:
        resolve = self.resolve
        package = resolve.packages[package_id]
        self.docs(package.docs)
        name = package.name
        self.out.write(f"package {_escape(name.namespace)}:{_escape(name.name)}")
        if name.version is not None:
            self.out.write(f"@{name.version}")
        if is_main:
            self.out.semicolon()
            self.out.newline()
        else:
            self.out.indent_start()
        for iface_name, iface_id in package.interfaces.items():
            iface = resolve.interfaces[iface_id]
            self.docs(iface.docs)
            self.stability(iface.stability)
            self.out.write(f"interface {_escape(iface_name)}")
            self.out.indent_start()
            self.interface(iface_id)
            self.out.indent_end()
            if is_main:
                self.out.newline()
        for world_name, world_id in package.worlds.items():
            world = resolve.worlds[world_id]
            self.docs(world.docs)
            self.stability(world.stability)
            self.out.write(f"world {_escape(world_name)}")
            self.out.indent_start()
            self.world(world_id)
            self.out.indent_end()
        if not is_main:
            self.out.indent_end()

    def new_item(self) -> None:
        if self.any_items:
            self.out.newline()
        self.any_items = True

    def interface(self, iface_id: int) -> None:
        prev_items, self.any_items = self.any_items, False
        iface = self.resolve.interfaces[iface_id]
        resource_funcs: dict[int, list[Function]] = {}
        freestanding = []
        for func in iface.functions.values():
            if func.kind.resource is not None:
                resource_funcs.setdefault(func.kind.resource, []).append(func)
            else:
                freestanding.append(func)
        self.types(OwnerInterface(iface_id), list(iface.types.items()), resource_funcs)
        for func in freestanding:
            self.new_item()
            self.docs(func.docs)
            self.stability(func.stability)
            self.external_id(func.external_id)
            self.out.write(f"{_escape(func.item_name)}: ")
            self.function(func)
            self.out.semicolon()
        self.any_items = prev_items

    def world(self, world_id: int) -> None:
        """Imported interfaces first, then types (with resource functions), functions, exports."""
        prev_items, self.any_items = self.any_items, False
        world = self.resolve.worlds[world_id]
        package_id = world.package
        assert package_id is not None
        types: list[tuple[str, int]] = []
        resource_funcs: dict[int, list[Function]] = {}
        functions: list[tuple[WorldKey, WorldItem]] = []
        for key, item in world.imports.items():
            if isinstance(item, WorldType):
                assert isinstance(key, str)
                types.append((key, item.id))
            elif isinstance(item, WorldFunction):
                resource = item.function.kind.resource
                if resource is not None:
                    resource_funcs.setdefault(resource, []).append(item.function)
                else:
                    functions.append((key, item))
            else:
                self.world_item(key, item, package_id, "import")
                self.any_items = True
        self.types(OwnerWorld(world_id), types, resource_funcs)
        for key, item in functions:
            self.world_item(key, item, package_id, "import")
            self.any_items = True
        if world.exports:
            self.new_item()
        for key, item in world.exports.items():
            self.world_item(key, item, package_id, "export")
        self.any_items = prev_items

    def world_item(self, key: WorldKey, item: WorldItem, package_id: int, keyword: str) -> None:
        resolve = self.resolve
        if isinstance(item, WorldInterface):
            if item.docs is not None:
                self.docs(item.docs)
            elif isinstance(key, str):
                self.docs(resolve.interfaces[item.id].docs)
            self.stability(item.stability)
            self.external_id(item.external_id)
        elif isinstance(item, WorldFunction):
            self.docs(item.function.docs)
            self.stability(item.function.stability)
            self.external_id(item.function.external_id)
        else:
            raise WitError("a world item that is a type is printed with the world's types")
        self.out.write(f"{keyword} ")
        if isinstance(key, int):
            assert isinstance(item, WorldInterface)
            self.out.write(self.path_to_interface(key, package_id))
            self.out.semicolon()
            return
        self.out.write(f"{_escape(key)}: ")
        if isinstance(item, WorldFunction):
            self.function(item.function)
            self.out.semicolon()
        elif resolve.interfaces[item.id].name is None:
            self.out.write("interface")
            self.out.indent_start()
            self.interface(item.id)
            self.out.indent_end()
        else:
            self.out.write(self.path_to_interface(item.id, package_id))
            self.out.semicolon()

    def path_to_interface(self, iface_id: int, package_id: int) -> str:
        iface = self.resolve.interfaces[iface_id]
        if iface.name is None or iface.package is None:
            raise WitError("cannot refer to an anonymous interface by path")
        if iface.package == package_id:
            return _escape(iface.name)
        name = self.resolve.packages[iface.package].name
        path = f"{_escape(name.namespace)}:{_escape(name.name)}/{_escape(iface.name)}"
        return path if name.version is None else f"{path}@{name.version}"

    # -- types ------------------------------------------------------------------------------------

    def types(
        self, owner: TypeOwner, types: list[tuple[str, int]], resource_funcs: dict[int, list[Function]]
    ) -> None:
        """`use` statements for types taken from other interfaces, then the types defined here."""
        resolve = self.resolve
        to_declare: list[int] = []
        to_import: list[tuple[int, int, list[tuple[str, str]]]] = []
        for name, type_id in types:
            ty = resolve.types[type_id]
            if isinstance(ty.kind, Alias) and isinstance(ty.kind.type, int):
                other = resolve.types[ty.kind.type]
                if other.owner is not None and other.owner != owner:
                    if not isinstance(other.owner, OwnerInterface) or other.name is None:
                        raise WitError("cannot `use` a type that no interface names")
                    if to_import:
                        prev_owner, prev_type, names = to_import[-1]
                        prev = resolve.types[prev_type]
                        if (
                            prev_owner == other.owner.id
                            and ty.stability == prev.stability
                            and ty.external_id == prev.external_id
                        ):
                            names.append((name, other.name))
                            continue
                    to_import.append((other.owner.id, type_id, [(name, other.name)]))
                    continue
            to_declare.append(type_id)

        my_package = self._owner_package(owner)
        for iface_id, type_id, names in to_import:
            self.any_items = True
            ty = resolve.types[type_id]
            self.stability(ty.stability)
            self.external_id(ty.external_id)
            parts = [
                _escape(mine) if mine == theirs else f"{_escape(theirs)} as {_escape(mine)}"
                for mine, theirs in names
            ]
            self.out.write(f"use {self.path_to_interface(iface_id, my_package)}.{{{', '.join(parts)}}}")
            self.out.semicolon()

        for type_id in to_declare:
            self.new_item()
            ty = resolve.types[type_id]
            self.docs(ty.docs)
            self.stability(ty.stability)
            self.external_id(ty.external_id)
            if isinstance(ty.kind, Resource):
                self.resource(type_id, resource_funcs.get(type_id, []))
            else:
                self.declare_type(type_id)

    def _owner_package(self, owner: TypeOwner) -> int:
        if isinstance(owner, OwnerInterface):
            package = self.resolve.interfaces[owner.id].package
        elif isinstance(owner, OwnerWorld):
            package = self.resolve.worlds[owner.id].package
        else:
            package = None
        if package is None:
            raise WitError("cannot print items that belong to no package")
        return package

    def resource(self, type_id: int, funcs: list[Function]) -> None:
        name = self.resolve.types[type_id].name
        if name is None:
            raise WitError("resolve has an unnamed resource type")
        self.out.write(f"resource {_escape(name)}")
        if not funcs:
            self.out.semicolon()
            return
        self.out.indent_start()
        for func in funcs:
            self.docs(func.docs)
            self.stability(func.stability)
            self.external_id(func.external_id)
            kind = func.kind.name
            if kind in ("method", "async-method"):
                self.out.write(f"{_escape(func.item_name)}: ")
            elif kind in ("static", "async-static"):
                self.out.write(f"{_escape(func.item_name)}: static ")
            elif kind != "constructor":
                raise WitError(f"function `{func.name}` is not a resource function")
            self.function(func)
            self.out.semicolon()
        self.out.indent_end()

    def function(self, func: Function) -> None:
        kind = func.kind
        prefix = "async " if kind.is_async else ""
        head = "constructor(" if kind.name == "constructor" else "func("
        skip = 1 if kind.name in ("method", "async-method") else 0
        params = ", ".join(f"{_escape(p.name)}: {self.type_name(p.type)}" for p in func.params[skip:])
        self.out.write(f"{prefix}{head}{params})")
        if self._is_constructor_shorthand(func):
            return
        if func.result is not None:
            self.out.write(f" -> {self.type_name(func.result)}")

    def _is_constructor_shorthand(self, func: Function) -> bool:
        if func.kind.name != "constructor" or not isinstance(func.result, int):
            return False
        kind = self.resolve.types[func.result].kind
        return isinstance(kind, Handle) and kind.kind == "own" and kind.resource == func.kind.resource

    def type_name(self, ty: Type) -> str:
        """A type as written in a position that uses it (a field, a parameter, a type argument)."""
        if isinstance(ty, str):
            return ty
        typedef = self.resolve.types[ty]
        if typedef.name is not None:
            return _escape(typedef.name)
        return self._structure(typedef.kind)

    def _structure(self, kind: TypeDefKind) -> str:
        """An anonymous type's spelling (`list<u8>`, `tuple<a, b>`, `r` for `own<r>`, ...)."""
        tn = self.type_name
        if isinstance(kind, Handle):
            return self._handle(kind, force=False)
        if isinstance(kind, Tuple):
            return f"tuple<{', '.join(tn(t) for t in kind.types)}>"
        if isinstance(kind, Option):
            return f"option<{tn(kind.type)}>"
        if isinstance(kind, Result):
            return self._result(kind)
        if isinstance(kind, List):
            return f"list<{tn(kind.type)}>"
        if isinstance(kind, Map):
            return f"map<{tn(kind.key)}, {tn(kind.value)}>"
        if isinstance(kind, FixedLengthList):
            return f"list<{tn(kind.type)}, {kind.length}>"
        if isinstance(kind, Alias):
            return tn(kind.type)
        if isinstance(kind, Future | Stream):
            keyword = "future" if isinstance(kind, Future) else "stream"
            return keyword if kind.type is None else f"{keyword}<{tn(kind.type)}>"
        raise WitError(f"resolve has an unnamed {type(kind).__name__.lower()} type")

    def _handle(self, handle: Handle, force: bool) -> str:
        name = self.resolve.types[handle.resource].name
        if name is None:
            raise WitError("unnamed resource type")
        if handle.kind == "borrow":
            return f"borrow<{_escape(name)}>"
        return f"own<{_escape(name)}>" if force else _escape(name)

    def _result(self, result: Result) -> str:
        if result.ok is None and result.err is None:
            return "result"
        if result.ok is None:
            assert result.err is not None
            return f"result<_, {self.type_name(result.err)}>"
        if result.err is None:
            return f"result<{self.type_name(result.ok)}>"
        return f"result<{self.type_name(result.ok)}, {self.type_name(result.err)}>"

    def declare_type(self, type_id: int) -> None:
        """A named type's definition (`record r { .. }`, `type t = ..;`)."""
        typedef = self.resolve.types[type_id]
        name = typedef.name
        if name is None:
            raise WitError("unnamed type in document")
        kind = typedef.kind
        escaped = _escape(name)
        if isinstance(kind, Record):
            self._block(
                f"record {escaped}",
                [(f.docs, f"{_escape(f.name)}: {self.type_name(f.type)}") for f in kind.fields],
            )
        elif isinstance(kind, Flags):
            self._block(f"flags {escaped}", [(f.docs, _escape(f.name)) for f in kind.flags])
        elif isinstance(kind, Variant):
            cases = [
                (
                    c.docs,
                    _escape(c.name) if c.type is None else f"{_escape(c.name)}({self.type_name(c.type)})",
                )
                for c in kind.cases
            ]
            self._block(f"variant {escaped}", cases)
        elif isinstance(kind, Enum):
            self._block(f"enum {escaped}", [(c.docs, _escape(c.name)) for c in kind.cases])
        elif isinstance(kind, Handle):
            self.out.write(f"type {escaped} = {self._handle(kind, force=True)}")
            self.out.semicolon()
        elif isinstance(kind, Alias):
            self.out.write(f"type {escaped} = {self.type_name(kind.type)}")
            self.out.semicolon()
        else:
            self.out.write(f"type {escaped} = {self._structure(kind)}")
            self.out.semicolon()

    def _block(self, head: str, members: list[tuple[str | None, str]]) -> None:
        self.out.write(head)
        self.out.indent_start()
        for docs, text in members:
            self.docs(docs)
            self.out.write(f"{text},")
            self.out.newline()
        self.out.indent_end()

    # -- attributes -------------------------------------------------------------------------------

    def docs(self, docs: str | None) -> None:
        if docs is None:
            return
        lines = docs.split("\n")
        if lines[-1] == "":
            lines.pop()
        for line in lines:
            self.out.doc(line.removesuffix("\r"))

    def stability(self, stability: Stability) -> None:
        if stability is None:
            return
        if isinstance(stability, Stable):
            self.out.write(f"@since(version = {stability.since})")
        else:
            self.out.write(f"@unstable(feature = {stability.feature})")
        self.out.newline()
        if stability.deprecated is not None:
            self.out.write(f"@deprecated(version = {stability.deprecated})")
            self.out.newline()

    def external_id(self, value: str | None) -> None:
        if value is not None:
            self.out.write(f'@external-id("{_external_id(value)}")')
            self.out.newline()
