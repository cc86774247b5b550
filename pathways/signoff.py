"""Sign-off and integrity of a content folder: who reviewed it, and is it still what they reviewed.

- The review digest is SHA-256 over the five content files as bytes, with pathway.yaml's own
  ``signoff`` block left out (so recording the sign-off does not change what was signed). Any
  other change, one byte in a comment included, makes the content "modified since sign-off".
- An optional detached signature (``pathway.sig``: base64 of an Ed25519 signature) covers all five
  files, the sign-off block included, so the reviewers' names cannot be altered either. A site
  that configures a public key refuses a folder whose signature is missing or does not verify.
- The review is stale when its date (the latest reviewer's, else the header's ``reviewed``) is
  older than the site's limit (six months by default).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pathways.content import FILES, MAX_CONTENT_BYTES, Content
from pathways.errors import ContentError
from pathways.frozen import FrozenValue, frozen_value
from pathways.records import validate
from pathways.safe_write import read_bounded, write_bytes, write_text
from pathways.schema import Reviewer, SignOff

SIGNATURE_FILE = "pathway.sig"
HEADER_FILE = "pathway.yaml"
DEFAULT_MAX_AGE_DAYS = 183  # six months
_SIGNED_PREFIX = b"her2-pathways content signature v1\0"

Status = Literal["signed", "not-signed", "modified", "refused"]
SignatureState = Literal["verified", "absent", "not-checked"]


class SignatureError(ContentError):
    """The content's signature is missing, malformed or does not verify: the folder is refused."""


# ---------------------------------------------------------------------------- digests
def read_texts(directory: Path) -> dict[str, str]:
    """The five content files' texts (bounded reads; errors name the file)."""
    texts: dict[str, str] = {}
    for name in FILES:
        path = directory / name
        data = read_bounded(path, MAX_CONTENT_BYTES, "content file", ContentError)
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ContentError(str(path), "", "not UTF-8 text") from None
    return texts


def strip_signoff(text: str) -> str:
    """pathway.yaml's text without its top-level ``signoff`` block (key, value and comments)."""
    import yaml  # (imported when needed: a start from the content cache reads no YAML)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return text  # not YAML: the digest then covers it as it is, and the loader reports it
    if not isinstance(root, yaml.MappingNode):
        return text
    for key, value in root.value:
        if getattr(key, "value", None) == "signoff":
            start, end = key.start_mark.index, value.end_mark.index
            # A block value ends at the next key's line; a flow value ends on its own line.
            newline = text.find("\n", end - 1) if end and text[end - 1 : end] != "\n" else -1
            if newline != -1 and not text[end:newline].strip():
                end = newline + 1
            return text[:start] + text[end:]
    return text


def _digest(texts: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for name in FILES:
        data = texts.get(name, "").encode("utf-8")
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def review_digest(texts: Mapping[str, str]) -> str:
    """The digest a reviewer signs off: every file, pathway.yaml without its sign-off block."""
    return _digest({**texts, HEADER_FILE: strip_signoff(texts.get(HEADER_FILE, ""))})


def full_digest(texts: Mapping[str, str]) -> str:
    """The digest the detached signature covers: every file exactly, sign-off included."""
    return _digest(texts)


# ---------------------------------------------------------------------------- signatures
def parse_public_key(text: str) -> bytes:
    """A raw Ed25519 public key (32 bytes) from its base64 text."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the public key is not base64 text") from None
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return raw


def signed_message(texts: Mapping[str, str]) -> bytes:
    return _SIGNED_PREFIX + full_digest(texts).encode()


def verify_signature(directory: Path, texts: Mapping[str, str], public_key: bytes) -> None:
    """Raise :class:`SignatureError` with the reason unless ``pathway.sig`` verifies."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = directory / SIGNATURE_FILE
    if not path.is_file():
        raise SignatureError(
            str(path), "", "no signature, and this site accepts only signed content"
        )
    raw = read_bounded(path, 4096, "signature", SignatureError)
    try:
        signature = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(str(path), "", "the signature is not base64 text") from None
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signed_message(texts))
    except InvalidSignature:
        raise SignatureError(
            str(path), "", "the signature does not match the content and the site's key"
        ) from None
    except ValueError as exc:
        raise SignatureError(str(path), "", f"the site's public key is unusable ({exc})") from None


def sign_folder(directory: Path, private_key_pem: bytes) -> None:
    """Write ``pathway.sig`` for the folder as it is now (the signer's side)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ContentError(
            "signing key", "", f"not an unencrypted PEM private key ({exc})"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ContentError("signing key", "", "not an Ed25519 key")
    signature = key.sign(signed_message(read_texts(directory)))
    write_bytes(directory / SIGNATURE_FILE, base64.b64encode(signature) + b"\n")


# ---------------------------------------------------------------------------- recording a sign-off
def record_signoff(directory: Path, reviewers: Sequence[Reviewer]) -> str:
    """Write the reviewers and the review digest into pathway.yaml; return the digest.

    Reviewers already recorded for the same digest are kept (several people sign the same
    content one after another); a sign-off for an older digest is replaced.
    """
    texts = read_texts(directory)
    old = _signoff_of(texts[HEADER_FILE])
    base = strip_signoff(texts[HEADER_FILE])
    if not base.endswith("\n"):
        base += "\n"
    digest = review_digest({**texts, HEADER_FILE: base})
    kept = list(old.reviewers) if old is not None and old.digest == digest else []
    kept += [r for r in reviewers if r not in kept]
    block = {
        "signoff": {
            "digest": digest,
            "reviewers": [{"name": r.name, "role": r.role, "date": r.date} for r in kept],
        }
    }
    import yaml

    text = base + yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=100)
    assert strip_signoff(text) == base  # the block comes out exactly, or the digest is wrong
    write_text(directory / HEADER_FILE, text)
    return digest


def _signoff_of(header_text: str) -> SignOff | None:
    import yaml

    try:
        data = yaml.safe_load(header_text)
    except yaml.YAMLError:
        return None
    block = data.get("signoff") if isinstance(data, dict) else None
    if block is None:
        return None
    return validate(SignOff, block)


# ---------------------------------------------------------------------------- the state
@frozen_value
class SignOffState(FrozenValue):
    status: Status
    reviewers: tuple[Reviewer, ...] = ()
    signed_on: date | None = None
    review_date: date | None = None
    stale: bool = False
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    signature: SignatureState = "not-checked"
    reason: str = ""

    @property
    def who(self) -> str:
        return ", ".join(f"{r.name} ({r.role})" for r in self.reviewers)

    def summary(self) -> str:
        """One line: the same words in the status bar, About, every PDF and ``validate``."""
        if self.status == "refused":
            return f"Content refused: {self.reason}"
        if self.status == "not-signed":
            return "Not signed off by a clinical reviewer"
        signed = f"signed off by {self.who} on {self.signed_on}"
        if self.status == "modified":
            return f"MODIFIED SINCE SIGN-OFF (was {signed})"
        verified = "; signature verified" if self.signature == "verified" else ""
        return f"Signed off by {self.who} on {self.signed_on}{verified}"

    def staleness(self) -> str | None:
        """A warning when the review is older than the limit, with the review date."""
        if not self.stale or self.review_date is None:
            return None
        months = round(self.max_age_days / 30.44)
        return f"Review is more than {months} months old (last reviewed {self.review_date})"


def check(
    content: Content,
    texts: Mapping[str, str],
    *,
    directory: Path | None = None,
    public_key: bytes | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    today: date | None = None,
) -> SignOffState:
    """The sign-off state of loaded content whose files' texts are ``texts``.

    With ``public_key`` (the site's), a missing or bad signature gives status "refused".
    """
    today = today or date.today()
    signature: SignatureState = "not-checked"
    if public_key is not None:
        if directory is None:
            return SignOffState("refused", reason="the content has no folder to find its signature")
        try:
            verify_signature(directory, texts, public_key)
        except SignatureError as exc:
            return SignOffState("refused", reason=exc.problem)
        signature = "verified"
    elif directory is not None and not (directory / SIGNATURE_FILE).exists():
        signature = "absent"
    so: SignOff | None = getattr(content.header, "signoff", None)
    if so is None:
        review = content.header.reviewed
        stale = today - review > timedelta(days=max_age_days)
        return SignOffState(
            "not-signed",
            review_date=review,
            stale=stale,
            max_age_days=max_age_days,
            signature=signature,
        )
    signed_on = max(r.date for r in so.reviewers)
    status: Status = "signed" if review_digest(texts) == so.digest else "modified"
    return SignOffState(
        status,
        reviewers=so.reviewers,
        signed_on=signed_on,
        review_date=signed_on,
        stale=today - signed_on > timedelta(days=max_age_days),
        max_age_days=max_age_days,
        signature=signature,
    )


def check_folder(
    directory: Path,
    content: Content,
    public_key: bytes | None = None,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    today: date | None = None,
) -> SignOffState:
    """:func:`check` for content loaded from ``directory`` (the files are read again)."""
    return check(
        content,
        read_texts(directory),
        directory=directory,
        public_key=public_key,
        max_age_days=max_age_days,
        today=today,
    )
