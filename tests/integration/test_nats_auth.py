"""Every NATS authentication method `wrpc.connect` offers, each against a nats-server configured for it,
followed by a real wRPC call; wrong credentials give `Unauthorized`."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nkeys
import pytest

from wrpc.client import Client
from wrpc.connect import NatsOptions, connect
from wrpc.embedded import EmbeddedNats
from wrpc.errors import ConnectionLost, Unauthorized
from wrpc.server import Server
from wrpc.transport.nats import NatsTransport
from wrpc.types import FunctionType, parse_type_expr

INSTANCE = "wrpc-py:auth/test"
GREET = FunctionType("greet", (("name", parse_type_expr("string")),), parse_type_expr("string"))


def new_key(prefix: int) -> nkeys.KeyPair:
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), prefix))


async def call_through(options: NatsOptions) -> str:
    """Serve and call `greet` over one connection made with `options`."""
    nc = await connect(options)
    transport = NatsTransport(nc, prefix="auth")
    server = Server(transport)
    try:
        await server.serve(INSTANCE, GREET, lambda name: f"hello {name}")
        result: str = await Client(transport, timeout=5).invoke(INSTANCE, GREET, ["auth"])
        return result
    finally:
        await server.close()
        await transport.close()
        await nc.close()


async def test_user_and_password() -> None:
    with EmbeddedNats(config="authorization { user: alice, password: s3cret }") as srv:
        assert await call_through(NatsOptions(url=srv.url, user="alice", password="s3cret")) == "hello auth"
        with pytest.raises(Unauthorized, match="refused the credentials"):
            await connect(NatsOptions(url=srv.url, user="alice", password="wrong"))
        with pytest.raises(Unauthorized):
            await connect(NatsOptions(url=srv.url))


async def test_token() -> None:
    with EmbeddedNats(config="authorization { token: t0ken }") as srv:
        assert await call_through(NatsOptions(url=srv.url, token="t0ken")) == "hello auth"
        with pytest.raises(Unauthorized):
            await connect(NatsOptions(url=srv.url, token="other"))


async def test_nkey_seed_as_text_and_as_file(tmp_path: Path) -> None:
    user = new_key(nkeys.PREFIX_BYTE_USER)
    config = f"authorization {{ users: [ {{ nkey: {user.public_key.decode()} }} ] }}"
    with EmbeddedNats(config=config) as srv:
        seed = user.seed.decode()
        assert await call_through(NatsOptions(url=srv.url, nkey_seed=seed)) == "hello auth"
        seed_file = tmp_path / "user.nk"
        seed_file.write_text(seed)
        assert await call_through(NatsOptions(url=srv.url, nkey_seed=str(seed_file))) == "hello auth"
        with pytest.raises(Unauthorized):
            await connect(NatsOptions(url=srv.url, nkey_seed=new_key(nkeys.PREFIX_BYTE_USER).seed.decode()))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(claims: dict[str, object], issuer: nkeys.KeyPair) -> str:
    """A NATS JWT (v2) signed by `issuer`, as nsc would write it."""
    header = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    body = {"jti": _b64(os.urandom(16)), "iat": int(time.time()), "iss": issuer.public_key.decode(), **claims}
    payload = _b64(json.dumps(body).encode())
    signature = issuer.sign(f"{header}.{payload}".encode())
    return f"{header}.{payload}.{_b64(signature)}"


def _creds(user_jwt: str, seed: str) -> str:
    return (
        f"-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n"
        f"-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
    )


async def test_credentials_file(tmp_path: Path) -> None:
    operator = new_key(nkeys.PREFIX_BYTE_OPERATOR)
    account = new_key(nkeys.PREFIX_BYTE_ACCOUNT)
    user = new_key(nkeys.PREFIX_BYTE_USER)
    no_limits = {
        "subs": -1,
        "data": -1,
        "payload": -1,
        "imports": -1,
        "exports": -1,
        "wildcards": True,
        "conn": -1,
        "leaf": -1,
    }
    operator_jwt = _jwt(
        {"sub": operator.public_key.decode(), "name": "op", "nats": {"type": "operator", "version": 2}},
        operator,
    )
    account_jwt = _jwt(
        {
            "sub": account.public_key.decode(),
            "name": "acc",
            "nats": {"type": "account", "version": 2, "limits": no_limits},
        },
        operator,
    )
    user_jwt = _jwt(
        {
            "sub": user.public_key.decode(),
            "name": "user",
            "nats": {
                "type": "user",
                "version": 2,
                "pub": {},
                "sub": {},
                "subs": -1,
                "data": -1,
                "payload": -1,
                "issuer_account": account.public_key.decode(),
            },
        },
        account,
    )
    config = (
        f"operator: {operator_jwt}\nresolver: MEMORY\n"
        f"resolver_preload: {{ {account.public_key.decode()}: {account_jwt} }}\n"
    )
    creds = tmp_path / "user.creds"
    creds.write_text(_creds(user_jwt, user.seed.decode()))
    with EmbeddedNats(config=config, jetstream=False) as srv:
        assert await call_through(NatsOptions(url=srv.url, creds=str(creds))) == "hello auth"
        stranger = new_key(nkeys.PREFIX_BYTE_USER)
        forged = _jwt(
            {"sub": stranger.public_key.decode(), "name": "x", "nats": {"type": "user", "version": 2}},
            new_key(nkeys.PREFIX_BYTE_ACCOUNT),
        )
        bad = tmp_path / "bad.creds"
        bad.write_text(_creds(forged, stranger.seed.decode()))
        with pytest.raises(Unauthorized):
            await connect(NatsOptions(url=srv.url, creds=str(bad)))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make TLS certificates")
    d = tmp_path_factory.mktemp("pki")

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=wrpc-test-ca",
    )
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        ssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
        )
        ssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        )
    yield d


async def test_tls_with_a_ca_and_a_client_certificate(pki: Path) -> None:
    config = (
        f'tls {{ cert_file: "{pki / "server.pem"}", key_file: "{pki / "server.key"}", '
        f'ca_file: "{pki / "ca.pem"}", verify: true }}'
    )
    with EmbeddedNats(config=config) as srv:
        options = NatsOptions(
            url=f"tls://127.0.0.1:{srv.port}",
            tls_ca=str(pki / "ca.pem"),
            tls_cert=str(pki / "client.pem"),
            tls_key=str(pki / "client.key"),
        )
        assert await call_through(options) == "hello auth"
        with pytest.raises((ConnectionLost, Unauthorized)):  # the server demands a client certificate
            await connect(NatsOptions(url=f"tls://127.0.0.1:{srv.port}", tls_ca=str(pki / "ca.pem")))


async def test_a_subject_the_user_may_not_publish_to_gives_unauthorized_not_a_timeout() -> None:
    config = """authorization { users: [
        { user: server, password: s }
        { user: caller, password: c, permissions: { publish: { deny: ["auth.wrpc.0.0.1.wrpc-py:auth/test.>"] } } }
    ] }"""
    with EmbeddedNats(config=config) as srv:
        server_nc = await connect(NatsOptions(url=srv.url, user="server", password="s"))
        caller_nc = await connect(NatsOptions(url=srv.url, user="caller", password="c"))
        server_transport = NatsTransport(server_nc, prefix="auth")
        caller_transport = NatsTransport(caller_nc, prefix="auth")
        server = Server(server_transport)
        try:
            await server.serve(INSTANCE, GREET, lambda name: name)
            started = time.monotonic()
            with pytest.raises(Unauthorized, match="not permitted to publish"):
                await Client(caller_transport, timeout=5).invoke(INSTANCE, GREET, ["x"])
            assert time.monotonic() - started < 1
        finally:
            await server.close()
            await server_transport.close()
            await caller_transport.close()
            await server_nc.close()
            await caller_nc.close()


async def test_a_reply_inbox_the_user_may_not_subscribe_to_gives_unauthorized_not_a_timeout() -> None:
    config = """authorization { users: [
        { user: caller, password: c, permissions: { subscribe: { deny: ["_INBOX.>"] } } }
    ] }"""
    with EmbeddedNats(config=config) as srv:
        nc = await connect(NatsOptions(url=srv.url, user="caller", password="c"))
        transport = NatsTransport(nc, prefix="auth")
        try:
            started = time.monotonic()
            with pytest.raises(Unauthorized, match="reply inbox"):
                await Client(transport, timeout=5).invoke(INSTANCE, GREET, ["x"])
            assert time.monotonic() - started < 1
        finally:
            await transport.close()
            await nc.close()


async def test_serving_a_subject_the_user_may_not_subscribe_to_gives_unauthorized() -> None:
    config = """authorization { users: [
        { user: server, password: s, permissions: { subscribe: { deny: ["auth.wrpc.>"] } } }
    ] }"""
    with EmbeddedNats(config=config) as srv:
        nc = await connect(NatsOptions(url=srv.url, user="server", password="s"))
        transport = NatsTransport(nc, prefix="auth")
        server = Server(transport)
        try:
            with pytest.raises(Unauthorized, match="cannot be served"):
                await server.serve(INSTANCE, GREET, lambda name: name)
            assert transport.stats()["listeners"] == 0
        finally:
            await server.close()
            await transport.close()
            await nc.close()
