import pytest

from tests.factories import EditorFactory, OrganizationFactory, letter_index


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and generated files go to a throwaway folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def index(db):
    return letter_index()


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and rendition caches live in the cache: each test starts clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small_pdf_chunks(monkeypatch, settings, tmp_path):
    """Signed PDFs with pages of 12 names and chunks of 2 pages: a few dozen signers span several chunks."""
    from coalition.letters.pdf import content

    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr(content, "LINES_PER_COLUMN", 4)
    monkeypatch.setattr(content, "LINES_PER_PAGE", 12)
    monkeypatch.setattr(content, "LINES_PER_CHUNK", 24)
