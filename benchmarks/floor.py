"""The floor for the whole-process figures: ``python benchmarks/floor.py OUT.png``.

It does the irreducible minimum the app's ``--screenshot`` run also does: start Python, import
Qt Widgets and networkx (the app's two heavy dependencies), create the QApplication, show one
QLabel offscreen at the screenshot size, render it to a PNG and exit.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import networkx  # noqa: F401 - imported for its cost: the app needs it too
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImageWriter
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(["floor"])
    label = QLabel("HER2 Pathways")
    label.resize(1600, 1000)
    label.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    label.show()
    app.processEvents()
    image = label.grab().toImage()
    writer = QImageWriter(argv[1], QByteArray(b"png"))
    return 0 if writer.write(image) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
