from lrmd.daemon import main

raise SystemExit(main())
