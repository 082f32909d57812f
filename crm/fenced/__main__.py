"""``python -m crm.fenced --run-dir DIR``: run the fencer."""

import sys

from crm.fenced.daemon import main

sys.exit(main())
