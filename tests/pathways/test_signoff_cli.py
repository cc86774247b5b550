"""The sign-off state on the command line: ``validate`` prints it last; ``sign-off`` records it."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from pathways.cli import main
from pathways.content import bundled_content_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


def _last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def _site(tmp_path: Path, public: bytes) -> Path:
    path = tmp_path / "site.yaml"
    key = base64.b64encode(public).decode()
    path.write_text(
        f"format: her2-pathway-site\nversion: 1\nname: Test\ncontent_public_key: {key}\n",
        encoding="utf-8",
    )
    return path


def test_validate_prints_the_signoff_state_last(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(folder)]) == 0
    assert _last_line(capsys).startswith("Sign-off: Not signed off by a clinical reviewer")
    args = ["sign-off", str(folder), "--name", "Dr Example", "--role", "oncologist"]
    assert main([*args, "--date", "2026-11-30"]) == 0
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 0
    assert _last_line(capsys).startswith(
        "Sign-off: Signed off by Dr Example (oncologist) on 2026-11-30"
    )
    drugs = folder / "drugs.yaml"
    drugs.write_bytes(drugs.read_bytes() + b" ")
    assert main(["validate", str(folder)]) == 0
    assert _last_line(capsys).startswith("Sign-off: MODIFIED SINCE SIGN-OFF")


def test_signed_content_and_a_site_key(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    private = Ed25519PrivateKey.generate()
    pem = tmp_path / "key.pem"
    pem.write_bytes(private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    site = _site(tmp_path, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    args = ["sign-off", str(folder), "--name", "Dr E", "--role", "oncologist"]
    assert main([*args, "--signing-key", str(pem)]) == 0
    capsys.readouterr()
    assert main(["validate", str(folder), "--site", str(site)]) == 0
    assert _last_line(capsys).endswith("; signature verified")
    # A change after signing: refused with the reason, one line, exit 2.
    rules = folder / "rules.yaml"
    rules.write_bytes(rules.read_bytes() + b"\n")
    assert main(["validate", str(folder), "--site", str(site)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "the signature does not match the content and the site's key" in captured.err


def test_sign_off_refuses_invalid_content(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "drugs.yaml").write_text("agents: [", encoding="utf-8")
    before = (folder / "pathway.yaml").read_bytes()
    assert main(["sign-off", str(folder), "--name", "A", "--role", "B"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert (folder / "pathway.yaml").read_bytes() == before
