#!/usr/bin/env python3
"""Generate a synthetic inspection pack, or a local authority's worth of them.

    python sample_registers/generate.py --out sample_registers/example-primary
    python sample_registers/generate.py --out /tmp/authority --schools 400 --pupils-per-school 250

The code is the package ``sample_registers/generator/``; see sample_registers/README.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generator.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
