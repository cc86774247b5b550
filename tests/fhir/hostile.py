"""Generators of hostile FHIR files: each writes one file (big ones are generated, never committed).

Every generator takes the folder to write into and returns the path to import plus what the
import must do: exit 2 with a message containing ``refused``, or exit 0. Identifiers planted in a
file (``SECRETS``) must never appear in the report or on stderr.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathways.fhir.codes import load_code_table
from tests.fhir import builders as b

MB = 1024 * 1024
# Planted identifiers: distinctive, so that a leak is certain to be found.
SECRET_NAME = "Zebulonia"
SECRET_MRN = "MRN-Q7730419"
SECRETS = (SECRET_NAME, SECRET_MRN, "Quarrington", b.PATIENT_MRN)


@dataclass(frozen=True)
class Hostile:
    path: Path
    refused: str | None = None  # a word of the one-line error when the file must be refused


def _write(folder: Path, name: str, value: Any) -> Path:
    path = folder / name
    # ensure_ascii keeps lone surrogates as \ud800 escapes, as a hostile exporter would write.
    path.write_text(json.dumps(value, ensure_ascii=True), encoding="ascii")
    return path


def _patient(**changes: Any) -> dict[str, Any]:
    patient = b.patient()
    patient["name"] = [{"use": "official", "given": [SECRET_NAME], "family": "Quarrington"}]
    patient["identifier"][0]["value"] = SECRET_MRN
    patient.update(changes)
    return patient


def _one_code_per_agent() -> list[str]:
    table = load_code_table()
    codes: dict[str, str] = {}
    for (system, code), entry in table.medications.items():
        if system == "rxnorm" and len(entry.agents) == 1 and not entry.unconfirmed:
            codes.setdefault(entry.agents[0], code)
    return [codes[a] for a in sorted(codes)]


def many_running_agents(folder: Path) -> Hostile:
    # Every agent started at once and still running when one more starts after progression:
    # the line inference used to try every subset of the running agents (2^n).
    codes = _one_code_per_agent()
    assert len(codes) >= 27
    first = [b.med_request(c, "2020-01-01", "2023-01-01") for c in codes[1:]]
    status = b.disease_status("97509-4", "2020-06-01", "271299001")
    later = b.med_request(codes[0], "2020-07-01", "2021-01-01")
    return Hostile(
        _write(folder, "many-agents.json", b.bundle([_patient(), *first, status, later]))
    )


def huge_name(folder: Path) -> Hostile:
    # An 8-million-character name, also a resource id (and so its fullUrl): redaction used to
    # build a regex of every identifier (24 million characters: 25 s and 2.4 GB).
    name = SECRET_NAME + "x" * (8 * 1_000_000)
    patient = _patient(name=[{"text": name}])
    obs = b.observation("48676-1", "2021-01-01", b.concept(b.LOINC, "LA6576-8"))
    obs["id"] = name
    return Hostile(_write(folder, "huge-name.json", b.bundle([patient, obs])))


def extension_url_object(folder: Path) -> Hostile:
    review = {
        "url": "http://example.org/icare-care-plan-review",
        "extension": [{"url": {"not": "text"}, "valueBoolean": True}, {"url": ["x"]}],
    }
    plan = {"resourceType": "CarePlan", "id": "cp-1", "extension": [review, {"url": {}}]}
    request = b.med_request("2267576", "2021-01-01")
    request["extension"] = [{"url": {"a": 1}}, {"url": None}]
    return Hostile(_write(folder, "url-object.json", b.bundle([_patient(), plan, request])))


def surrogate_in_name(folder: Path) -> Hostile:
    patient = _patient(name=[{"given": [SECRET_NAME + "\ud800"], "family": "\udfff"}])
    return Hostile(_write(folder, "surrogate-name.json", b.bundle([patient, _tdxd()])))


def surrogate_in_id(folder: Path) -> Hostile:
    request = _tdxd()
    request["id"] = "req-\udc00-1"
    unknown = b.med_request("999\ud800", "2021-01-01")
    return Hostile(_write(folder, "surrogate-id.json", b.bundle([_patient(), request, unknown])))


def _tdxd() -> dict[str, Any]:
    return b.med_request("2267576", "2021-01-01", "2021-06-01")


def duplicate_keys(folder: Path) -> Hostile:
    text = json.dumps(b.bundle([_patient(), _tdxd()]))
    path = folder / "duplicate.json"
    path.write_text(text[:-1] + ', "entry": []}', encoding="utf-8")  # erases the history
    return Hostile(path, refused="twice")


def fifo(folder: Path) -> Hostile:
    path = folder / "pipe.json"
    os.mkfifo(path)
    return Hostile(path, refused="regular file")


def dev_zero(_folder: Path) -> Hostile:
    return Hostile(Path("/dev/zero"), refused="regular file")


def oversized(folder: Path) -> Hostile:
    path = folder / "oversized.json"
    with path.open("wb") as out:
        out.write(b'{"resourceType": "Bundle", "entry": [')
        out.write(b" " * (26 * MB))
        out.write(b"]}")
    return Hostile(path, refused="too large")


def ids_embed_record_number(folder: Path) -> Hostile:
    resources: list[dict[str, Any]] = [_patient()]
    for i, code in enumerate(("2267576", "9999999")):
        request = b.med_request(code, "2021-01-01", "2021-06-01")
        request["id"] = f"req-{SECRET_MRN}-{i}"
        resources.append(request)
    obs = b.observation("11111-1", "2021-01-01", None)
    obs["id"] = f"{SECRET_MRN.lower()}.obs"
    bundle = b.bundle([*resources, obs], kind=f"collection {SECRET_NAME}")
    return Hostile(_write(folder, "ids-with-mrn.json", bundle))


def long_value_in_error(folder: Path) -> Hostile:
    path = folder / "long-type.json"
    path.write_text(json.dumps({"resourceType": SECRET_NAME + "<b>" * 300_000}), encoding="utf-8")
    return Hostile(path, refused="not a FHIR R4 resource type")


def many_warnings(folder: Path) -> Hostile:
    # Each request ends before it starts (a warning each): warnings were de-duplicated in
    # quadratic time.
    resources = [_patient()]
    for i in range(20_000):
        request = b.med_request("2267576", "2021-01-10", "2021-01-01")
        request["id"] = f"r{i}"
        resources.append(request)
    return Hostile(_write(folder, "many-warnings.json", b.bundle(resources)))


def many_lines(folder: Path) -> Hostile:
    # More lines than a case may hold (progression before every start): refused, by name.
    resources: list[dict[str, Any]] = [_patient()]
    for i, start in enumerate(b.every("1950-01-01", 70, 1_000)):
        code = ("2267576", "1658087")[i % 2]
        resources.append(b.med_request(code, start, start))
        resources.append(b.disease_status("97509-4", start, "271299001"))
    return Hostile(_write(folder, "many-lines.json", b.bundle(resources)), refused="lines of")


def long_line(folder: Path) -> Hostile:
    # One line of thousands of restarts, with thousands of status readings and ILD diagnoses:
    # per-start scans of the whole line, of every signal and of every diagnosis were quadratic.
    resources: list[dict[str, Any]] = [_patient()]
    for start in b.every("1950-01-01", 70, 2_500):
        resources.append(b.med_request("2267576", start, start))
        resources.append(b.disease_status("97509-4", start, "359746009"))  # stable
        resources.append(b.condition(b.SNOMED, "233703007", start))
    return Hostile(_write(folder, "long-line.json", b.bundle(resources)))


def long_codes(folder: Path) -> Hostile:
    request = b.med_request("7" * 3_000_000, "2021-01-01")
    request["status"] = {"nested": ["x" * 1_000_000]}
    obs = b.observation("x" * 2_000_000, "2021-01-01", None)
    return Hostile(_write(folder, "long-codes.json", b.bundle([_patient(), request, obs])))


def many_names(folder: Path) -> Hostile:
    names = [{"given": [f"{SECRET_NAME}{i}"], "family": f"F{i}x"} for i in range(20_000)]
    request = _tdxd()
    request["id"] = f"{SECRET_NAME}19999-req"
    return Hostile(_write(folder, "many-names.json", b.bundle([_patient(name=names), request])))


def deep_nesting(folder: Path) -> Hostile:
    path = folder / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="ascii")
    return Hostile(path, refused="nested")


def huge_integer(folder: Path) -> Hostile:
    path = folder / "huge-int.json"
    path.write_text('{"resourceType": "Patient", "id": ' + "9" * 100_000 + "}", encoding="ascii")
    return Hostile(path, refused="not valid JSON")


def ndjson_many(folder: Path) -> Hostile:
    line = json.dumps(b.observation("11111-1", "2021-01-01", None))
    path = folder / "many.ndjson"
    path.write_text("\n".join([line] * 60_000), encoding="utf-8")
    return Hostile(path)


def not_utf8(folder: Path) -> Hostile:
    path = folder / "latin1.json"
    path.write_bytes('{"resourceType": "Patient", "name": [{"text": "Zoë"}]}'.encode("latin-1"))
    return Hostile(path, refused="UTF-8")


GENERATORS: dict[str, Callable[[Path], Hostile]] = {
    f.__name__: f
    for f in (
        many_running_agents,
        huge_name,
        extension_url_object,
        surrogate_in_name,
        surrogate_in_id,
        duplicate_keys,
        fifo,
        dev_zero,
        oversized,
        ids_embed_record_number,
        long_value_in_error,
        many_warnings,
        many_lines,
        long_line,
        long_codes,
        many_names,
        deep_nesting,
        huge_integer,
        ndjson_many,
        not_utf8,
    )
}
