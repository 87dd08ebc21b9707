"""The only door from a PDF being rendered to the outside world: our own assets, nothing else.

WeasyPrint fetches every stylesheet, image, font and attachment through its ``url_fetcher``.
``AssetFetcher`` answers only our internal scheme:

* ``coalition-asset:font/<key>`` - a font of ``fonts.FONTS``;
* ``coalition-asset:static/<path>`` - a file under the project's ``coalition/static`` folder;
* ``coalition-asset:media/<storage name>`` - a stored image (organization logos are Wagtail
  images: originals under ``original_images/``, renditions under ``images/``), read with
  ``default_storage.open``, never by URL.

Everything else - ``file:``, ``http(s):``, ``data:``, relative URLs, other storage folders,
path traversal - is refused: the exception makes WeasyPrint log a failed fetch and carry on
without the resource. Nothing is ever followed or redirected. Each refused URL is recorded
in ``refused``.
"""

import logging
import mimetypes
import re
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from django.conf import settings
from django.core.files.storage import default_storage
from weasyprint.urls import URLFetcher, URLFetcherResponse

from coalition.letters.pdf.fonts import ASSET_SCHEME, FONTS

logger = logging.getLogger(__name__)

KINDS = ("font", "static", "media")

#: Storage folders the PDF may read images from: Wagtail's original images and renditions
#: (``AbstractImage.get_upload_to`` and ``AbstractRendition.get_upload_to``).
MEDIA_PREFIXES = ("original_images/", "images/")
#: What the PDF may take from ``static/``: stylesheets and images.
STATIC_SUFFIXES = frozenset({".css", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg"})
#: Larger stored files are refused rather than read into memory (uploads are capped at 10 MB).
MAX_MEDIA_BYTES = 20 * 1024 * 1024

_URL_RE = re.compile(rf"\A{re.escape(ASSET_SCHEME)}:(?P<kind>[a-z]+)/(?P<key>[^?#\\\x00]+)\Z")


class AssetRefused(ValueError):
    """A URL the PDF may not fetch. WeasyPrint treats it as a failed fetch (logged, skipped)."""


def asset_url(kind: str, key: str) -> str:
    """The URL a PDF template uses for one of our assets, e.g. ``asset_url("media", image.file.name)``."""
    if kind not in KINDS:
        raise ValueError(f"Unknown asset kind: {kind!r}")
    return f"{ASSET_SCHEME}:{kind}/{quote(key, safe='/')}"


def static_root() -> Path:
    """The project's own static folder (``STATICFILES_DIRS``), not STATIC_ROOT or app folders."""
    return Path(settings.PROJECT_DIR) / "static"


def _safe_relative(key: str) -> PurePosixPath:
    """A relative POSIX path with no empty, ``.`` or ``..`` segment, or AssetRefused."""
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise AssetRefused("absolute or malformed path")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise AssetRefused("path traversal or empty segment")
    return PurePosixPath(*parts)


class AssetFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves our fonts, static files and stored images, and nothing else.

    ``refused`` lists every URL refused by policy, ``failed`` the allowed ones that could not be
    read (a missing stored file), ``served`` the ones answered.
    """

    def __init__(self, *, static_dir: Path | None = None, media_prefixes: tuple[str, ...] = MEDIA_PREFIXES):
        # allowed_protocols=() and no redirects: should anything ever reach URLFetcher.fetch
        # (the urllib opener), it would refuse every scheme. fail_on_errors=False: a refused
        # fetch is logged by WeasyPrint and the resource left out, rendering goes on.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_dir = (static_dir or static_root()).resolve()
        self.media_prefixes = media_prefixes
        self.refused: list[str] = []
        self.failed: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        try:
            response = self._serve(url)
        except AssetRefused as exception:
            self.refuse(url, str(exception))
            raise
        except OSError as exception:
            self.failed.append(url)
            logger.warning("PDF asset unreadable: %.200r (%s)", url, exception)
            raise
        self.served.append(url)
        return response

    def refuse(self, url, reason: str) -> None:
        """Record a URL that was not served (also used by render.py for dropped attachments)."""
        self.refused.append(url)
        logger.warning("PDF asset refused: %.200r (%s)", url, reason)

    def open(self, url, data=None, timeout=None):
        # urllib.request.OpenerDirector.open: never the opener, always our policy.
        return self.fetch(getattr(url, "full_url", url))

    def _serve(self, url) -> URLFetcherResponse:
        if not isinstance(url, str):
            raise AssetRefused("not a string")
        match = _URL_RE.match(url)
        if match is None:
            raise AssetRefused("not a coalition asset URL")
        kind, key = match["kind"], unquote(match["key"])
        if kind == "font":
            return self._font(url, key)
        if kind == "static":
            return self._static(url, key)
        if kind == "media":
            return self._media(url, key)
        raise AssetRefused(f"unknown asset kind {kind!r}")

    def _font(self, url: str, key: str) -> URLFetcherResponse:
        font = FONTS.get(key)
        if font is None:
            raise AssetRefused("unknown font")
        content_type = "font/otf" if font.path.suffix.lower() == ".otf" else "font/ttf"
        return URLFetcherResponse(url, font.path.read_bytes(), {"Content-Type": content_type})

    def _static(self, url: str, key: str) -> URLFetcherResponse:
        relative = _safe_relative(key)
        if relative.suffix.lower() not in STATIC_SUFFIXES:
            raise AssetRefused("static file type not allowed")
        path = (self.static_dir / relative).resolve()
        # resolve() follows symlinks: whatever the name, the file itself must be inside static/.
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            raise AssetRefused("not a file under static/")
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path.name)})

    def _media(self, url: str, name: str) -> URLFetcherResponse:
        relative = _safe_relative(name)
        name = str(relative)
        if not name.startswith(self.media_prefixes):
            raise AssetRefused("storage folder not allowed")
        content_type = _content_type(name)
        if not content_type.startswith("image/"):
            raise AssetRefused("not an image")
        with default_storage.open(name, "rb") as stored:
            data = stored.read(MAX_MEDIA_BYTES + 1)
        if len(data) > MAX_MEDIA_BYTES:
            raise AssetRefused("stored file too large")
        return URLFetcherResponse(url, data, {"Content-Type": content_type})


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
