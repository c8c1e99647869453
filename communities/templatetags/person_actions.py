"""{% person_actions person community %}: the links the apps above offer beside a person
(communities.extensions.register_person_action), e.g. "Send a message"."""

from django import template
from django.utils.html import format_html, format_html_join

from communities.extensions import person_actions as actions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def person_actions(context, person, community=None):
    request = context.get("request")
    if request is None or person is None:
        return ""
    actions = actions_for(request.user, person, community)
    if not actions:
        return ""
    links = format_html_join(
        " · ",
        '<a href="{}">{}<span class="nhsuk-u-visually-hidden"> {}</span></a>',
        ((url, label, person.name) for label, url in actions),
    )
    return format_html('<span class="app-person-actions">{}</span>', links)
