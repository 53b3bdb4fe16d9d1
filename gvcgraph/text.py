"""Text from sources shown in a terminal: control characters made visible."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters but tab (line breaks too) written as ``\\xNN``.

    Text quoted from a source can then neither start a line of its own in a message nor move
    the terminal's cursor, change its title or clear it (escape sequences).

    >>> printable("ACME\\x1b]0;pwned\\x07 Ltd\\n")
    'ACME\\\\x1b]0;pwned\\\\x07 Ltd\\\\x0a'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
