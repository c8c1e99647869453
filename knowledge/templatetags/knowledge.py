from django import template
from django.template.defaultfilters import filesizeformat

from core.markdown import markdown_to_text, render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """{{ resource.body|markdown }}: Markdown rendered and sanitised."""
    return render_markdown(text)


@register.filter
def plain(text):
    """{{ resource.summary|plain }}: the words without Markdown's marks (escaped as usual)."""
    return markdown_to_text(text)


@register.filter
def size(value):
    return filesizeformat(value)
