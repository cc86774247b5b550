"""Run the HER2 Pathways window: ``python main.py [CASE.json] [--step N] [--screenshot OUT]``."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
