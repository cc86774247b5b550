"""A case library on a network file system is refused for writing, with a clear message.

A real NFS or SMB mount cannot be made in a test, so the file-system check is patched: what is
tested is that the app asks it before opening a library and refuses without touching the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths

from app import library_location
from app.main_window import MainWindow
from app.tumor_board.storage import default_db_path
from pathways import network_fs
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

    monkeypatch.setattr(network_fs, "filesystem_type", nfs)
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
    monkeypatch.setattr(network_fs, "filesystem_type", lambda path: "ext4")
    db = tmp_path / "library.sqlite3"
    board = make_board(window, db)
    assert board.library() is not None and db.exists()
    board.close()


@pytest.mark.parametrize("kind", ["nfs", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afpfs"])
def test_network_filesystem_types_are_recognised(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(network_fs, "filesystem_type", lambda path: kind)
    assert network_fs.network_filesystem(Path("/x/library.sqlite3")) == kind
    problem = library_location.library_location_problem(Path("/x/library.sqlite3"))
    assert problem is not None and f"({kind})" in problem


@pytest.mark.parametrize("kind", ["ext4", "xfs", "btrfs", "apfs", "ntfs", "tmpfs", ""])
def test_local_filesystem_types_pass(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_fs, "filesystem_type", lambda path: kind)
    assert library_location.library_location_problem(Path("/x/library.sqlite3")) is None


@pytest.mark.skipif(sys.platform == "win32", reason="Windows asks the drive type instead")
def test_real_check_on_the_test_folder_reads_a_filesystem_type(tmp_path: Path) -> None:
    # The folder does not exist yet: its nearest existing parent is asked.
    kind = network_fs.filesystem_type(tmp_path / "new" / "library.sqlite3")
    assert kind != "" and kind not in network_fs.NETWORK_FILESYSTEMS


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
    assert network_fs.is_unc(text) is unc


def test_default_library_is_in_local_app_data() -> None:
    local = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    assert default_db_path() == Path(local) / "case-library.sqlite3"


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/clinic\\040share rw,relatime shared:20 - cifs //srv/share rw,vers=3.1.1
41 22 0:36 / /mnt/clinic\\040share/local rw,relatime - ext4 /dev/sdb1 rw
42 22 0:37 / /home rw - nfs4 srv:/home rw
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/var/lib/x.sqlite3", "ext4"),
        ("/mnt/clinic share/lib.sqlite3", "cifs"),  # \040 is a space in mountinfo
        ("/mnt/clinic share/local/lib.sqlite3", "ext4"),  # the longest mount point wins
        ("/home/dr/lib.sqlite3", "nfs4"),
        ("/homework/lib.sqlite3", "ext4"),  # /home is not a prefix of /homework
    ],
)
def test_linux_mountinfo_gives_the_type_of_the_longest_mount(path: str, kind: str) -> None:
    assert network_fs.mount_of(path, network_fs.parse_mountinfo(MOUNTINFO)) == kind


MAC_MOUNT = """\
/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse, protect)
//dr@clinic-srv/Board Share on /Volumes/Board Share (smbfs, nodev, nosuid, mounted by dr)
"""


def test_macos_mount_output_gives_the_type_of_the_longest_mount() -> None:
    mounts = network_fs.parse_bsd_mount(MAC_MOUNT)
    assert network_fs.mount_of("/Volumes/Board Share/lib.sqlite3", mounts) == "smbfs"
    assert network_fs.mount_of("/System/Volumes/Data/Users/dr/lib.sqlite3", mounts) == "apfs"
    assert network_fs.mount_of("/Users/dr/lib.sqlite3", mounts) == "apfs"


def test_library_command_line_refuses_to_write_on_nfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathways.cli import main as cli_main

    db = tmp_path / "library.sqlite3"
    monkeypatch.setattr(network_fs, "filesystem_type", lambda path: "nfs")
    code = cli_main(["library", "--db", str(db), "new-meeting", "Board", "2026-12-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "network file system (nfs)" in err
    assert not db.exists()
    monkeypatch.setattr(network_fs, "filesystem_type", lambda path: "ext4")
    assert cli_main(["library", "--db", str(db), "new-meeting", "Board", "2026-12-01"]) == 0
    assert db.exists()
