"""``python -m kili_rules.cli``: the same as the ``kili-rules`` command."""

import sys

from kili_rules.cli import main

sys.exit(main())
