import sys

from crm.pacerd.daemon import main

sys.exit(main())
