import sys

from metrics.cli.commands import main

sys.exit(main())
