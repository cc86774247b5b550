"""Entry script of the frozen ``her2-pathways-cli`` (the same as ``python -m pathways``)."""

import sys

from pathways.cli import main

if __name__ == "__main__":
    sys.exit(main())
