"""From syntax trees to `UnresolvedPackage`s: names resolved within one package, ids in the reference's order.

This mirrors wit-parser's `ast/resolve.rs` (`Resolver`) and `SourceMap::parse` (ast.rs): the files of
one package are merged, interfaces and worlds are sorted by their `use`/`include` edges, types by their
references, anonymous types are interned, and items of other packages become placeholders listed in
`foreign_deps`. The arenas are filled in exactly the reference's order, which is what makes the final
ids of the `Resolve` match.

Rules of this module:
1. Only names inside the package group are resolved here; other packages are the `Resolve`'s business
   (`_resolve`), which also filters items by feature gates. Stability is only attached here.
2. Errors are raised in the reference's order (files in path order; a file's nested packages are
   resolved before the next file is read) and leave as `WitError` rendered by the group's source map.
3. `parse_group` and `parse_text` are the front end's only entry points.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from witparser import _ast as ast
from witparser._ast import parse_file
from witparser._error import WitError
from witparser._lex import ParseError, tokenize
from witparser._model import (
    Alias,
    AstInterface,
    AstItem,
    AstWorld,
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
    PackageName,
    Param,
    Record,
    Resource,
    Result,
    Span,
    Stability,
    Stable,
    Stream,
    Tuple,
    Type,
    TypeDef,
    TypeDefKind,
    TypeOwner,
    Unknown,
    UnresolvedPackage,
    UnresolvedPackageGroup,
    Unstable,
    Variant,
    World,
    WorldFunction,
    WorldInclude,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)
from witparser._source import SourceMap
from witparser._toposort import toposort

# ---------------------------------------------------------------------------------------------------
# Entry points


def parse_group(files: list[tuple[str, str]]) -> UnresolvedPackageGroup:
    """Parse the `.wit` files of one package (one directory) into a package group.

    `files` are `(display path, text)`; the paths are used verbatim in messages and decide the order
    files are parsed in (sorted, like the reference). Texts should be decoded from bytes as given (keep
    `\\r\\n` and a BOM): columns and spans count them. Raises `WitError`.

    The list order is the source-map order. It only shows in the few lexer errors the reference
    reports at a file-relative position (control characters, bad string escapes), which land in
    whichever file holds that offset of the concatenated sources; the reference adds files in
    directory-listing order, so `os.listdir` order reproduces even those.
    """
    source_map = SourceMap()
    for path, text in files:
        source_map.push(path, text)
    try:
        main, nested = _parse_sources(source_map)
    except ParseError as error:
        raise render_parse_error(source_map, error) from None
    return UnresolvedPackageGroup(main, nested, source_map)


def parse_text(text: str, path: str) -> UnresolvedPackageGroup:
    """Parse one WIT file (its dependencies may only be nested packages in it). Raises `WitError`."""
    return parse_group([(path, text)])


def render_parse_error(source_map: SourceMap, error: ParseError) -> WitError:
    """The `WitError` for a front-end error, located through the map its spans belong to."""
    span = error.span
    if error.rust_byte is not None:
        span = source_map.span_of_rust_byte(error.rust_byte)
    return source_map.error(span, error.message)


def _parse_sources(source_map: SourceMap) -> tuple[UnresolvedPackage, list[UnresolvedPackage]]:
    nested: list[UnresolvedPackage] = []
    resolver = _Resolver()
    for source in sorted(source_map.sources, key=lambda source: source.path):
        file = parse_file(tokenize(source.text, source.offset))
        kept: list[ast.AstItem] = []
        for item in file.decl_list.items:
            if isinstance(item, ast.PackageFile):
                inner = _Resolver()
                inner.push(item)
                nested.append(inner.resolve())
            else:
                kept.append(item)
        file.decl_list.items = kept
        resolver.push(file)
    return resolver.resolve(), nested


# ---------------------------------------------------------------------------------------------------
# Walking the `use`-like paths of a declaration list

_PathKind = Literal["world", "interface", "unknown"]
_Path = tuple[ast.Id | None, list[ast.Attribute], ast.UsePath, list[ast.UseName] | None, _PathKind]


def _paths(decl_list: ast.DeclList) -> Iterator[_Path]:
    """Every path a declaration list mentions, in the reference's visiting order.

    Each is `(owner, attributes, path, names, kind)`: `owner` is the interface (or, for `include`, the
    world) whose sorting the path constrains, `names` the names a `use` imports.
    """
    for item in decl_list.items:
        if isinstance(item, ast.World):
            imports: list[tuple[ast.ExternKind, list[ast.Attribute]]] = []
            exports: list[tuple[ast.ExternKind, list[ast.Attribute]]] = []
            for world_item in item.items:
                if isinstance(world_item, ast.Use):
                    yield None, world_item.attributes, world_item.from_, world_item.names, "interface"
                elif isinstance(world_item, ast.Include):
                    yield item.name, world_item.attributes, world_item.from_, None, "world"
                elif isinstance(world_item, ast.Import):
                    imports.append((world_item.kind, world_item.attributes))
                elif isinstance(world_item, ast.Export):
                    exports.append((world_item.kind, world_item.attributes))
            for kind, attributes in imports + exports:
                if isinstance(kind, ast.ExternInterface):
                    for iface_item in kind.items:
                        if isinstance(iface_item, ast.Use):
                            yield None, iface_item.attributes, iface_item.from_, iface_item.names, "interface"
                elif isinstance(kind, ast.ExternPath | ast.ExternNamedPath):
                    yield None, attributes, kind.path, None, "interface"
        elif isinstance(item, ast.Interface):
            for iface_item in item.items:
                if isinstance(iface_item, ast.Use):
                    yield item.name, iface_item.attributes, iface_item.from_, iface_item.names, "interface"
        elif isinstance(item, ast.ToplevelUse):
            yield None, item.attributes, item.item, None, "unknown"
        else:
            yield from _paths(item.decl_list)


def _use_name(path: ast.UsePath) -> ast.Id:
    return path.id if isinstance(path, ast.UsePathId) else path.name


# ---------------------------------------------------------------------------------------------------
# The resolver

_TypeOrItem = int | str
"""A type id, or the kind of a non-type item (`"function"`) sharing the namespace."""

_ASCII_WHITESPACE = " \t\n\x0c\r"

_MAP_KEYS = frozenset({"bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string"})


def _not_found(span: Span, kind: str, name: str) -> ParseError:
    return ParseError(span, f"{kind} `{name}` does not exist", not_found=name)


class _Resolver:
    """Collects the files of one package and turns them into one `UnresolvedPackage`."""

    def __init__(self) -> None:
        self.package_name: tuple[PackageName, Span] | None = None
        self.package_docs: str | None = None
        self.decl_lists: list[ast.DeclList] = []
        self.types: list[TypeDef] = []
        self.interfaces: list[Interface] = []
        self.worlds: list[World] = []
        self.anon_types: dict[tuple[object, ...], int] = {}
        self.cur_ast_index = 0
        self.ast_items: list[dict[str, AstItem]] = []
        self.package_items: dict[str, AstItem] = {}
        self.interface_types: list[dict[str, tuple[_TypeOrItem, Span]]] = []
        self.foreign_deps: dict[PackageName, dict[str, tuple[AstItem, list[Stability]]]] = {}
        self.foreign_interfaces: set[int] = set()
        self.foreign_worlds: set[int] = set()
        self.type_lookup: dict[str, tuple[_TypeOrItem, Span]] = {}
        self.unknown_type_spans: list[Span] = []
        self.foreign_dep_spans: list[Span] = []
        self.required_resource_types: list[tuple[int, Span]] = []

    # -- files ---------------------------------------------------------------------------------------

    def push(self, file: ast.PackageFile) -> None:
        if file.package_id is not None:
            header = file.package_id
            name = header.package_name()
            if self.package_name is not None and name != self.package_name[0]:
                raise ParseError(
                    header.span,
                    f"package identifier `{name}` does not match previous package name of `{self.package_name[0]}`",
                )
            self.package_name = (name, header.span)
            docs = self.docs(header.docs)
            if docs is not None:
                if self.package_docs is not None:
                    raise ParseError(header.docs.span, "found doc comments on multiple 'package' items")
                self.package_docs = docs
        for item in file.decl_list.items:
            if isinstance(item, ast.PackageFile):
                assert item.package_id is not None
                raise ParseError(item.package_id.span, "nested packages must be placed at the top-level")
        self.decl_lists.append(file.decl_list)

    def resolve(self) -> UnresolvedPackage:
        if self.package_name is None:
            raise ParseError(Span(), "no `package` header was found in any WIT file for this package")
        name, name_span = self.package_name
        decl_lists = self.decl_lists
        self.populate_foreign_deps(decl_lists)
        iface_order, world_order = self.populate_ast_items(decl_lists)
        self.populate_foreign_types(decl_lists)

        iface_asts: dict[int, tuple[ast.Interface, int]] = {}
        world_asts: dict[int, tuple[ast.World, int]] = {}
        for i, decl_list in enumerate(decl_lists):
            for item in decl_list.items:
                if isinstance(item, ast.Interface):
                    iface_asts[self.ast_items[i][item.name.name].id] = (item, i)
                elif isinstance(item, ast.World):
                    world_asts[self.ast_items[i][item.name.name].id] = (item, i)

        for id in iface_order:
            interface, i = iface_asts[id]
            self.cur_ast_index = i
            self.resolve_interface(id, interface.items, interface.docs, interface.attributes)
        for id in world_order:
            world, i = world_asts[id]
            self.cur_ast_index = i
            self.resolve_world(id, world)

        return UnresolvedPackage(
            name=name,
            worlds=self.worlds,
            interfaces=self.interfaces,
            types=self.types,
            foreign_deps=self.foreign_deps,
            docs=self.package_docs,
            package_name_span=name_span,
            unknown_type_spans=self.unknown_type_spans,
            foreign_dep_spans=self.foreign_dep_spans,
            required_resource_types=self.required_resource_types,
        )

    # -- the package's structure -----------------------------------------------------------------

    def populate_foreign_deps(self, decl_lists: list[ast.DeclList]) -> None:
        """Create a placeholder interface or world for every item of another package that is used."""
        for decl_list in decl_lists:
            for _, attributes, path, _, kind in _paths(decl_list):
                if not isinstance(path, ast.UsePathPackage):
                    continue
                stability = self.stability(attributes)
                package = path.id.package_name()
                deps = self.foreign_deps.get(package)
                if deps is None:
                    self.foreign_dep_spans.append(path.id.span)
                    deps = self.foreign_deps[package] = {}
                entry = deps.get(path.name.name)
                if entry is None:
                    item: AstItem
                    if kind == "world":
                        item = AstWorld(self.alloc_world(path.name.span))
                    else:
                        item = AstInterface(self.alloc_interface(path.name.span))
                    entry = deps[path.name.name] = (item, [])
                entry[1].append(stability)
                if isinstance(entry[0], AstInterface):
                    self.foreign_interfaces.add(entry[0].id)
                else:
                    self.foreign_worlds.add(entry[0].id)

    def alloc_interface(self, span: Span) -> int:
        self.interface_types.append({})
        self.interfaces.append(Interface(None, span=span))
        return len(self.interfaces) - 1

    def alloc_world(self, span: Span) -> int:
        self.worlds.append(World("", span=span))
        return len(self.worlds) - 1

    def populate_ast_items(self, decl_lists: list[ast.DeclList]) -> tuple[list[int], list[int]]:
        """Check names, sort interfaces and worlds by their edges, allocate them, build file scopes."""
        item_spans: dict[str, Span] = {}
        names: dict[str, ast.Interface | ast.World] = {}
        order: dict[str, list[ast.Id]] = {}
        for decl_list in decl_lists:
            for item in decl_list.items:
                if isinstance(item, ast.Interface | ast.World):
                    name = item.name
                    if name.name in item_spans:
                        raise ParseError(name.span, f"duplicate item named `{name.name}`")
                    item_spans[name.name] = name.span
                    order[name.name] = []
                    names[name.name] = item

        for decl_list in decl_lists:
            # This file's top-level names: `None` marks a `use` of another package's item.
            scope: dict[str, ast.Id | None] = {}
            for item in decl_list.items:
                if isinstance(item, ast.ToplevelUse):
                    name = item.as_ if item.as_ is not None else _use_name(item.item)
                    source = item.item.id if isinstance(item.item, ast.UsePathId) else None
                elif isinstance(item, ast.Interface | ast.World):
                    name = item.name
                    source = item.name
                else:
                    continue
                if name.name in scope:
                    raise ParseError(name.span, f"duplicate name `{name.name}` in this file")
                scope[name.name] = source
            for owner, _, path, _, _ in _paths(decl_list):
                if owner is None or not isinstance(path, ast.UsePathId):
                    continue
                used = path.id
                if used.name in scope:
                    local = scope[used.name]
                    if local is not None:
                        order[owner.name].append(local)
                elif used.name in item_spans:
                    order[owner.name].append(used)
                else:
                    raise _not_found(used.span, "interface or world", used.name)

        ids: dict[str, AstItem] = {}
        iface_order: list[int] = []
        world_order: list[int] = []
        for name_text in toposort("interface or world", order):
            if isinstance(names[name_text], ast.Interface):
                iface_id = self.alloc_interface(item_spans[name_text])
                self.interfaces[iface_id].name = name_text
                ids[name_text] = AstInterface(iface_id)
                iface_order.append(iface_id)
            else:
                world_id = self.alloc_world(item_spans[name_text])
                self.worlds[world_id].name = name_text
                ids[name_text] = AstWorld(world_id)
                world_order.append(world_id)

        for decl_list in decl_lists:
            items: dict[str, AstItem] = {}
            for item in decl_list.items:
                if isinstance(item, ast.ToplevelUse):
                    if item.attributes:
                        raise ParseError(item.span, "attributes not allowed on top-level use")
                    name = item.as_ if item.as_ is not None else _use_name(item.item)
                    if isinstance(item.item, ast.UsePathId):
                        target = ids.get(item.item.id.name)
                        if target is None:
                            raise _not_found(item.item.id.span, "interface or world", item.item.id.name)
                    else:
                        target = self.foreign_deps[item.item.id.package_name()][item.item.name.name][0]
                    items[name.name] = target
                elif isinstance(item, ast.Interface | ast.World):
                    items[item.name.name] = ids[item.name.name]
                    self.package_items[item.name.name] = ids[item.name.name]
            self.ast_items.append(items)
        return iface_order, world_order

    def populate_foreign_types(self, decl_lists: list[ast.DeclList]) -> None:
        """Create an `Unknown` placeholder type for every name `use`d from another package."""
        for i, decl_list in enumerate(decl_lists):
            self.cur_ast_index = i
            for _, attributes, path, names, _ in _paths(decl_list):
                if names is None:
                    continue
                stability = self.stability(attributes)
                external_id = self.external_id(attributes)
                item, name, span = self.resolve_ast_item_path(path)
                iface = self.extract_iface_from_item(item, name, span)
                if iface not in self.foreign_interfaces:
                    continue
                lookup = self.interface_types[iface]
                for use_name in names:
                    id = use_name.name
                    if id.name in lookup:
                        continue
                    self.types.append(
                        TypeDef(
                            id.name,
                            Unknown(),
                            OwnerInterface(iface),
                            stability=stability,
                            span=id.span,
                            external_id=external_id,
                        )
                    )
                    type_id = len(self.types) - 1
                    self.unknown_type_spans.append(id.span)
                    lookup[id.name] = (type_id, id.span)
                    self.interfaces[iface].types[id.name] = type_id

    # -- worlds ----------------------------------------------------------------------------------

    def resolve_world(self, world_id: int, world: ast.World) -> None:
        target = self.worlds[world_id]
        target.docs = self.docs(world.docs)
        target.stability = self.stability(world.attributes)
        self.resolve_types(
            OwnerWorld(world_id), [item for item in world.items if isinstance(item, ast.Use | ast.TypeDef)]
        )
        for item in world.items:
            if isinstance(item, ast.Include):
                self.resolve_include(world_id, item)

        for name, (type_or_item, span) in self.type_lookup.items():
            assert isinstance(type_or_item, int)
            target.imports[name] = WorldType(type_or_item, span)

        imported: set[int] = set()
        exported: set[int] = set()
        for item in world.items:
            if isinstance(item, ast.Import | ast.Export):
                desc, seen, destination = (
                    ("import", imported, target.imports)
                    if isinstance(item, ast.Import)
                    else ("export", exported, target.exports)
                )
            elif isinstance(item, ast.TypeDef) and isinstance(item.ty, ast.ResourceType):
                for func in item.ty.funcs:
                    resolved = self.resolve_resource_func(func, item.name)
                    target.imports[resolved.name] = WorldFunction(resolved)
                continue
            else:
                continue

            kind = item.kind
            world_item = self.resolve_world_item(item.docs, item.attributes, kind)
            key: WorldKey
            if isinstance(kind, ast.ExternInterface | ast.ExternNamedPath):
                key = kind.id.name
            elif isinstance(kind, ast.ExternFunc):
                assert isinstance(world_item, WorldFunction)
                key = world_item.function.name
            else:
                path_item, path_name, path_span = self.resolve_ast_item_path(kind.path)
                key = self.extract_iface_from_item(path_item, path_name, path_span)
                if key in seen:
                    raise ParseError(kind.span, f"interface cannot be {desc}ed more than once")
                seen.add(key)
            previous = destination.get(key)
            destination[key] = world_item
            if previous is not None:
                prior = (
                    "interface"
                    if isinstance(previous, WorldInterface)
                    else "func"
                    if isinstance(previous, WorldFunction)
                    else "type"
                )
                raise ParseError(kind.span, f"{desc} `{key}` conflicts with prior {prior} of same name")
        self.type_lookup.clear()

    def resolve_world_item(
        self, docs: ast.Docs, attributes: list[ast.Attribute], kind: ast.ExternKind
    ) -> WorldItem:
        if isinstance(kind, ast.ExternInterface):
            outer = self.type_lookup
            self.type_lookup = {}
            id = self.alloc_interface(kind.id.span)
            self.resolve_interface(id, kind.items, docs, attributes)
            self.type_lookup = outer
            stability = self.interfaces[id].stability
            return WorldInterface(id, stability, kind.id.span, self.external_id(attributes), None)
        if isinstance(kind, ast.ExternFunc):
            func_kind = FunctionKind("async-freestanding" if kind.func.async_ else "freestanding")
            return WorldFunction(
                self.resolve_function(docs, attributes, kind.id.name, kind.id.span, kind.func, func_kind)
            )
        stability = self.stability(attributes)
        external_id = self.external_id(attributes)
        resolved_docs = self.docs(docs)
        item, name, item_span = self.resolve_ast_item_path(kind.path)
        id = self.extract_iface_from_item(item, name, item_span)
        span = kind.id.span if isinstance(kind, ast.ExternNamedPath) else item_span
        return WorldInterface(id, stability, span, external_id, resolved_docs)

    def resolve_include(self, world_id: int, include: ast.Include) -> None:
        stability = self.stability(include.attributes)
        item, name, span = self.resolve_ast_item_path(include.from_)
        include_from = self.extract_world_from_item(item, name, span)
        names = [IncludeName(n.name.name, n.as_.name) for n in include.names]
        self.worlds[world_id].includes.append(WorldInclude(stability, include_from, names, span))

    # -- interfaces ------------------------------------------------------------------------------

    def resolve_interface(
        self,
        interface_id: int,
        items: list[ast.InterfaceItem],
        docs: ast.Docs,
        attributes: list[ast.Attribute],
    ) -> None:
        target = self.interfaces[interface_id]
        target.docs = self.docs(docs)
        target.stability = self.stability(attributes)
        self.resolve_types(
            OwnerInterface(interface_id), [item for item in items if isinstance(item, ast.Use | ast.TypeDef)]
        )
        for name, (type_or_item, _) in self.type_lookup.items():
            assert isinstance(type_or_item, int)
            target.types[name] = type_or_item

        funcs: list[Function] = []
        for item in items:
            if isinstance(item, ast.NamedFunc):
                self.define_interface_name(item.name, "function")
                kind = FunctionKind("async-freestanding" if item.func.async_ else "freestanding")
                funcs.append(
                    self.resolve_function(
                        item.docs, item.attributes, item.name.name, item.name.span, item.func, kind
                    )
                )
            elif isinstance(item, ast.TypeDef) and isinstance(item.ty, ast.ResourceType):
                for resource_func in item.ty.funcs:
                    funcs.append(self.resolve_resource_func(resource_func, item.name))
        for function in funcs:
            target.functions[function.name] = function

        self.interface_types[interface_id] = self.type_lookup
        self.type_lookup = {}

    # -- types -----------------------------------------------------------------------------------

    def resolve_types(self, owner: TypeOwner, items: list[ast.Use | ast.TypeDef]) -> None:
        """Define the names `use`d, then the type definitions in dependency order."""
        for item in items:
            if isinstance(item, ast.Use):
                self.resolve_use(owner, item)

        type_deps: dict[str, list[ast.Id]] = {}
        type_defs: dict[str, ast.TypeDef | None] = {}
        for item in items:
            if isinstance(item, ast.TypeDef):
                name = item.name
                if name.name in type_defs:
                    raise ParseError(name.span, f"name `{name.name}` is defined more than once")
                type_defs[name.name] = item
                deps: list[ast.Id] = []
                _collect_deps(item.ty, deps)
                type_deps[name.name] = deps
            else:
                for use_name in item.names:
                    alias = use_name.as_ if use_name.as_ is not None else use_name.name
                    type_deps[alias.name] = []
                    type_defs[alias.name] = None

        try:
            order = toposort("type", type_deps)
        except ParseError as error:
            renamed = {"float32": "f32", "float64": "f64"}.get(error.not_found or "")
            if renamed is not None:
                error.message += (
                    f"\nthe `{error.not_found}` type has been renamed to `{renamed}` and is no longer "
                    "accepted, but the `WIT_REQUIRE_F32_F64=0` environment variable can be used to "
                    "temporarily disable this error"
                )
            raise
        for name_text in order:
            definition = type_defs.pop(name_text)
            if definition is None:
                continue
            docs = self.docs(definition.docs)
            stability = self.stability(definition.attributes)
            external_id = self.external_id(definition.attributes)
            kind = self.resolve_type_def(definition.ty, stability)
            self.types.append(
                TypeDef(
                    definition.name.name,
                    kind,
                    owner,
                    docs,
                    stability,
                    definition.name.span,
                    external_id,
                )
            )
            self.define_interface_name(definition.name, len(self.types) - 1)

    def resolve_use(self, owner: TypeOwner, use: ast.Use) -> None:
        item, name, span = self.resolve_ast_item_path(use.from_)
        use_from = self.extract_iface_from_item(item, name, span)
        stability = self.stability(use.attributes)
        external_id = self.external_id(use.attributes)
        for use_name in use.names:
            id = use_name.name
            found = self.interface_types[use_from].get(id.name)
            if found is None:
                raise _not_found(id.span, "name", id.name)
            if isinstance(found[0], str):
                raise ParseError(id.span, f"cannot import {found[0]} `{id.name}`")
            alias = use_name.as_ if use_name.as_ is not None else id
            self.types.append(
                TypeDef(alias.name, Alias(found[0]), owner, None, stability, id.span, external_id)
            )
            self.define_interface_name(alias, len(self.types) - 1)

    def resolve_type_def(self, ty: ast.Type, stability: Stability) -> TypeDefKind:
        if isinstance(ty, ast.PrimType):
            return Alias(ty.name)
        if isinstance(ty, ast.NameType):
            return Alias(self.resolve_type_name(ty.id))
        if isinstance(ty, ast.ListType):
            return List(self.resolve_type(ty.ty, stability))
        if isinstance(ty, ast.OptionType):
            return Option(self.resolve_type(ty.ty, stability))
        if isinstance(ty, ast.ResultType):
            return Result(
                self.resolve_optional_type(ty.ok, stability), self.resolve_optional_type(ty.err, stability)
            )
        if isinstance(ty, ast.TupleType):
            return Tuple([self.resolve_type(t, stability) for t in ty.types])
        if isinstance(ty, ast.HandleType):
            return Handle("own" if ty.own else "borrow", self.validate_resource(ty.resource))
        if isinstance(ty, ast.RecordType):
            return Record(
                [
                    Field(f.name.name, self.resolve_type(f.ty, stability), self.docs(f.docs), f.name.span)
                    for f in ty.fields
                ]
            )
        if isinstance(ty, ast.VariantType):
            if not ty.cases:
                raise ParseError(ty.span, "empty variant")
            return Variant(
                [
                    Case(
                        c.name.name,
                        self.resolve_optional_type(c.ty, stability),
                        self.docs(c.docs),
                        c.name.span,
                    )
                    for c in ty.cases
                ]
            )
        if isinstance(ty, ast.EnumType):
            if not ty.cases:
                raise ParseError(ty.span, "empty enum")
            return Enum([EnumCase(c.name.name, self.docs(c.docs), c.name.span) for c in ty.cases])
        if isinstance(ty, ast.FlagsType):
            return Flags([Flag(f.name.name, self.docs(f.docs), f.name.span) for f in ty.flags])
        if isinstance(ty, ast.MapType):
            key = self.resolve_type(ty.key, stability)
            value = self.resolve_type(ty.value, stability)
            if key not in _MAP_KEYS:
                raise ParseError(
                    ty.span,
                    "invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, "
                    "char, or string",
                )
            return Map(key, value)
        if isinstance(ty, ast.FixedListType):
            return FixedLengthList(self.resolve_type(ty.ty, stability), ty.size)
        if isinstance(ty, ast.FutureType):
            return Future(self.resolve_optional_type(ty.ty, stability))
        if isinstance(ty, ast.StreamType):
            return Stream(self.resolve_optional_type(ty.ty, stability))
        return self.resolve_resource(ty)

    def resolve_resource(self, ty: ast.ResourceType) -> Resource:
        """A resource definition: at most one constructor, no two functions of one name."""
        constructors = 0
        names: set[str] = set()
        for func in ty.funcs:
            name = func.func.name
            if func.kind == "constructor":
                constructors += 1
                if constructors > 1:
                    raise ParseError(name.span, "duplicate constructors")
            elif name.name in names:
                raise ParseError(name.span, f"duplicate function name `{name.name}`")
            else:
                names.add(name.name)
        return Resource()

    def resolve_type_name(self, name: ast.Id) -> int:
        found = self.type_lookup.get(name.name)
        if found is None:
            raise _not_found(name.span, "name", name.name)
        if isinstance(found[0], str):
            raise ParseError(name.span, f"cannot use {found[0]} `{name.name}` as a type")
        return found[0]

    def validate_resource(self, name: ast.Id) -> int:
        id = self.resolve_type_name(name)
        current = id
        while True:
            kind = self.types[current].kind
            if isinstance(kind, Resource):
                return id
            if isinstance(kind, Alias) and isinstance(kind.type, int):
                current = kind.type
            elif isinstance(kind, Unknown):
                self.required_resource_types.append((current, name.span))
                return id
            else:
                raise ParseError(name.span, f"type `{name.name}` used in a handle must be a resource")

    def find_stability(self, kind: TypeDefKind, stability: Stability) -> Stability:
        """An anonymous type without its own gate inherits the first gated type it is built from."""
        if stability is not None:
            return stability
        types = self.types

        def of(ty: Type | None) -> Stability:
            return types[ty].stability if isinstance(ty, int) else None

        if isinstance(kind, Alias | List | FixedLengthList | Option | Future | Stream):
            return of(kind.type)
        if isinstance(kind, Handle):
            return of(kind.resource)
        if isinstance(kind, Tuple):
            for ty in kind.types:
                found = of(ty)
                if found is not None:
                    return found
            return None
        if isinstance(kind, Map):
            return of(kind.key) or of(kind.value)
        if isinstance(kind, Result):
            return of(kind.ok) or of(kind.err)
        return None

    def resolve_type(self, ty: ast.Type, stability: Stability) -> Type:
        kind = self.resolve_type_def(ty, stability)
        return self.anon_type_def(kind, self.find_stability(kind, stability), ty.span)

    def resolve_optional_type(self, ty: ast.Type | None, stability: Stability) -> Type | None:
        return None if ty is None else self.resolve_type(ty, stability)

    def anon_type_def(self, kind: TypeDefKind, stability: Stability, span: Span) -> Type:
        """The id of an anonymous type, shared with any structurally equal one in this package."""
        key: tuple[object, ...]
        if isinstance(kind, Alias):
            return kind.type
        if isinstance(kind, Handle):
            if kind.kind == "own":
                return kind.resource
            key = ("borrow", kind.resource)
        elif isinstance(kind, List | Option | Future | Stream):
            key = (type(kind), kind.type)
        elif isinstance(kind, Tuple):
            key = (Tuple, *kind.types)
        elif isinstance(kind, Result):
            key = (Result, kind.ok, kind.err)
        elif isinstance(kind, Map):
            key = (Map, kind.key, kind.value)
        elif isinstance(kind, FixedLengthList):
            key = (FixedLengthList, kind.type, kind.length)
        else:
            raise AssertionError(f"no anonymous {type(kind).__name__} types")
        id = self.anon_types.get(key)
        if id is None:
            self.types.append(TypeDef(None, kind, None, None, stability, span))
            id = self.anon_types[key] = len(self.types) - 1
        return id

    # -- functions -------------------------------------------------------------------------------

    def resolve_resource_func(self, func: ast.ResourceFunc, resource: ast.Id) -> Function:
        found = self.type_lookup[resource.name][0]
        assert isinstance(found, int)
        named = func.func
        async_ = named.func.async_
        if func.kind == "method":
            name = f"[method]{resource.name}.{named.name.name}"
            kind = FunctionKind("async-method" if async_ else "method", found)
        elif func.kind == "static":
            name = f"[static]{resource.name}.{named.name.name}"
            kind = FunctionKind("async-static" if async_ else "static", found)
        else:
            name = f"[constructor]{resource.name}"
            kind = FunctionKind("constructor", found)
        return self.resolve_function(named.docs, named.attributes, name, named.name.span, named.func, kind)

    def resolve_function(
        self,
        docs: ast.Docs,
        attributes: list[ast.Attribute],
        name: str,
        name_span: Span,
        func: ast.Func,
        kind: FunctionKind,
    ) -> Function:
        resolved_docs = self.docs(docs)
        stability = self.stability(attributes)
        external_id = self.external_id(attributes)
        params = self.resolve_params(func.params, kind, func.span)
        result = self.resolve_result(func.result, kind)
        return Function(name, kind, params, result, resolved_docs, stability, name_span, external_id)

    def resolve_params(
        self, params: list[tuple[ast.Id, ast.Type]], kind: FunctionKind, span: Span
    ) -> list[Param]:
        result: list[Param] = []
        if kind.name in ("method", "async-method"):
            assert kind.resource is not None
            handle = Handle("borrow", kind.resource)
            shared = self.anon_type_def(handle, self.find_stability(handle, None), span)
            result.append(Param("self", shared, span))
        seen = {param.name for param in result}
        for name, ty in params:
            if name.name in seen:
                raise ParseError(name.span, f"param `{name.name}` is defined more than once")
            seen.add(name.name)
            result.append(Param(name.name, self.resolve_type(ty, None), name.span))
        return result

    def resolve_result(self, result: ast.Type | None, kind: FunctionKind) -> Type | None:
        if kind.name != "constructor":
            return None if result is None else self.resolve_type(result, None)
        assert kind.resource is not None
        if result is None:
            return kind.resource
        return self.resolve_constructor_result(kind.resource, result)

    def resolve_constructor_result(self, resource_id: int, result_ast: ast.Type) -> Type:
        result = self.resolve_type(result_ast, None)
        result_kind = self.types[result].kind if isinstance(result, int) else None
        if not isinstance(result_kind, Result):
            raise ParseError(
                result_ast.span, "if a constructor return type is declared it must be a `result`"
            )
        if result_kind.ok != resource_id or not isinstance(result_kind.ok, int):
            ok_span = result_ast.span
            if isinstance(result_ast, ast.ResultType) and result_ast.ok is not None:
                ok_span = result_ast.ok.span
            raise ParseError(ok_span, "the `ok` type must be the resource being constructed")
        return result

    # -- names -----------------------------------------------------------------------------------

    def resolve_ast_item_path(self, path: ast.UsePath) -> tuple[AstItem, str, Span]:
        if isinstance(path, ast.UsePathId):
            id = path.id
            item = self.ast_items[self.cur_ast_index].get(id.name)
            if item is None:
                item = self.package_items.get(id.name)
            if item is None:
                raise _not_found(id.span, "interface or world", id.name)
            return item, id.name, id.span
        return self.foreign_deps[path.id.package_name()][path.name.name][0], path.name.name, path.name.span

    def extract_iface_from_item(self, item: AstItem, name: str, span: Span) -> int:
        if isinstance(item, AstWorld):
            raise ParseError(span, f"name `{name}` is defined as a world, not an interface")
        return item.id

    def extract_world_from_item(self, item: AstItem, name: str, span: Span) -> int:
        if isinstance(item, AstInterface):
            raise ParseError(span, f"name `{name}` is defined as an interface, not a world")
        return item.id

    def define_interface_name(self, name: ast.Id, item: _TypeOrItem) -> None:
        if name.name in self.type_lookup:
            raise ParseError(name.span, f"name `{name.name}` is defined more than once")
        self.type_lookup[name.name] = (item, name.span)

    # -- docs and attributes ---------------------------------------------------------------------

    def docs(self, docs: ast.Docs) -> str | None:
        """Doc text from raw comments: markers removed, common indentation removed, lines joined."""
        if not docs.docs:
            return None
        lines: list[str] = []
        multiline = False
        for doc in docs.docs:
            if doc.startswith("/*"):
                multiline = True
                if doc.startswith("/**"):
                    # The reference panics on an empty `/**/`; it is treated as an empty line here.
                    body = doc[3:]
                    lines.append(body[:-2].rstrip() if body.endswith("*/") else "")
                    continue
            lines.append(doc.lstrip("/").rstrip())
        indent = min((len(line) - len(line.lstrip(_ASCII_WHITESPACE)) for line in lines if line), default=0)
        if indent > 0:
            prefix = " " * indent
            lines = [line.removeprefix(prefix) for line in lines]
        if multiline:
            # A block comment may span lines: each line ends in `\n` (and loses a `\r` before it).
            lines = ["\n".join(part.removesuffix("\r") for part in line.split("\n")) for line in lines]
        return "\n".join(lines).rstrip("\n")

    def stability(self, attributes: list[ast.Attribute]) -> Stability:
        since: ast.Since | None = None
        deprecated: ast.Deprecated | None = None
        unstable: ast.Unstable | None = None
        for attribute in attributes:
            if isinstance(attribute, ast.Since):
                if since is not None:
                    raise ParseError(attribute.span, "cannot specify @since twice")
                since = attribute
            elif isinstance(attribute, ast.Deprecated):
                if deprecated is not None:
                    raise ParseError(attribute.span, "cannot specify @deprecated twice")
                deprecated = attribute
            elif isinstance(attribute, ast.Unstable):
                if unstable is not None:
                    raise ParseError(attribute.span, "cannot specify @unstable twice")
                unstable = attribute
        deprecated_version = deprecated.version if deprecated is not None else None
        if since is not None and unstable is None:
            return Stable(since.version, deprecated_version)
        if since is None and unstable is not None:
            return Unstable(unstable.feature.name, deprecated_version)
        if since is not None:
            raise ParseError(since.span, "cannot specify both @since and @unstable")
        if deprecated is not None:
            raise ParseError(deprecated.span, "cannot specify both @deprecated without @since or @unstable")
        return None

    def external_id(self, attributes: list[ast.Attribute]) -> str | None:
        external_id: str | None = None
        for attribute in attributes:
            if isinstance(attribute, ast.ExternalId):
                if external_id is not None:
                    raise ParseError(attribute.span, "cannot specify @external-id twice")
                external_id = attribute.id
        return external_id


def _collect_deps(ty: ast.Type, deps: list[ast.Id]) -> None:
    """The names a type definition refers to, in source order (its edges for the type sort)."""
    if isinstance(ty, ast.NameType):
        deps.append(ty.id)
    elif isinstance(ty, ast.HandleType):
        deps.append(ty.resource)
    elif isinstance(ty, ast.ListType | ast.FixedListType | ast.OptionType):
        _collect_deps(ty.ty, deps)
    elif isinstance(ty, ast.FutureType | ast.StreamType):
        if ty.ty is not None:
            _collect_deps(ty.ty, deps)
    elif isinstance(ty, ast.RecordType):
        for field in ty.fields:
            _collect_deps(field.ty, deps)
    elif isinstance(ty, ast.TupleType):
        for item in ty.types:
            _collect_deps(item, deps)
    elif isinstance(ty, ast.VariantType):
        for case in ty.cases:
            if case.ty is not None:
                _collect_deps(case.ty, deps)
    elif isinstance(ty, ast.MapType):
        _collect_deps(ty.key, deps)
        _collect_deps(ty.value, deps)
    elif isinstance(ty, ast.ResultType):
        if ty.ok is not None:
            _collect_deps(ty.ok, deps)
        if ty.err is not None:
            _collect_deps(ty.err, deps)
