"""Render the app icon's SVG to ``packaging/icons/her2-pathways.ico`` and ``.icns``.

Run after changing ``resources/icons/her2-pathways.svg`` (the window icon, shipped in the
package); the two files are checked in because the Windows and macOS builds need them as files.
``QT_QPA_PLATFORM=offscreen python packaging/make_icons.py``. Both formats are written here
(PNG-compressed entries, one per size) because Qt's own writers store a single size.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "her2-pathways.svg"
OUT = ROOT / "packaging" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS entry types holding PNG data, by pixel size (Apple's icns format).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
)


def png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not QImageWriter(buffer, QByteArray(b"png")).write(image):
        raise OSError(f"cannot encode the {size}px icon as PNG")
    return bytes(data.data())


def ico(renderer: QSvgRenderer) -> bytes:
    images = [png(renderer, s) for s in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, blob in zip(ICO_SIZES, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    return header + entries + b"".join(images)


def icns(renderer: QSvgRenderer) -> bytes:
    body = b""
    for kind, size in ICNS_TYPES:
        blob = png(renderer, size)
        body += kind + struct.pack(">I", 8 + len(blob)) + blob
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"{SVG}: not a valid SVG", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "her2-pathways.ico").write_bytes(ico(renderer))
    (OUT / "her2-pathways.icns").write_bytes(icns(renderer))
    (OUT / "her2-pathways.png").write_bytes(png(renderer, 256))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
