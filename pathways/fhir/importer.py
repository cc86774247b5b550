"""FHIR R4 / mCODE import: a patient record in, a case plus an import report out.

The case is shown for review before it replaces anything; the report says what was recognised,
what was not (and why) and what was inferred. Entry points: :func:`import_fhir` (bytes) and
:func:`import_fhir_file` (a path, size-checked before it is read).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pathways.case import MAX_HISTORY_LINES, Case, Factors, TreatmentLine, check_history
from pathways.errors import CaseError, PathwayError
from pathways.fhir.codes import CodeTable, load_code_table
from pathways.fhir.factors import (
    ReceptorStatus,
    brain_metastases,
    receptor_status,
    report_setting,
    setting_evidence,
)
from pathways.fhir.findings import FindingsReader
from pathways.fhir.lines import InferredLine, LineBuilder
from pathways.fhir.medications import MEDICATION_TYPES, MedicationReader, MedicationUse
from pathways.fhir.patient import read_identity
from pathways.fhir.reader import (
    FhirImportError,
    Found,
    ReadResult,
    read_file_bytes,
    read_resources,
)
from pathways.fhir.regimens import is_her2_directed
from pathways.fhir.report import ImportReport, UnmatchedLine
from pathways.fhir.validation import VALIDATE_MAX_BYTES, validate_resources
from pathways.schema import Agent, Regimen

logger = logging.getLogger(__name__)

CASE_LABEL = "Imported FHIR record"


@dataclass(frozen=True)
class FhirImport:
    case: Case
    report: ImportReport


def import_fhir_file(
    path: Path,
    agents: Mapping[str, Agent],
    regimens: Mapping[str, Regimen],
    *,
    validate: bool | None = None,
    today: date | None = None,
) -> FhirImport:
    """Import a FHIR file; files above the size limit are refused before they are read."""
    data = read_file_bytes(path)
    return import_fhir(data, str(path), agents, regimens, validate=validate, today=today)


def import_fhir(
    data: bytes,
    source: str,
    agents: Mapping[str, Agent],
    regimens: Mapping[str, Regimen],
    *,
    validate: bool | None = None,
    today: date | None = None,
) -> FhirImport:
    """Import FHIR JSON/NDJSON bytes. ``validate=None`` runs the strict check on small files.

    Raises :class:`FhirImportError` for every file that cannot be imported, including shapes
    this importer failed to foresee: the window shows a dialog and the command line one line,
    never a traceback (whose text could quote patient data).
    """
    try:
        return _import(data, source, agents, regimens, validate=validate, today=today)
    except PathwayError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
        # Only the exception type and where it happened are logged: never its message.
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        logger.warning("FHIR import failed: %s%s", type(exc).__name__, where)
        raise FhirImportError(
            source,
            "",
            f"the file has a structure this importer cannot read ({type(exc).__name__}"
            f"{where}); nothing was imported",
        ) from None
    except RecursionError:
        raise FhirImportError(source, "", "the file is nested too deeply to import") from None
    except MemoryError:
        raise FhirImportError(source, "", "the file needs more memory than is free") from None


def _import(
    data: bytes,
    source: str,
    agents: Mapping[str, Agent],
    regimens: Mapping[str, Regimen],
    *,
    validate: bool | None,
    today: date | None,
) -> FhirImport:
    table = load_code_table()
    report = ImportReport()
    read = read_resources(data, source, report)
    uses, findings_reader, patients = _read_all(read, table, report)
    findings = findings_reader.findings
    identity = read_identity(patients, table, report, today or date.today())

    receptors = receptor_status(findings, report)
    evidence = setting_evidence(findings)
    report_setting(evidence, findings, report)
    anticancer = [u for u in uses if u.agents]
    builder = LineBuilder(regimens, agents, evidence, report)
    inference = builder.infer(anticancer, findings.signals, findings.ild, findings.surgeries)
    history = _history(inference.lines, agents, report)
    if len(history) > MAX_HISTORY_LINES:
        raise FhirImportError(
            source,
            "",
            f"the record yields {len(history)} lines of therapy; a case holds at most "
            f"{MAX_HISTORY_LINES}. Export a shorter period.",
        )
    factors = Factors(
        hormone_receptor=receptors.hormone_receptor,
        brain_metastases=brain_metastases(findings, report),
        ild_history=bool(findings.ild),
    )
    if findings.ild:
        report.infer("ILD / pneumonitis is in the record: ILD history was set.")
    _applicability_warnings(receptors, anticancer, agents, history, report)
    if validate or (validate is None and len(data) <= VALIDATE_MAX_BYTES):
        for line in validate_resources(read.resources, read.bundles):
            report.warn(line)

    case = Case(
        label=CASE_LABEL,
        factors=factors,
        metastatic_diagnosis=inference.metastatic_diagnosis,
        history=tuple(history),
        patient=identity.patient,
    )
    try:
        check_history(case, source)
    except CaseError as exc:  # a bug in the inference; say so instead of handing over a bad case
        raise FhirImportError(
            source, exc.place, f"imported history is inconsistent: {exc.problem}"
        ) from None
    report.redact(identity.names, identity.identifiers)
    logger.debug(
        "FHIR import: %d resources, %d lines, %d skipped",
        report.resource_count,
        len(history),
        len(report.skipped),
    )
    return FhirImport(case, report)


def _read_all(
    read: ReadResult, table: CodeTable, report: ImportReport
) -> tuple[list[MedicationUse], FindingsReader, list[Found]]:
    findings = FindingsReader(table, report)
    medications = MedicationReader(table, read.references, report)
    uses: list[MedicationUse] = []
    patients: list[Found] = []
    standalone_medications: list[Found] = []
    handlers = {
        "Observation": findings.observation,
        "Condition": findings.condition,
        "Procedure": findings.procedure,
        "CarePlan": findings.care_plan,
    }
    for found in read.resources:
        if found.type in MEDICATION_TYPES:
            use = medications.read(found)
            if use is not None:
                uses.append(use)
        elif found.type in handlers:
            handlers[found.type](found)
        elif found.type == "Patient":
            patients.append(found)
        elif found.type == "Medication":
            standalone_medications.append(found)
        else:
            report.skip(found.type, found.id, "", "resource type not read by this app")
    for found in standalone_medications:
        if id(found.resource) not in medications.referenced_medications:
            report.skip(
                found.type,
                found.id,
                "",
                "Medication not referred to by any order, administration or statement",
            )
    return uses, findings, patients


def _history(
    lines: tuple[InferredLine, ...], agents: Mapping[str, Agent], report: ImportReport
) -> list[TreatmentLine]:
    history: list[TreatmentLine] = []
    for line in lines:
        names = " + ".join(line.agents)
        span = f"{line.start} to {line.end or 'ongoing'}"
        why = "; ".join(line.notes)
        if line.regimen is None:
            unknown = [a for a in line.agents if a not in agents]
            reason = (
                f"not in the pathway content: {', '.join(unknown)}"
                if unknown
                else "no regimen of the content is made of exactly these agents"
            )
            report.unmatched_lines.append(
                UnmatchedLine(
                    line.setting.value,
                    str(line.start),
                    str(line.end or "ongoing"),
                    line.agents,
                    reason,
                )
            )
            report.infer(
                f"Line {line.number} ({line.setting.value}, {span}): {names}: NOT RECOGNISED as a "
                f"regimen ({reason}); left out of the case. Reasoning: {why}."
            )
            continue
        also = (
            f" (also matches: {', '.join(line.regimen.alternatives)})"
            if line.regimen.alternatives
            else ""
        )
        detail = f" ({line.toxicity_detail.value})" if line.toxicity_detail else ""
        report.infer(
            f"Line {line.number} ({line.setting.value}, {span}): {names} → regimen "
            f"{line.regimen.regimen_id}{also}; outcome {line.outcome.value}{detail}. "
            f"Reasoning: {why}."
        )
        history.append(
            TreatmentLine(
                regimen=line.regimen.regimen_id,
                setting=line.setting,
                start=line.start,
                end=line.end,
                outcome=line.outcome,
                toxicity_detail=line.toxicity_detail,
                note=f"Imported from FHIR: {names}. {why}."[:2000],
            )
        )
    return history


def _applicability_warnings(
    receptors: ReceptorStatus,
    anticancer: list[MedicationUse],
    agents: Mapping[str, Agent],
    history: list[TreatmentLine],
    report: ImportReport,
) -> None:
    if receptors.her2 == "negative":
        report.warn(
            "The latest HER2 result is negative: this pathway is for HER2-positive breast cancer "
            "and may not apply to this patient."
        )
    elif receptors.her2 == "unknown":
        report.warn(
            "No HER2 result was recognised in the record: confirm HER2-positive status before "
            "using this pathway."
        )
    if not any(is_her2_directed(a, agents) for use in anticancer for a in use.agents):
        report.warn(
            "The record holds no HER2-directed therapy: the pathway may not apply, or the "
            "treatment history is incomplete."
        )
    if not history:
        report.warn(
            "No treatment line of the pathway could be built from the record: enter the "
            "history by hand."
        )
