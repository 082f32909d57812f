import sys

from crm.based.daemon import main

sys.exit(main())
