"""``python -m handbook.booklet``: the same as ``handbook booklet``."""

import sys

from . import main

sys.exit(main())
