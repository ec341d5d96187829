"""``python -m api.cli`` is the ``assist`` command."""

from api.cli import main

main()
