from django import template

from coalition.core.richtext import render_richtext

register = template.Library()


@register.filter(name="safe_richtext")
def safe_richtext(value):
    """Render a RichTextField value with internal links expanded and every unsafe tag removed."""
    return render_richtext(value)
