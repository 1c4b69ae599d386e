"""WIT packages encoded as wasm components: decode one and merge it into a `Resolve`.

This is the reference's `decoding.rs` (`decode` -> `DecodedWasm::WitPackage`) followed by
`Resolve::merge`, as `push_file`/`push_dir` use them for `*.wasm`/`*.wat` inputs. A package is decoded
into a fresh `Resolve` first (foreign packages in dependency order, then the package itself) and that
`Resolve` is then appended to the target, reusing packages the target already has by name. Doing it in
these two steps, exactly as the reference does, is what makes the ids come out identical.

Rules of this module:
1. Type identity is object identity. Every type the binary defines, every `(sub resource)` and every
   `(eq N)`-bounded import or export is one Python object (`_Defined`, `_Resource`, `_Alias`, ...);
   aliases of instance exports and outer aliases reuse the object. This stands in for wasmparser's
   `ComponentAnyTypeId`, and `_Decoder.type_map` maps those objects to WIT type ids.
2. Decoding mirrors the reference's order of side effects (types, then their interface; foreign
   interfaces lazily, on first import), because that order is the id numbering.
3. Everything that goes wrong is a `WitError`; the binary syntax itself is `witparser._wasm`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import wasmtime

from witparser import _wasm as w
from witparser._error import WitError
from witparser._merge import merge
from witparser._model import (
    Alias,
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
    Interface,
    List,
    Map,
    Option,
    OwnerInterface,
    OwnerWorld,
    Package,
    PackageName,
    Param,
    Record,
    Resource,
    Result,
    Stream,
    Tuple,
    Type,
    TypeDef,
    TypeDefKind,
    TypeOwner,
    Variant,
    World,
    WorldFunction,
    WorldInterface,
    WorldItem,
    WorldKey,
    WorldType,
)
from witparser._package_docs import SECTION_NAME, inject_package_docs
from witparser._package_docs import version as parse_version_text
from witparser._resolve import Resolve

MAX_TYPE_DEPTH = 200
"""Deepest nesting of defined types accepted (WIT text allows 100; the encoding adds a level or so)."""

NOT_A_PACKAGE = "found an actual component instead of an encoded WIT package in wasm"


def decode_wasm_into(resolve: Resolve, data: bytes, path: str) -> int:
    """Decode the WIT package in `data` (binary, or WAT text) and merge it into `resolve`.

    Returns the package's id in `resolve`. `path` is used only in messages about unreadable text, which
    are the `wat` crate's (wasmtime's `wat2wasm` is that crate) with the path filled in, as the reference
    reports them.
    """
    if not data.startswith(w.MAGIC):
        try:
            data = wasmtime.wat2wasm(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise WitError("input bytes aren't valid utf-8") from None
        except wasmtime.WasmtimeError as err:
            raise WitError(str(err).replace("--> <anon>:", f"--> {path}:", 1)) from None
    decoded, package = decode_package(data)
    return merge(resolve, decoded)[package]


def decode_package(data: bytes) -> tuple[Resolve, int]:
    """Decode a binary WIT package into a fresh `Resolve`; returns it and the package's id."""
    component = w.read_component(data)
    externs, custom = _top_level(component)
    version = _wit_package_version(externs)
    if version is None:
        raise WitError(NOT_A_PACKAGE)
    decoder = _Decoder()
    package = decoder.decode_v1(externs) if version == 1 else decoder.decode_v2(externs)
    new_resolve, package_id = decoder.finish(package)
    metadata = [data for name, data in custom if name == SECTION_NAME]
    if len(metadata) > 1:
        raise WitError(f'multiple "{SECTION_NAME}" sections')
    if metadata:
        inject_package_docs(new_resolve, package_id, metadata[0])
    return new_resolve, package_id


# ---------------------------------------------------------------------------------------------------
# Type identities: what each index of each index space refers to


@dataclass(eq=False, slots=True)
class _Defined:
    """A defined value type; its value types index `space` (the scope's type space at definition).

    `depth` is how deeply anonymous types nest inside it; decoding recurses that deep, so it is bounded.
    """

    definition: w.DefinedDef
    space: list[_Ty]
    depth: int

    def valtype(self, vt: w.ValType) -> str | _Ty:
        return vt if isinstance(vt, str) else self.space[vt]


@dataclass(eq=False, slots=True)
class _Resource:
    """A fresh abstract resource, minted by `(sub resource)`."""


@dataclass(eq=False, slots=True)
class _Alias:
    """The new type an `(eq N)`-bounded import or export creates; it peels to `target`."""

    target: _Ty


@dataclass(eq=False, slots=True)
class _Func:
    definition: w.FuncDef
    space: list[_Ty]

    def valtype(self, vt: w.ValType) -> str | _Ty:
        return vt if isinstance(vt, str) else self.space[vt]


@dataclass(eq=False, slots=True)
class _Item:
    """An import or export: its sort, its type, and for types what the bound referenced."""

    sort: str
    type: _Ty
    referenced: _Ty | None = None
    implements: str | None = None
    external_id: str | None = None
    version_suffix: str | None = None


@dataclass(eq=False, slots=True)
class _InstanceT:
    exports: dict[str, _Item] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class _ComponentT:
    imports: dict[str, _Item] = field(default_factory=dict)
    exports: dict[str, _Item] = field(default_factory=dict)


_Ty: TypeAlias = _Defined | _Resource | _Alias | _Func | _InstanceT | _ComponentT


def _peel(ty: _Ty) -> _Ty:
    while isinstance(ty, _Alias):
        ty = ty.target
    return ty


@dataclass(slots=True)
class _Scope:
    """The index spaces of one component or instance type (or of the top level)."""

    types: list[_Ty] = field(default_factory=list)
    instances: list[_InstanceT] = field(default_factory=list)
    funcs: list[_Func] = field(default_factory=list)
    components: list[_ComponentT] = field(default_factory=list)

    def type_at(self, index: int) -> _Ty:
        if index >= len(self.types):
            raise WitError(f"type index out of bounds: {index}")
        return self.types[index]


def _define(scope: _Scope, definition: w.TypeDef, outer: list[_Scope]) -> _Ty:
    if isinstance(definition, w.FuncDef):
        for _, vt in definition.params:
            _check_valtype(scope, vt)
        if definition.result is not None:
            _check_valtype(scope, definition.result)
        return _Func(definition, scope.types)
    if isinstance(definition, w.InstanceTypeDef | w.ComponentTypeDef):
        return _build_type(definition, [*outer, scope])
    if isinstance(definition, w.ResourceDef):
        raise WitError("resource definitions are not part of a WIT package")
    depth = 1
    for ref in _defined_refs(definition):
        _check_valtype(scope, ref)
        if isinstance(ref, int):
            inner = _peel(scope.types[ref])
            assert isinstance(inner, _Defined)
            depth = max(depth, inner.depth + 1)
    if depth > MAX_TYPE_DEPTH:
        raise WitError("type nesting too deep")
    if isinstance(definition, w.OwnDef | w.BorrowDef) and not isinstance(
        _peel(scope.type_at(definition.index)), _Resource
    ):
        raise WitError("type index is not a resource type")
    return _Defined(definition, scope.types, depth)


def _check_valtype(scope: _Scope, vt: w.ValType | None) -> None:
    if isinstance(vt, int) and not isinstance(_peel(scope.type_at(vt)), _Defined):
        raise WitError(f"type index {vt} is not a defined type")


def _defined_refs(d: w.DefinedDef) -> list[w.ValType | None]:
    if isinstance(d, w.RecordDef):
        return [vt for _, vt in d.fields]
    if isinstance(d, w.VariantDef):
        return [vt for _, vt in d.cases]
    if isinstance(d, w.TupleDef):
        return list(d.types)
    if isinstance(d, w.ListDef | w.FixedListDef):
        return [d.element]
    if isinstance(d, w.MapDef):
        return [d.key, d.value]
    if isinstance(d, w.OptionDef | w.FutureDef | w.StreamDef):
        return [d.type]
    if isinstance(d, w.ResultDef):
        return [d.ok, d.err]
    return []


def _build_type(definition: w.InstanceTypeDef | w.ComponentTypeDef, outer: list[_Scope]) -> _Ty:
    """Give a component or instance type declaration list its identities, wasmparser-style."""
    scope = _Scope()
    result: _InstanceT | _ComponentT = (
        _ComponentT() if isinstance(definition, w.ComponentTypeDef) else _InstanceT()
    )
    for decl in definition.decls:
        if isinstance(decl, w.TypeDecl):
            scope.types.append(_define(scope, decl.type, outer))
        elif isinstance(decl, w.InstanceExportAlias):
            _alias_instance_export(scope, decl)
        elif isinstance(decl, w.OuterAlias):
            _alias_outer(scope, decl, outer)
        else:
            item = _declare(scope, decl.ref, decl.name)
            table = (
                result.imports
                if isinstance(decl, w.ImportDecl) and isinstance(result, _ComponentT)
                else result.exports
            )
            if decl.name.name in table:
                raise WitError(f"name `{decl.name.name}` conflicts with previous name")
            table[decl.name.name] = item
    return result


def _alias_instance_export(scope: _Scope, decl: w.InstanceExportAlias) -> None:
    if decl.instance >= len(scope.instances):
        raise WitError(f"unknown instance {decl.instance}: instance index out of bounds")
    item = scope.instances[decl.instance].exports.get(decl.name)
    if item is None or item.sort != decl.sort:
        raise WitError(f"instance {decl.instance} has no {decl.sort} export named `{decl.name}`")
    _push(scope, item)


def _alias_outer(scope: _Scope, decl: w.OuterAlias, outer: list[_Scope]) -> None:
    if decl.sort != w.SORT_TYPE:
        raise WitError(f"outer aliases of sort `{decl.sort}` are not part of a WIT package")
    if decl.count > len(outer):
        raise WitError("invalid outer alias count")
    target = scope if decl.count == 0 else outer[len(outer) - decl.count]
    scope.types.append(target.type_at(decl.index))


def _declare(scope: _Scope, ref: w.TypeRef, name: w.ExternName) -> _Item:
    """The item an import or export declares, pushed onto its index space."""
    if ref.sort == w.SORT_TYPE:
        if ref.index is None:
            created: _Ty = _Resource()
            item = _Item(w.SORT_TYPE, created, created)
        else:
            referenced = scope.type_at(ref.index)
            item = _Item(w.SORT_TYPE, _Alias(referenced), referenced)
    elif ref.sort in (w.SORT_FUNC, w.SORT_INSTANCE, w.SORT_COMPONENT):
        assert ref.index is not None
        ty = scope.type_at(ref.index)
        expected = {w.SORT_FUNC: _Func, w.SORT_INSTANCE: _InstanceT, w.SORT_COMPONENT: _ComponentT}
        if not isinstance(ty, expected[ref.sort]):
            raise WitError(f"type index {ref.index} is not a {ref.sort} type")
        item = _Item(ref.sort, ty)
    else:
        raise WitError(f"imports and exports of sort `{ref.sort}` are not part of a WIT package")
    item.implements = name.implements
    item.external_id = name.external_id
    item.version_suffix = name.version_suffix
    _push(scope, item)
    return item


def _push(scope: _Scope, item: _Item) -> None:
    if item.sort == w.SORT_TYPE:
        scope.types.append(item.type)
    elif isinstance(item.type, _InstanceT):
        scope.instances.append(item.type)
    elif isinstance(item.type, _Func):
        scope.funcs.append(item.type)
    elif isinstance(item.type, _ComponentT):
        scope.components.append(item.type)


def _top_level(component: w.Component) -> tuple[list[tuple[str, bool, _Item]], list[tuple[str, bytes]]]:
    """The top-level exports as `(name, is_export, item)`, in binary order.

    Imports, or exports of anything but types, make the binary a real component rather than a package.
    """
    if component.other_sections or component.core_module:
        raise WitError(NOT_A_PACKAGE)
    scope = _Scope()
    externs: list[tuple[str, bool, _Item]] = []
    for entry in component.items:
        if isinstance(entry, w.TypeDecl):
            scope.types.append(_define(scope, entry.type, []))
        elif isinstance(entry, w.InstanceExportAlias):
            _alias_instance_export(scope, entry)
        elif isinstance(entry, w.OuterAlias):
            raise WitError("outer aliases are not allowed at the top level")
        elif isinstance(entry, w.TopExport) and entry.sort == w.SORT_TYPE:
            externs.append((entry.name.name, True, _export_top(scope, entry)))
        else:
            raise WitError(NOT_A_PACKAGE)
    if len({name for name, _, _ in externs}) != len(externs):
        raise WitError("duplicate import or export name in component")
    return externs, component.custom


def _export_top(scope: _Scope, export: w.TopExport) -> _Item:
    referenced = scope.type_at(export.index)
    item = _Item(w.SORT_TYPE, _Alias(referenced), referenced, external_id=export.name.external_id)
    scope.types.append(item.type)
    return item


def _wit_package_version(externs: list[tuple[str, bool, _Item]]) -> int | None:
    """1 or 2 for the two WIT-package encodings, `None` for anything else (a real component)."""
    if not externs:
        return None
    for _, is_export, item in externs:
        if not is_export or item.referenced is None or not isinstance(_peel(item.referenced), _ComponentT):
            return None
    name = _ComponentName.parse(externs[0][0])
    if name is None:
        return None
    if name.kind == "interface" and name.interface == "wit":
        return 1
    return 2 if name.kind == "label" else None


# ---------------------------------------------------------------------------------------------------
# Component names


def _is_kebab(text: str) -> bool:
    if not text:
        return False
    for word in text.split("-"):
        if not word or not word[0].isascii() or not word[0].isalpha():
            return False
        if not all(c.isascii() and c.isalnum() for c in word):
            return False
        if word != word.lower() and word != word.upper():
            return False
    return True


@dataclass(frozen=True, slots=True)
class _ComponentName:
    """An import/export name, classified as the component model does (`ComponentNameKind`)."""

    text: str
    kind: str  # "label", "interface", "constructor", "method" or "static"
    namespace: str = ""
    package: str = ""
    interface: str = ""
    version: str | None = None
    resource: str = ""

    @staticmethod
    def parse(text: str) -> _ComponentName | None:
        for prefix, kind in (
            ("[constructor]", "constructor"),
            ("[method]", "method"),
            ("[static]", "static"),
        ):
            if text.startswith(prefix):
                rest = text[len(prefix) :]
                if kind == "constructor":
                    return _ComponentName(text, kind, resource=rest) if _is_kebab(rest) else None
                resource, dot, method = rest.partition(".")
                if not dot or not _is_kebab(resource) or not _is_kebab(method):
                    return None
                return _ComponentName(text, kind, resource=resource)
        if ":" in text:
            base, at, version = text.partition("@")
            namespace, _, rest = base.partition(":")
            package, slash, interface = rest.partition("/")
            if not slash or not (_is_kebab(namespace) and namespace == namespace.lower()):
                return None
            if not (_is_kebab(package) and package == package.lower()) or not _is_kebab(interface):
                return None
            return _ComponentName(text, "interface", namespace, package, interface, version if at else None)
        return _ComponentName(text, "label") if _is_kebab(text) else None

    def package_name(self, item: _Item) -> PackageName:
        version = None
        if self.version is not None:
            version = parse_version_text(self.version + (item.version_suffix or ""))
        return PackageName(self.namespace, self.package, version)


def _component_name(text: str) -> _ComponentName:
    name = _ComponentName.parse(text)
    if name is None:
        raise WitError(f"cannot extract item name from: {text}")
    return name


# ---------------------------------------------------------------------------------------------------
# The decoder proper


@dataclass(slots=True)
class _PackageFields:
    name: PackageName | None
    interfaces: dict[str, int] = field(default_factory=dict)
    worlds: dict[str, int] = field(default_factory=dict)


class _Decoder:
    """Turns the identities above into a `Resolve`, mirroring the reference's `WitPackageDecoder`."""

    def __init__(self) -> None:
        self.resolve = Resolve()
        self.foreign_packages: dict[str, _PackageFields] = {}
        self.iface_to_package_index: dict[int, int] = {}
        self.named_interfaces: dict[str, int] = {}
        self.resources: dict[TypeOwner, dict[str, int]] = {}
        self.type_map: dict[_Ty, int] = {}

    # -- the two package encodings ----------------------------------------------------------------

    def decode_v1(self, externs: list[tuple[str, bool, _Item]]) -> _PackageFields:
        if len(externs) != 1:
            raise WitError("more than one top-level exported component type found")
        name_text, _, item = externs[0]
        try:
            assert item.referenced is not None
            ty = _peel(item.referenced)
            assert isinstance(ty, _ComponentT)
            name = _component_name(name_text)
            for import_name, import_item in ty.imports.items():
                self._context(
                    f"failed to process import `{import_name}`",
                    self.register_import,
                    import_name,
                    import_item,
                )
            package = _PackageFields(name.package_name(item))
            for export_name, export in ty.exports.items():
                if isinstance(export.type, _InstanceT):
                    self._context(
                        f"failed to process export `{export_name}`",
                        self.register_interface,
                        export_name,
                        export,
                        package,
                    )
                elif isinstance(export.type, _ComponentT):
                    self._context(
                        f"failed to process export `{export_name}`",
                        self.register_world,
                        export_name,
                        export.type,
                        package,
                    )
                else:
                    raise WitError(f"component export `{export_name}` is not an instance or component")
        except WitError as err:
            raise err.with_context(f"failed to decode document `{name_text}`") from None
        return package

    def decode_v2(self, externs: list[tuple[str, bool, _Item]]) -> _PackageFields:
        package = _PackageFields(None)
        for _, _, item in externs:
            assert item.referenced is not None
            component = _peel(item.referenced)
            assert isinstance(component, _ComponentT)
            if len(component.exports) != 1:
                raise WitError(f"Expected a single export, but found {len(component.exports)} instead")
            ((name, export),) = component.exports.items()
            if isinstance(export.type, _ComponentT):
                package_name = self.decode_world(name, export, package)
            elif isinstance(export.type, _InstanceT):
                package_name = self.decode_interface(name, component.imports, export, package)
            else:
                raise WitError(f"component export `{name}` is not an instance or component")
            if package.name is None:
                package.name = package_name
            elif package.name != package_name:
                raise WitError("item defined with mismatched package name")
        if package.name is None:
            raise WitError("no exported component type found")
        return package

    @staticmethod
    def _context(context: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except WitError as err:
            raise err.with_context(context) from None

    def _qualified_name(self, text: str, item: _Item) -> PackageName:
        name = _ComponentName.parse(text)
        if name is None:
            raise WitError(f"cannot extract item name from: {text}").with_context(
                "expected world name to have an ID form"
            )
        if name.kind != "interface":
            raise WitError("expected world name to be fully qualified")
        return name.package_name(item)

    def decode_interface(
        self, name: str, imports: dict[str, _Item], item: _Item, package: _PackageFields
    ) -> PackageName:
        package_name = self._qualified_name(name, item)
        for import_name, import_item in imports.items():
            self._context(
                f"failed to process import `{import_name}`", self.register_import, import_name, import_item
            )
        self.register_interface(name, item, package)
        return package_name

    def decode_world(self, name: str, item: _Item, package: _PackageFields) -> PackageName:
        assert isinstance(item.type, _ComponentT)
        package_name = self._qualified_name(name, item)
        self.register_world(name, item.type, package)
        return package_name

    # -- interfaces -------------------------------------------------------------------------------

    def decode_world_instance(
        self, name: str, item: _Item, package: _PackageFields
    ) -> tuple[WorldKey, WorldItem]:
        key: WorldKey
        if item.implements is not None:
            iface = self.register_import(item.implements, item)
            key = name
        elif _component_name(name).kind == "interface":
            iface = self.register_import(name, item)
            key = iface
        else:
            key, iface = self.register_interface(name, item, package)
        return key, WorldInterface(iface, external_id=item.external_id)

    def register_import(self, name: str, item: _Item) -> int:
        """An interface imported from a foreign package (filled in lazily) or one of this package's."""
        if not isinstance(item.type, _InstanceT):
            raise WitError(f"import `{name}` is not an instance")
        local = name in self.named_interfaces
        interface = self.named_interfaces[name] if local else self.extract_dep_interface(name, item)
        owner = OwnerInterface(interface)
        iface = self.resolve.interfaces[interface]
        for export_name, export in item.type.exports.items():
            if export.sort == w.SORT_TYPE:
                assert export.referenced is not None
                existing = iface.types.get(export_name)
                if existing is not None:
                    referenced = _peel(export.referenced)
                    if isinstance(referenced, _Defined):
                        self.register_defined(existing, referenced)
                    if export.type in self.type_map:
                        raise WitError(f"type `{export_name}` registered twice")
                    self.type_map[export.type] = existing
                    continue
                if local:
                    raise WitError(f"instance type export `{export_name}` not defined in interface")
                iface.types[export_name] = self.register_type_export(export_name, export, owner)
            elif export.sort == w.SORT_FUNC:
                if export_name in iface.functions:
                    continue
                if local:
                    raise WitError(f"instance function export `{export_name}` not defined in interface")
                iface.functions[export_name] = self.convert_function(export_name, export, owner)
            else:
                raise WitError(f"instance type export `{export_name}` is not a type")
        return interface

    def extract_dep_interface(self, name_text: str, item: _Item) -> int:
        name = _ComponentName.parse(name_text)
        if name is None or name.kind != "interface":
            raise WitError(f"package name is not a valid id: {name_text}")
        package_name = name.package_name(item)
        key = str(package_name)
        package = self.foreign_packages.setdefault(key, _PackageFields(package_name))
        interface = package.interfaces.get(name.interface)
        if interface is None:
            interface = len(self.resolve.interfaces)
            self.resolve.interfaces.append(Interface(name.interface))
            package.interfaces[name.interface] = interface
        self.iface_to_package_index[interface] = list(self.foreign_packages).index(key)
        return interface

    def register_interface(self, name: str, item: _Item, package: _PackageFields) -> tuple[WorldKey, int]:
        assert isinstance(item.type, _InstanceT)
        if name in self.named_interfaces:
            iface = self.register_import(name, item)
            return iface, iface
        parsed = _component_name(name)
        if parsed.kind not in ("interface", "label"):
            raise WitError(f"cannot extract item name from: {name}")
        interface_name = parsed.interface if parsed.kind == "interface" else None
        interface = Interface(interface_name)
        owner = OwnerInterface(len(self.resolve.interfaces))
        for export_name, export in item.type.exports.items():
            if export.sort == w.SORT_TYPE:
                interface.types[export_name] = self._context(
                    f"failed to register type export '{export_name}'",
                    self.register_type_export, export_name, export, owner,
                )  # fmt: skip
            elif export.sort == w.SORT_FUNC:
                interface.functions[export_name] = self._context(
                    f"failed to convert function '{export_name}'",
                    self.convert_function, export_name, export, owner,
                )  # fmt: skip
            else:
                raise WitError(f"instance type export `{export_name}` is not a type or function")
        iface_id = len(self.resolve.interfaces)
        self.resolve.interfaces.append(interface)
        if interface_name is None:
            return name, iface_id
        if interface_name in package.interfaces:
            raise WitError(f"duplicate interface `{interface_name}`")
        package.interfaces[interface_name] = iface_id
        self.named_interfaces[name] = iface_id
        return iface_id, iface_id

    # -- worlds -----------------------------------------------------------------------------------

    def register_world(self, name: str, ty: _ComponentT, package: _PackageFields) -> int:
        parsed = _component_name(name)
        if parsed.kind != "interface":
            raise WitError("expected world name to have an ID form")
        world = World(parsed.interface)
        world_id = len(self.resolve.worlds)
        owner = OwnerWorld(world_id)
        for import_name, item in ty.imports.items():
            key: WorldKey = import_name
            entry: WorldItem
            if isinstance(item.type, _InstanceT):
                key, entry = self.decode_world_instance(import_name, item, package)
            elif item.sort == w.SORT_TYPE:
                entry = WorldType(self.register_type_export(import_name, item, owner))
            elif isinstance(item.type, _Func):
                entry = WorldFunction(self.convert_function(import_name, item, owner))
            else:
                raise WitError(f"component import `{import_name}` is not an instance, func, or type")
            world.imports[key] = entry
        for export_name, item in ty.exports.items():
            key = export_name
            if isinstance(item.type, _InstanceT):
                key, entry = self.decode_world_instance(export_name, item, package)
            elif isinstance(item.type, _Func) and item.sort == w.SORT_FUNC:
                entry = WorldFunction(self.convert_function(export_name, item, owner))
            else:
                raise WitError(f"component export `{export_name}` is not an instance or function")
            world.exports[key] = entry
        self.resolve.worlds.append(world)
        if parsed.interface in package.worlds:
            raise WitError(f"duplicate world `{parsed.interface}`")
        package.worlds[parsed.interface] = world_id
        return world_id

    # -- types ------------------------------------------------------------------------------------

    def find_alias(self, ty: _Ty) -> int | None:
        cur: _Ty = ty
        while True:
            prev = self.type_map.get(cur)
            if prev is not None or not isinstance(cur, _Alias):
                return prev
            cur = cur.target

    def register_type_export(self, name: str, item: _Item, owner: TypeOwner) -> int:
        assert item.referenced is not None
        prev = self.find_alias(item.referenced)
        kind: TypeDefKind
        if prev is not None:
            kind = Alias(prev)
        else:
            referenced = _peel(item.referenced)
            if isinstance(referenced, _Resource):
                kind = Resource()
            elif isinstance(referenced, _Defined):
                kind = self._context("failed to convert unaliased type", self.convert_defined, referenced)
            else:
                raise WitError(f"type export `{name}` is not a value or resource type")
        type_id = len(self.resolve.types)
        self.resolve.types.append(TypeDef(name, kind, owner, external_id=item.external_id))
        if isinstance(kind, Resource):
            self.resources.setdefault(owner, {})[name] = type_id
        if item.type in self.type_map:
            raise WitError(
                f"cannot represent this component in WIT: the type `{name}` appears more than once "
                "(for example, when an imported instance is re-exported under a new name)"
            )
        self.type_map[item.type] = type_id
        return type_id

    def convert_function(self, name: str, item: _Item, owner: TypeOwner) -> Function:
        func = item.type
        assert isinstance(func, _Func)
        parsed = _component_name(name)
        params = self._context(
            "failed to convert params",
            lambda: [Param(p, self.convert_valtype(func.valtype(vt))) for p, vt in func.definition.params],
        )
        result = None
        if func.definition.result is not None:
            result = self._context(
                "failed to convert anonymous result type",
                self.convert_valtype,
                func.valtype(func.definition.result),
            )
        is_async = func.definition.is_async
        if parsed.kind == "label":
            kind = FunctionKind("async-freestanding" if is_async else "freestanding")
        elif parsed.kind in ("constructor", "method", "static"):
            resource = self.resources.get(owner, {}).get(parsed.resource)
            if resource is None:
                raise WitError(f"function `{name}` refers to an unknown resource `{parsed.resource}`")
            if parsed.kind == "constructor":
                kind = FunctionKind("constructor", resource)
            elif parsed.kind == "method":
                kind = FunctionKind("async-method" if is_async else "method", resource)
            else:
                kind = FunctionKind("async-static" if is_async else "static", resource)
        else:
            raise WitError(f"function name `{name}` is not a plain or resource function name")
        return Function(name, kind, params, result, external_id=item.external_id)

    def convert_valtype(self, vt: str | _Ty) -> Type:
        if isinstance(vt, str):
            return vt
        existing = self.type_map.get(vt)
        if existing is not None:
            return existing
        definition = _peel(vt)
        if not isinstance(definition, _Defined):
            raise WitError("value type does not refer to a defined type")
        kind = self.convert_defined(definition)
        if isinstance(kind, Record | Enum | Variant | Flags | Resource):
            raise WitError(f"unexpected unnamed type of kind '{type(kind).__name__.lower()}'")
        type_id = len(self.resolve.types)
        self.resolve.types.append(TypeDef(None, kind))
        self.type_map[vt] = type_id
        return type_id

    def _opt(self, ty: _Defined, vt: w.ValType | None) -> Type | None:
        return None if vt is None else self.convert_valtype(ty.valtype(vt))

    def _handle_target(self, ty: _Defined, index: int) -> int:
        target = self.type_map.get(ty.space[index])
        if target is None:
            raise WitError("handle refers to a resource that is not a named type")
        return target

    def convert_defined(self, ty: _Defined) -> TypeDefKind:
        d = ty.definition
        cv = self.convert_valtype
        if isinstance(d, w.PrimitiveDef):
            return Alias(d.name)
        if isinstance(d, w.ListDef):
            return List(cv(ty.valtype(d.element)))
        if isinstance(d, w.MapDef):
            return Map(cv(ty.valtype(d.key)), cv(ty.valtype(d.value)))
        if isinstance(d, w.FixedListDef):
            return FixedLengthList(cv(ty.valtype(d.element)), d.length)
        if isinstance(d, w.TupleDef):
            return Tuple([cv(ty.valtype(t)) for t in d.types])
        if isinstance(d, w.OptionDef):
            return Option(cv(ty.valtype(d.type)))
        if isinstance(d, w.ResultDef):
            return Result(self._opt(ty, d.ok), self._opt(ty, d.err))
        if isinstance(d, w.RecordDef):
            fields = []
            for name, vt in d.fields:
                field_type = self._context(f"failed to convert record field '{name}'", cv, ty.valtype(vt))
                fields.append(Field(name, field_type))
            return Record(fields)
        if isinstance(d, w.VariantDef):
            return Variant([Case(name, self._opt(ty, vt)) for name, vt in d.cases])
        if isinstance(d, w.FlagsDef):
            return Flags([Flag(name) for name in d.names])
        if isinstance(d, w.EnumDef):
            return Enum([EnumCase(name) for name in d.names])
        if isinstance(d, w.OwnDef):
            return Handle("own", self._handle_target(ty, d.index))
        if isinstance(d, w.BorrowDef):
            return Handle("borrow", self._handle_target(ty, d.index))
        if isinstance(d, w.FutureDef):
            return Future(self._opt(ty, d.type))
        return Stream(self._opt(ty, d.type))

    def register_defined(self, wit_id: int, ty: _Defined) -> None:
        """Unify the anonymous wasm types inside `ty` with those of the WIT type `wit_id`.

        Only the structure is walked (the reference's `Registrar`): once a named type or an alias is
        reached there is nothing anonymous left to unify.
        """
        kind = self.resolve.types[wit_id].kind
        d = ty.definition
        if isinstance(kind, Alias) and isinstance(kind.type, int):
            return
        pairs: list[tuple[w.ValType | None, Type | None]]
        if isinstance(d, w.PrimitiveDef | w.FlagsDef | w.EnumDef | w.OwnDef | w.BorrowDef):
            return
        if isinstance(d, w.ListDef) and isinstance(kind, List):
            pairs = [(d.element, kind.type)]
        elif isinstance(d, w.MapDef) and isinstance(kind, Map):
            pairs = [(d.key, kind.key), (d.value, kind.value)]
        elif isinstance(d, w.FixedListDef) and isinstance(kind, FixedLengthList) and d.length == kind.length:
            pairs = [(d.element, kind.type)]
        elif isinstance(d, w.TupleDef) and isinstance(kind, Tuple) and len(d.types) == len(kind.types):
            pairs = list(zip(d.types, kind.types, strict=True))
        elif isinstance(d, w.OptionDef) and isinstance(kind, Option):
            pairs = [(d.type, kind.type)]
        elif isinstance(d, w.ResultDef) and isinstance(kind, Result):
            pairs = [(d.ok, kind.ok), (d.err, kind.err)]
        elif isinstance(d, w.RecordDef) and isinstance(kind, Record) and len(d.fields) == len(kind.fields):
            if any(name != f.name for (name, _), f in zip(d.fields, kind.fields, strict=True)):
                raise WitError("mismatched field order")
            pairs = [(vt, f.type) for (_, vt), f in zip(d.fields, kind.fields, strict=True)]
        elif isinstance(d, w.VariantDef) and isinstance(kind, Variant) and len(d.cases) == len(kind.cases):
            if any(name != c.name for (name, _), c in zip(d.cases, kind.cases, strict=True)):
                raise WitError("mismatched case order")
            pairs = [(vt, c.type) for (_, vt), c in zip(d.cases, kind.cases, strict=True)]
        elif (isinstance(d, w.FutureDef) and isinstance(kind, Future)) or (
            isinstance(d, w.StreamDef) and isinstance(kind, Stream)
        ):
            pairs = [(d.type, kind.type)]
        else:
            raise WitError(f"type structure mismatch with `{self.resolve.types[wit_id].name}`")
        for wasm, wit in pairs:
            if (wasm is None) != (wit is None):
                raise WitError("disagreement on optional type structure")
            if isinstance(wasm, int):
                if not isinstance(wit, int):
                    raise WitError("expected id-based type")
                self.register_valtype(ty.space[wasm], wit)

    def register_valtype(self, wasm: _Ty, wit: int) -> None:
        # Like the reference, a later unification overrides an earlier one; only a first sighting is
        # walked into (a wasm type met twice may then map to two equal WIT types, never to a wrong one).
        known = wasm in self.type_map
        self.type_map[wasm] = wit
        if known:
            return
        definition = _peel(wasm)
        if isinstance(definition, _Defined):
            self.register_defined(wit, definition)

    # -- packages ---------------------------------------------------------------------------------

    def finish(self, package: _PackageFields) -> tuple[Resolve, int]:
        """Append the foreign packages in dependency order, then the package itself."""
        order: list[int] = []
        for index in range(len(self.foreign_packages)):
            self._visit_package(index, order)
        foreign = list(self.foreign_packages.values())
        for index in order:
            self._insert_package(foreign[index])
        package_id = self._insert_package(package)
        if any(world.package is None for world in self.resolve.worlds) or any(
            iface.package is None for iface in self.resolve.interfaces
        ):
            raise WitError("decoded package has an interface or world that belongs to no package")
        return self.resolve, package_id

    def _visit_package(self, index: int, order: list[int]) -> None:
        if index in order:
            return
        package = list(self.foreign_packages.values())[index]
        interfaces = list(package.interfaces.values())
        for world_id in package.worlds.values():
            world = self.resolve.worlds[world_id]
            items = [*world.imports.values(), *world.exports.values()]
            interfaces.extend(item.id for item in items if isinstance(item, WorldInterface))
        for iface in interfaces:
            for dep in self.resolve.interface_direct_deps(iface):
                dep_index = self.iface_to_package_index.get(dep)
                if dep_index is None:
                    raise WitError("a foreign interface depends on an interface of the package itself")
                if dep_index != index:
                    self._visit_package(dep_index, order)
        order.append(index)

    def _insert_package(self, package: _PackageFields) -> int:
        resolve = self.resolve
        assert package.name is not None
        package_id = resolve.package_names.get(package.name)
        if package_id is None:
            package_id = len(resolve.packages)
            resolve.packages.append(Package(package.name))
            resolve.package_names[package.name] = package_id
        target = resolve.packages[package_id]
        for name, iface in package.interfaces.items():
            target.interfaces[name] = iface
            resolve.interfaces[iface].package = package_id
        for name, world_id in package.worlds.items():
            target.worlds[name] = world_id
            world = resolve.worlds[world_id]
            world.package = package_id
            for key, item in [*world.imports.items(), *world.exports.items()]:
                is_inline = isinstance(item, WorldInterface) and resolve.interfaces[item.id].name is None
                if isinstance(key, str) and is_inline:
                    assert isinstance(item, WorldInterface)
                    resolve.interfaces[item.id].package = package_id
        return package_id
