"""``python -m anyloss``: the ``anyloss`` command line."""

from anyloss.cli import main

raise SystemExit(main())
