import sys

from crm.controld.daemon import main

sys.exit(main())
