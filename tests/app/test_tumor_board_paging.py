"""The dock's list of library cases is read a page at a time (a library can hold 100,000)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.modeltest import ModelTester

from app.tumor_board.models import PagedCaseListModel
from pathways.library import CaseLibrary, CaseSummary, LibraryError


@pytest.fixture
def library(tmp_path: Path) -> CaseLibrary:
    lib = CaseLibrary.open(tmp_path / "library.sqlite3")
    for n in range(1234):
        lib.add_case(json.dumps({"label": f"Case {n:04d}"}))
    return lib


def test_pages_load_as_the_view_asks_and_make_the_whole_list(
    qtmodeltester: ModelTester, library: CaseLibrary
) -> None:
    model = PagedCaseListModel()
    model.load(lambda after, n: library.list_cases(after=after, limit=n))
    assert model.rowCount() == PagedCaseListModel.PAGE and model.canFetchMore()
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetchMore()
    assert [c.id for c in model.cases] == [c.id for c in library.list_cases()]
    assert model.rowCount() == 1234 and not model.canFetchMore()
    library.close()


def test_a_kept_selection_far_down_is_found(library: CaseLibrary) -> None:
    model = PagedCaseListModel()
    model.load(lambda after, n: library.list_cases(after=after, limit=n))
    far = library.list_cases()[1100].id
    row = model.fetch_until(far)
    assert model.case_id(row) == far and model.rowCount() >= 1101
    assert model.fetch_until(-5) == -1 and model.rowCount() == 1234
    library.close()


def test_a_page_that_cannot_be_read_keeps_what_is_loaded(library: CaseLibrary) -> None:
    model = PagedCaseListModel()
    pages: list[CaseSummary | None] = []

    def pager(after: CaseSummary | None, n: int) -> list[CaseSummary]:
        pages.append(after)
        if len(pages) > 1:
            raise LibraryError("the library's server cannot be reached")
        return library.list_cases(after=after, limit=n)

    model.load(pager)
    model.fetchMore()
    assert model.rowCount() == PagedCaseListModel.PAGE and not model.canFetchMore()
    assert model.problem is not None and "cannot be reached" in model.problem
    library.close()
