import sys

from optsolve.cli import main

sys.exit(main())
