"""Small queryset helpers shared by the apps' selectors."""


def filtered(qs, **lookups):
    """`qs` narrowed by each lookup that was given (a filter left empty is not applied).
    One `.filter()` a lookup, as written by hand: on a relation with many rows each one may
    match a different row."""
    for lookup, value in lookups.items():
        if value:
            qs = qs.filter(**{lookup: value})
    return qs
