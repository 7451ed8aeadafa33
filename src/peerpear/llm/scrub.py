"""Names and email addresses blanked out of what people wrote, before a provider reads it.

Students write free text, and some of it names people: their own name in a bio, a friend they
want to be paired with ("put me with Alice Moreau"), an email address to reach them. DESIGN §4
says a provider never receives names or emails, so every use that sends text written by
students passes it through a ``Scrubber`` first:

- any email address becomes ``[email]``;
- each word of a known person's first or last name becomes ``[name]``. The event's people are
  matched as their name is spelled (and capitalized), so "Art Young" blanks "Art" but leaves
  "I love art"; the writer's own name in any case.

Words of one character are never names here (an initial would blank every "a").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")
WORD = re.compile(r"[^\W_]+")


def name_words(*names: str | None) -> set[str]:
    """The words of ``names`` that count as names (two letters or more)."""
    found: set[str] = set()
    for name in names:
        if name and "@" not in name:  # an email stands in for a missing name: EMAIL covers it
            found |= {w for w in WORD.findall(name) if len(w) >= 2}
    return found


class Scrubber:
    def __init__(self, names: Iterable[str] = (), own: Iterable[str] = ()) -> None:
        self._names = {variant for w in names for variant in (w, w[:1].upper() + w[1:])}
        self._own = {w.casefold() for w in own}

    def _word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        if word in self._names or word.casefold() in self._own:
            return "[name]"
        return word

    def text(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        if not self._names and not self._own:
            return text
        return WORD.sub(self._word, text)

    def value(self, value: Any) -> Any:
        """An answer (text, a list of texts, a number) with its texts scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value
