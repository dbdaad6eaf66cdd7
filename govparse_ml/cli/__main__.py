"""``python -m govparse_ml.cli``: the ``govparse-ml`` command."""

import sys

from govparse_ml.cli.commands import main

if __name__ == "__main__":
    sys.exit(main())
