"""The meetings planner: meeting series and calendar feeds, meetings over the past year
and the next three months, registrations with their waiting lists and attendance, minutes
and action points.

Reads from the plan: communities (`com_*`, `active`, `leaders`), networks and their
managers. Adds to it: `com_series`, `feed_tokens`, `meeting_first` and `m_*` (per meeting:
community, network, start, end, created, cancelled, capacity, attendees).
"""

import bisect
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock

from devdata.scale.counts import DAY, FUTURE_DAYS, LONDON, PAST_DAYS, apportion
from devdata.scale.loader import as_utc
from devdata.scale.words import (
    ACTION_TEMPLATES,
    AGENDA_ITEMS,
    BODY_TEMPLATES,
    CANCEL_REASONS,
    MEETING_TITLES,
    PLACES,
)
from meetings.forms import MeetingForm
from meetings.models import ActionItem, CalendarFeed, Meeting, MeetingSeries, Minutes, Registration

# What a convener fills in comes from the meetings app's form; the rest its services set.
MEETING_COLUMNS = [
    "id",
    "community_id",
    "network_id",
    "series_id",
    *MeetingForm.Meta.fields,
    "status",
    "cancel_reason",
    "uid",
    "sequence",
    "created_by_id",
    "created_at",
    "updated_at",
]
REGISTRATION_COLUMNS = [
    "meeting_id",
    "user_id",
    "status",
    "waiting_since",
    "attended",
    "walk_in",
    "created_at",
    "updated_at",
]
MINUTES_COLUMNS = [
    "meeting_id",
    "notes",
    "decisions",
    "previous_minutes_agreed",
    "status",
    "published_at",
    "published_by_id",
    "updated_at",
]
ACTION_COLUMNS = [
    "community_id",
    "meeting_id",
    "description",
    "owner_id",
    "due_date",
    "status",
    "done_at",
    "closed_in_id",
    "created_at",
]
CADENCE_RATE = {
    "weekly": 4.0,
    "fortnightly": 2.0,
    "monthly": 1.0,
    "bimonthly": 0.5,
    "quarterly": 0.35,
    "ad-hoc": 0.6,
}
SERIES_DESCRIPTIONS = {
    "weekly": "every Tuesday, 12:30 to 13:30",
    "fortnightly": "every other Wednesday, 14:00 to 15:00",
    "monthly": "second Tuesday of every month, 14:00 to 16:00",
}


class MeetingsPlanner:
    # --- series and calendar feeds ----------------------------------------------------------

    def _plan_series(self):
        """A series of community meetings for the communities that meet often."""
        self.series_first = self.loader.next_id(MeetingSeries)
        self.com_series = [None] * len(self.com_created)
        rows = []
        for c, created in enumerate(self.com_created):
            if self.com_cadence[c] not in SERIES_DESCRIPTIONS:
                continue
            self.com_series[c] = self.series_first + len(rows)
            rows.append(
                (
                    self.com_series[c],
                    self.com_first + c,
                    "Community meeting",
                    SERIES_DESCRIPTIONS[self.com_cadence[c]],
                    self.user_first + self.leaders[c][0],
                    as_utc(max(created, self.now - PAST_DAYS * DAY)),
                )
            )
        return rows

    def _write_series(self, rows):
        return self.loader.insert(
            MeetingSeries,
            ["id", "community_id", "title", "description", "created_by_id", "created_at"],
            rows,
        )

    def _calendar_feeds(self):
        """Calendar feeds for one person in fifty, and for every leader (tokens from the
        seeded random: deterministic, and still unique)."""
        rng = self.rng
        feed_users = {u for leaders in self.leaders for u in leaders}
        feed_users |= {
            u for u in range(self.counts.users) if rng.random() < 0.02 and self.user_communities[u]
        }
        self.feed_tokens = {}
        for u in sorted(feed_users):
            self.feed_tokens[u] = f"{rng.getrandbits(192):048x}"
        return self.loader.insert(
            CalendarFeed,
            ["user_id", "token", "include_community_meetings", "created_at"],
            (
                (self.user_first + u, token, rng.random() < 0.3, self.now_dt - timedelta(days=5))
                for u, token in self.feed_tokens.items()
            ),
        )

    # --- meetings ---------------------------------------------------------------------------

    def meetings(self):
        """Meetings over the past year and the next three months, ids in time order, with
        their capacity decided from the registrations planned for them."""
        started = time.monotonic()
        plans = self._plan_meeting_times()
        self.meeting_first = self.loader.next_id(Meeting)
        # What later stages need about each meeting, by index.
        self.m_community = [c for _, c, _ in plans]
        self.m_network = [net for _, _, net in plans]
        self.m_start, self.m_end, self.m_created, self.m_cancelled = [], [], [], []
        rows = [self._meeting_row(i, ts, c, net) for i, (ts, c, net) in enumerate(plans)]
        self._plan_registrations()
        for row, capacity in zip(rows, self.m_capacity, strict=True):
            row["capacity"] = capacity
        written = self.loader.insert(
            Meeting, MEETING_COLUMNS, (tuple(row[c] for c in MEETING_COLUMNS) for row in rows)
        )
        self._stage(
            "meetings", started, meetings=written, network_events=self.m_community.count(None)
        )

    def _plan_meeting_times(self):
        """[(starts_ts, community or None, network or None)] in time order: each community's
        share follows its cadence, its size and how long it has been running."""
        rng, now = self.rng, self.now
        total = self.counts.meetings
        n_com = len(self.com_created)
        n_events = min(max(self.counts.networks, round(total * 0.01)), total // 4)
        windows = []
        for c in range(n_com):
            lo = max(self.com_created[c] + 7 * DAY, now - PAST_DAYS * DAY)
            hi = self.com_archived_at[c] or now + FUTURE_DAYS * DAY
            windows.append((lo, max(lo + DAY, hi)))
        weights = [
            CADENCE_RATE[self.com_cadence[c]]
            * max(1, len(self.active[c])) ** 0.35
            * (windows[c][1] - windows[c][0])
            for c in range(n_com)
        ]
        plans = []
        for c, k in enumerate(apportion(total - n_events, weights)):
            lo, hi = windows[c]
            plans.extend((rng.uniform(lo, hi), c, None) for _ in range(k))
        n_net = len(self.net_slugs)
        for i in range(n_events):
            ts = rng.uniform(now - PAST_DAYS * DAY, now + FUTURE_DAYS * DAY)
            plans.append((ts, None, i % n_net))
        plans.sort(key=lambda p: p[0])
        return plans

    def _meeting_when(self, ts, c):
        """Kind, start, end and when it was announced."""
        rng, now = self.rng, self.now
        day = datetime.fromtimestamp(ts, LONDON).date()
        if c is not None:
            kind = rng.choices(["meeting", "masterclass", "webinar"], [80, 10, 10])[0]
        else:
            kind = rng.choice(["sharing-day", "webinar", "launch", "masterclass"])
        hour, minute = rng.choice([(9, 30), (10, 0), (12, 30), (13, 0), (14, 0), (15, 0), (18, 0)])
        if kind == "sharing-day":
            hour, minute, minutes = 10, 0, 360
        else:
            minutes = {"masterclass": 180, "webinar": 60}.get(kind, rng.choice([60, 90, 120]))
        start = datetime.combine(day, clock(hour, minute), tzinfo=LONDON)
        end = start + timedelta(minutes=minutes)
        owner_created = self.com_created[c] if c is not None else now - 900 * DAY
        created = max(owner_created + 3600, start.timestamp() - rng.uniform(7, 60) * DAY)
        created = min(created, now - 3600)
        return kind, start, end, created

    def _meeting_row(self, i, ts, c, net):
        rng = self.rng
        kind, start, end, created = self._meeting_when(ts, c)
        fmt = rng.choices(["in-person", "online", "hybrid"], [35, 45, 20])[0]
        if kind == "webinar":
            fmt = "online"
        cancelled = rng.random() < 0.03
        uid = uuid.UUID(int=rng.getrandbits(128), version=4)
        if c is not None:
            creator = self.user_first + rng.choice(self.leaders[c])
            series = self.com_series[c] if kind == "meeting" and rng.random() < 0.6 else None
            public = rng.random() < 0.2
        else:
            creator = self.user_first + rng.choice(self.net_managers[net] or [0])
            series, public = None, rng.random() < 0.6
        agenda = "\n".join(
            "- " + self._fill(item) for item in rng.sample(AGENDA_ITEMS, rng.randint(3, 5))
        )
        place = f"Room {rng.randint(1, 12)}, {rng.choice(PLACES)} Centre"
        self.m_start.append(start.timestamp())
        self.m_end.append(end.timestamp())
        self.m_created.append(created)
        self.m_cancelled.append(cancelled)
        # By column, in the order the values are drawn (the title before the reason).
        return {
            "id": self.meeting_first + i,
            "community_id": None if c is None else self.com_first + c,
            "network_id": None if net is None else self.net_first + net,
            "series_id": series,
            "kind": kind,
            "title": self._fill(rng.choice(MEETING_TITLES[kind]))[:200],
            "agenda": agenda,
            "starts_at": start,
            "ends_at": end,
            "format": fmt,
            "venue": "" if fmt == "online" else place,
            "joining_link": ""
            if fmt == "in-person"
            else f"https://meet.example.org/{uid.hex[:12]}",
            "visibility": "public" if public else "members",
            "status": "cancelled" if cancelled else "scheduled",
            "cancel_reason": rng.choice(CANCEL_REASONS) if cancelled else "",
            "reminder_hours": 24,
            "uid": uid,
            "sequence": 1 if cancelled else 0,
            "created_by_id": creator,
            "created_at": as_utc(created),
            "updated_at": as_utc(created),
        }

    # --- registrations ----------------------------------------------------------------------

    def _plan_registrations(self):
        """How many people register for each meeting and how many of them cancel, and so
        the capacity: none for a quarter of meetings, room to spare for most, and too
        small for some (full, with a waiting list)."""
        rng = self.rng
        n = len(self.m_start)
        desire = self._plan_eligible()
        wanted = self.counts.registrations
        factor = wanted / max(1e-9, sum(desire))
        for _ in range(5):  # meetings capped by their eligible people leave more to others
            counts = [min(self.m_eligible[m], round(desire[m] * factor)) for m in range(n)]
            got = sum(counts)
            if got == 0 or abs(got - wanted) <= wanted * 0.002:
                break
            factor *= wanted / got
        self.m_count = counts
        self.m_gave_up, self.m_capacity = [], []
        for m in range(n):
            # About one in twenty cancels; the rest take places in the order they came.
            gave_up = sum(1 for _ in range(counts[m]) if rng.random() < 0.05)
            staying = counts[m] - gave_up
            r = rng.random()
            if r < 0.25 or staying == 0:
                capacity = None
            elif r < 0.85:
                capacity = 5 * max(2, -(-round(staying * rng.uniform(1.05, 2.0)) // 5))
            else:
                capacity = max(3, round(staying * rng.uniform(0.5, 0.9)))
            if self.m_community[m] is None and capacity is not None:
                capacity = max(capacity, 20)
            self.m_gave_up.append(gave_up)
            self.m_capacity.append(capacity)

    def _plan_eligible(self):
        """Who may register for each meeting: only people who had joined when it was
        announced (for a network's event, everyone active in its communities). Returns how
        much each meeting is wanted."""
        rng = self.rng
        net_people = [set() for _ in self.net_slugs]
        for c, active in enumerate(self.active):
            if self.com_net[c] is not None:
                net_people[self.com_net[c]].update(u for _, u in active)
        self.net_people = [sorted(p) for p in net_people]
        active_times = [[t for t, _ in active] for active in self.active]
        self.m_eligible, desire = [], []
        for m in range(len(self.m_start)):
            c = self.m_community[m]
            if c is None:
                self.m_eligible.append(len(self.net_people[self.m_network[m]]))
                desire.append(40 * rng.lognormvariate(0, 0.5))
            else:
                self.m_eligible.append(bisect.bisect_left(active_times[c], self.m_created[m]))
                desire.append(max(1, len(self.active[c])) ** 0.55 * rng.lognormvariate(0, 0.5))
        return desire

    def registrations(self):
        """Registrations in the order people came: registered while there is room, then
        up to twenty on the waiting list; capacity is never exceeded, and a waiting list
        exists only when a meeting is full. Attendance is recorded for most past meetings."""
        started = time.monotonic()
        self.m_attendees = [[] for _ in self.m_start]
        stats = {"registered": 0, "waiting": 0, "cancelled": 0}
        rows = (
            row
            for m, count in enumerate(self.m_count)
            for row in self._meeting_registrations(m, count, stats)
        )
        written = self.loader.insert(Registration, REGISTRATION_COLUMNS, rows)
        del self.net_people, self.m_eligible, self.m_count, self.m_gave_up
        self._stage(
            "registrations",
            started,
            registrations=written,
            **{f"registrations_{k}": v for k, v in stats.items()},
        )

    def _meeting_registrations(self, m, count, stats):
        """The rows of one meeting, in the order people came: the waiting list is first
        come, first served (the meetings app orders it by `waiting_since`)."""
        rng, now = self.rng, self.now
        c = self.m_community[m]
        if c is None:
            pool = self.net_people[self.m_network[m]]
            people = [pool[i] for i in rng.sample(range(len(pool)), count)]
        else:
            active = self.active[c]
            people = [active[i][1] for i in rng.sample(range(self.m_eligible[m]), count)]
        lo = self.m_created[m]
        hi = max(lo, min(self.m_start[m], now) - 60)
        times = sorted(rng.uniform(lo, hi) for _ in range(count))
        gave_up = set(rng.sample(range(count), self.m_gave_up[m]))
        capacity = self.m_capacity[m]
        recorded = self.m_end[m] < now and not self.m_cancelled[m] and rng.random() < 0.9
        attendees = self.m_attendees[m]
        taken = waiting = 0
        for i, (person, ts) in enumerate(zip(people, times, strict=True)):
            attended = waiting_since = None
            stamp = as_utc(ts)
            if i in gave_up:
                status = "cancelled"
            elif capacity is None or taken < capacity:
                status = "registered"
                taken += 1
                if recorded:
                    attended = rng.random() < 0.75
                    if attended:
                        attendees.append(person)
            elif waiting < 20:
                status, waiting_since = "waiting", stamp
                waiting += 1
            else:
                status = "cancelled"  # gave up waiting
            stats[status] += 1
            row = (status, waiting_since, attended, False, stamp, stamp)
            yield (self.meeting_first + m, self.user_first + person, *row)

    # --- minutes and action points ----------------------------------------------------------

    def minutes_and_actions(self):
        """Minutes for about half of the past meetings, most published; action points from
        them, the older ones mostly done (closed at the community's next meeting)."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        next_meeting = {}
        last_seen = {}
        for m in range(len(self.m_start) - 1, -1, -1):
            c = self.m_community[m]
            if c is not None:
                next_meeting[m] = last_seen.get(c)
                if not self.m_cancelled[m]:
                    last_seen[c] = m
        minutes_rows, action_rows = [], []
        for m, c in enumerate(self.m_community):
            if c is None or self.m_cancelled[m] or self.m_end[m] >= now or rng.random() > 0.55:
                continue
            minutes_rows.append(self._minutes_row(m, c))
            owners = self.m_attendees[m] or self.leaders[c]
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                action_rows.append(self._action_row(m, c, owners, next_meeting.get(m)))
        minutes = self.loader.insert(Minutes, MINUTES_COLUMNS, minutes_rows)
        actions = self.loader.insert(ActionItem, ACTION_COLUMNS, action_rows)
        del self.m_attendees
        self._stage("minutes and actions", started, minutes=minutes, action_items=actions)

    def _minutes_row(self, m, c):
        rng, now = self.rng, self.now
        convener = self.user_first + self.leaders[c][0]
        published_ts = self.m_end[m] + rng.uniform(0.5, 10) * DAY
        published = published_ts < now and rng.random() < 0.9
        return (
            self.meeting_first + m,
            self._sentences(BODY_TEMPLATES, rng.randint(2, 4), noun="discussion"),
            "\n".join(
                self._fill("Pilot the {topic} checklist in {setting}")
                for _ in range(rng.randint(1, 3))
            ),
            rng.random() < 0.8,
            "published" if published else "draft",
            as_utc(published_ts) if published else None,
            convener if published else None,
            as_utc(min(published_ts, now - 60)),
        )

    def _action_row(self, m, c, owners, closing):
        rng, now = self.rng, self.now
        today = datetime.fromtimestamp(now, LONDON).date()
        due = datetime.fromtimestamp(self.m_start[m], LONDON).date() + timedelta(
            days=rng.randint(14, 56)
        )
        done = due < today and rng.random() < 0.7
        closed_in = (
            self.meeting_first + closing
            if done and closing is not None and self.m_start[closing] < now
            else None
        )
        done_ts = self.m_start[closing] if closed_in else self.m_end[m] + rng.uniform(3, 40) * DAY
        return (
            self.com_first + c,
            self.meeting_first + m,
            self._fill(rng.choice(ACTION_TEMPLATES))[:500],
            self.user_first + rng.choice(owners),
            due,
            "done" if done else "open",
            as_utc(min(done_ts, now - 60)) if done else None,
            closed_in,
            as_utc(min(self.m_end[m] + DAY, now - 60)),
        )
