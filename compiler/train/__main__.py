"""``python -m compiler.train CONFIG.yaml ...`` (same as ``bnnc train``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
