"""``python -m suyuan.cli``: the ``suyuan`` command without its console script (as the old module allowed)."""

from suyuan.cli import main

main()
