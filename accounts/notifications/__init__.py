"""The in-app notification centre: what happened that concerns a person, kept for them to
read on /notifications/ and, by their choice for each kind, e-mailed at once, gathered in
the digest, or not e-mailed at all.

registry.py   the kinds of notification (higher apps register theirs at start-up)
models.py     Notification (one per recipient and event) and NotificationSetting (a
              person's channel for one kind; no row means the kind's default)
selectors.py  reads: channels, the page's groups, the unread count behind the bell
services.py   notify() and the writes a person makes (mark read, settings)
"""
