"""Loading WIT from the filesystem: a directory with its `deps/`, a single `.wit` file, or wasm.

This is the only module of the parser that touches files (the reference's resolve/fs.rs). The rules:

1. A directory is one package group made of its `*.wit` files (not recursive; other files and
   subdirectories ignored), read in byte order of their paths. Its `deps/` folder, if any, is read in
   sorted name order: a subdirectory is a group (its own `deps/` is not probed), a `*.wit` file is a
   group, a `*.wat`/`*.wasm` file is a wasm-encoded package decoded into the `Resolve` at once (before
   any WIT package is added); other entries are ignored. Then all groups are pushed together.
2. A file is wasm when it starts with `\\0asm` or its first WAT token is `(`; otherwise it is UTF-8 WIT.
3. Errors carry the reference's context layers: `failed to resolve directory while parsing WIT for
   path [DIR]` around everything that fails under a directory, then `failed to parse package: DIR` or
   `failed to parse dependency directory: DIR/deps` (and `failed to parse package: DIR/deps/NAME`)
   around parse failures.
4. Paths in messages are the strings given, joined with `os.path.join`, so callers choose how paths
   read (the conformance runner passes relative `tests/ui/...` paths).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from witparser._ast_resolve import parse_group, parse_text
from witparser._error import WitError
from witparser._model import UnresolvedPackageGroup

if TYPE_CHECKING:
    from witparser._resolve import Resolve


def push_path(resolve: Resolve, path: str) -> int:
    """Load a directory or a file into `resolve`; returns the main package id."""
    if os.path.isdir(path):
        try:
            return push_dir(resolve, path)
        except WitError as err:
            raise err.with_context(
                f"failed to resolve directory while parsing WIT for path [{path}]"
            ) from None
    return push_file(resolve, path)


def push_dir(resolve: Resolve, path: str) -> int:
    """Load the package group in directory `path` and its `deps/`; returns the main package id."""
    try:
        main = _parse_dir(path)
    except WitError as err:
        raise err.with_context(f"failed to parse package: {path}") from None
    deps_path = os.path.join(path, "deps")
    try:
        deps = _parse_deps_dir(resolve, deps_path)
    except WitError as err:
        raise err.with_context(f"failed to parse dependency directory: {deps_path}") from None
    return resolve.push_groups(main, deps)


def push_file(resolve: Resolve, path: str) -> int:
    """Load one `.wit` file (its dependencies nested in it or already present) or wasm package."""
    parsed = _read_file(resolve, path)
    if isinstance(parsed, int):
        resolve.main_packages.append(parsed)
        return parsed
    return resolve.push_group(parsed)


def is_wasm(data: bytes) -> bool:
    """Whether `data` is a wasm binary, or WAT text (its first token, past blanks and comments, is `(`)."""
    if data.startswith(b"\0asm"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    i, n = 0, len(data)
    while i < n:
        c = data[i : i + 1]
        if c in b" \t\r\n":
            i += 1
        elif data.startswith(b";;", i):
            end = data.find(b"\n", i)
            i = n if end < 0 else end + 1
        elif data.startswith(b"(;", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if data.startswith(b"(;", i):
                    depth, i = depth + 1, i + 2
                elif data.startswith(b";)", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            if depth:
                return False
        else:
            return c == b"("
    return False


def _parse_dir(path: str) -> UnresolvedPackageGroup:
    try:
        names = os.listdir(path)
    except OSError as err:
        raise _os_error(err, f"failed to read directory {_debug(path)}") from None
    files = []
    for name in sorted(names):
        full = os.path.join(path, name)
        if not name.endswith(".wit") or os.path.isdir(full):
            continue
        files.append((full, _read_text(full, f"failed to read file {_debug(full)}")))
    return parse_group(files)


def _parse_deps_dir(resolve: Resolve, path: str) -> list[UnresolvedPackageGroup]:
    if not os.path.exists(path):
        return []
    try:
        names = sorted(os.listdir(path), key=os.fsencode)
    except OSError as err:
        raise _os_error(err, "failed to read directory") from None
    groups = []
    for name in names:
        full = os.path.join(path, name)
        if os.path.isdir(full):
            try:
                groups.append(_parse_dir(full))
            except WitError as err:
                raise err.with_context(f"failed to parse package: {full}") from None
        elif os.path.splitext(name)[1] in (".wit", ".wat", ".wasm"):
            parsed = _read_file(resolve, full)
            if not isinstance(parsed, int):
                groups.append(parsed)
    return groups


def _read_file(resolve: Resolve, path: str) -> UnresolvedPackageGroup | int:
    """A file's package group, or the package id when it was wasm and is already decoded in."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise _os_error(err, f"failed to read path for WIT [{path}]") from None
    if is_wasm(data):
        from witparser._decoding import decode_wasm_into

        return decode_wasm_into(resolve, data, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise WitError(f"input file is not valid utf-8 [{path}]") from None
    return parse_text(text, path)


def _read_text(path: str, context: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise _os_error(err, context) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise WitError("stream did not contain valid UTF-8").with_context(context) from err


def _debug(path: str) -> str:
    """A path quoted as Rust's `{:?}` prints it (the reference's messages use that form)."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _os_error(err: OSError, context: str) -> WitError:
    return WitError(f"{err.strerror} (os error {err.errno})").with_context(context)
