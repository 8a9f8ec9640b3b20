"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), as sets of
characters, and the look-alikes that bring a text back into them.

The tables come from the `gsm0338` codec, which names every character of both tables; it ships
no type information, so it is read here once and nothing else imports it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from gsm0338.charset import (  # type: ignore[import-untyped]
    BASIC_CHARACTER_SET,
    BASIC_CHARACTER_SET_EXTENSION,
)

# 0x1B is the escape to the extension table, not a character a text can hold.
_ESCAPE = 0x1B

BASIC: frozenset[str] = frozenset(
    unicodedata.lookup(name) for code, name in BASIC_CHARACTER_SET.items() if code != _ESCAPE
)
# Each costs two septets: the escape and the character.
EXTENSION: frozenset[str] = frozenset(
    unicodedata.lookup(name) for name in BASIC_CHARACTER_SET_EXTENSION.values()
)


def septets(character: str) -> int | None:
    """How many septets `character` takes in GSM-7, or None when GSM-7 cannot carry it."""
    if character in BASIC:
        return 1
    if character in EXTENSION:
        return 2
    return None


def _each(characters: str, replacement: str) -> dict[str, str]:
    return dict.fromkeys(characters, replacement)


# Characters that editors and phones put in for typographic reasons, with the GSM-7 text a
# reader takes for the same. Letters with other accents are left out on purpose: dropping an
# accent changes a word, and that is the writer's call, not a rewrite's.
LOOK_ALIKES: Mapping[str, str] = {
    # single quotes, primes and acute accents
    **_each("\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u02bc\u2039\u203a", "'"),
    # double quotes, double primes and guillemets
    **_each("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
    # hyphens, dashes and the minus sign
    **_each("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",  # horizontal ellipsis
    "\u2022": "*",  # bullet
    # no-break, fixed-width and ideographic spaces, and the tab
    **_each("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " "),
    **_each("\u202f\u205f\u3000\t", " "),
    # invisible: zero-width space, word joiner, byte-order mark, soft hyphen
    **_each("\u200b\u2060\ufeff\u00ad", ""),
}
