"""The fonts of the signed PDF: shipped by pinned Python packages, never taken from the machine.

``FONTS`` maps a short key to a family and a font file inside one of the pinned font packages
(see requirements.txt). Stylesheets reach them only through ``@font-face`` rules whose ``src``
is our internal ``coalition-asset:font/<key>`` URL, served by ``AssetFetcher``.

``isolated_font_config()`` returns a WeasyPrint font configuration with no system font in it,
so a glyph our fonts lack shows as a missing-glyph box instead of silently pulling in whatever
the server has installed.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import cvttf_NotoSansCJK_Regular
import fontpkg_ibm_plex_sans_arabic
import fontpkg_noto_sans
import fontpkg_noto_sans_devanagari
from weasyprint.text.ffi import ffi, fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration

ASSET_SCHEME = "coalition-asset"


@dataclass(frozen=True)
class Font:
    key: str
    family: str
    path: Path
    weight: str = ""  # for a static (not variable) face: its font-weight descriptor

    @property
    def url(self) -> str:
        return f"{ASSET_SCHEME}:font/{self.key}"


def _fonts() -> dict[str, Font]:
    fonts = (
        Font("noto-sans", "Noto Sans", fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"),
        # IBM Plex Sans Arabic rather than Noto Sans Arabic: Noto draws the dotted letters as a
        # dotless shape plus dots, so one glyph stands for several letters and the PDF's text
        # cannot be copied or searched (ن, ب and ي come out as one letter). Plex has a glyph
        # per letter form, so Arabic text extracts intact, in reading order.
        Font(
            "ibm-plex-sans-arabic",
            "IBM Plex Sans Arabic",
            fontpkg_ibm_plex_sans_arabic.ROOT / "files" / "IBMPlexSansArabic-Regular.ttf",
            weight="400",
        ),
        Font(
            "ibm-plex-sans-arabic-bold",
            "IBM Plex Sans Arabic",
            fontpkg_ibm_plex_sans_arabic.ROOT / "files" / "IBMPlexSansArabic-Bold.ttf",
            weight="700",
        ),
        Font(
            "noto-sans-devanagari",
            "Noto Sans Devanagari",
            fontpkg_noto_sans_devanagari.ROOT / "files" / "NotoSansDevanagari[wdth,wght].ttf",
        ),
        # NotoSansCJKtc-Regular.otf: Traditional Chinese glyph forms, but it covers the whole
        # CJK Unified Ideographs block, simplified characters included.
        Font("noto-sans-cjk", "Noto Sans CJK", Path(cvttf_NotoSansCJK_Regular.get_TTF_path())),
    )
    return {font.key: font for font in fonts}


#: key -> Font, in fallback order (Latin, Greek and Cyrillic first, then the other scripts).
FONTS: dict[str, Font] = _fonts()

#: The CSS ``font-family`` value the PDF stylesheet uses everywhere.
FONT_STACK = ", ".join(f'"{family}"' for family in dict.fromkeys(font.family for font in FONTS.values()))


def font_face_css() -> str:
    """@font-face rules for every font in ``FONTS``, pointing at our internal asset URLs only.

    No ``font-weight`` or ``font-stretch`` descriptors for the variable fonts: leaving them out
    lets Fontconfig register their named instances (Regular, Bold, ...) under the family. The
    static faces (Arabic, regular and bold) say which weight they are.
    """
    return "\n".join(
        f'@font-face {{ font-family: "{font.family}"; src: url("{font.url}");'
        + (f" font-weight: {font.weight};" if font.weight else "")
        + " }"
        for font in FONTS.values()
    )


# WeasyPrint's cffi declarations lack FcConfigCreate; one more declaration is all it takes,
# the library is already loaded. Done once, at import time.
if not hasattr(fontconfig, "FcConfigCreate"):
    ffi.cdef("FcConfig * FcConfigCreate (void);")


class IsolatedFontConfiguration(FontConfiguration):
    """A WeasyPrint FontConfiguration that only knows the fonts added by @font-face rules.

    The parent loads the system configuration and every installed font; we then swap in an
    empty Fontconfig configuration before anything is laid out, so neither font matching,
    fallback nor ``local()`` sources can reach a font of the machine.
    """

    def __init__(self):
        super().__init__()
        config = fontconfig.FcConfigCreate()  # empty: no directories, no fonts
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), config)
        # The font map holds its own reference now (as in FontConfiguration.__init__).
        fontconfig.FcConfigDestroy(config)
        self._config = config


_configs = threading.local()


def isolated_font_config() -> IsolatedFontConfiguration:
    """This thread's font configuration, made once and reused by every document it lays out.

    Reused, because a new one loads the machine's whole font list before it is emptied and
    writes our fonts (16 MB of them for Chinese) to a new temporary folder: a tenth of a
    second per chunk, and memory that a PDF worker never got back. WeasyPrint adds a
    @font-face font once per configuration and skips it afterwards. Per thread, because
    Fontconfig and Pango objects are not to be shared between threads.
    """
    config = getattr(_configs, "config", None)
    if config is None:
        config = _configs.config = IsolatedFontConfiguration()
    return config
