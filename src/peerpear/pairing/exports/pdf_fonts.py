"""Fonts for the PDF export: which font draws which character, so that every name shows.

reportlab's built-in Helvetica knows only Windows-1252: "Łukasiewicz" would print with a black
box. So the text font is DejaVu Sans from Debian's ``fonts-dejavu-core`` (Latin with all its
extensions, Greek, Cyrillic; CI installs it in ``.ci/run``), embedded as a subset; where it is
missing, reportlab's own Bitstream Vera (Latin-1 and part of Latin Extended) stands in.

No one font covers everything, and a reportlab Paragraph draws a run with one font, so each
character a text font lacks is wrapped in a ``<font>`` run of the first fallback that has it:
a CJK TrueType font when the system has one (embedded, so it prints anywhere), else reportlab's
built-in CID fonts for Chinese, Japanese kana and Korean. Those are not embedded: a reader
draws them with its own CJK fonts (the text is there, searchable and copyable, either way).
Characters no font has are left to the text font, which draws its "missing" box: never an error.

Fonts are registered with reportlab once per process (its registry is global).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# (regular, bold) candidates, first found wins. Debian's path first: that is what CI installs.
_TEXT_FONTS = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),  # Arch
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),  # Fedora
]
# Found through reportlab's own font folder: present wherever reportlab is.
_BUNDLED = ("Vera.ttf", "VeraBd.ttf")
# TrueType-outline CJK fonts (reportlab embeds TrueType outlines only, not CFF/OpenType ones
# such as Noto CJK). Debian: fonts-droid-fallback, fonts-wqy-microhei, fonts-wqy-zenhei.
_CJK_FONTS = [
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]


def _hangul(code: int) -> bool:
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _kana(code: int) -> bool:
    return 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF


def _han(code: int) -> bool:
    # Ideographs (with extension A and compatibility), CJK punctuation, full-width forms.
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
    )


# reportlab's CID fonts, for what no embedded font covers; each claims its script's ranges.
_CID_FONTS: list[tuple[str, Callable[[int], bool]]] = [
    ("HYSMyeongJo-Medium", _hangul),
    ("HeiseiMin-W3", _kana),
    ("STSong-Light", _han),
]


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    covers: dict[str, Callable[[int], bool]]  # registered font name -> does it draw this code
    fallbacks: tuple[str, ...]  # in order of preference

    def face_for(self, char: str, base: str) -> str:
        code = ord(char)
        if self.covers[base](code):
            return base
        for name in self.fallbacks:
            if self.covers[name](code):
                return name
        return base

    def markup(self, text: str, *, bold: bool = False) -> str:
        """``text`` as markup for a Paragraph whose style font is ``regular``: escaped, and each
        run that is not in the regular font (bold, or a fallback) in a ``<font>`` of its own."""
        base = self.bold if bold else self.regular
        runs = groupby(_printable(text), key=lambda char: self.face_for(char, base))
        return "".join(self._run(face, "".join(chars)) for face, chars in runs)

    def _run(self, face: str, text: str) -> str:
        if face == self.regular:
            return escape(text)
        return f'<font face="{face}">{escape(text)}</font>'


def _printable(text: str) -> str:
    # Control characters (a stray tab, newline or NUL in a name) as spaces; lone surrogates,
    # which cannot be encoded at all, dropped.
    return "".join(
        " " if unicodedata.category(c) == "Cc" else c
        for c in text
        if unicodedata.category(c) != "Cs"
    )


def _ttf(name: str, path: str) -> TTFont | None:
    try:
        font = TTFont(name, path)
    except (TTFError, OSError):
        return None
    pdfmetrics.registerFont(font)
    return font


def _ttf_covers(font: TTFont) -> Callable[[int], bool]:
    codes = frozenset(font.face.charToGlyph)
    return codes.__contains__


def _text_fonts(covers: dict[str, Callable[[int], bool]]) -> tuple[str, str]:
    """The (regular, bold) text fonts: the first candidate that loads, else reportlab's Vera."""
    pairs = [(path, str(Path(path).with_name(bold))) for path, bold in _TEXT_FONTS]
    for regular_path, bold_path in [*(p for p in pairs if Path(p[0]).is_file()), _BUNDLED]:
        regular = _ttf("ExportText", regular_path)
        if regular is None:
            continue
        bold = _ttf("ExportText-Bold", bold_path) or regular
        covers[regular.fontName] = _ttf_covers(regular)
        covers[bold.fontName] = _ttf_covers(bold)
        return regular.fontName, bold.fontName
    # Only if reportlab's own fonts are gone: Helvetica draws Windows-1252.
    covers["Helvetica"] = covers["Helvetica-Bold"] = _cp1252
    return "Helvetica", "Helvetica-Bold"


def _cp1252(code: int) -> bool:
    try:
        chr(code).encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


_lock = threading.Lock()


@cache
def _load() -> Fonts:
    covers: dict[str, Callable[[int], bool]] = {}
    regular, bold = _text_fonts(covers)
    fallbacks: list[str] = []
    for path in _CJK_FONTS:
        font = _ttf("ExportCJK", path) if Path(path).is_file() else None
        if font is not None:
            covers[font.fontName] = _ttf_covers(font)
            fallbacks.append(font.fontName)
            break  # one embedded CJK font is enough; the CID fonts cover what it lacks
    for name, claims in _CID_FONTS:
        pdfmetrics.registerFont(UnicodeCIDFont(name))
        covers[name] = claims
        fallbacks.append(name)
    return Fonts(regular=regular, bold=bold, covers=covers, fallbacks=tuple(fallbacks))


def fonts() -> Fonts:
    """The fonts, registered on first use (thread-safe: exports may run in worker threads)."""
    with _lock:
        return _load()
