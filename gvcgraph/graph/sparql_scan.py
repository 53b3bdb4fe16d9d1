"""A small SPARQL tokenizer: which keywords a query or update uses, outside strings and IRIs.

The SPARQL endpoint (:mod:`gvcgraph.server`) uses it to refuse ``SERVICE`` calls and ``LOAD``
operations (both make the store fetch other URLs) unless they are allowed, and the remote store
(:mod:`gvcgraph.graph.remote`) to tell a ``SELECT`` from a ``CONSTRUCT`` before sending it.

It follows the lexical rules of the SPARQL 1.1 grammar (section 19.8): comments (``#`` to the
end of the line), the four kinds of string literal with their escapes, IRI references
(``<`` ... ``>`` without spaces or ``<>"{}|^`\\``), variables, prefixed names (with the
``\\``-escapes and ``%hh`` of local names) and language tags are single tokens, so a keyword
inside any of them is not a keyword. Where it is unsure it errs on the side of seeing a
keyword: an unterminated string or IRI is read as a punctuation character, and the text is
scanned both as written and with the ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes that SPARQL
allows anywhere in a query (section 19.2) decoded.

Examples
--------
>>> sorted(keywords('SELECT * WHERE { ?s ?p "SERVICE" } # SERVICE'))
['SELECT', 'WHERE']
>>> query_form("PREFIX ex: <http://example.org/> ASK { ex:a ?p ?o }")
'ASK'
>>> network_operations("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
['SERVICE']
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"#[^\n\r]*")
_LONG_STRING = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"", re.S
)
_STRING = re.compile(r"'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\"")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VARIABLE = re.compile(r"[?$]\w+")
_LANGTAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_PNAME = re.compile(r"[\w\-.]*:(?:[\w\-.:%]|\\.)*")
_WORD = re.compile(r"[A-Za-z_]\w*")
_NUMBER = re.compile(r"\d+")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)
NETWORK_KEYWORDS = ("SERVICE", "LOAD")


def tokens(text: str) -> list[str]:
    """The significant tokens of a SPARQL text, comments dropped.

    Keywords and other bare words are upper-cased; strings come back as ``"…"`` (their content
    dropped); IRIs, variables, prefixed names and language tags as written; every other
    character as itself (whitespace dropped).
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "#":
            i = _COMMENT.match(text, i).end()  # type: ignore[union-attr]
            continue
        if c in "'\"":
            m = _LONG_STRING.match(text, i) or _STRING.match(text, i)
            if m:
                out.append('"…"')
                i = m.end()
                continue
        elif c == "<":
            m = _IRI.match(text, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        elif c in "?$":
            m = _VARIABLE.match(text, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        elif c == "@":
            m = _LANGTAG.match(text, i)
            if m:
                out.append(m.group())
                i = m.end()
                continue
        m = _PNAME.match(text, i)
        if m and ":" in m.group() and (c.isalnum() or c in "_:"):
            out.append(m.group())
            i = m.end()
            continue
        m = _WORD.match(text, i)
        if m:
            out.append(m.group().upper())
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m:
            out.append(m.group())
            i = m.end()
            continue
        out.append(c)
        i += 1
    return out


def _unescaped(text: str) -> str:
    def char(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code < 0x110000 else m.group()

    return _UNICODE_ESCAPE.sub(char, text)


def _variants(text: str) -> list[str]:
    decoded = _unescaped(text)
    return [text] if decoded == text else [text, decoded]


def keywords(text: str) -> set[str]:
    """The bare words (keywords and function names) of a SPARQL text, upper-cased."""
    return {t for v in _variants(text) for t in tokens(v) if _WORD.fullmatch(t)}


def network_operations(text: str) -> list[str]:
    """The operations of a query or update that make the store fetch a URL: ``SERVICE``
    (federated query) and ``LOAD`` (update), in that order, each listed once."""
    found = keywords(text)
    # A bare word is always a keyword or a function name (never a user's name), so a word that
    # merely contains SERVICE or LOAD (``trueSERVICE``) is treated as the keyword too.
    return [k for k in NETWORK_KEYWORDS if any(k in word for word in found)]


def query_form(text: str) -> str | None:
    """``SELECT``, ``CONSTRUCT``, ``DESCRIBE``, ``ASK``, ``UPDATE`` or None (neither).

    The form is given by the first keyword after the prologue (``BASE`` and ``PREFIX``
    declarations).
    """
    for tok in tokens(_unescaped(text)):
        if tok in QUERY_FORMS:
            return tok
        if tok in UPDATE_KEYWORDS:
            return "UPDATE"
    return None


def ends_with_separator(text: str) -> bool:
    """Whether the last token of an update is ``;`` (so another operation may follow as is)."""
    toks = tokens(text)
    return bool(toks) and toks[-1] == ";"


def has_operation(text: str) -> bool:
    """Whether an update text holds at least one operation (not only a prologue)."""
    return any(t in UPDATE_KEYWORDS for t in tokens(_unescaped(text)))


def prefix_declarations(text: str) -> dict[str, str]:
    """The ``PREFIX`` declarations of a query or update: prefix name (without the colon) to
    the IRI as written (the last one of a name wins).

    >>> prefix_declarations("PREFIX ex: <http://example.org/> PREFIX : <urn:x:> ASK {}")
    {'ex': 'http://example.org/', '': 'urn:x:'}
    """
    toks = tokens(_unescaped(text))
    found: dict[str, str] = {}
    for i, tok in enumerate(toks[:-2]):
        name, iri = toks[i + 1], toks[i + 2]
        if tok == "PREFIX" and name.endswith(":") and iri.startswith("<"):
            found[name[:-1]] = iri[1:-1]
    return found
