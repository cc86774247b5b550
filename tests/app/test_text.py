"""Every warning kind the content may use has a label of its own in the window."""

from __future__ import annotations

from typing import get_args

from app import text
from pathways.schema import WarningKind


def test_every_warning_kind_has_a_label() -> None:
    for kind in get_args(WarningKind):
        label = text.warning_kind_label(kind)
        assert label and label != kind and label[0].isupper(), kind
