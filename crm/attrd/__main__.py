"""``python -m crm.attrd --run-dir DIR``: run the attribute daemon."""

import sys

from crm.attrd.daemon import main

sys.exit(main())
