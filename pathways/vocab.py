"""The vocabulary of the domain, in one place: factors, settings, outcomes, toxicities, relapse
timings, drug classes and warning kinds.

Everything else (the case model's checks, the content schema's conditions, the engine, the window's
factors panel and header, the presentation, the text labels, the FHIR import) reads these tables,
so adding a patient factor is one row in :data:`FACTORS` (with its label) plus its field in
:class:`pathways.case.Factors`; a test checks that every value is covered wherever it is used.

Labels are English source strings; the window passes them through Qt's translation.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, get_args

from pathways.frozen import FrozenValue, frozen_value


# ---------------------------------------------------------------------------- history
class Setting(StrEnum):
    NEOADJUVANT = "neoadjuvant"
    ADJUVANT = "adjuvant"
    METASTATIC = "metastatic"

    @property
    def is_early(self) -> bool:
        return self is not Setting.METASTATIC


class Outcome(StrEnum):
    PROGRESSION = "progression"
    TOXICITY = "toxicity"
    COMPLETED = "completed"
    ONGOING = "ongoing"
    RESIDUAL_DISEASE = "residual-disease"
    PATHOLOGIC_COMPLETE_RESPONSE = "pathologic-complete-response"


class ToxicityDetail(StrEnum):
    ILD_GRADE1 = "ild-grade1"
    ILD_GRADE2_PLUS = "ild-grade2-plus"
    CARDIAC = "cardiac"
    OTHER = "other"


OutcomeName = Literal[
    "progression",
    "toxicity",
    "completed",
    "ongoing",
    "residual-disease",
    "pathologic-complete-response",
]
ToxicityName = Literal["ild-grade1", "ild-grade2-plus", "cardiac", "other"]
SettingName = Literal["early", "metastatic"]

TOXICITY_LABEL: Final[dict[str, str]] = {
    "ild-grade1": "grade 1 ILD/pneumonitis",
    "ild-grade2-plus": "grade 2 or higher ILD/pneumonitis",
    "cardiac": "cardiac toxicity (heart failure or LVEF decline)",
    "other": "another toxicity",
}
# A recorded toxicity acts as a patient factor from then on. Grade 1 ILD is left out: the label
# allows T-DXd to resume once it has resolved, so it is not "prior ILD".
# Each maps to (factor, value it takes, kind of the warning that says so).
TOXICITY_FACTORS: Final[dict[str, tuple[str, object, str]]] = {
    "cardiac": ("heart_failure", True, "cardiac"),
    "ild-grade2-plus": ("ild_history", True, "ild"),
}

# How long after the end of (neo)adjuvant HER2 therapy the metastatic relapse came.
RelapseTiming = Literal[
    "de-novo", "within-6-months", "6-to-12-months", "after-12-months", "unknown"
]

# ---------------------------------------------------------------------------- factors
HormoneReceptor = Literal["positive", "negative", "unknown"]
BrainMetastases = Literal["none", "stable", "active", "symptomatic"]
FactorKind = Literal["bool", "choice", "number"]


@frozen_value
class FactorSpec(FrozenValue):
    """One patient factor.

    ``notable`` is the value (or values) that changes the pathway and is flagged in the case
    header; ``header`` says whether the factor is shown there even when not notable (HR, brain
    metastases, LVEF: what a board asks first)."""

    name: str
    kind: FactorKind
    label: str
    default: object
    choices: tuple[str, ...] = ()
    notable: tuple[object, ...] = ()
    header: bool = False
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""


FACTORS: Final[tuple[FactorSpec, ...]] = (
    FactorSpec(
        "hormone_receptor",
        "choice",
        "Hormone receptor",
        "unknown",
        choices=get_args(HormoneReceptor),
        notable=("positive",),
        header=True,
    ),
    FactorSpec(
        "brain_metastases",
        "choice",
        "Brain metastases",
        "none",
        choices=get_args(BrainMetastases),
        notable=("stable", "active", "symptomatic"),
        header=True,
        help="active = untreated or progressing without symptomatic mass effect; "
        "symptomatic = symptomatic mass effect or a single lesion over 3-4 cm",
    ),
    FactorSpec("lvef", "number", "LVEF", None, header=True, minimum=5, maximum=90, unit="%"),
    FactorSpec("ild_history", "bool", "Prior ILD/pneumonitis", False, notable=(True,)),
    FactorSpec("tdxd_available", "bool", "T-DXd available", True, notable=(False,)),
    FactorSpec("heart_failure", "bool", "Heart failure", False, notable=(True,)),
    FactorSpec("pregnant", "bool", "Pregnant", False, notable=(True,)),
    FactorSpec("taxane_contraindicated", "bool", "Taxane contraindicated", False, notable=(True,)),
    FactorSpec(
        "chemotherapy_unsuitable", "bool", "Unsuitable for chemotherapy", False, notable=(True,)
    ),
    FactorSpec(
        "residual_high_risk",
        "bool",
        "High-risk residual disease",
        False,
        notable=(True,),
        help="inoperable at presentation (cT4 or cN2-3) or node-positive after neoadjuvant "
        "therapy (ypN+): the DESTINY-Breast05 population",
    ),
)
FACTOR: Final[dict[str, FactorSpec]] = {f.name: f for f in FACTORS}

# ---------------------------------------------------------------------------- drugs
AgentClass = Literal[
    "her2-antibody",
    "her2-adc",
    "her2-tki",
    "chemotherapy",
    "taxane",
    "endocrine",
    "cdk46-inhibitor",
]
HER2_CLASSES: Final = frozenset({"her2-antibody", "her2-adc", "her2-tki"})
CLASS_LABEL: Final[dict[str, str]] = {
    "her2-antibody": "a HER2 antibody",
    "her2-adc": "a HER2 antibody-drug conjugate",
    "her2-tki": "a HER2 tyrosine-kinase inhibitor",
    "chemotherapy": "chemotherapy",
    "taxane": "a taxane",
    "endocrine": "endocrine therapy",
    "cdk46-inhibitor": "a CDK4/6 inhibitor",
}

# ---------------------------------------------------------------------------- warnings
WarningKind = Literal[
    "guideline-conflict",
    "early-relapse",
    "ild",
    "cardiac",
    "pregnancy",
    "brain-local-therapy",
    "clinical-trial",
    "repeated-regimen",
    "evidence-gap",
    "unconfirmed",
    "safety",
    "endocrine",
    "regional",
    "pitfall",
    "site",
]
# "patient": about this patient's safety or situation, always shown open with its action;
# "note": about the evidence in general (gaps, availability, unconfirmed statuses), collapsed.
WarningWeight = Literal["patient", "note"]
WARNING_WEIGHT: Final[dict[str, WarningWeight]] = {
    "guideline-conflict": "patient",
    "early-relapse": "patient",
    "ild": "patient",
    "cardiac": "patient",
    "pregnancy": "patient",
    "brain-local-therapy": "patient",
    "clinical-trial": "patient",
    "repeated-regimen": "patient",
    "safety": "patient",
    "endocrine": "patient",
    "pitfall": "patient",
    "site": "patient",
    "evidence-gap": "note",
    "unconfirmed": "note",
    "regional": "note",
}
WARNING_LABEL: Final[dict[str, str]] = {
    "guideline-conflict": "Guidelines disagree",
    "early-relapse": "Early relapse",
    "ild": "Lung (ILD)",
    "cardiac": "Heart",
    "pregnancy": "Pregnancy",
    "brain-local-therapy": "Brain metastases",
    "clinical-trial": "Clinical trial",
    "repeated-regimen": "Already progressed",
    "safety": "Safety",
    "endocrine": "Endocrine therapy",
    "pitfall": "Pitfall",
    "site": "This site",
    "evidence-gap": "Evidence gap",
    "unconfirmed": "Unconfirmed",
    "regional": "Regional availability",
}

# ---------------------------------------------------------------------------- tiers
Tier = Literal["preferred", "alternative", "avoid"]
TIER_ORDER: Final[dict[str, int]] = {"preferred": 0, "alternative": 1, "avoid": 2}
