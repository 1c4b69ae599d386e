"""`wrpc bindgen WIT_PATH [--world W] -o OUT`: write a world's typed Python bindings as a package in OUT.

The package is named after the world (`--package` overrides it) and replaced wholesale, so files of
interfaces the world no longer has do not linger. Errors in the WIT are printed in the parser's
rendering and exit with 1; a missing or ambiguous `--world` lists the choices.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        metavar="WIT_PATH",
        help="a WIT directory (with optional deps/), a .wit file or a wasm package",
    )
    parser.add_argument(
        "--world", help="the world: a name in the main package or `ns:pkg/name`; optional when there is one"
    )
    parser.add_argument("-o", "--out", required=True, type=Path, help="directory to write the package into")
    parser.add_argument("--package", help="the Python package name (default: the world's name in snake_case)")
    parser.add_argument(
        "--features", default="", help="comma-separated features that enable @unstable(feature = ...) items"
    )
    parser.add_argument("--all-features", action="store_true", help="enable every @unstable feature")
    parser.set_defaults(func=_run)


def _run(ns: argparse.Namespace) -> int:
    import witparser
    from wrpc.bindgen import generate, package_name, write

    features = [f.strip() for f in ns.features.split(",") if f.strip()]
    try:
        resolve = witparser.load(ns.path, features=features, all_features=ns.all_features)
        world_id = resolve.select_world(world=ns.world)
    except (witparser.WitError, LookupError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    package = ns.package or package_name(resolve, world_id)
    if not package.isidentifier():
        print(f"error: {package!r} is not a valid Python package name; pass --package", file=sys.stderr)
        return 1
    files = generate(resolve, world_id)
    shutil.rmtree(ns.out / package, ignore_errors=True)
    for path in write(files, ns.out, package):
        print(path)
    return 0
