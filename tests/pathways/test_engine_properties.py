"""Property test: random valid histories never crash the engine, and there is always something
to say: usable options, or the clinical-trial message."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways import records
from pathways.case import Case, Factors, Outcome, Setting, TreatmentLine, check_history
from pathways.content import Content, load_content
from pathways.engine import Engine

CONTENT: Content = load_content()
ENGINE = Engine(CONTENT)
METASTATIC = sorted(r.id for r in CONTENT.regimens.values() if r.setting == "metastatic")
EARLY = sorted(r.id for r in CONTENT.regimens.values() if r.setting == "early")
FINAL_OUTCOMES = [Outcome.PROGRESSION, Outcome.TOXICITY, Outcome.COMPLETED]

factors = st.builds(
    Factors,
    hormone_receptor=st.sampled_from(["positive", "negative", "unknown"]),
    brain_metastases=st.sampled_from(["none", "stable", "active", "symptomatic"]),
    ild_history=st.booleans(),
    tdxd_available=st.booleans(),
    lvef=st.one_of(st.none(), st.floats(min_value=20, max_value=75)),
    heart_failure=st.booleans(),
    pregnant=st.booleans(),
    taxane_contraindicated=st.booleans(),
    chemotherapy_unsuitable=st.booleans(),
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    day = date(2015, 1, 1)
    history: list[TreatmentLine] = []
    for regimen in draw(st.lists(st.sampled_from(EARLY), max_size=2)):
        outcome = draw(
            st.sampled_from(
                [Outcome.COMPLETED, Outcome.RESIDUAL_DISEASE, Outcome.PATHOLOGIC_COMPLETE_RESPONSE]
            )
        )
        setting = Setting.NEOADJUVANT if outcome is not Outcome.COMPLETED else Setting.ADJUVANT
        end = day + timedelta(days=draw(st.integers(30, 400)))
        history.append(
            TreatmentLine(regimen=regimen, setting=setting, start=day, end=end, outcome=outcome)
        )
        day = end + timedelta(days=1)
    metastatic = draw(
        st.one_of(st.none(), st.just(day + timedelta(days=draw(st.integers(0, 900)))))
    )
    if metastatic is not None:
        day = metastatic
        for i, regimen in enumerate(draw(st.lists(st.sampled_from(METASTATIC), max_size=7))):
            outcome = draw(st.sampled_from(FINAL_OUTCOMES))
            detail = (
                draw(st.sampled_from([None, "ild-grade1", "ild-grade2-plus", "cardiac"]))
                if outcome is Outcome.TOXICITY
                else None
            )
            history.append(
                records.validate(
                    TreatmentLine,
                    {
                        "regimen": regimen,
                        "setting": "metastatic",
                        "start": day + timedelta(days=i),
                        "outcome": outcome,
                        "toxicity_detail": detail,
                    },
                )
            )
        if history and draw(st.booleans()) and history[-1].setting is Setting.METASTATIC:
            history[-1] = dataclasses.replace(
                history[-1], outcome=Outcome.ONGOING, toxicity_detail=None
            )
    return Case(
        label="random",
        factors=draw(factors),
        metastatic_diagnosis=metastatic,
        history=tuple(history),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_histories_yield_options_or_the_trial_message(case: Case) -> None:
    check_history(case, "generated", CONTENT)
    for k in range(len(case.history) + 1):
        rec = ENGINE.options_at(case, k)
        usable = [o for o in rec.options if o.tier != "avoid"]
        kinds = {w.kind for w in rec.warnings}
        assert usable or "clinical-trial" in kinds or rec.setting == "early"
        if rec.setting == "early":
            assert rec.line is None
        else:
            assert rec.line is not None and rec.line >= 1
        for option in rec.options:
            assert option.why and option.evidence
    assert ENGINE.next_options(case) == ENGINE.next_options(case)
