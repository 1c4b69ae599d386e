"""NATS connection options: one description of how to reach and authenticate to NATS, for every CLI and
library entry point that takes a NATS URL.

Rules of this module:
1. `NatsOptions` holds everything a user can say about a connection (URL, user/password, token, nkey
   seed, credentials file, TLS CA and client certificate, prefix); `connect_kwargs()` turns it into
   nats-py's `connect()` arguments and nothing else does.
2. `add_nats_arguments(parser)` gives every command the same flags; `NatsOptions.from_args(ns)` reads
   them back. Environment variables of the same meaning (`WRPC_NATS_URL`, ...) are the defaults.
3. `connect()` raises `Unauthorized` when the server refuses the credentials and `ConnectionLost` when
   no server answers, never a bare nats-py error.
"""

from __future__ import annotations

import argparse
import os
import ssl
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client as NATS

from wrpc.errors import ConnectionLost, Unauthorized
from wrpc.log import get_logger

log = get_logger("wrpc.connect")

DEFAULT_URL = "nats://127.0.0.1:4222"


@dataclass(frozen=True)
class NatsOptions:
    """How to reach NATS. Every field but `url` is optional; `prefix` is the wRPC subject prefix."""

    url: str = DEFAULT_URL
    user: str | None = None
    password: str | None = None
    token: str | None = None
    nkey_seed: str | None = None
    """An nkey seed (`SU...`) or the path of a file holding one."""
    creds: str | None = None
    """Path of a `.creds` file (user JWT and seed)."""
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    prefix: str = ""
    name: str | None = None

    @classmethod
    def from_args(cls, ns: argparse.Namespace) -> NatsOptions:
        """Options from the flags `add_nats_arguments` added (absent flags keep their defaults)."""
        values = {f.name: getattr(ns, f"nats_{f.name}", None) for f in fields(cls)}
        values["url"] = getattr(ns, "nats", None) or DEFAULT_URL
        values["prefix"] = getattr(ns, "prefix", None) or ""
        return cls(**{k: v for k, v in values.items() if v is not None})

    def tls_context(self) -> ssl.SSLContext | None:
        """A client TLS context when any TLS option is set or the URL says `tls://`."""
        if not (self.tls_ca or self.tls_cert or self.url.startswith("tls://")):
            return None
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.tls_ca)
        if self.tls_cert:
            context.load_cert_chain(self.tls_cert, self.tls_key)
        return context

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `nats.connect`."""
        kwargs: dict[str, Any] = {"servers": [self.url]}
        if self.name:
            kwargs["name"] = self.name
        if self.user is not None:
            kwargs["user"] = self.user
            kwargs["password"] = self.password or ""
        if self.token is not None:
            kwargs["token"] = self.token
        if self.nkey_seed is not None:
            if Path(self.nkey_seed).is_file():
                kwargs["nkeys_seed"] = self.nkey_seed
            else:
                kwargs["nkeys_seed_str"] = self.nkey_seed
        if self.creds is not None:
            kwargs["user_credentials"] = self.creds
        tls = self.tls_context()
        if tls is not None:
            kwargs["tls"] = tls
            kwargs["tls_hostname"] = _hostname(self.url)
        return kwargs


def _hostname(url: str) -> str:
    rest = url.split("://", 1)[-1].split("@")[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


async def connect(options: NatsOptions, *, reconnect: bool = True, **extra: Any) -> NATS:
    """Connect with `options` (plus nats-py keyword arguments in `extra`, e.g. callbacks).

    The first attempt fails fast (`Unauthorized`, `ConnectionLost`); once connected, the client
    reconnects forever when `reconnect` is true, so a restarted nats-server is picked up by itself.
    """
    kwargs: dict[str, Any] = {"connect_timeout": 5, "reconnect_time_wait": 0.25, "error_cb": _log_error}
    kwargs.update(options.connect_kwargs())
    kwargs.update(extra)
    # nats-py retries a failed first connect 60 times (or forever); a caller wants a clear error
    # instead, so the first connect gets one retry and unlimited reconnects are switched on afterwards.
    kwargs["allow_reconnect"] = False
    kwargs["max_reconnect_attempts"] = 1
    try:
        nc = await nats.connect(**kwargs)
    except Exception as exc:
        if _is_auth_error(exc):
            raise Unauthorized(f"NATS at {options.url} refused the credentials: {exc}") from exc
        if isinstance(exc, (OSError, nats.errors.Error, TimeoutError)):
            raise ConnectionLost(f"cannot connect to NATS at {options.url}: {exc!r}") from exc
        raise
    if reconnect:
        nc.options["allow_reconnect"] = True
        nc.options["max_reconnect_attempts"] = -1
    return nc


async def _log_error(exc: Exception) -> None:
    log.debug("nats connection error", error=repr(exc))


def _is_auth_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return (
        isinstance(exc, nats.errors.AuthorizationError) or "authorization" in text or "authentication" in text
    )


def add_nats_arguments(parser: argparse.ArgumentParser, *, url_flag: str = "--nats") -> None:
    """Add `--nats URL`, `--prefix` and the authentication/TLS flags, defaulting to `WRPC_NATS_*`."""
    env = os.environ.get
    group = parser.add_argument_group("NATS connection")
    group.add_argument(
        url_flag, dest="nats", metavar="URL", default=env("WRPC_NATS_URL"), help="NATS server URL"
    )
    group.add_argument(
        "--prefix", default=env("WRPC_PREFIX", ""), help="wRPC subject prefix (e.g. lattice.id)"
    )
    group.add_argument("--nats-user", default=env("WRPC_NATS_USER"), help="user name")
    group.add_argument("--nats-password", default=env("WRPC_NATS_PASSWORD"), help="password")
    group.add_argument("--nats-token", default=env("WRPC_NATS_TOKEN"), help="authentication token")
    group.add_argument("--nats-nkey-seed", default=env("WRPC_NATS_NKEY_SEED"), help="nkey seed or seed file")
    group.add_argument("--nats-creds", default=env("WRPC_NATS_CREDS"), help="credentials (.creds) file")
    group.add_argument("--nats-tls-ca", default=env("WRPC_NATS_TLS_CA"), help="CA certificate file")
    group.add_argument("--nats-tls-cert", default=env("WRPC_NATS_TLS_CERT"), help="client certificate file")
    group.add_argument("--nats-tls-key", default=env("WRPC_NATS_TLS_KEY"), help="client key file")
