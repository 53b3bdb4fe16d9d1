"""Text from sources shown in a terminal: control characters made visible."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """``text`` with control characters but tab (line breaks too) written as ``\\xNN``.

    Text quoted from a source can then neither start a line of its own in a message nor move
    the terminal's cursor, change its title or clear it (escape sequences).

    >>> printable("ACME\\x1b]0;pwned\\x07 Ltd\\n")
    'ACME\\\\x1b]0;pwned\\\\x07 Ltd\\\\x0a'
    """
    return _CONTROL.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
