"""A case library on a network file system is refused for writing, with a clear message.

A real NFS or SMB mount cannot be made in a test, so the file-system check is patched: what is
tested is that the app asks it before opening a library and refuses without touching the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths

from app import library_location
from app.main_window import MainWindow
from app.tumor_board.storage import default_db_path
from tests.app.conftest import DialogCalls
from tests.app.tumor_board_support import BoardDialogs, make_board


@pytest.fixture(autouse=True)
def board_dialogs(monkeypatch: pytest.MonkeyPatch) -> BoardDialogs:
    return BoardDialogs(monkeypatch)


def test_library_on_nfs_is_refused_with_one_clear_error(
    window: MainWindow,
    tmp_path: Path,
    dialog_calls: DialogCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "share" / "library.sqlite3"
    seen: list[Path] = []

    def nfs(path: Path) -> str:
        seen.append(path)
        return "nfs4"

    monkeypatch.setattr(library_location, "filesystem_type", nfs)
    dialog_calls.answer("show_error", None)
    board = make_board(window, db)
    assert board.library() is None
    assert seen == [db]
    assert dialog_calls.names() == ["show_error"]
    title, message = dialog_calls.calls[0][1][1:3]
    assert title == "Cannot open the case library"
    assert "network file system (nfs4)" in message and "--db" in message
    assert not db.exists() and not db.parent.exists()  # nothing created there


def test_library_on_a_local_disk_opens(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_location, "filesystem_type", lambda path: "ext4")
    db = tmp_path / "library.sqlite3"
    board = make_board(window, db)
    assert board.library() is not None and db.exists()
    board.close()


@pytest.mark.parametrize("kind", ["nfs", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afpfs"])
def test_network_filesystem_types_are_recognised(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_location, "filesystem_type", lambda path: kind)
    assert library_location.network_filesystem(Path("/x/library.sqlite3")) == kind
    problem = library_location.library_location_problem(Path("/x/library.sqlite3"))
    assert problem is not None and f"({kind})" in problem


@pytest.mark.parametrize("kind", ["ext4", "xfs", "btrfs", "apfs", "ntfs", "tmpfs", ""])
def test_local_filesystem_types_pass(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(library_location, "filesystem_type", lambda path: kind)
    assert library_location.library_location_problem(Path("/x/library.sqlite3")) is None


def test_real_check_on_the_test_folder_reads_a_filesystem_type(tmp_path: Path) -> None:
    # The folder does not exist yet: its nearest existing parent is asked.
    assert library_location.filesystem_type(tmp_path / "new" / "library.sqlite3") != ""


@pytest.mark.parametrize(
    ("text", "unc"),
    [
        ("\\\\server\\share\\library.sqlite3", True),
        ("//server/share/library.sqlite3", True),
        ("\\\\?\\UNC\\server\\share\\library.sqlite3", True),
        ("\\\\?\\C:\\Users\\me\\library.sqlite3", False),
        ("C:\\Users\\me\\library.sqlite3", False),
        ("/home/me/library.sqlite3", False),
    ],
)
def test_windows_unc_paths_are_network_paths(text: str, unc: bool) -> None:
    assert library_location.is_unc(text) is unc


def test_default_library_is_in_local_app_data() -> None:
    local = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    assert default_db_path() == Path(local) / "case-library.sqlite3"
