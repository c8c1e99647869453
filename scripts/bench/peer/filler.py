"""Fill the peer's database (Indico) from our data, through the peer's own API: run by the
peer's Python with INDICO_CONFIG set (scripts/bench/peer/setup_peer.py does it).

    var/peer/venv/bin/python scripts/bench/peer/filler.py data.json filled.json

What it makes, with the peer's own operations (as its pages and `indico user create` do):
a category per network under the root, a subcategory per community (protected unless the
community is public), an event of the "meeting" type per meeting (same title, agenda, times,
place; protected unless the meeting is public; a cancelled one carries the peer's own
"Cancelled" label), created by a convener who manages them, as ours are; and a plain person
to sign in as. The events of the communities measured are made one by one through the
peer's create_event; the others, there for the scale, in bulk with the same rows. Writes the ids of what it made, for ours, and that person's password, to
filled.json. Imports nothing of the project: it runs in the peer's environment.
"""

import json
import secrets
import sys
import time
from datetime import datetime
from pathlib import Path

BATCH = 50  # events per commit: a longer session makes every flush slower


def make_person(first_name, last_name, username, password):
    from indico.core.db import db
    from indico.modules.auth import Identity
    from indico.modules.users.operations import create_user

    identity = Identity(provider="indico", identifier=username, password=password)
    user = create_user(
        f"{username}@example.org",
        {"first_name": first_name, "last_name": last_name, "affiliation": "Example Trust"},
        identity,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_categories(data):
    """A category per network under the root, a subcategory per community in its network's."""
    from indico.core.db.sqlalchemy.protection import ProtectionMode
    from indico.modules.categories import Category
    from indico.modules.categories.operations import create_category

    root = Category.get_root()
    networks = {
        row["id"]: create_category(root, {"title": row["name"], "description": row["description"]})
        for row in data["networks"]
    }
    communities = {}
    for row in data["communities"]:
        protection = ProtectionMode.inheriting if row["public"] else ProtectionMode.protected
        communities[row["id"]] = create_category(
            networks.get(row["network_id"], root),
            {"title": row["name"], "description": row["domain"], "protection_mode": protection},
        )
    return networks, communities


def event_data(row, creator):
    """What the peer's event form gives create_event for one of our meetings."""
    from indico.core.db.sqlalchemy.protection import ProtectionMode

    return {
        "title": row["title"],
        "description": row["agenda"],
        "start_dt": datetime.fromisoformat(row["starts_at"]),
        "end_dt": datetime.fromisoformat(row["ends_at"]),
        "timezone": "Europe/London",
        "location_data": {"inheriting": False, "address": row["venue"]},
        "protection_mode": ProtectionMode.inheriting if row["public"] else ProtectionMode.protected,
        "creator": creator,
    }


def make_events(rows, category_of, creator, cancelled):
    """Events through the peer's create_event, one at a time, as its pages make them.
    Returns {our meeting id: the event's id}."""
    from indico.core.db import db
    from indico.modules.events.models.events import EventType
    from indico.modules.events.operations import create_event

    events = {}
    for number, row in enumerate(rows, start=1):
        event = create_event(category_of(row), EventType.meeting, event_data(row, creator))
        if row["cancelled"]:
            event.label = cancelled
        events[row["id"]] = event.id
        if number % BATCH == 0:
            db.session.commit()
    db.session.commit()
    return events


def insert_events(rows, category_of, creator, cancelled):
    """Events written in bulk into the peer's tables, with the rows create_event writes for
    each (the event, its creator as manager, its timetable theme) but the two log entries,
    which no page measured reads: create_event makes 10 to 30 a second on this machine.
    Returns {our meeting id: the event's id}."""
    from indico.core.db import db
    from indico.core.db.sqlalchemy.principals import PrincipalType
    from indico.modules.events.models.events import Event, EventType
    from indico.modules.events.models.principals import EventPrincipal
    from indico.modules.events.models.settings import EventSetting

    ids = [
        n
        for (n,) in db.session.execute(
            "SELECT nextval('events.events_id_seq') FROM generate_series(1, :n)", {"n": len(rows)}
        )
    ]
    now = datetime.now().astimezone()
    events = []
    for event_id, row in zip(ids, rows, strict=True):
        data = event_data(row, creator)
        events.append(
            {
                **{key: data[key] for key in ("title", "description", "start_dt", "end_dt")},
                **{key: data[key] for key in ("timezone", "protection_mode")},
                "id": event_id,
                "category_id": category_of(row).id,
                "creator_id": creator.id,
                "type": EventType.meeting,
                "address": row["venue"],
                "label_id": cancelled.id if row["cancelled"] else None,
                "created_dt": now,
            }
        )
    for start in range(0, len(events), BATCH * 10):
        chunk = events[start : start + BATCH * 10]
        db.session.execute(Event.__table__.insert(), chunk)
        db.session.execute(
            EventPrincipal.__table__.insert(),
            [
                {
                    "event_id": e["id"],
                    "type": PrincipalType.user,
                    "user_id": creator.id,
                    "full_access": True,
                    "read_access": False,
                    "permissions": [],
                }
                for e in chunk
            ],
        )
        db.session.execute(
            EventSetting.__table__.insert(),
            [
                {
                    "event_id": e["id"],
                    "module": "layout",
                    "name": "timetable_theme",
                    "value": "standard",
                }
                for e in chunk
            ],
        )
    db.session.commit()
    return {row["id"]: event_id for event_id, row in zip(ids, rows, strict=True)}


def fill(data):
    """Everything the peer holds for the benchmark; the events of the communities measured
    (data["measured"]) through create_event, the others in bulk."""
    from flask import session
    from indico.core.db import db
    from indico.modules.events.models.labels import EventLabel

    convener = make_person("Robin", "Convener", "bench-convener", secrets.token_urlsafe(16))
    password = secrets.token_urlsafe(16)
    member = make_person("Avery", "Member", "bench-member", password)
    session.set_session_user(convener)  # the creator of what follows, as in the peer's pages
    networks, communities = make_categories(data)
    cancelled = EventLabel(title="Cancelled", color="red", is_event_not_happening=True)
    db.session.add(cancelled)
    db.session.commit()

    def category_of(row):
        return communities.get(row["community_id"]) or networks[row["network_id"]]

    measured = set(data["measured"])
    exact = [row for row in data["meetings"] if row["community_id"] in measured]
    bulk = [row for row in data["meetings"] if row["community_id"] not in measured]
    events = make_events(exact, category_of, convener, cancelled)
    print(f"  {len(exact):,} events through create_event", flush=True)
    events |= insert_events(bulk, category_of, convener, cancelled)
    print(f"  {len(bulk):,} events in bulk", flush=True)
    return {
        "categories": {str(k): c.id for k, c in communities.items()},
        "network_categories": {str(k): c.id for k, c in networks.items()},
        "events": {str(k): v for k, v in events.items()},
        "member": {"id": member.id, "username": "bench-member", "password": password},
    }


def main():
    data_path, out_path = sys.argv[1:3]
    data = json.loads(Path(data_path).read_text())
    from indico.web.flask.app import make_app

    app = make_app()
    started = time.monotonic()
    with app.test_request_context():
        filled = fill(data)
    filled["fill_s"] = round(time.monotonic() - started, 1)
    Path(out_path).write_text(json.dumps(filled))
    print(
        f"  {len(filled['categories']):,} community categories, "
        f"{len(filled['events']):,} events in {filled['fill_s']} s"
    )


if __name__ == "__main__":
    main()
