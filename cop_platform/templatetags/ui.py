from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def crumbs(*pairs):
    """{% crumbs "Home" "home" "Your account" "accounts:overview" as crumbs %}: (label, url) pairs."""
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("crumbs takes label, url-name pairs")
    return [(pairs[i], reverse(pairs[i + 1])) for i in range(0, len(pairs), 2)]


@register.filter
def get_item(mapping, key):
    """{{ row.flags|get_item:key }}: a dictionary's value in a template."""
    return mapping.get(key) if hasattr(mapping, "get") else None
