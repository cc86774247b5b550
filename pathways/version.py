"""The application's version: the one place it is written (``pyproject.toml`` reads it from here).

The content has its own version (``pathway.yaml``); both are shown side by side by ``--version``,
in the About box, the status bar and every PDF.
"""

APP_NAME = "HER2 Pathways"
APP_VERSION = "0.1.0"
