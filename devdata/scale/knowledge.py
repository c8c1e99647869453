"""The knowledge planner: resources with their text and topics, adoptions, useful marks,
comments and stories; the copies the library keeps are filled in by the knowledge app's own
code (the search vector, each adoption's copy of its resource's community).

Reads from the plan: communities (`com_*`, `active`, `leaders`, `user_communities`),
networks and their managers, organisations. Adds to it: `res_first` and `r_*` (per
resource: created, community, network, kind, visibility, hidden).
"""

import bisect
import itertools
import time
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from taggit.models import TaggedItem

from devdata.scale.counts import (
    COMMENTS_PER_RESOURCE,
    DAY,
    LONDON,
    STORIES_PER_COMMUNITY,
    USEFUL_PER_RESOURCE,
    USER_HISTORY_DAYS,
    apportion,
    zipf_cum_weights,
)
from devdata.scale.loader import as_utc, search_indexes_rebuilt
from devdata.scale.words import (
    BODY_TEMPLATES,
    KIND_NOUNS,
    KIND_WEIGHTS,
    LICENCES,
    RARE_TEMPLATES,
    RARE_TERMS,
    SUMMARY_TEMPLATES,
    TITLE_TEMPLATES,
    VERY_RARE_TERMS,
)
from knowledge.models import Adoption, Comment, Resource, Story, UsefulMark
from knowledge.services import RESOURCE_FIELDS, STORY_FIELDS, search_vector_update

# The fields a person writes come from the knowledge app (RESOURCE_FIELDS ends with the
# review date); the rest is what its services set.
RESOURCE_COLUMNS = [
    "id",
    "community_id",
    "network_id",
    *RESOURCE_FIELDS,
    "owner_id",
    "review_reminded_for",
    "status",
    "hidden_reason",
    "hidden_by_id",
    "hidden_at",
    "adoption_count",
    "useful_count",
    "created_at",
    "updated_at",
]
STORY_COLUMNS = ["id", "community_id", "author_id", *STORY_FIELDS, "created_at"]


class KnowledgePlanner:
    # --- resources --------------------------------------------------------------------------

    def resources(self):
        """Resources with their text; counters come from the adoptions and marks planned
        here, before the resources are written."""
        started = time.monotonic()
        rng = self.rng
        plans = self._plan_resource_owners()
        self.res_first = self.loader.next_id(Resource)
        self.r_created = [p[0] for p in plans]
        self.r_community = [p[1] for p in plans]
        self.r_network = [p[2] for p in plans]
        kinds = list(KIND_WEIGHTS)
        kind_cum = list(itertools.accumulate(KIND_WEIGHTS.values()))
        self.r_kind = [rng.choices(kinds, cum_weights=kind_cum)[0] for _ in plans]
        self.r_visibility = [
            rng.choices(["members", "signed-in", "public"], [45, 40, 15])[0] for _ in plans
        ]
        self.r_hidden = [rng.random() < 0.005 for _ in plans]
        adoptions, useful, comments = self._plan_library_activity()
        adoption_count = [0] * len(plans)
        useful_count = [0] * len(plans)
        for row in adoptions:
            adoption_count[row[0]] += 1
        for row in useful:
            useful_count[row[0]] += 1
        self._res_type = ContentType.objects.db_manager(self.using).get_for_model(Resource).pk
        tag_rows = []
        counted = zip(adoption_count, useful_count, strict=True)
        rows = (
            self._resource_row(r, plan, tag_rows, counts)
            for r, (plan, counts) in enumerate(zip(plans, counted, strict=True))
        )
        written = self.loader.insert(Resource, RESOURCE_COLUMNS, rows)
        tags = self.loader.insert(TaggedItem, ["content_type_id", "object_id", "tag_id"], tag_rows)
        self._library = (adoptions, useful, comments)
        self._stage("resources", started, resources=written, resource_tags=tags)

    def _plan_resource_owners(self):
        """[(created_ts, community, network, owner)] in time order: communities share in
        proportion to their size; a few resources belong to a network."""
        rng, now = self.rng, self.now
        total = self.counts.resources
        n_network = min(total // 10, max(self.counts.networks, round(total * 0.03)))
        per = apportion(total - n_network, [max(1, len(a)) ** 0.8 for a in self.active])
        plans = []
        for c, k in enumerate(per):
            lo = max(self.com_created[c] + DAY, now - USER_HISTORY_DAYS * DAY)
            hi = self.com_archived_at[c] or now - 600
            times = self.active[c]
            stamps = [t for t, _ in times]
            for _ in range(k):
                ts = lo + (hi - lo) * rng.random() ** 0.7
                known = bisect.bisect_right(stamps, ts)
                owner = times[rng.randrange(known)][1] if known else self.leaders[c][0]
                plans.append((ts, c, None, owner))
        for i in range(n_network):
            net = i % len(self.net_slugs)
            owner = rng.choice(self.net_managers[net]) if self.net_managers[net] else 0
            plans.append((now - rng.uniform(1, USER_HISTORY_DAYS) * DAY, None, net, owner))
        plans.sort(key=lambda p: p[0])
        return plans

    def _resource_text(self, r):
        """Title, summary and body, with now and then a rare term."""
        rng = self.rng
        noun = KIND_NOUNS[self.r_kind[r]]
        words = {"noun": noun, "Noun": noun[:1].upper() + noun[1:]}
        title = self._fill(rng.choice(TITLE_TEMPLATES), **words)[:200]
        summary = self._sentences(SUMMARY_TEMPLATES, 2, **words)
        paragraphs = [
            self._sentences(BODY_TEMPLATES, rng.randint(2, 4), **words)
            for _ in range(rng.randint(2, 3))
        ]
        chance = rng.random()
        if chance < 0.001:
            paragraphs.append(
                self._fill(rng.choice(RARE_TEMPLATES), rare=rng.choice(VERY_RARE_TERMS))
            )
        elif chance < 0.021:
            paragraphs.append(self._fill(rng.choice(RARE_TEMPLATES), rare=rng.choice(RARE_TERMS)))
        return title, summary, "\n\n".join(paragraphs)

    def _resource_row(self, r, plan, tag_rows, counts):
        """The row of RESOURCE_COLUMNS; its topics go to tag_rows."""
        rng, now = self.rng, self.now
        ts, c, net, owner = plan
        kind = self.r_kind[r]
        title, summary, body = self._resource_text(r)
        created = as_utc(ts)
        review = reminded = None
        if rng.random() < 0.6:
            review = (created + timedelta(days=rng.randint(180, 900))).date()
            # Reviews already due were reminded about: a fresh data set should not send
            # thousands of reminders the first time the job runs.
            reminded = review if review <= datetime.fromtimestamp(now, LONDON).date() else None
        hidden = self.r_hidden[r]
        leader = self.leaders[c][0] if c is not None else owner
        for tag in self._topic_tags("", rng.randint(1, 3)):
            tag_rows.append((self._res_type, self.res_first + r, tag))
        return (
            self.res_first + r,
            None if c is None else self.com_first + c,
            None if net is None else self.net_first + net,
            title,
            summary,
            body,
            kind,
            f"https://www.example.org/resources/{r + 1}" if kind == "link" else "",
            rng.choice(LICENCES),
            self.r_visibility[r],
            review,
            self.user_first + owner,
            reminded,
            "hidden" if hidden else "published",
            "Shares personal details of a patient." if hidden else "",
            self.user_first + leader if hidden else None,
            as_utc(min(ts + 3 * DAY, now - 60)) if hidden else None,
            *counts,
            created,
            created,
        )

    # --- adoptions, useful marks, comments ---------------------------------------------------

    def _plan_library_activity(self):
        """Adoptions, useful marks and comments: popular resources get most of them, and
        people act on resources of their own communities (or, for resources seen beyond
        the community, of the same network)."""
        n = len(self.r_created)
        visible = [r for r in range(n) if not self.r_hidden[r]]
        self.rng.shuffle(visible)
        self._visible = visible
        self._popular_cum = zipf_cum_weights(len(visible), exponent=0.9, offset=10.0)
        self._net_communities = {}
        for c, net in enumerate(self.com_net):
            if net is not None and self.active[c]:
                self._net_communities.setdefault(net, []).append(c)
        adoptions = self._plan_adoptions()
        useful = self._plan_useful_marks()
        comments = self._plan_comments()
        del self._visible, self._popular_cum, self._net_communities
        return adoptions, useful, comments

    def _pick_people(self, r):
        """Members of the resource's community; for a resource seen beyond it, now and
        then members of another community of the same network."""
        rng = self.rng
        c, net = self.r_community[r], self.r_network[r]
        if c is not None:
            beyond = self.r_visibility[r] != "members" and self.com_visibility[c] != "private"
            if beyond and rng.random() < 0.3:
                net = self.com_net[c]
            elif self.active[c]:
                return self.active[c]
        if net is not None and self._net_communities.get(net):
            return self.active[rng.choice(self._net_communities[net])]
        return self.active[c] if c is not None else None

    def _popular(self, k):
        visible = self._visible
        picks = self.rng.choices(range(len(visible)), cum_weights=self._popular_cum, k=k)
        return [visible[i] for i in picks]

    def _popular_with_someone(self, k):
        """`k` popular resources (as _popular), each with one person who may take part in it
        (those that reach nobody are skipped): (resource, person) pairs."""
        for r in self._popular(k) if self._visible else []:
            people = self._pick_people(r)
            if people:
                yield r, self.rng.choice(people)[1]

    def _when(self, r):
        lo = self.r_created[r]
        return as_utc(lo + (self.now - 60 - lo) * self.rng.random())

    def _plan_adoptions(self):
        rng = self.rng
        adoptions, seen = [], set()
        target = self.counts.adoptions
        attempts = 0
        while len(adoptions) < target and attempts < target * 4 and self._visible:
            batch = self._popular(min(10_000, (target - len(adoptions)) * 2))
            for r in batch:
                attempts += 1
                people = self._pick_people(r)
                if not people:
                    continue
                u = rng.choice(people)[1]
                mine = self.user_communities[u]
                community = rng.choice(mine) if mine and rng.random() < 0.4 else None
                org = self.user_org[u] if community is None or rng.random() < 0.4 else None
                key = (r, org, community)
                if key in seen:
                    continue
                seen.add(key)
                adoptions.append(
                    (
                        r,
                        None if org is None else self.org_ids[org],
                        None if community is None else self.com_first + community,
                        self._fill("We use it in {setting} to {verb} {outcome}."),
                        self.user_first + u,
                        self._when(r),
                    )
                )
                if len(adoptions) >= target:
                    break
        return adoptions

    def _plan_useful_marks(self):
        useful, marked = [], set()
        target = round(self.counts.resources * USEFUL_PER_RESOURCE)
        for r, u in self._popular_with_someone(target):
            if (r, u) in marked:
                continue
            marked.add((r, u))
            useful.append((r, u, self._when(r)))
        return useful

    def _plan_comments(self):
        comments = []
        target = round(self.counts.resources * COMMENTS_PER_RESOURCE)
        for r, u in self._popular_with_someone(target):
            body = self._fill(
                "We tried this in {setting}: the part on {topic} was the most useful."
            )
            comments.append((r, u, body, self._when(r)))
        return comments

    # --- writing the library's activity ------------------------------------------------------

    def library_activity(self):
        started = time.monotonic()
        adoptions, useful, comments = self._library
        del self._library
        first = self.res_first
        adopted = self.loader.insert(
            Adoption,
            [
                "resource_id",
                "organisation_id",
                "community_id",
                "note",
                "adopted_by_id",
                "created_at",
            ],
            ((first + r, org, com, note, user, ts) for r, org, com, note, user, ts in adoptions),
        )
        # Written around Adoption.save(): the copy of the resource's community is filled in
        # by the knowledge app's own rule.
        Adoption.objects.using(self.using).filter(resource_id__gte=first).resource_community_copy()
        marks = self.loader.insert(
            UsefulMark,
            ["resource_id", "user_id", "created_at"],
            ((first + r, self.user_first + u, ts) for r, u, ts in useful),
        )
        commented = self.loader.insert(
            Comment,
            ["resource_id", "author_id", "body", "created_at"],
            ((first + r, self.user_first + u, body, ts) for r, u, body, ts in comments),
        )
        story_rows, links = self._plan_stories()
        stories = self.loader.insert(Story, STORY_COLUMNS, story_rows)
        linked = self.loader.insert(Story.resources.through, ["story_id", "resource_id"], links)
        self._stage(
            "library activity",
            started,
            adoptions=adopted,
            useful_marks=marks,
            comments=commented,
            stories=stories,
            story_resources=linked,
        )

    def _plan_stories(self):
        """Stories of changed practice, each citing resources of its community."""
        rng, now = self.rng, self.now
        by_community = {}
        for r, c in enumerate(self.r_community):
            if c is not None and not self.r_hidden[r]:
                by_community.setdefault(c, []).append(r)
        story_first = self.loader.next_id(Story)
        story_rows, links = [], []
        for c, active in enumerate(self.active):
            if not active:
                continue
            for _ in range(rng.randint(0, 2 * STORIES_PER_COMMUNITY)):
                author = rng.choice(active)
                ts = author[0] + (now - 60 - author[0]) * rng.random()
                sid = story_first + len(story_rows)
                story_rows.append(
                    (
                        sid,
                        self.com_first + c,
                        self.user_first + author[1],
                        self._fill("How {setting} changed {topic}")[:200],
                        self._sentences(BODY_TEMPLATES, 2, noun="change"),
                        self._fill("We learnt that {topic} needs everyone at {moment}."),
                        self._fill("{Audience} now review {topic} together every week."),
                        self._fill("Fewer {outcome} in the first six months."),
                        "We now count conversations held, not leaflets handed out.",
                        rng.choices(["members", "signed-in", "public"], [40, 40, 20])[0],
                        as_utc(ts),
                    )
                )
                mine = by_community.get(c, [])
                for r in rng.sample(mine, min(len(mine), rng.randint(0, 2))):
                    links.append((sid, self.res_first + r))
        return story_rows, links

    def search_vectors(self):
        """The weighted search vector, filled in one UPDATE by the service's own function,
        its GIN index built again after (loader.search_indexes_rebuilt)."""
        started = time.monotonic()
        if self.connection.vendor != "postgresql":
            self._stage("search vectors", started)  # SQLite searches the columns directly
            return
        with search_indexes_rebuilt(self.connection, [Resource]) as rebuilt:
            search_vector_update(
                resource_ids=Resource.objects.using(self.using)
                .filter(pk__gte=self.res_first)
                .values("pk")
            )
        self._stage("search vectors", started, search_indexes_rebuilt=rebuilt)
