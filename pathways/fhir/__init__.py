"""FHIR R4 / mCODE import (pure Python, no Qt): a patient record in, a case and a report out."""

from pathways.fhir.importer import FhirImport, import_fhir, import_fhir_file
from pathways.fhir.reader import MAX_FHIR_BYTES, FhirImportError
from pathways.fhir.regimens import RegimenMatch, match_regimen
from pathways.fhir.report import ImportReport, ReportItem, SkippedItem, UnmatchedLine

__all__ = [
    "MAX_FHIR_BYTES",
    "FhirImport",
    "FhirImportError",
    "ImportReport",
    "RegimenMatch",
    "ReportItem",
    "SkippedItem",
    "UnmatchedLine",
    "import_fhir",
    "import_fhir_file",
    "match_regimen",
]
