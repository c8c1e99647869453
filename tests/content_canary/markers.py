"""Markers: CNRY and ten hex digits, planted in every registered field of the world."""

import re
import secrets
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models

from tests.content_canary.registry import REGISTRY

MARKER = re.compile(r"CNRY[0-9a-f]{10}", re.IGNORECASE)


def new_marker():
    return f"CNRY{secrets.token_hex(5)}"


def marked(kind="text"):
    """A value for a field of this kind holding a new marker; "canary" is a word every search
    backend matches (PostgreSQL's full-text search does not match a prefix of a word)."""
    marker = new_marker()
    if kind == "url":
        return f"https://example.org/{marker}"
    if kind == "email":
        return f"{marker.lower()}@example.org"
    if kind == "domains":
        return f"{marker.lower()}.example.nhs.uk"
    return f"{marker} canary"


@dataclass(frozen=True)
class Marker:
    source: str  # "app.Model.field #pk" (two, comma-separated, for text copied elsewhere)
    readers: frozenset


@dataclass
class Markers:
    """Every marker of the world, with where it lives and who may read it."""

    by_marker: dict = field(default_factory=dict)  # the marker, in lower case → Marker

    def find(self, text):
        """The markers of the world in a text (e-mail addresses hold them in lower case)."""
        return sorted({m.lower() for m in MARKER.findall(text)} & self.by_marker.keys())

    def fields(self):
        """{"app.Model.field"} of every field that holds a marker."""
        return {
            source.split(" #")[0]
            for m in self.by_marker.values()
            for source in m.source.split(", ")
        }


def _kind(f):
    if isinstance(f, models.URLField):
        return "url"
    if isinstance(f, models.EmailField):
        return "email"
    if f.name == "approved_email_domains":
        return "domains"
    return "text"


def plant(readers):
    """Give every registered field of every object a marker (keeping one it was created with
    through a service, so that the e-mails that service wrote carry it too) and return the
    Markers with who may read each. Markers are written with update(): no service runs, so
    nothing changes but the text."""
    sources = {}  # marker → [(model, field name, pk)]
    for label, fields in REGISTRY.items():
        model = apps.get_model(label)
        for obj in model.objects.all():
            changes = {}
            for name in fields:
                found = MARKER.search(getattr(obj, name) or "")
                if not found:
                    f = model._meta.get_field(name)
                    changes[name] = marked(_kind(f))[: f.max_length]
                    found = MARKER.search(changes[name])
                sources.setdefault(found.group().lower(), []).append((model, name, obj.pk))
            if changes:
                model.objects.filter(pk=obj.pk).update(**changes)
    # Who may read each is decided once every text is in place. Text copied from one object
    # to another (the same marker twice) may be read by either's readers.
    markers = Markers()
    for marker, places in sources.items():
        who = frozenset().union(
            *(
                REGISTRY[model._meta.label][name](readers, model.objects.get(pk=pk))
                for model, name, pk in places
            )
        )
        source = ", ".join(f"{model._meta.label}.{name} #{pk}" for model, name, pk in places)
        markers.by_marker[marker] = Marker(source, who)
    return markers
