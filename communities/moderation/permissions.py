"""Who may report content, whichever app owns it."""


def can_report(user, obj, *, can_view):
    """Any signed-in person who may see it (`can_view`, the owning app's rule), while it is
    shown."""
    return user.is_authenticated and not obj.is_hidden and can_view(user, obj)
