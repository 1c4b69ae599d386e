"""The WIT syntax tree and the recursive-descent parser that builds it from `_lex` tokens.

This mirrors wit-parser's `ast.rs` production for production, including which token each error points
at and whether it spans the whole token ("expected a type, found ...") or only its first byte
("expected '>', found ..."). The issue suggested a lark grammar, but error messages and spans must match
the reference byte for byte and parsing must be fast, so the parser is hand-written in the reference's
own structure (lark stays for WAVE values).

Rules of this module:
1. Syntax only: names are not looked up and nothing is checked that the reference checks later, in
   `ast/resolve.rs` (that is `_ast_resolve`).
2. Every error is a `ParseError` raised at the reference's span; nesting is bounded exactly where the
   reference bounds it (`package` scopes and types, 100 levels each), so recursion never runs away.
3. Lookahead follows the reference's: a peek that hits a lexer error raises it, the same as there.
4. Tree nodes are plain classes with `__slots__`, not dataclasses: there are fifty of them and creating
   dataclasses costs about a millisecond each at import, which the parser's start-up budget cannot spare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from witparser import _lex as lex
from witparser._lex import ParseError, Tokens
from witparser._model import PackageName as ModelPackageName
from witparser._model import Span, Version
from witparser._semver import SemverError, parse_version

MAX_ITEM_DEPTH = 100
"""Maximum nesting of `package { ... }` scopes (the reference's limit)."""

MAX_TYPE_DEPTH = 100
"""Maximum nesting of types such as `list<list<...>>` (the reference's limit)."""


# ---------------------------------------------------------------------------------------------------
# The tree


class Id:
    __slots__ = ("name", "span")

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class Docs:
    """Raw comment texts (markers included) before an item, and the span they cover."""

    __slots__ = ("docs", "span")

    def __init__(self, docs: list[str] | None = None, span: Span | None = None) -> None:
        self.docs = [] if docs is None else docs
        self.span = Span() if span is None else span


class Since:
    __slots__ = ("span", "version")

    def __init__(self, span: Span, version: Version) -> None:
        self.span = span
        self.version = version


class Unstable:
    __slots__ = ("feature", "span")

    def __init__(self, span: Span, feature: Id) -> None:
        self.span = span
        self.feature = feature


class Deprecated:
    __slots__ = ("span", "version")

    def __init__(self, span: Span, version: Version) -> None:
        self.span = span
        self.version = version


class ExternalId:
    __slots__ = ("id", "span")

    def __init__(self, span: Span, id: str) -> None:
        self.span = span
        self.id = id


Attribute = Since | Unstable | Deprecated | ExternalId


class PackageName:
    __slots__ = ("docs", "name", "namespace", "span", "version")

    def __init__(
        self,
        docs: Docs,
        span: Span,
        namespace: Id,
        name: Id,
        version: tuple[Span, Version] | None,
    ) -> None:
        self.docs = docs
        self.span = span
        self.namespace = namespace
        self.name = name
        self.version = version

    def package_name(self) -> ModelPackageName:
        version = self.version[1] if self.version is not None else None
        return ModelPackageName(self.namespace.name, self.name.name, version)


class UsePathId:
    """`use foo` / `import foo`: a name in this package."""

    __slots__ = ("id",)

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def name(self) -> Id:
        return self.id


class UsePathPackage:
    """`use a:b/foo@1.0.0`: an item of another package (`id.span` covers `a:b` only)."""

    __slots__ = ("id", "name")

    def __init__(self, id: PackageName, name: Id) -> None:
        self.id = id
        self.name = name


UsePath = UsePathId | UsePathPackage


class PrimType:
    __slots__ = ("name", "span")

    def __init__(self, name: str, span: Span) -> None:
        self.name = name
        self.span = span


class NameType:
    __slots__ = ("id",)

    def __init__(self, id: Id) -> None:
        self.id = id

    @property
    def span(self) -> Span:
        return self.id.span


class ListType:
    __slots__ = ("span", "ty")

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class FixedListType:
    __slots__ = ("size", "span", "ty")

    def __init__(self, span: Span, ty: Type, size: int) -> None:
        self.span = span
        self.ty = ty
        self.size = size


class MapType:
    __slots__ = ("key", "span", "value")

    def __init__(self, span: Span, key: Type, value: Type) -> None:
        self.span = span
        self.key = key
        self.value = value


class HandleType:
    __slots__ = ("own", "resource")

    def __init__(self, own: bool, resource: Id) -> None:
        self.own = own
        self.resource = resource

    @property
    def span(self) -> Span:
        return self.resource.span


class Field:
    __slots__ = ("docs", "name", "ty")

    def __init__(self, docs: Docs, name: Id, ty: Type) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class RecordType:
    __slots__ = ("fields", "span")

    def __init__(self, span: Span, fields: list[Field]) -> None:
        self.span = span
        self.fields = fields


class Flag:
    __slots__ = ("docs", "name")

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class FlagsType:
    __slots__ = ("flags", "span")

    def __init__(self, span: Span, flags: list[Flag]) -> None:
        self.span = span
        self.flags = flags


class Case:
    __slots__ = ("docs", "name", "ty")

    def __init__(self, docs: Docs, name: Id, ty: Type | None) -> None:
        self.docs = docs
        self.name = name
        self.ty = ty


class VariantType:
    __slots__ = ("cases", "span")

    def __init__(self, span: Span, cases: list[Case]) -> None:
        self.span = span
        self.cases = cases


class EnumCase:
    __slots__ = ("docs", "name")

    def __init__(self, docs: Docs, name: Id) -> None:
        self.docs = docs
        self.name = name


class EnumType:
    __slots__ = ("cases", "span")

    def __init__(self, span: Span, cases: list[EnumCase]) -> None:
        self.span = span
        self.cases = cases


class TupleType:
    __slots__ = ("span", "types")

    def __init__(self, span: Span, types: list[Type]) -> None:
        self.span = span
        self.types = types


class OptionType:
    __slots__ = ("span", "ty")

    def __init__(self, span: Span, ty: Type) -> None:
        self.span = span
        self.ty = ty


class ResultType:
    __slots__ = ("err", "ok", "span")

    def __init__(self, span: Span, ok: Type | None, err: Type | None) -> None:
        self.span = span
        self.ok = ok
        self.err = err


class FutureType:
    __slots__ = ("span", "ty")

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class StreamType:
    __slots__ = ("span", "ty")

    def __init__(self, span: Span, ty: Type | None) -> None:
        self.span = span
        self.ty = ty


class Func:
    __slots__ = ("async_", "params", "result", "span")

    def __init__(self, span: Span, async_: bool, params: list[tuple[Id, Type]], result: Type | None) -> None:
        self.span = span
        self.async_ = async_
        self.params = params
        self.result = result


class NamedFunc:
    __slots__ = ("attributes", "docs", "func", "name")

    def __init__(self, docs: Docs, attributes: list[Attribute], name: Id, func: Func) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.func = func


class ResourceFunc:
    __slots__ = ("func", "kind")

    def __init__(self, kind: str, func: NamedFunc) -> None:
        self.kind = kind
        """`"method"`, `"static"` or `"constructor"`."""
        self.func = func


class ResourceType:
    __slots__ = ("funcs", "span")

    def __init__(self, span: Span, funcs: list[ResourceFunc]) -> None:
        self.span = span
        self.funcs = funcs


Type = (
    PrimType | NameType | ListType | FixedListType | MapType | HandleType | ResourceType | RecordType
    | FlagsType | VariantType | TupleType | EnumType | OptionType | ResultType | FutureType | StreamType
)  # fmt: skip


class TypeDef:
    __slots__ = ("attributes", "docs", "name", "ty")

    def __init__(self, docs: Docs, attributes: list[Attribute], name: Id, ty: Type) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.ty = ty


class UseName:
    __slots__ = ("as_", "name")

    def __init__(self, name: Id, as_: Id | None) -> None:
        self.name = name
        self.as_ = as_


class Use:
    __slots__ = ("attributes", "from_", "names")

    def __init__(self, attributes: list[Attribute], from_: UsePath, names: list[UseName]) -> None:
        self.attributes = attributes
        self.from_ = from_
        self.names = names


class IncludeName:
    __slots__ = ("as_", "name")

    def __init__(self, name: Id, as_: Id) -> None:
        self.name = name
        self.as_ = as_


class Include:
    __slots__ = ("attributes", "from_", "names")

    def __init__(self, from_: UsePath, attributes: list[Attribute], names: list[IncludeName]) -> None:
        self.from_ = from_
        self.attributes = attributes
        self.names = names


InterfaceItem = TypeDef | NamedFunc | Use


class Interface:
    __slots__ = ("attributes", "docs", "items", "name")

    def __init__(self, docs: Docs, attributes: list[Attribute], name: Id, items: list[InterfaceItem]) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.items = items


class ExternInterface:
    """`import x: interface { ... }`."""

    __slots__ = ("id", "items")

    def __init__(self, id: Id, items: list[InterfaceItem]) -> None:
        self.id = id
        self.items = items

    @property
    def span(self) -> Span:
        return self.id.span


class ExternPath:
    """`import x;` / `import a:b/x;`."""

    __slots__ = ("path",)

    def __init__(self, path: UsePath) -> None:
        self.path = path

    @property
    def span(self) -> Span:
        return self.path.name.span


class ExternFunc:
    """`import x: func(...);`."""

    __slots__ = ("func", "id")

    def __init__(self, id: Id, func: Func) -> None:
        self.id = id
        self.func = func

    @property
    def span(self) -> Span:
        return self.id.span


class ExternNamedPath:
    """`import label: path;`: a named import of an interface."""

    __slots__ = ("id", "path")

    def __init__(self, id: Id, path: UsePath) -> None:
        self.id = id
        self.path = path

    @property
    def span(self) -> Span:
        return self.id.span


ExternKind = ExternInterface | ExternPath | ExternFunc | ExternNamedPath


class Import:
    __slots__ = ("attributes", "docs", "kind")

    def __init__(self, docs: Docs, attributes: list[Attribute], kind: ExternKind) -> None:
        self.docs = docs
        self.attributes = attributes
        self.kind = kind


class Export:
    __slots__ = ("attributes", "docs", "kind")

    def __init__(self, docs: Docs, attributes: list[Attribute], kind: ExternKind) -> None:
        self.docs = docs
        self.attributes = attributes
        self.kind = kind


WorldItem = Import | Export | Use | TypeDef | Include


class World:
    __slots__ = ("attributes", "docs", "items", "name")

    def __init__(self, docs: Docs, attributes: list[Attribute], name: Id, items: list[WorldItem]) -> None:
        self.docs = docs
        self.attributes = attributes
        self.name = name
        self.items = items


class ToplevelUse:
    __slots__ = ("as_", "attributes", "item", "span")

    def __init__(self, span: Span, attributes: list[Attribute], item: UsePath, as_: Id | None) -> None:
        self.span = span
        self.attributes = attributes
        self.item = item
        self.as_ = as_


class DeclList:
    __slots__ = ("items",)

    def __init__(self, items: list[AstItem]) -> None:
        self.items = items


class PackageFile:
    """One file (or one nested `package x:y { ... }` scope): its optional header and its items."""

    __slots__ = ("decl_list", "package_id")

    def __init__(self, package_id: PackageName | None, decl_list: DeclList) -> None:
        self.package_id = package_id
        self.decl_list = decl_list


AstItem = Interface | World | ToplevelUse | PackageFile


# ---------------------------------------------------------------------------------------------------
# The parser

_PRIMITIVES: dict[int, str] = {
    lex.U8: "u8", lex.U16: "u16", lex.U32: "u32", lex.U64: "u64", lex.S8: "s8", lex.S16: "s16",
    lex.S32: "s32", lex.S64: "s64", lex.F32: "f32", lex.F64: "f64", lex.CHAR: "char",
    lex.BOOL: "bool", lex.STRING_: "string", lex.ERROR_CONTEXT: "error-context",
}  # fmt: skip

_U32_MAX = 0xFFFFFFFF

_VALID_NAMES: set[str] = set()
"""Identifiers already validated (most names recur), so `validate_id` runs once per name."""

_MAX_VALID_NAMES = 100_000

_NO_DOCS = Docs()
"""Shared by every item without comments; nothing mutates a `Docs`."""

T = TypeVar("T")


def parse_file(tokens: Tokens) -> PackageFile:
    """Parse one file's tokens into a `PackageFile` (nested packages are items in it)."""
    return _Parser(tokens).package_file()


class _Parser:
    """A cursor over one file's tokens; methods are the reference's productions."""

    __slots__ = ("ends", "kinds", "pos", "starts", "tokens")

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.kinds = tokens.kinds
        self.starts = tokens.starts
        self.ends = tokens.ends
        self.pos = 0

    # -- token access ------------------------------------------------------------------------------

    def _lex_error(self) -> ParseError:
        error = self.tokens.error
        assert error is not None
        return error

    def peek(self) -> int:
        """The kind of the next token (raising the lexer error if that is where the lexer stopped)."""
        kind = self.kinds[self.pos]
        if kind == lex.ERROR:
            raise self._lex_error()
        return kind

    def next(self) -> int:
        """Consume the next token and return its index (the `EOF` token is never consumed)."""
        index = self.pos
        kind = self.kinds[index]
        if kind == lex.ERROR:
            raise self._lex_error()
        if kind != lex.EOF:
            self.pos = index + 1
        return index

    def eat(self, kind: int) -> bool:
        found = self.kinds[self.pos]
        if found == kind:
            self.pos += 1
            return True
        if found == lex.ERROR:
            raise self._lex_error()
        return False

    def expect(self, kind: int) -> int:
        """Consume a token of `kind` and return its index, or fail pointing at the token found."""
        index = self.pos
        found = self.kinds[index]
        if found == kind:
            self.pos = index + 1
            return index
        if found == lex.ERROR:
            raise self._lex_error()
        at = self.starts[index]
        raise ParseError(Span(at, at + 1), f"expected {lex.describe(kind)}, found {lex.describe(found)}")

    def span(self, index: int) -> Span:
        return Span(self.starts[index], self.ends[index])

    def err_expected(self, expected: str, index: int) -> ParseError:
        """The whole-token error for a wanted kind of thing (`expected a type, found ...`)."""
        kind = self.kinds[index]
        if kind == lex.EOF:
            end = self.starts[index]
            return ParseError(Span(end, end), f"expected {expected}, found eof")
        return ParseError(self.span(index), f"expected {expected}, found {lex.describe(kind)}")

    def id(self) -> Id:
        index = self.pos
        kind = self.kinds[index]
        if kind == lex.ID:
            start = self.starts[index]
            end = self.ends[index]
            offset = self.tokens.offset
            name = self.tokens.text[start - offset : end - offset]
        elif kind == lex.EXPLICIT_ID:
            start = self.starts[index]
            end = self.ends[index]
            offset = self.tokens.offset
            name = self.tokens.text[start + 1 - offset : end - offset]
        else:
            raise self.err_expected("an identifier or string", self.next())
        self.pos = index + 1
        if name not in _VALID_NAMES:
            lex.validate_id(start, name)
            if len(_VALID_NAMES) < _MAX_VALID_NAMES:
                _VALID_NAMES.add(name)
        return Id(name, Span(start, end))

    def docs(self) -> Docs:
        """The comments between the previous token and the next one."""
        pos = self.pos
        if self.kinds[pos] == lex.ERROR:
            raise self._lex_error()
        comments = self.tokens.comments_before(pos)
        if not comments:
            return _NO_DOCS
        texts = [self.tokens.slice(start, end) for start, end in comments]
        last_text = texts[-1]
        trailing = len(last_text) - len(last_text.rstrip(" \t\n\x0c\r"))
        return Docs(texts, Span(comments[0][0], comments[-1][1] - trailing))

    # -- files and packages ------------------------------------------------------------------------

    def package_file(self) -> PackageFile:
        start = self.pos
        docs = self.docs()
        package_id = None
        if self.eat(lex.PACKAGE):
            name = self.package_name(docs)
            if self.eat(lex.SEMICOLON):
                package_id = name
            else:
                self.pos = start
        else:
            self.pos = start
        return PackageFile(package_id, self.decl_list(None, 0))

    def nested_package(self, docs: Docs, attributes: list[Attribute], depth: int) -> PackageFile:
        span = self.span(self.expect(lex.PACKAGE))
        if attributes:
            raise ParseError(span, "cannot place attributes on nested packages")
        if depth >= MAX_ITEM_DEPTH:
            raise ParseError(span, "package nesting too deep")
        package_id = self.package_name(docs)
        self.expect(lex.LBRACE)
        return PackageFile(package_id, self.decl_list(lex.RBRACE, depth + 1))

    def decl_list(self, end: int | None, depth: int) -> DeclList:
        items: list[AstItem] = []
        docs = self.docs()
        while True:
            if end is not None:
                if self.eat(end):
                    break
            elif self.peek() == lex.EOF:
                break
            items.append(self.ast_item(docs, depth))
            docs = self.docs()
        return DeclList(items)

    def ast_item(self, docs: Docs, depth: int) -> AstItem:
        attributes = self.attributes()
        kind = self.peek()
        if kind == lex.INTERFACE:
            return self.interface(docs, attributes)
        if kind == lex.WORLD:
            return self.world(docs, attributes)
        if kind == lex.USE:
            return self.toplevel_use(attributes)
        if kind == lex.PACKAGE:
            return self.nested_package(docs, attributes, depth)
        raise self.err_expected("`world`, `interface` or `use`", self.pos)

    def package_name(self, docs: Docs) -> PackageName:
        namespace = self.id()
        self.expect(lex.COLON)
        name = self.id()
        version = self.opt_version()
        end = version[0].end if version is not None else name.span.end
        return PackageName(docs, Span(namespace.span.start, end), namespace, name, version)

    def toplevel_use(self, attributes: list[Attribute]) -> ToplevelUse:
        span = self.span(self.expect(lex.USE))
        item = self.use_path()
        as_ = self.id() if self.eat(lex.AS) else None
        self.expect(lex.SEMICOLON)
        return ToplevelUse(span, attributes, item, as_)

    def use_path(self) -> UsePath:
        id = self.id()
        if not self.eat(lex.COLON):
            return UsePathId(id)
        package = self.id()
        self.expect(lex.SLASH)
        name = self.id()
        version = self.opt_version()
        span = Span(id.span.start, package.span.end)
        return UsePathPackage(PackageName(Docs(), span, id, package, version), name)

    # -- worlds ------------------------------------------------------------------------------------

    def world(self, docs: Docs, attributes: list[Attribute]) -> World:
        self.expect(lex.WORLD)
        name = self.id()
        self.expect(lex.LBRACE)
        items: list[WorldItem] = []
        while True:
            item_docs = self.docs()
            if self.eat(lex.RBRACE):
                break
            item_attributes = self.attributes()
            items.append(self.world_item(item_docs, item_attributes))
        return World(docs, attributes, name, items)

    def world_item(self, docs: Docs, attributes: list[Attribute]) -> WorldItem:
        kind = self.peek()
        if kind == lex.IMPORT:
            self.next()
            return Import(docs, attributes, self.extern_kind())
        if kind == lex.EXPORT:
            self.next()
            return Export(docs, attributes, self.extern_kind())
        if kind == lex.USE:
            return self.use(attributes)
        if kind == lex.INCLUDE:
            return self.include(attributes)
        typedef = self.typedef_item(kind, docs, attributes)
        if typedef is not None:
            return typedef
        raise self.err_expected("`import`, `export`, `include`, `use`, or type definition", self.pos)

    def extern_kind(self) -> ExternKind:
        start = self.pos
        id = self.id()
        if self.eat(lex.COLON):
            kind = self.peek()
            if kind == lex.FUNC or kind == lex.ASYNC:
                func = self.func()
                self.expect(lex.SEMICOLON)
                return ExternFunc(id, func)
            if kind == lex.INTERFACE:
                self.next()
                return ExternInterface(id, self.interface_items())
            after_colon = self.pos
            if not self._is_qualified_path():
                self.pos = after_colon
                path = self.use_path()
                self.expect(lex.SEMICOLON)
                return ExternNamedPath(id, path)
        self.pos = start
        path = self.use_path()
        self.expect(lex.SEMICOLON)
        return ExternPath(path)

    def _is_qualified_path(self) -> bool:
        """Whether `id /` follows (so the colon before was `ns:pkg`); errors count as "no"."""
        try:
            self.id()
        except ParseError:
            return False
        return self.kinds[self.pos] == lex.SLASH

    def include(self, attributes: list[Attribute]) -> Include:
        self.expect(lex.INCLUDE)
        from_ = self.use_path()
        names: list[IncludeName] = []
        if self.eat(lex.WITH):
            names = self.braced(self.include_name)
        else:
            self.expect(lex.SEMICOLON)
        return Include(from_, attributes, names)

    def include_name(self, docs: Docs) -> IncludeName:
        name = self.id()
        self.expect(lex.AS)
        return IncludeName(name, self.id())

    # -- interfaces --------------------------------------------------------------------------------

    def interface(self, docs: Docs, attributes: list[Attribute]) -> Interface:
        self.expect(lex.INTERFACE)
        name = self.id()
        return Interface(docs, attributes, name, self.interface_items())

    def interface_items(self) -> list[InterfaceItem]:
        self.expect(lex.LBRACE)
        items: list[InterfaceItem] = []
        while True:
            docs = self.docs()
            if self.eat(lex.RBRACE):
                break
            attributes = self.attributes()
            items.append(self.interface_item(docs, attributes))
        return items

    def interface_item(self, docs: Docs, attributes: list[Attribute]) -> InterfaceItem:
        kind = self.peek()
        if kind == lex.ID or kind == lex.EXPLICIT_ID:
            return self.named_func(docs, attributes)
        if kind == lex.USE:
            return self.use(attributes)
        typedef = self.typedef_item(kind, docs, attributes)
        if typedef is not None:
            return typedef
        raise self.err_expected("`type`, `resource` or `func`", self.pos)

    def typedef_item(self, kind: int, docs: Docs, attributes: list[Attribute]) -> TypeDef | None:
        """A `type`/`flags`/`resource`/`record`/`variant`/`enum` item, or `None` for another token."""
        if kind == lex.TYPE:
            self.next()
            name = self.id()
            self.expect(lex.EQUALS)
            ty = self.type()
            self.expect(lex.SEMICOLON)
            return TypeDef(docs, attributes, name, ty)
        if kind == lex.RESOURCE:
            self.next()
            name = self.id()
            funcs: list[ResourceFunc] = []
            if self.eat(lex.LBRACE):
                while not self.eat(lex.RBRACE):
                    func_docs = self.docs()
                    func_attributes = self.attributes()
                    funcs.append(self.resource_func(func_docs, func_attributes))
            else:
                self.expect(lex.SEMICOLON)
            return TypeDef(docs, attributes, name, ResourceType(name.span, funcs))
        if kind == lex.RECORD:
            self.next()
            name = self.id()
            return TypeDef(docs, attributes, name, RecordType(name.span, self.braced(self.record_field)))
        if kind == lex.FLAGS:
            self.next()
            name = self.id()
            return TypeDef(docs, attributes, name, FlagsType(name.span, self.braced(self.flag)))
        if kind == lex.VARIANT:
            self.next()
            name = self.id()
            return TypeDef(docs, attributes, name, VariantType(name.span, self.braced(self.case)))
        if kind == lex.ENUM:
            self.next()
            name = self.id()
            return TypeDef(docs, attributes, name, EnumType(name.span, self.braced(self.enum_case)))
        return None

    def record_field(self, docs: Docs) -> Field:
        name = self.id()
        self.expect(lex.COLON)
        return Field(docs, name, self.type())

    def flag(self, docs: Docs) -> Flag:
        return Flag(docs, self.id())

    def case(self, docs: Docs) -> Case:
        name = self.id()
        ty = None
        if self.eat(lex.LPAREN):
            ty = self.type()
            self.expect(lex.RPAREN)
        return Case(docs, name, ty)

    def enum_case(self, docs: Docs) -> EnumCase:
        return EnumCase(docs, self.id())

    def braced(self, item: Callable[[Docs], T]) -> list[T]:
        """`{ item, item, ... }` with an optional trailing comma and docs before each item."""
        self.expect(lex.LBRACE)
        return self.list_trailer(lex.RBRACE, item)

    def list_trailer(self, end: int, item: Callable[[Docs], T]) -> list[T]:
        items: list[T] = []
        while True:
            docs = self.docs()
            if self.eat(end):
                break
            items.append(item(docs))
            if not self.eat(lex.COMMA):
                self.expect(end)
                break
        return items

    def use(self, attributes: list[Attribute]) -> Use:
        self.expect(lex.USE)
        from_ = self.use_path()
        self.expect(lex.PERIOD)
        self.expect(lex.LBRACE)
        names: list[UseName] = []
        while not self.eat(lex.RBRACE):
            name = self.id()
            as_ = self.id() if self.eat(lex.AS) else None
            names.append(UseName(name, as_))
            if not self.eat(lex.COMMA):
                self.expect(lex.RBRACE)
                break
        self.expect(lex.SEMICOLON)
        return Use(attributes, from_, names)

    # -- functions ---------------------------------------------------------------------------------

    def named_func(self, docs: Docs, attributes: list[Attribute]) -> NamedFunc:
        name = self.id()
        self.expect(lex.COLON)
        func = self.func()
        self.expect(lex.SEMICOLON)
        return NamedFunc(docs, attributes, name, func)

    def resource_func(self, docs: Docs, attributes: list[Attribute]) -> ResourceFunc:
        kind = self.peek()
        if kind == lex.CONSTRUCTOR:
            span = self.span(self.next())
            self.expect(lex.LPAREN)
            params = self.list_trailer(lex.RPAREN, self.param)
            result = self.type() if self.eat(lex.RARROW) else None
            self.expect(lex.SEMICOLON)
            func = Func(span, False, params, result)
            return ResourceFunc("constructor", NamedFunc(docs, attributes, Id("constructor", span), func))
        if kind == lex.ID or kind == lex.EXPLICIT_ID:
            name = self.id()
            self.expect(lex.COLON)
            static = self.eat(lex.STATIC)
            func = self.func()
            self.expect(lex.SEMICOLON)
            return ResourceFunc("static" if static else "method", NamedFunc(docs, attributes, name, func))
        raise self.err_expected("`constructor` or identifier", self.pos)

    def func(self) -> Func:
        async_ = self.eat(lex.ASYNC)
        span = self.span(self.expect(lex.FUNC))
        self.expect(lex.LPAREN)
        params = self.list_trailer(lex.RPAREN, self.param)
        result = self.type() if self.eat(lex.RARROW) else None
        return Func(span, async_, params, result)

    def param(self, docs: Docs) -> tuple[Id, Type]:
        name = self.id()
        self.expect(lex.COLON)
        return name, self.type()

    # -- types -------------------------------------------------------------------------------------

    def type(self, depth: int = 0) -> Type:
        index = self.next()
        kind = self.kinds[index]
        if depth >= MAX_TYPE_DEPTH:
            end = self.starts[index]
            span = Span(end, end) if kind == lex.EOF else self.span(index)
            raise ParseError(span, "type nesting too deep")
        prim = _PRIMITIVES.get(kind)
        if prim is not None:
            return PrimType(prim, self.span(index))
        if kind == lex.ID or kind == lex.EXPLICIT_ID:
            self.pos = index
            return NameType(self.id())
        span = self.span(index)
        depth += 1
        if kind == lex.LIST:
            self.expect(lex.LT)
            ty = self.type(depth)
            if self.eat(lex.COMMA):
                number = self.next()
                if self.kinds[number] != lex.INTEGER:
                    raise self.err_expected("fixed-length", number)
                size = int(self.tokens.slice(self.starts[number], self.ends[number]))
                if size > _U32_MAX:
                    raise ParseError(
                        self.span(number), "invalid list size: number too large to fit in target type"
                    )
                self.expect(lex.GT)
                return FixedListType(span, ty, size)
            self.expect(lex.GT)
            return ListType(span, ty)
        if kind == lex.OPTION:
            self.expect(lex.LT)
            ty = self.type(depth)
            self.expect(lex.GT)
            return OptionType(span, ty)
        if kind == lex.RESULT:
            ok = err = None
            if self.eat(lex.LT):
                if self.eat(lex.UNDERSCORE):
                    self.expect(lex.COMMA)
                    err = self.type(depth)
                else:
                    ok = self.type(depth)
                    if self.eat(lex.COMMA):
                        err = self.type(depth)
                self.expect(lex.GT)
            return ResultType(span, ok, err)
        if kind == lex.TUPLE:
            self.expect(lex.LT)
            return TupleType(span, self.list_trailer(lex.GT, lambda _docs: self.type(depth)))
        if kind == lex.MAP:
            self.expect(lex.LT)
            key = self.type(depth)
            self.expect(lex.COMMA)
            value = self.type(depth)
            self.expect(lex.GT)
            return MapType(span, key, value)
        if kind == lex.FUTURE or kind == lex.STREAM:
            payload = None
            if self.eat(lex.LT):
                payload = self.type(depth)
                self.expect(lex.GT)
            return FutureType(span, payload) if kind == lex.FUTURE else StreamType(span, payload)
        if kind == lex.OWN or kind == lex.BORROW:
            self.expect(lex.LT)
            resource = self.id()
            self.expect(lex.GT)
            return HandleType(kind == lex.OWN, resource)
        raise self.err_expected("a type", index)

    # -- versions and attributes -------------------------------------------------------------------

    def opt_version(self) -> tuple[Span, Version] | None:
        return self.version() if self.eat(lex.AT) else None

    def version(self) -> tuple[Span, Version]:
        start = self.starts[self.expect(lex.INTEGER)]
        self.expect(lex.PERIOD)
        self.expect(lex.INTEGER)
        self.expect(lex.PERIOD)
        end = self.ends[self.expect(lex.INTEGER)]
        end = self._version_ids(lex.MINUS, end)
        end = self._version_ids(lex.PLUS, end)
        span = Span(start, end)
        try:
            version = parse_version(self.tokens.slice(start, end))
        except SemverError as error:
            raise ParseError(span, str(error)) from None
        return span, version

    def _version_ids(self, prefix: int, end: int) -> int:
        """Extend a version over `-pre.release` or `+build` tokens (the reference's loose grammar)."""
        if not self.eat(prefix):
            return end
        kinds = self.kinds
        while True:
            kind = self.peek()
            if kind == lex.ID or kind == lex.INTEGER or kind == lex.MINUS:
                end = self.ends[self.pos]
                self.pos += 1
            elif kind == lex.PERIOD:
                after = kinds[self.pos + 1]
                if after == lex.ERROR:
                    raise self._lex_error()
                if after == lex.ID or after == lex.INTEGER or after == lex.MINUS:
                    end = self.ends[self.pos + 1]
                    self.pos += 2
                else:
                    return end
            else:
                return end

    def attributes(self) -> list[Attribute]:
        result: list[Attribute] = []
        while self.eat(lex.AT):
            id = self.id()
            attribute: Attribute
            if id.name == "since":
                self.expect(lex.LPAREN)
                self._eat_id("version")
                self.expect(lex.EQUALS)
                _, version = self.version()
                self.expect(lex.RPAREN)
                attribute = Since(id.span, version)
            elif id.name == "unstable":
                self.expect(lex.LPAREN)
                self._eat_id("feature")
                self.expect(lex.EQUALS)
                feature = self.id()
                self.expect(lex.RPAREN)
                attribute = Unstable(id.span, feature)
            elif id.name == "deprecated":
                self.expect(lex.LPAREN)
                self._eat_id("version")
                self.expect(lex.EQUALS)
                _, version = self.version()
                self.expect(lex.RPAREN)
                attribute = Deprecated(id.span, version)
            elif id.name == "external-id":
                self.expect(lex.LPAREN)
                literal = self.span(self.expect(lex.STRING))
                self.expect(lex.RPAREN)
                attribute = ExternalId(id.span, lex.string_literal(self.tokens, literal))
            else:
                raise ParseError(id.span, f"unknown attribute `{id.name}`")
            result.append(attribute)
        return result

    def _eat_id(self, expected: str) -> None:
        id = self.id()
        if id.name != expected:
            raise ParseError(id.span, f"expected `{expected}`, found `{id.name}`")
