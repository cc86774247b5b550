"""The schema of the clinical content files (resources/pathway/*.yaml).

Pydantic models validate each file on load; cross-file checks (every reference resolves, every
regimen has evidence, every evidence record has a citation) live in :mod:`pathways.content`.
Field docs here are the reviewer's guide to the YAML.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pathways.vocab import TIER_ORDER as TIER_ORDER
from pathways.vocab import AgentClass as AgentClass
from pathways.vocab import OutcomeName as OutcomeName
from pathways.vocab import RelapseTiming as RelapseTiming
from pathways.vocab import Tier as Tier
from pathways.vocab import ToxicityName as ToxicityName
from pathways.vocab import WarningKind as WarningKind

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
SourceKey = Annotated[str, Field(pattern=r"^S\d+[a-z]?$")]

# "confirmed" = the figure or position is in the checked clinical reference;
# "secondary" = only a secondary (news or summary) source had it;
# "unconfirmed" = the reference marks it UNCONFIRMED: the app must show it as such.
Status = Literal["confirmed", "secondary", "unconfirmed"]


class Strict(BaseModel):
    # defer_build: a model's validator is made when it first validates. The content usually
    # comes from the cache (pathways.content_cache), already validated: then start-up makes
    # none of them (~17 ms), only a cache miss, an edit or a what-if does.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# ---------------------------------------------------------------------------- header
class Source(Strict):
    key: SourceKey
    title: Text
    reliability: Literal["primary", "secondary", "low"]


class Reviewer(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Annotated[str, Field(min_length=1, max_length=200)]
    date: date


class SignOff(Strict):
    """Who reviewed the content, and the digest of exactly what they reviewed.

    The digest covers the five content files with this ``signoff`` block itself left out
    (``python -m pathways sign-off`` computes it; :mod:`pathways.signoff` checks it).
    """

    digest: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    reviewers: tuple[Reviewer, ...] = Field(min_length=1, max_length=50)


class Header(Strict):
    """pathway.yaml: what this content is, who checked it, and when."""

    schema_version: Literal[1]
    content_version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    reviewed: date
    review_note: Text
    scope: Text
    disclaimer: Text
    sources: tuple[Source, ...] = Field(min_length=1)
    entry_points: tuple[EntryPoint, ...] = Field(min_length=1)
    signoff: SignOff | None = None
    engine: EngineSettings


class Thresholds(Strict):
    """Cut-offs the engine applies; each is a guideline's number, with its source."""

    early_relapse_months: float = Field(
        gt=0,
        le=60,
        description="ASCO 5.0: relapse within this many months of (neo)adjuvant "
        "trastuzumab-based therapy follows the second-line pathway",
    )
    rapid_relapse_months: float = Field(
        gt=0, le=60, description="NCCN footnote e: rapid relapse after (neo)adjuvant therapy"
    )
    rapid_relapse_months_pertuzumab: float = Field(
        gt=0, le=60, description="NCCN footnote e: the same, when it contained pertuzumab"
    )
    later_lines_from: int = Field(
        ge=2,
        le=10,
        description="from this metastatic line on, every later-line option not yet "
        "given stays available (ASCO 3.x)",
    )
    lvef_hold_below: float = Field(gt=0, lt=100, description="LVEF band 'hold' below this")
    lvef_caution_below: float = Field(
        gt=0, lt=100, description="LVEF band 'caution' from lvef_hold_below up to this"
    )
    sources: tuple[SourceKey, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_ordered(self) -> Thresholds:
        if self.lvef_hold_below >= self.lvef_caution_below:
            raise ValueError("lvef_hold_below must be below lvef_caution_below")
        if self.rapid_relapse_months > self.early_relapse_months:
            raise ValueError("rapid_relapse_months must not exceed early_relapse_months")
        return self


class EngineNodes(Strict):
    """The entry points the engine places a patient on; each must be an entry point id."""

    early_diagnosis: Id
    residual_disease: Id
    pathologic_complete_response: Id
    metastatic_diagnosis: Id
    relapse_early: Id
    relapse_late: Id
    later_lines: Id


class EngineSettings(Strict):
    nodes: EngineNodes
    thresholds: Thresholds


class EntryPoint(Strict):
    """A graph node that is not a regimen: where a patient enters the pathway."""

    id: Id
    name: Text
    setting: Literal["early", "metastatic"]
    line: int = Field(ge=0, le=6, description="column in the graph layout (0 = early)")
    description: Text


# ---------------------------------------------------------------------------- drugs
class Agent(Strict):
    id: Id
    name: Text
    classes: tuple[AgentClass, ...] = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    includes: tuple[Id, ...] = Field(
        default=(),
        description="agents this one contains (T-DXd and T-DM1 carry the trastuzumab "
        "antibody): a patient who received it counts as exposed to them in trial populations",
    )


class Product(Strict):
    """A brand name for a fixed combination of agents (e.g. Phesgo: pertuzumab + trastuzumab)."""

    name: Text
    agents: tuple[Id, ...] = Field(min_length=2)
    aliases: tuple[str, ...] = ()


class ComponentChoice(Strict):
    """One slot of a regimen filled by any one of several agents (e.g. any taxane)."""

    any_of: tuple[Id, ...] = Field(min_length=1)
    optional: bool = False


Component = Id | ComponentChoice


class Regimen(Strict):
    id: Id
    name: Text
    short: Annotated[str, Field(min_length=1, max_length=24)]
    setting: Literal["early", "metastatic"]
    line: int = Field(ge=0, le=6, description="usual line, used for the graph layout (0 = early)")
    components: tuple[Component, ...] = Field(min_length=1)
    defining_agents: tuple[Id, ...] = Field(
        default=(),
        description="agents whose prior progression rules this regimen out (no re-use after "
        "progression); trastuzumab is usually left out because it is continued beyond progression",
    )
    maintenance_of: tuple[Id, ...] = Field(
        default=(),
        description="regimens this one continues as maintenance within the same line "
        "(e.g. HP after THP): it does not start a new line",
    )
    beyond_progression: bool = Field(
        default=False,
        description="may be given again after progression on it, with a partner from its "
        "choice slot not given before (trastuzumab beyond progression, GBG 26)",
    )
    aliases: tuple[str, ...] = ()
    summary: Text
    dosing: Text | None = None
    evidence: tuple[Id, ...] = Field(min_length=1)
    guidelines: tuple[Id, ...] = ()
    safety: tuple[Id, ...] = ()


# ---------------------------------------------------------------------------- evidence
class Endpoint(Strict):
    name: Annotated[
        str, Field(min_length=1, max_length=60)
    ]  # e.g. "median PFS", "ORR", "3-yr iDFS"
    value: float | None = None  # experimental arm
    comparator_value: float | None = None
    unit: Literal["months", "%", "ratio"] | None = None
    hr: float | None = Field(default=None, gt=0, lt=10)
    ci_low: float | None = None
    ci_high: float | None = None
    p: str | None = None  # as reported: "<0.001", "0.02", "NS"
    note: str | None = None
    status: Status = "confirmed"

    @model_validator(mode="after")
    def _ci_brackets_hr(self) -> Endpoint:
        if (self.ci_low is None) != (self.ci_high is None):
            raise ValueError("give both ci_low and ci_high, or neither")
        if self.ci_low is not None and self.ci_high is not None:
            if self.ci_low > self.ci_high:
                raise ValueError("ci_low is above ci_high")
            if self.hr is not None and not self.ci_low <= self.hr <= self.ci_high:
                raise ValueError(f"hr {self.hr} lies outside its CI {self.ci_low}-{self.ci_high}")
        if self.value is None and self.hr is None and self.note is None:
            raise ValueError("an endpoint needs a value, an hr or a note")
        return self


class Population(Strict):
    description: Text
    prior_required_classes: tuple[AgentClass, ...] = Field(
        default=(), description="drug classes every enrolled patient had received (e.g. a taxane)"
    )
    prior_required: tuple[Id, ...] = Field(
        default=(), description="agents every enrolled patient had received"
    )
    naive_to: tuple[Id, ...] = Field(
        default=(), description="agents no enrolled patient had received (or that did not exist)"
    )
    min_prior_her2_lines: int | None = Field(default=None, ge=0, le=10)
    max_prior_lines: int | None = Field(default=None, ge=0, le=10)


class Citation(Strict):
    text: Text
    pmid: Annotated[str, Field(pattern=r"^\d{6,9}$")] | None = None
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    sources: tuple[SourceKey, ...] = Field(min_length=1)
    identifier_note: Text | None = None

    @model_validator(mode="after")
    def _has_identifier(self) -> Citation:
        if not (self.pmid or self.doi or self.identifier_note):
            raise ValueError(
                "a citation needs a pmid or doi, or an identifier_note saying why neither is given"
            )
        return self


class Evidence(Strict):
    id: Id
    trial: Text
    phase: Annotated[str, Field(max_length=40)]
    n: int | None = Field(default=None, gt=0)
    design: Text
    arms: Text
    comparator: Text
    population: Population
    endpoints: tuple[Endpoint, ...] = Field(min_length=1)
    safety: Text | None = None
    citation: Citation
    year: int = Field(ge=1990, le=2030)
    status: Status = "confirmed"
    note: Text | None = None


# ---------------------------------------------------------------------------- guidelines
GuidelineBody = Literal["NCCN", "ESMO", "ASCO"]
LvefBand = Literal["hold", "caution", "normal", "unknown"]


class Guideline(Strict):
    """A guideline body's position on a regimen in a setting, stated in our own words."""

    id: Id
    body: Literal["NCCN", "ESMO", "ASCO", "FDA", "EMA"]
    version: Annotated[str, Field(min_length=1, max_length=60)]
    regimens: tuple[Id, ...] = Field(min_length=1)
    setting: Text  # "first line", "second line", "third line and later", "brain metastases", ...
    position: Literal[
        "preferred", "recommended", "option", "selected-patients", "not-recommended", "approved"
    ]
    strength: Annotated[str, Field(max_length=120)] | None = None  # "category 1", "Strong; EB; H"
    statement: Text
    status: Status
    sources: tuple[SourceKey, ...] = Field(min_length=1)


# ---------------------------------------------------------------------------- safety
class SafetyNote(Strict):
    id: Id
    agents: tuple[Id, ...] = Field(min_length=1)
    kind: Literal[
        "monitoring",
        "dose-modification",
        "contraindication",
        "interaction",
        "pregnancy",
        "toxicity",
    ]
    text: Text
    status: Status = "confirmed"
    sources: tuple[SourceKey, ...] = Field(min_length=1)


# ---------------------------------------------------------------------------- conditions
class Condition(Strict):
    """All given fields must hold (AND). ``any_of`` holds if one of its conditions holds.

    Patient factors are matched against their *effective* value: a toxicity recorded in the
    history counts like the factor (a line stopped for cardiac toxicity → heart failure; for
    grade >= 2 ILD → prior ILD), and the explanation names the line it came from."""

    # -- patient factors (one field per factor of pathways.vocab.FACTORS)
    hormone_receptor: tuple[Literal["positive", "negative", "unknown"], ...] | None = None
    brain_metastases: tuple[Literal["none", "stable", "active", "symptomatic"], ...] | None = None
    ild_history: bool | None = None
    tdxd_available: bool | None = None
    heart_failure: bool | None = None
    pregnant: bool | None = None
    taxane_contraindicated: bool | None = None
    chemotherapy_unsuitable: bool | None = None
    residual_high_risk: bool | None = None
    lvef_below: float | None = Field(default=None, gt=0, lt=100)
    lvef_band: tuple[LvefBand, ...] | None = Field(
        default=None, description="bands from pathway.yaml engine.thresholds"
    )
    # -- where the patient is
    line_at_least: int | None = None
    line_at_most: int | None = None
    setting: Literal["early", "metastatic"] | None = None
    relapse: tuple[RelapseTiming, ...] | None = None
    early_pertuzumab: bool | None = None
    last_outcome: tuple[OutcomeName, ...] | None = None
    last_toxicity: tuple[ToxicityName, ...] | None = None
    # -- what the history holds
    received_any: tuple[Id, ...] | None = Field(
        default=None, description="regimen or agent ids; true if any was ever given"
    )
    received_none: tuple[Id, ...] | None = None
    progressed_on_any: tuple[Id, ...] | None = None
    toxicity_on_any: tuple[Id, ...] | None = Field(
        default=None, description="with toxicity_detail: a line with these agents stopped for it"
    )
    toxicity_detail: tuple[ToxicityName, ...] | None = None
    # -- the site's choices (site settings, apart from the content)
    guideline_first: tuple[GuidelineBody, ...] | None = None
    # -- what the rules decided (pitfalls only: evaluated after the options are ranked)
    offered: tuple[Id, ...] | None = Field(
        default=None, description="pitfalls only: all these regimens are offered (not avoid)"
    )
    not_offered: tuple[Id, ...] | None = Field(
        default=None, description="pitfalls only: none of these regimens is offered"
    )
    any_of: tuple[Condition, ...] | None = None
    none_of: tuple[Condition, ...] | None = None


class Adjustment(Strict):
    """A change to an option's tier or order when a condition holds; its reason is shown.

    ``rank`` sets the option's place within its tier; when several rules set a rank, the one
    with the highest ``priority`` decides (then the later one in the files), and the window
    names it."""

    id: Id | None = None
    when: Condition
    tier: Tier | None = None
    mode: Literal["set", "cap", "raise"] = "set"
    rank: int | None = Field(default=None, ge=0, le=99)
    priority: int = Field(default=0, ge=0, le=100)
    reason: Text
    warning: WarningKind | None = None
    evidence: tuple[Id, ...] = ()


class Transition(Strict):
    """Edges "may follow": from each node in ``from`` to the regimen ``to``."""

    id: Id | None = None
    from_: tuple[Id, ...] = Field(alias="from", min_length=1)
    to: Id
    tier: Tier
    rank: int = Field(ge=0, le=99)
    why: Text
    evidence: tuple[Id, ...] = ()
    guidelines: tuple[Id, ...] = ()
    when: Condition | None = None
    adjust: tuple[Adjustment, ...] = ()
    rechallenge: bool = Field(
        default=False,
        description="a regimen offered again after itself (a self-loop), with its evidence",
    )
    resumes: bool = Field(
        default=False,
        description="the option resumes the current line after a pause (not a new line)",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


class ScopedRule(Strict):
    """A rule over every option whose regimen matches the scope (agents, classes or ids).

    A rule that lowers a tier (``cap``, or ``set`` to avoid) applies when ANY variant of the
    regimen contains the agent or class; one that raises or sets a better tier only when EVERY
    variant does."""

    id: Id
    agents: tuple[Id, ...] = ()
    classes: tuple[AgentClass, ...] = ()
    regimens: tuple[Id, ...] = ()
    when: Condition
    tier: Tier | None = None
    mode: Literal["set", "cap", "raise"] = "cap"
    rank: int | None = Field(default=None, ge=0, le=99)
    priority: int = Field(default=0, ge=0, le=100)
    reason: Text
    warning: WarningKind | None = None
    evidence: tuple[Id, ...] = ()
    sources: tuple[SourceKey, ...] = Field(min_length=1)


class Pitfall(Strict):
    """A case-level warning shown when its condition holds at the current step."""

    id: Id
    kind: WarningKind
    title: Annotated[str, Field(min_length=1, max_length=120)]
    text: Text
    when: Condition
    sources: tuple[SourceKey, ...] = Field(min_length=1)
    evidence: tuple[Id, ...] = ()
    status: Status = "confirmed"


class Messages(Strict):
    """Texts of the engine's built-in rules; ``{placeholders}`` are filled in by the engine."""

    repeated_regimen: Text
    repeated_agent: Text
    beyond_progression: Text
    continue_ongoing: Text
    clinical_trial: Text
    no_transitions: Text
    population_naive: Text
    population_required: Text
    population_lines: Text
    population_max_lines: Text
    population_classes: Text
    early_relapse_during: Text
    relapse_grey_zone: Text
    relapse_unknown: Text
    early_relapse: Text
    unconfirmed_guideline: Text
    hypothetical: Text
    previously_given: Text
    derived_factor: Text
    site_unavailable: Text
    later_lines: Text
    tie: Text
    change_added: Text
    change_removed: Text
    change_tier: Text
    change_first: Text
    change_order: Text


class TransitionsFile(Strict):
    transitions: tuple[Transition, ...] = Field(min_length=1)


class RulesFile(Strict):
    rules: tuple[ScopedRule, ...] = ()
    pitfalls: tuple[Pitfall, ...] = ()
    messages: Messages


class DrugsFile(Strict):
    agents: tuple[Agent, ...] = Field(min_length=1)
    products: tuple[Product, ...] = ()
    regimens: tuple[Regimen, ...] = Field(min_length=1)


class EvidenceFile(Strict):
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    guidelines: tuple[Guideline, ...] = ()
    safety: tuple[SafetyNote, ...] = ()
