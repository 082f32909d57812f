import sys

from crm.sandbox import main

sys.exit(main())
