"""What generated bindings run on: bindings between typed values and the codec's dynamic values, the
base classes of client stubs and resource proxies, and the glue to `wrpc.client` and `wrpc.server`.

A *binding* is built once per WIT type when a generated module is imported. It carries the type's wire
model (`wit`, a `wrpc.types.WitType`, which is what the codec compiles) and two conversions: `lift`
(dynamic value as `wrpc.values` defines it -> typed value: dataclass, `Enum`, `Flag`, resource object)
and `lower` (back). Calls go through the dynamic client and server unchanged, so the wire is exactly
the codec's.

Rules of this module:
1. Generated code uses only the names in `__all__`; the generator and this module change together.
2. Conversions never touch bytes: encoding stays in `wrpc.codec`.
3. A binding whose typed and dynamic forms coincide (`identity`) is skipped by its containers, so
   lists of numbers or strings, and `stream<u8>`, cost nothing to convert.
4. Exported resources live in a per-resource handle table: a constructor's (or any function's) returned
   object gets a fresh random 16-byte handle, and the handle finds the object again when the caller
   passes it back. An `own<R>` param moves the object out of the table (the caller gave it up); wRPC has
   no drop message (protocol notes 4.3), so a resource only ever borrowed stays until `release(obj)`.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Sequence
from enum import Enum, Flag
from functools import reduce
from typing import Any, ClassVar

from wrpc import types as t
from wrpc.client import Client
from wrpc.errors import DecodeError, EncodeError
from wrpc.server import Server
from wrpc.transport.base import Acceptor, Invoker
from wrpc.values import Err, Ok, Some, Variant


class Context:
    """Per-call state a conversion may need: the client that proxies of imported resources call through.

    `instance` is the instance the call went to and `default_instance` the generated one of its
    interface; a proxy of a resource from that same interface inherits a caller's instance override.
    """

    __slots__ = ("client", "default_instance", "instance")

    def __init__(self, client: Client | None, instance: str, default_instance: str) -> None:
        self.client = client
        self.instance = instance
        self.default_instance = default_instance


class Binding:
    """A WIT type's wire model and its typed <-> dynamic conversions (identity unless overridden)."""

    identity: bool = True

    def __init__(self, wit: t.WitType) -> None:
        self.wit = wit

    def lift(self, value: Any, cx: Context) -> Any:
        return value

    def lower(self, value: Any, cx: Context) -> Any:
        return value


BOOL = Binding(t.Bool())
U8 = Binding(t.U8())
U16 = Binding(t.U16())
U32 = Binding(t.U32())
U64 = Binding(t.U64())
S8 = Binding(t.S8())
S16 = Binding(t.S16())
S32 = Binding(t.S32())
S64 = Binding(t.S64())
F32 = Binding(t.F32())
F64 = Binding(t.F64())
CHAR = Binding(t.Char())
STRING = Binding(t.String())
ERROR_CONTEXT = Binding(t.ErrorContext())
BYTES = Binding(t.List(t.U8()))


def _wit(binding: Binding | None) -> t.WitType | None:
    return None if binding is None else binding.wit


def _convert(binding: Binding | None) -> Binding | None:
    """`binding` when it converts anything, else None (the caller passes values through)."""
    return None if binding is None or binding.identity else binding


class _List(Binding):
    identity = False

    def __init__(self, elem: Binding, wit: t.WitType) -> None:
        super().__init__(wit)
        self.elem = elem

    def lift(self, value: Any, cx: Context) -> Any:
        return [self.elem.lift(v, cx) for v in value]

    def lower(self, value: Any, cx: Context) -> Any:
        return [self.elem.lower(v, cx) for v in value]


def list_(elem: Binding) -> Binding:
    wit = t.List(elem.wit)
    return Binding(wit) if elem.identity else _List(elem, wit)


def fixed_list(elem: Binding, length: int) -> Binding:
    wit = t.FixedList(elem.wit, length)
    return Binding(wit) if elem.identity else _List(elem, wit)


class _Tuple(Binding):
    identity = False

    def __init__(self, elems: Sequence[Binding]) -> None:
        super().__init__(t.Tuple(tuple(e.wit for e in elems)))
        self.elems = tuple(elems)

    def lift(self, value: Any, cx: Context) -> Any:
        return tuple(e.lift(v, cx) for e, v in zip(self.elems, value, strict=True))

    def lower(self, value: Any, cx: Context) -> Any:
        return tuple(e.lower(v, cx) for e, v in zip(self.elems, value, strict=True))


def tuple_(*elems: Binding) -> Binding:
    if all(e.identity for e in elems):
        return Binding(t.Tuple(tuple(e.wit for e in elems)))
    return _Tuple(elems)


class _Record(Binding):
    """A record's conversions, compiled once into straight-line code (one expression per field): about
    twice as fast as looping over the fields, and records are what typed calls carry most."""

    identity = False

    def __init__(self, cls: type, name: str, fields: Sequence[tuple[str, str, Binding]]) -> None:
        super().__init__(t.Record(name, tuple((wit_name, b.wit) for wit_name, _, b in fields)))
        namespace: dict[str, Any] = {"cls": cls, "EncodeError": EncodeError}
        lifted, lowered = [], []
        for i, (wit_name, attr, b) in enumerate(fields):
            key = repr(wit_name)
            if b.identity:
                lifted.append(f"value[{key}]")
                lowered.append(f"{key}: value.{attr}")
            else:
                namespace[f"lift{i}"], namespace[f"lower{i}"] = b.lift, b.lower
                lifted.append(f"lift{i}(value[{key}], cx)")
                lowered.append(f"{key}: lower{i}(value.{attr}, cx)")
        source = (
            f"def lift(value, cx):\n    return cls({', '.join(lifted)})\n"
            "def lower(value, cx):\n"
            "    if not isinstance(value, cls):\n"
            f"        raise EncodeError(f'expected {cls.__name__}, got {{type(value).__name__}}')\n"
            f"    return {{{', '.join(lowered)}}}\n"
        )
        exec(compile(source, f"<wrpc binding of record {name}>", "exec"), namespace)
        self._lift: Callable[[Any, Context], Any] = namespace["lift"]
        self._lower: Callable[[Any, Context], Any] = namespace["lower"]

    def lift(self, value: Any, cx: Context) -> Any:
        return self._lift(value, cx)

    def lower(self, value: Any, cx: Context) -> Any:
        return self._lower(value, cx)


def record(cls: type, name: str, fields: Sequence[tuple[str, str, Binding]]) -> Binding:
    return _Record(cls, name, fields)


class _Variant(Binding):
    identity = False

    def __init__(self, name: str, cases: Sequence[tuple[str, type, Binding | None]]) -> None:
        super().__init__(t.Variant(name, tuple((case, _wit(b)) for case, _, b in cases)))
        # (class or case name, payload binding unless it is the identity, whether there is a payload)
        self.by_case = {case: (cls, _convert(b), b is not None) for case, cls, b in cases}
        self.by_class = {cls: (case, _convert(b), b is not None) for case, cls, b in cases}

    def lift(self, value: Any, cx: Context) -> Any:
        cls, b, payload = self.by_case[value.case]
        if not payload:
            return cls()
        return cls(value.value if b is None else b.lift(value.value, cx))

    def lower(self, value: Any, cx: Context) -> Any:
        try:
            case, b, payload = self.by_class[type(value)]
        except KeyError:
            expected = ", ".join(cls.__name__ for cls in self.by_class)
            raise EncodeError(f"expected one of {expected}, got {type(value).__name__}") from None
        if not payload:
            return Variant(case)
        return Variant(case, value.value if b is None else b.lower(value.value, cx))


def variant(name: str, cases: Sequence[tuple[str, type, Binding | None]]) -> Binding:
    return _Variant(name, cases)


class _Enum(Binding):
    identity = False

    def __init__(self, cls: type[Enum], name: str) -> None:
        super().__init__(t.Enum(name, tuple(member.value for member in cls)))
        self.cls = cls

    def lift(self, value: Any, cx: Context) -> Any:
        return self.cls(value)

    def lower(self, value: Any, cx: Context) -> Any:
        if not isinstance(value, self.cls):
            raise EncodeError(f"expected {self.cls.__name__}, got {type(value).__name__}")
        return value.value


def enum(cls: type[Enum], name: str) -> Binding:
    return _Enum(cls, name)


class _Flags(Binding):
    identity = False

    def __init__(self, cls: type[Flag], name: str, labels: Sequence[tuple[str, Flag]]) -> None:
        super().__init__(t.Flags(name, tuple(label for label, _ in labels)))
        self.cls = cls
        self.members = dict(labels)

    def lift(self, value: Any, cx: Context) -> Any:
        return reduce(lambda acc, label: acc | self.members[label], value, self.cls(0))

    def lower(self, value: Any, cx: Context) -> Any:
        if not isinstance(value, self.cls):
            raise EncodeError(f"expected {self.cls.__name__}, got {type(value).__name__}")
        return frozenset(label for label, member in self.members.items() if member in value)


def flags(cls: type[Flag], name: str, labels: Sequence[tuple[str, Flag]]) -> Binding:
    return _Flags(cls, name, labels)


class _Option(Binding):
    """`T | None`, or `Some(T) | None` when T is itself an option (the codec's canonical form)."""

    identity = False

    def __init__(self, inner: Binding) -> None:
        super().__init__(t.Option(inner.wit))
        self.inner = inner
        self.nested = isinstance(inner.wit, t.Option)

    def lift(self, value: Any, cx: Context) -> Any:
        if value is None:
            return None
        if self.nested:
            return Some(self.inner.lift(value.value, cx))
        return self.inner.lift(value, cx)

    def lower(self, value: Any, cx: Context) -> Any:
        if value is None:
            return None
        if isinstance(value, Some):
            return Some(self.inner.lower(value.value, cx))
        return self.inner.lower(value, cx)


def option(inner: Binding) -> Binding:
    if inner.identity and not isinstance(inner.wit, t.Option):
        return Binding(t.Option(inner.wit))
    return _Option(inner)


class _Result(Binding):
    identity = False

    def __init__(self, ok: Binding | None, err: Binding | None) -> None:
        super().__init__(t.Result(_wit(ok), _wit(err)))
        self.ok = ok
        self.err = err

    def lift(self, value: Any, cx: Context) -> Any:
        if isinstance(value, Ok):
            return value if self.ok is None else Ok(self.ok.lift(value.value, cx))
        return value if self.err is None else Err(self.err.lift(value.value, cx))

    def lower(self, value: Any, cx: Context) -> Any:
        if isinstance(value, Ok):
            return value if self.ok is None else Ok(self.ok.lower(value.value, cx))
        if isinstance(value, Err):
            return value if self.err is None else Err(self.err.lower(value.value, cx))
        raise EncodeError(f"expected Ok or Err, got {type(value).__name__}")


def result(ok: Binding | None, err: Binding | None) -> Binding:
    if (ok is None or ok.identity) and (err is None or err.identity):
        return Binding(t.Result(_wit(ok), _wit(err)))
    return _Result(ok, err)


# --- futures and streams ---------------------------------------------------------------------------


class _MappedFuture(Awaitable[Any]):
    def __init__(self, source: Awaitable[Any], convert: Callable[[Any], Any]) -> None:
        self._source = source
        self._convert = convert

    async def _get(self) -> Any:
        return self._convert(await self._source)

    def __await__(self) -> Generator[Any, None, Any]:
        return self._get().__await__()


async def _mapped_stream(source: Any, convert: Callable[[Any], Any]) -> AsyncIterator[Any]:
    if hasattr(source, "__aiter__"):
        async for item in source:
            yield convert(item)
    else:
        for item in source:
            yield convert(item)


class _Future(Binding):
    identity = False

    def __init__(self, inner: Binding) -> None:
        super().__init__(t.Future(inner.wit))
        self.inner = inner

    def lift(self, value: Any, cx: Context) -> Any:
        return _MappedFuture(value, lambda v: self.inner.lift(v, cx))

    def lower(self, value: Any, cx: Context) -> Any:
        return _MappedFuture(value, lambda v: self.inner.lower(v, cx))


def future(inner: Binding | None) -> Binding:
    if inner is None or inner.identity:
        return Binding(t.Future(_wit(inner)))
    return _Future(inner)


class _Stream(Binding):
    identity = False

    def __init__(self, inner: Binding) -> None:
        super().__init__(t.Stream(inner.wit))
        self.inner = inner

    def lift(self, value: Any, cx: Context) -> Any:
        return _mapped_stream(value, lambda v: self.inner.lift(v, cx))

    def lower(self, value: Any, cx: Context) -> Any:
        return _mapped_stream(value, lambda v: self.inner.lower(v, cx))


def stream(inner: Binding | None) -> Binding:
    if inner is None or inner.identity:
        return Binding(t.Stream(_wit(inner)))
    return _Stream(inner)


# --- resources -------------------------------------------------------------------------------------


class Stub:
    """Base of generated client classes: calls functions of one instance through a `wrpc.client.Client`.

    `client` may also be a bare transport (`Invoker`); it is then wrapped in a `Client` with its defaults.
    `instance` overrides the generated instance name (e.g. a wasmCloud host's `@0.2.0-draft` spelling).
    """

    INSTANCE: ClassVar[str] = ""

    def __init__(self, client: Client | Invoker, instance: str | None = None) -> None:
        self._wrpc_client = client if isinstance(client, Client) else Client(client)
        self._wrpc_instance = self.INSTANCE if instance is None else instance

    async def _wrpc_call(self, func: Function, *args: Any) -> Any:
        cx = Context(self._wrpc_client, self._wrpc_instance, func.instance)
        params = func.lower_params(args, cx)
        value = await self._wrpc_client.invoke(self._wrpc_instance, func.type, params, name=func.name)
        return None if func.result is None else func.result.lift(value, cx)


class ImportedResource(Stub):
    """Base of proxies of imported resources: the opaque handle plus the client its methods call through."""

    def __init__(self, handle: bytes, client: Client | Invoker, instance: str | None = None) -> None:
        super().__init__(client, instance)
        self.handle = bytes(handle)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(handle={self.handle!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ImportedResource) and type(other) is type(self) and other.handle == self.handle
        )

    def __hash__(self) -> int:
        return hash((type(self), self.handle))


class _ImportedHandle(Binding):
    identity = False

    def __init__(self, cls: type[ImportedResource], wit: t.WitType) -> None:
        super().__init__(wit)
        self.cls = cls

    def lift(self, value: Any, cx: Context) -> Any:
        if cx.client is None:
            raise DecodeError(f"received a {self.cls.__name__} handle but there is no client to call it with")
        same_interface = cx.default_instance == self.cls.INSTANCE
        return self.cls(value, cx.client, cx.instance if same_interface else None)

    def lower(self, value: Any, cx: Context) -> Any:
        if isinstance(value, self.cls):
            return value.handle
        raise EncodeError(f"expected a {self.cls.__name__} proxy, got {type(value).__name__}")


class _ExportedHandle(Binding):
    """The handle table of one exported resource; see rule 4."""

    identity = False

    def __init__(self, cls: type, wit: t.WitType) -> None:
        super().__init__(wit)
        self.cls = cls
        self.objects: dict[bytes, Any] = {}
        self.handles: dict[int, bytes] = {}

    def lift(self, value: Any, cx: Context) -> Any:
        try:
            return self.objects[bytes(value)]
        except KeyError:
            raise DecodeError(f"unknown {self.cls.__name__} handle {bytes(value).hex()}") from None

    def lower(self, value: Any, cx: Context) -> Any:
        handle = self.handles.get(id(value))
        if handle is None:
            handle = os.urandom(16)
            self.objects[handle] = value
            self.handles[id(value)] = handle
        return handle

    def take(self, value: Any) -> Any:
        """The object of handle `value`, forgotten: an `own<R>` param moves it back to the server."""
        obj = self.lift(value, Context(None, "", ""))
        self.drop(obj)
        return obj

    def drop(self, value: Any) -> None:
        handle = self.handles.pop(id(value), None)
        if handle is not None:
            del self.objects[handle]


_TABLES: list[_ExportedHandle] = []
"""Every exported resource's handle table, for `release`."""


def release(obj: object) -> None:
    """Forget the handle of exported resource object `obj`; later calls with it fail as unknown.

    Handles passed back as `own<R>` params are forgotten by themselves; this is for resources that
    callers only borrow and never give back (wRPC has no drop message to tell the server).
    """
    for table in _TABLES:
        table.drop(obj)


class _Handle(Binding):
    """`own<R>` or `borrow<R>`: the resource's conversions with the handle kind's wire model."""

    identity = False

    def __init__(self, resource: Binding, wit: t.WitType) -> None:
        super().__init__(wit)
        self.resource = resource

    def lift(self, value: Any, cx: Context) -> Any:
        return self.resource.lift(value, cx)

    def lower(self, value: Any, cx: Context) -> Any:
        return self.resource.lower(value, cx)


class _OwnedExport(_Handle):
    """`own<R>` of an exported resource: receiving it takes the object out of the handle table."""

    resource: _ExportedHandle

    def lift(self, value: Any, cx: Context) -> Any:
        return self.resource.take(value)


def imported_resource(cls: type[ImportedResource], name: str) -> Binding:
    return _ImportedHandle(cls, t.Own(name))


def exported_resource(cls: type, name: str) -> Binding:
    table = _ExportedHandle(cls, t.Own(name))
    _TABLES.append(table)
    return table


def own(resource: Binding) -> Binding:
    assert isinstance(resource.wit, t.Own)
    if isinstance(resource, _ExportedHandle):
        return _OwnedExport(resource, t.Own(resource.wit.resource))
    return _Handle(resource, t.Own(resource.wit.resource))


def borrow(resource: Binding) -> Binding:
    assert isinstance(resource.wit, t.Own)
    return _Handle(resource, t.Borrow(resource.wit.resource))


# --- functions -------------------------------------------------------------------------------------


class Function:
    """One WIT function: its wire name, the instance of its interface, its param and result bindings."""

    def __init__(
        self, name: str, instance: str, params: Sequence[tuple[str, Binding]], result: Binding | None
    ) -> None:
        self.name = name
        self.instance = instance
        self.params = tuple(params)
        self.result = result
        self.type = t.FunctionType(name, tuple((p, b.wit) for p, b in self.params), _wit(result))

    def lower_params(self, args: Iterable[Any], cx: Context) -> list[Any]:
        out = []
        for i, ((param, b), arg) in enumerate(zip(self.params, args, strict=True)):
            try:
                out.append(b.lower(arg, cx))
            except EncodeError as exc:
                path = f"params[{i}] ({param})" + (f".{exc.path}" if exc.path else "")
                raise EncodeError(exc.reason, path) from None
        return out

    def lift_params(self, params: Sequence[Any], cx: Context) -> list[Any]:
        return [b.lift(v, cx) for (_, b), v in zip(self.params, params, strict=True)]


def _serving(func: Function, impl: object, attr: str, method: bool, cx: Context) -> Callable[..., Any]:
    """The dynamic handler of one function: lift the params, call the implementation, lower the result."""
    if not method and not callable(getattr(impl, attr, None)):
        raise AttributeError(f"{type(impl).__name__} has no method {attr!r} for function {func.name!r}")

    async def handle(*params: Any) -> Any:
        args = func.lift_params(params, cx)
        target = args.pop(0) if method else impl
        value = getattr(target, attr)(*args)
        if inspect.isawaitable(value):
            value = await value
        return None if func.result is None else func.result.lower(value, cx)

    return handle


Serving = Server | Acceptor | Client
"""What generated `serve` functions take: a `Server`, a transport, or a `Client` whose transport also serves
(NATS), so one object can both call and serve."""


def as_server(server: Serving) -> Server:
    """`server` itself, or a new `Server` over the transport `server` is or holds."""
    if isinstance(server, Server):
        return server
    transport = server.transport if isinstance(server, Client) else server
    if not isinstance(transport, Acceptor):
        raise TypeError(f"{type(transport).__name__} cannot serve: pass a wrpc.server.Server or a transport")
    return Server(transport)


async def serve(
    server: Serving, instance: str, impl: object, functions: Sequence[tuple[Function, str, bool]]
) -> Server:
    """Serve `functions` of `instance` from `impl`: (descriptor, Python method, is a resource method).

    `server` is a `wrpc.server.Server`, or a transport or `Client` to make one of (`as_server`); proxies of imported resources
    received by `impl` call through the same transport when it can also invoke. Every method is looked
    up before anything is registered.
    """
    srv = as_server(server)
    client = Client(srv.transport) if isinstance(srv.transport, Invoker) else None
    handlers = [
        (func, _serving(func, impl, attr, method, Context(client, instance, func.instance)))
        for func, attr, method in functions
    ]
    for func, handler in handlers:
        await srv.serve(instance, func.type, handler, name=func.name)
    return srv


__all__ = [
    "BOOL",
    "BYTES",
    "CHAR",
    "ERROR_CONTEXT",
    "F32",
    "F64",
    "S8",
    "S16",
    "S32",
    "S64",
    "STRING",
    "U8",
    "U16",
    "U32",
    "U64",
    "Acceptor",
    "Binding",
    "Context",
    "Function",
    "ImportedResource",
    "Server",
    "Serving",
    "Stub",
    "as_server",
    "borrow",
    "enum",
    "exported_resource",
    "fixed_list",
    "flags",
    "future",
    "imported_resource",
    "list_",
    "option",
    "own",
    "record",
    "release",
    "result",
    "serve",
    "stream",
    "tuple_",
    "variant",
]
