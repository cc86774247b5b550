"""Fuzzing the case-file reader through the command line (in-process, to stay fast).

Hypothesis builds case-shaped JSON (known keys with well-typed, ill-typed and nested values),
and damaged texts of it (bytes cut out, inserted or duplicated). ``python -m pathways next``
must exit 0 or 2, print one line on stderr when it refuses, and never raise.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways import cli
from pathways.content import load_content

CONTENT = load_content()
REGIMENS = sorted(CONTENT.regimens)
SECRET = "Quuxley-4711"

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        ["2023-01-02", "2023-02-30", "1850-01-01", "9999-12-31", "0", "", " ", "\ud800", "<b>x"]
    ),
)
anything = st.recursive(
    leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a well-formed value, sometimes anything at all."""
    return st.one_of(good, good, good, anything)


dates = st.dates().map(lambda d: d.isoformat())
line = st.fixed_dictionaries(
    {
        "regimen": maybe(st.sampled_from([*REGIMENS, "T-DXd", "Enhertu", "THP", "nope"])),
        "setting": maybe(st.sampled_from(["neoadjuvant", "adjuvant", "metastatic"])),
        "outcome": maybe(
            st.sampled_from(["progression", "toxicity", "completed", "ongoing", "residual-disease"])
        ),
    },
    optional={
        "start": maybe(dates),
        "end": maybe(dates),
        "toxicity_detail": maybe(st.sampled_from(["ild-grade1", "ild-grade2-plus", "other"])),
        "note": maybe(st.text(max_size=40)),
        "resumed": maybe(st.booleans()),
    },
)
factors = st.fixed_dictionaries(
    {},
    optional={
        "hormone_receptor": maybe(st.sampled_from(["positive", "negative", "unknown"])),
        "brain_metastases": maybe(st.sampled_from(["none", "stable", "active"])),
        "ild_history": maybe(st.booleans()),
        "tdxd_available": maybe(st.booleans()),
        "lvef": maybe(st.floats(min_value=0, max_value=100)),
    },
)
patient = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(st.just(SECRET)),
        "record_number": maybe(st.just(SECRET)),
        "birth_date": maybe(dates),
        "age": maybe(st.integers(min_value=-5, max_value=130)),
    },
)
cases = st.fixed_dictionaries(
    {
        "format": maybe(st.just("her2-pathway-case")),
        "version": maybe(st.just(1)),
    },
    optional={
        "label": maybe(st.text(max_size=30)),
        "factors": maybe(factors),
        "metastatic_diagnosis": maybe(dates),
        "history": maybe(st.lists(line, max_size=5)),
        "patient": maybe(patient),
        "comment": st.one_of(st.just(SECRET), anything),  # an unknown key: value never shown
    },
)


def run_next(text: bytes) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.json"
        path.write_bytes(text)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["next", "--json", str(path)])
    return code, out.getvalue(), err.getvalue()


def check(text: bytes) -> None:
    code, out, err = run_next(text)
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert SECRET not in err
        assert len(err) < 1000
    else:
        assert json.loads(out)["options"] is not None


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(cases)
def test_case_shaped_json(case: dict[str, Any]) -> None:
    check(json.dumps(case).encode("utf-8", "surrogatepass"))


@FUZZ
@given(cases, st.data())
def test_damaged_case_text(case: dict[str, Any], data: st.DataObject) -> None:
    text = json.dumps(case, indent=1).encode("utf-8", "surrogatepass")
    i = data.draw(st.integers(min_value=0, max_value=len(text)))
    j = data.draw(st.integers(min_value=i, max_value=min(len(text), i + 12)))
    how = data.draw(st.sampled_from(["cut", "insert", "repeat"]))
    if how == "cut":
        text = text[:i] + text[j:]
    elif how == "insert":
        text = text[:i] + data.draw(st.binary(max_size=8)) + text[i:]
    else:
        text = text[:j] + text[i:j] + text[j:]
    check(text)
