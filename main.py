"""Run the HER2 Pathways window: ``python main.py [CASE.json] [--step N] [--screenshot OUT]``."""

import gc
import sys

if __name__ == "__main__":
    # What the imports build lives until exit: collecting while they run would only walk it in
    # vain (~45 ms). app.main.main() freezes it once the content is loaded and resumes collecting.
    gc.disable()

from app.main import main  # after pausing the collector

if __name__ == "__main__":
    sys.exit(main())
