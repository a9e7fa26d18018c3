"""Invoice text → word tokens and character n-grams, the only text processing the classifier does.

Lowercase with accents folded, every run of numbers one placeholder token ``0``, and the character
n-grams of each word with ``<`` and ``>`` at its edges, so an OCR slip still shares most n-grams with the
right word. Pure functions: the same text gives the same tokens in every process. Why these rules:
docs/decisions.md.
"""

from __future__ import annotations

import re
import unicodedata

NUMBER = "0"
"""The placeholder every number (or run of numbers) becomes."""

_NUMBER_RUN = re.compile(r"[0-9]+(?:[^a-z0-9]+[0-9]+)*")
_TOKEN = re.compile(r"[a-z]+|0")


def normalize(text: str) -> str:
    """Lowercase ASCII: accents and compatibility forms folded (``º`` → ``o``, ``ﬁ`` → ``fi``), anything
    else non-ASCII (``€``, ``·``) dropped, since tokens are made of ASCII letters and digits only.

    Encoding to ASCII after NFKD drops the combining accents in one C call: a per-character filter made
    this the slowest step of inference.
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")


def tokens(text: str) -> list[str]:
    """Word tokens of ``text``: letters-only words and one ``NUMBER`` per run of numbers.

    Only digits and letters form tokens; punctuation, symbols and currency signs separate them. Numbers
    separated by spaces or punctuation are one run as long as no word comes between them.
    """
    return _TOKEN.findall(_NUMBER_RUN.sub(" 0 ", normalize(text)))


def char_ngrams(word: str, n: int = 3) -> list[str]:
    """The character ``n``-grams of ``<word>``; a word shorter than ``n - 1`` gives ``<word>`` whole."""
    marked = f"<{word}>"
    if len(marked) <= n:
        return [marked]
    return [marked[i : i + n] for i in range(len(marked) - n + 1)]
