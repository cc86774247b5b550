"""How a workstation reaches a shared library: TLS checked end to end, passwords never stored.

A server of its own for this module (TLS on, plain connections refused, one login with a
password), with a certificate authority and a server certificate made here with
``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pathways.library import CaseLibrary, LibraryError, PasswordRequired
from tests.postgres_server import PostgresServer

PASSWORD = "tumor-board-s3cret"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _authority(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _server_cert(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PostgresServer, Path]]:
    """A server that speaks TLS only, and the path of its authority's certificate."""
    reason = PostgresServer.available()
    if reason is not None:
        pytest.skip(reason)
    ca, ca_key = _authority("Hospital test CA")
    cert, key = _server_cert(ca, ca_key)
    folder = tmp_path_factory.mktemp("tls")
    root_cert = folder / "hospital-ca.pem"
    root_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server = PostgresServer()
    try:
        crt = server.install_file("server.crt", cert.public_bytes(serialization.Encoding.PEM))
        pem = server.install_file("server.key", _pem(key))
        server.configure("ssl = on", f"ssl_cert_file = '{crt}'", f"ssl_key_file = '{pem}'")
        server.prepend_hba(
            "hostnossl all all 127.0.0.1/32 reject",
            "hostssl all alice 127.0.0.1/32 scram-sha-256",
        )
        server.start()
        server.execute(f"CREATE ROLE alice LOGIN PASSWORD '{PASSWORD}' CREATEDB")
        server.execute("CREATE DATABASE board OWNER alice")
        # Created by alice, who owns its tables; the superuser may use them too.
        CaseLibrary.open(_address(server, root_cert, "alice"), password=PASSWORD).close()
        yield server, root_cert
    finally:
        server.cleanup()


def _address(server: PostgresServer, root_cert: Path, user: str = "postgres") -> str:
    return (
        f"postgresql://{user}@localhost:{server.port}/board"
        f"?sslmode=verify-full&sslrootcert={root_cert}"
    )


def test_verify_full_reaches_the_server_over_tls(
    tls_server: tuple[PostgresServer, Path],
) -> None:
    server, root_cert = tls_server
    address = _address(server, root_cert)
    with CaseLibrary.open(address) as lib:
        lib.add_case(json.dumps({"label": "Over TLS"}))
        assert [c.label for c in lib.list_cases()] == ["Over TLS"]
    with psycopg.connect(address) as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row == (True,)


def test_a_server_not_signed_by_the_given_authority_is_refused(
    tls_server: tuple[PostgresServer, Path], tmp_path: Path
) -> None:
    server, _ = tls_server
    other, _key = _authority("Some other CA")
    wrong = tmp_path / "other-ca.pem"
    wrong.write_bytes(other.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(LibraryError, match="certificate could not be checked"):
        CaseLibrary.open(_address(server, wrong))


def test_a_plain_connection_is_refused_by_the_server(
    tls_server: tuple[PostgresServer, Path],
) -> None:
    server, _ = tls_server
    with pytest.raises(LibraryError) as info:
        CaseLibrary.open(f"postgresql://postgres@127.0.0.1:{server.port}/board?sslmode=disable")
    assert "Traceback" not in str(info.value)


def test_a_password_is_asked_for_then_kept_in_memory_only(
    tls_server: tuple[PostgresServer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, root_cert = tls_server
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-pgpass"))
    address = _address(server, root_cert, "alice")
    with pytest.raises(PasswordRequired, match="no password found"):
        CaseLibrary.open(address)
    with pytest.raises(PasswordRequired, match="wrong password") as wrong:
        CaseLibrary.open(address, password="not it")
    assert "not it" not in str(wrong.value)
    with CaseLibrary.open(address, password=PASSWORD) as lib:
        assert lib.login == "alice"
        assert PASSWORD not in lib.where and PASSWORD not in str(lib.location)
        lib.add_case(json.dumps({"label": "Typed password"}))
        # A connection replaced after the server ended it needs the password again: kept.
        server.terminate_backends("board")
        assert "Typed password" in [c.label for c in lib.list_cases()]
        feed = lib.changes()  # the change feed's own connection too
        feed.close()


def test_the_password_file_is_libpqs_own_way(
    tls_server: tuple[PostgresServer, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, root_cert = tls_server
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"localhost:{server.port}:board:alice:{PASSWORD}\n", "utf-8")
    os.chmod(pgpass, 0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    with CaseLibrary.open(_address(server, root_cert, "alice")) as lib:
        assert lib.login == "alice"
