"""Qt writers (QPdfWriter, QImageWriter, QSvgGenerator) onto :mod:`pathways.safe_write`.

The writer paints into the open temporary file through a :class:`QFile` wrapping its
descriptor, so the target is replaced only once the writer is done, the writer and the QFile
report no error, and the data is on disk. A full disk, a failed writer or an exception leaves the
old file as it was (see :func:`pathways.safe_write.atomic_write`).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QFile, QFileDevice, QIODevice
from PySide6.QtGui import QImageWriter

from pathways import safe_write


# One per write, compared by identity.
@dataclass(eq=False)
class QtOutput:
    device: QFile
    failure: str | None = None

    def fail(self, problem: str) -> None:
        """The Qt writer reported failure: the target will not be replaced."""
        self.failure = self.failure or problem


@contextmanager
def qt_output(target: Path, inputs: Iterable[Path] = ()) -> Iterator[QtOutput]:
    """A QFile open on a temporary file next to ``target``; replaces ``target`` on success.

    Raises :class:`pathways.safe_write.WriteError`, the old file unchanged.
    """
    with safe_write.atomic_write(target, inputs) as out:
        device = QFile()
        if not device.open(
            out.fd, QIODevice.OpenModeFlag.WriteOnly, QFileDevice.FileHandleFlag.DontCloseHandle
        ):
            raise safe_write.WriteError(
                str(target), "", f"cannot write ({device.errorString() or 'unknown error'})"
            )
        output = QtOutput(device)
        try:
            yield output
            # Qt buffers its writes: only the flush says whether the disk took the data. The
            # device's error names the cause (a full disk), so it wins over the writer's.
            if not device.flush() or device.error() != QFileDevice.FileError.NoError:
                out.fail(f"cannot write ({_device_reason(out.fd, device)})")
            elif output.failure is not None:
                out.fail(output.failure)
            elif device.size() == 0:
                out.fail("the writer produced no data")
        finally:
            device.close()


# zlib level 3 (Qt's quality 60) instead of Qt's default, level 6: on the window's pictures (flat
# colours and text) the files come out 6-10 % smaller and are written ~30 % faster (16 screenshots
# of the demo cases, BENCHMARKS.md); PNG is lossless, the pixels are the same at any level.
PNG_QUALITY = 60


def png_writer(device: QIODevice) -> QImageWriter:
    """A PNG writer onto ``device``, with the compression that suits the app's pictures."""
    writer = QImageWriter(device, QByteArray(b"png"))
    writer.setQuality(PNG_QUALITY)
    return writer


def _device_reason(fd: int, device: QFile) -> str:
    with suppress(OSError, AttributeError):
        if os.fstatvfs(fd).f_bavail == 0:
            return safe_write.reason(OSError(errno.ENOSPC, "No space left on device"))
    return device.errorString() or "write error"
