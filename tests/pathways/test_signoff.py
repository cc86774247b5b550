"""Sign-off and integrity: the review digest, the detached Ed25519 signature, staleness."""

from __future__ import annotations

import base64
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from pathways.content import bundled_content_dir, load_content
from pathways.schema import Reviewer
from pathways.signoff import (
    SIGNATURE_FILE,
    SignOffState,
    check_folder,
    read_texts,
    record_signoff,
    review_digest,
    sign_folder,
    strip_signoff,
)

ONCOLOGIST = Reviewer(name="Dr A. Example", role="medical oncologist", date=date(2026, 11, 30))
PHARMACIST = Reviewer(name="B. Example", role="oncology pharmacist", date=date(2026, 12, 1))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


def _state(folder: Path, key: bytes | None = None, today: date | None = None) -> SignOffState:
    return check_folder(folder, load_content(folder), key, today=today or date(2026, 12, 2))


def _keys() -> tuple[bytes, bytes]:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return pem, public


def _flip_one_byte(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(old) == len(new) and text.count(old) >= 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bundled_content_is_not_signed_off(folder: Path) -> None:
    state = _state(folder)
    assert state.status == "not-signed"
    assert state.summary() == "Not signed off by a clinical reviewer"


def test_recording_a_signoff_does_not_change_what_was_signed(folder: Path) -> None:
    before = review_digest(read_texts(folder))
    digest = record_signoff(folder, [ONCOLOGIST])
    assert digest == before == review_digest(read_texts(folder))
    header = (folder / "pathway.yaml").read_text(encoding="utf-8")
    assert digest in header and "Dr A. Example" in header
    state = _state(folder)
    assert state.status == "signed"
    assert state.summary() == ("Signed off by Dr A. Example (medical oncologist) on 2026-11-30")


def test_second_reviewer_of_the_same_content_is_added(folder: Path) -> None:
    record_signoff(folder, [ONCOLOGIST])
    record_signoff(folder, [PHARMACIST])
    state = _state(folder)
    assert [r.name for r in state.reviewers] == ["Dr A. Example", "B. Example"]
    assert state.signed_on == date(2026, 12, 1)


@pytest.mark.parametrize("file", ["drugs.yaml", "evidence.yaml", "pathway.yaml"])
def test_one_byte_change_is_modified_since_signoff(folder: Path, file: str) -> None:
    record_signoff(folder, [ONCOLOGIST])
    # One byte: a letter of the file's first comment (comments are content the reviewer read).
    path = folder / file
    text = path.read_text(encoding="utf-8")
    i = text.index("the") + 1
    path.write_text(text[:i] + "H" + text[i + 1 :], encoding="utf-8")
    state = _state(folder)
    assert state.status == "modified"
    assert state.summary().startswith("MODIFIED SINCE SIGN-OFF (was signed off by Dr A. Example")


def test_a_changed_figure_is_modified_since_signoff(folder: Path) -> None:
    record_signoff(folder, [ONCOLOGIST])
    _flip_one_byte(folder / "evidence.yaml", "29.0", "29.1")
    assert _state(folder).status == "modified"


def test_strip_signoff_removes_exactly_the_block() -> None:
    base = "a: 1\n# note\nb: [x]\n"
    assert strip_signoff(base + "signoff:\n  digest: x\n  reviewers: []\n") == base
    assert strip_signoff("signoff: {digest: x}\n" + base) == base
    assert strip_signoff(base) == base


def test_good_signature_is_verified(folder: Path) -> None:
    pem, public = _keys()
    record_signoff(folder, [ONCOLOGIST])
    sign_folder(folder, pem)
    state = _state(folder, public)
    assert (state.status, state.signature) == ("signed", "verified")
    assert state.summary().endswith("; signature verified")


def test_bad_signature_is_refused(folder: Path) -> None:
    pem, public = _keys()
    record_signoff(folder, [ONCOLOGIST])
    sign_folder(folder, pem)
    sig = (folder / SIGNATURE_FILE).read_bytes()
    raw = bytearray(base64.b64decode(sig))
    raw[0] ^= 1
    (folder / SIGNATURE_FILE).write_bytes(base64.b64encode(bytes(raw)))
    state = _state(folder, public)
    assert state.status == "refused"
    assert state.summary() == (
        "Content refused: the signature does not match the content and the site's key"
    )


def test_signature_covers_the_reviewers_names(folder: Path) -> None:
    pem, public = _keys()
    record_signoff(folder, [ONCOLOGIST])
    sign_folder(folder, pem)
    _flip_one_byte(folder / "pathway.yaml", "Dr A. Example", "Dr B. Example")
    assert _state(folder, public).status == "refused"
    # Without the site's key the review digest alone cannot see the name change.
    assert _state(folder).status == "signed"


def test_another_key_and_a_missing_signature_are_refused(folder: Path) -> None:
    pem, _ = _keys()
    _, other = _keys()
    record_signoff(folder, [ONCOLOGIST])
    assert "no signature" in _state(folder, other).reason
    sign_folder(folder, pem)
    assert _state(folder, other).status == "refused"


def test_stale_review_names_its_date(folder: Path) -> None:
    record_signoff(folder, [ONCOLOGIST])
    fresh = _state(folder, today=ONCOLOGIST.date + timedelta(days=100))
    assert not fresh.stale and fresh.staleness() is None
    old = _state(folder, today=ONCOLOGIST.date + timedelta(days=200))
    assert old.stale
    assert old.staleness() == "Review is more than 6 months old (last reviewed 2026-11-30)"


def test_unsigned_content_is_stale_from_its_header_date(folder: Path) -> None:
    content = load_content(folder)
    state = check_folder(folder, content, today=content.header.reviewed + timedelta(days=400))
    assert state.stale and str(content.header.reviewed) in (state.staleness() or "")
