"""Where the CLI prints: piped output (CI logs, files) gets a wide page instead of rich's 80 columns.

Emoji codes are off: `file:100:` in an error message must not turn into a picture."""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported by the commands that print with it, not by every command
    from rich.console import Console

PIPED_WIDTH = 160


@cache
def stdout() -> Console:
    """The CLI's console for results, made on first use."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else PIPED_WIDTH, emoji=False)


@cache
def stderr() -> Console:
    """The CLI's console for errors, made on first use."""
    from rich.console import Console

    return Console(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH, emoji=False)
