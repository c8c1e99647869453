"""The seeder: runs the planners in order, in one transaction, and sums up what it made."""

import random
import time
from datetime import UTC

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from devdata.scale.communities import CommunitiesPlanner
from devdata.scale.counts import EMAIL_DOMAIN
from devdata.scale.discussions import DiscussionsPlanner
from devdata.scale.evaluation import EvaluationPlanner
from devdata.scale.knowledge import KnowledgePlanner
from devdata.scale.loader import Loader
from devdata.scale.meetings import MeetingsPlanner
from devdata.scale.people import PeoplePlanner
from devdata.scale.words import Words


class ScaleSeeder(
    PeoplePlanner,
    CommunitiesPlanner,
    MeetingsPlanner,
    KnowledgePlanner,
    DiscussionsPlanner,
    EvaluationPlanner,
):
    """Plans the data set in memory (ids, who is where, when) and writes it table by table.

    Each planner (people, communities, meetings, knowledge, discussions, evaluation) plans
    and writes its domain's tables, in the order of `_steps`; what they share is on the
    seeder (the plan).

    `log(stage, counts, seconds)` is called once per stage.
    """

    def __init__(self, counts, *, seed=2026, using=DEFAULT_DB_ALIAS, now=None, log=None):
        self.counts = counts
        self.rng = random.Random(seed)  # nosec B311  # invented data, reproducible by seed: not security
        self.using = using
        self.connection = connections[using]
        self.now_dt = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
        self.now = self.now_dt.timestamp()
        self.loader = Loader(self.connection, self.now_dt)
        self.log = log or (lambda *args: None)
        self.rows = {}
        self.timings = {}

    # helpers

    def _stage(self, name, started, **counts):
        seconds = time.monotonic() - started
        self.timings[name] = seconds
        for key, value in counts.items():
            self.rows[key] = self.rows.get(key, 0) + value
        self.log(name, counts, seconds)

    def _fill(self, template, **extra):
        return template.format_map(Words(self.rng, extra))

    def _sentences(self, templates, count, **extra):
        return " ".join(self._fill(self.rng.choice(templates), **extra) for _ in range(count))

    # the plan and the writes

    def _steps(self):
        steps = [
            self.organisations,
            self.networks_and_communities,
            self.plan_people_and_memberships,
            self.people,
            self.memberships,
            self.community_history,
            self.meetings,
            self.registrations,
            self.minutes_and_actions,
            self.resources,
            self.library_activity,
            self.search_vectors,
            self.discussions,
            self.discussion_activity,
            self.discussion_notifications,
            self.discussion_search_vectors,
            # Last of those that draw random choices: the data before them stays as it was.
            self.value_tags,
            self.surveys,
            self.survey_answers,
            self.community_copies,
        ]
        for step in steps:
            step()
        self.loader.reset_sequences()

    def run(self):
        started = time.monotonic()
        with transaction.atomic(using=self.using):
            postgres = self.connection.vendor == "postgresql"
            if postgres:
                # Foreign keys are checked as each table is written rather than all at the
                # commit: the same checks, counted in the stage that needs them, and no
                # queue of millions of pending checks.
                with self.connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._steps()
            if postgres:  # as Django declares them, for whatever else the transaction holds
                with self.connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            commit = time.monotonic()
        self._stage("commit", commit)
        self.analyze()
        self.timings["total"] = time.monotonic() - started
        return self.summary()

    # stages that span two planners

    def plan_people_and_memberships(self):
        """Who the people are and where they belong, in memory: a convener's sign-up date
        moves earlier when they start a community, so people are written after this."""
        started = time.monotonic()
        self._plan_people()
        self._plan_memberships()
        self._stage("plan people, memberships", started)

    def community_history(self):
        """Phase changes up to each community's phase, charters, meeting series, and
        calendar feeds for some people."""
        started = time.monotonic()
        phase_rows, charter_rows = self._plan_phases_and_charters()
        series_rows = self._plan_series()
        phases, charters = self._write_phases_and_charters(phase_rows, charter_rows)
        series = self._write_series(series_rows)
        feeds = self._calendar_feeds()
        self._stage(
            "community history",
            started,
            phase_changes=phases,
            charter_versions=charters,
            meeting_series=series,
            calendar_feeds=feeds,
        )

    def analyze(self):
        """Fresh planner statistics (and a vacuum, after the UPDATE) when not inside an
        outer transaction."""
        if self.connection.vendor != "postgresql" or self.connection.in_atomic_block:
            return
        started = time.monotonic()
        with self.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self._stage("vacuum analyze", started)

    def summary(self):
        largest_net = max(
            range(len(self.net_slugs)),
            key=lambda n: sum(len(a) for c, a in enumerate(self.active) if self.com_net[c] == n),
        )
        keen = max(range(self.counts.users), key=lambda u: len(self.user_communities[u]))
        largest = max(range(len(self.active)), key=lambda c: len(self.active[c]))
        convener = self.leaders[largest][0]
        member = next(
            (
                u
                for _, u in self.active[largest]
                if u not in self.leaders[largest] and u not in self.manager_set
            ),
            convener,
        )
        return {
            "rows": self.rows,
            "timings": self.timings,
            "largest_community": (self.com_slugs[largest], len(self.active[largest])),
            "largest_network": (
                self.net_slugs[largest_net],
                sum(1 for n in self.com_net if n == largest_net),
            ),
            "accounts": {
                "programme manager of the largest network": self._email(
                    self.net_managers[largest_net][0]
                )
                if self.net_managers[largest_net]
                else None,
                "convener of the largest community": self._email(convener),
                "member of the largest community": self._email(member),
                f"member of {len(self.user_communities[keen])} communities": self._email(keen),
            },
            "calendar_token": self.feed_tokens.get(convener),
            "long_thread": (
                None
                if self.big_thread is None
                else (self.disc_first + self.big_thread, self.d_replies[self.big_thread])
            ),
        }

    @staticmethod
    def _email(u):
        return f"user{u + 1}@{EMAIL_DOMAIN}"
