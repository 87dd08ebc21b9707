"""Rich text as it leaves the database: links expanded, then sanitized.

Letter text is written in the Wagtail editor, but it can also arrive through imports,
the API or a compromised account. Whatever is stored, only the small set of tags a
letter uses reaches the page, and no script, style, event handler or javascript: link.
"""

import nh3
from django.utils.safestring import mark_safe
from wagtail.rich_text import expand_db_html

ALLOWED_TAGS = {"p", "br", "h2", "h3", "h4", "b", "strong", "i", "em", "ul", "ol", "li", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_richtext(value) -> str:
    """Expand Wagtail's internal links and sanitize; safe to put in a template."""
    source = getattr(value, "source", value) or ""
    return mark_safe(sanitize_html(expand_db_html(str(source))))  # noqa: S308 - sanitized by nh3 above
