"""The communities planner: networks, communities and their topics, memberships (who
belongs where, with which role), phase history and charters; and, once every row is
written, the copies the communities app keeps, rebuilt by its own service.

Reads from the plan: people (`user_first`, `user_joined`). Adds to it: `net_first`,
`net_regions`, `net_slugs`, `sizes`, `com_*` (per community: network, created, slug,
theme, phase, visibility, policy, cadence, archived), `tag_ids`, `active`, `leaders`,
`user_communities`.
"""

import itertools
import time

from django.contrib.contenttypes.models import ContentType
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from accounts.models import Region
from communities.forms import CharterForm
from communities.models import (
    CharterVersion,
    Community,
    CommunityRegion,
    Membership,
    Network,
    PhaseChange,
)
from communities.services import community_copies_rebuild
from devdata.scale.counts import (
    COMMUNITY_AGE_DAYS,
    DAY,
    LARGEST_TO_AVERAGE,
    LOCAL_REGIONS,
    SLUG_PREFIX,
    shifted_zipf_sizes,
    zipf_cum_weights,
)
from devdata.scale.loader import as_utc
from devdata.scale.words import (
    COMMUNITY_THEMES,
    NEEDS,
    NETWORK_AREAS,
    NETWORK_THEMES,
    OFFERS,
    PLACES,
    SETTINGS_WORDS,
    TOPIC_CUM,
    TOPICS,
)

COMMUNITY_COLUMNS = [
    "id",
    "network_id",
    "name",
    "slug",
    "domain",
    "practice",
    "who_we_are",
    "phase",
    "visibility",
    "join_policy",
    "cadence",
    "status",
    "archive_note",
    "archived_at",
    "created_at",
]
MEMBERSHIP_COLUMNS = [
    "community_id",
    "user_id",
    "role",
    "status",
    "request_note",
    "decision_message",
    "decided_by_id",
    "removed_reason",
    "joined_at",
    "requested_at",
    "created_at",
    "needs",
    "needs_topics",
    "offers",
    "offers_topics",
]
# The charter's text, as the communities app asks for it.
CHARTER_COLUMNS = ["community_id", "number", *CharterForm.Meta.fields, "author_id", "created_at"]


class CommunitiesPlanner:
    # --- networks and communities ----------------------------------------------------------

    def networks_and_communities(self):
        started = time.monotonic()
        net_names = self._plan_networks()
        self._plan_community_networks()
        rows = self._plan_communities()
        networks = self.loader.insert(
            Network,
            ["id", "name", "slug", "description", "created_at"],
            self._network_rows(net_names),
        )
        communities = self.loader.insert(Community, COMMUNITY_COLUMNS, rows)
        regions = self.loader.insert(
            CommunityRegion,
            ["community_id", "region"],
            (
                (
                    self.com_first + c,
                    self.net_regions[net] if net is not None else Region.NATIONAL.value,
                )
                for c, net in enumerate(self.com_net)
            ),
        )
        tagged = self._community_topics()
        self._stage(
            "networks and communities",
            started,
            networks=networks,
            communities=communities,
            community_regions=regions,
            community_tags=tagged,
        )

    def _plan_networks(self):
        """Networks: area and theme; the first is the largest. Returns their names."""
        n_net = self.counts.networks
        net_names = []
        for i in range(n_net):
            area = NETWORK_AREAS[i % len(NETWORK_AREAS)]
            theme = NETWORK_THEMES[(i * 3 + i // len(NETWORK_AREAS)) % len(NETWORK_THEMES)]
            round_ = i // (len(NETWORK_AREAS) * len(NETWORK_THEMES))
            net_names.append(f"{area} {theme}" + (f" {round_ + 1}" if round_ else ""))
        self.net_first = self.loader.next_id(Network)
        self.net_regions = [self.rng.choice(LOCAL_REGIONS) for _ in range(n_net)]
        self.net_slugs = [SLUG_PREFIX + slugify(name) for name in net_names]
        return net_names

    def _network_rows(self, net_names):
        created = as_utc(self.now - (COMMUNITY_AGE_DAYS[1] + 30) * DAY)
        for i, name in enumerate(net_names):
            description = self._fill(
                "A programme of communities of practice on {topic}, {topic2} and "
                "patient safety across the area."
            )
            yield (self.net_first + i, name, self.net_slugs[i], description, created)

    def _plan_community_networks(self):
        """Communities' sizes (largest first), and the network of each."""
        rng, counts = self.rng, self.counts
        n_net, n_com = counts.networks, counts.communities
        users = max(1, counts.users)
        self.sizes = shifted_zipf_sizes(
            min(counts.memberships, users * n_com),
            n_com,
            largest=LARGEST_TO_AVERAGE * counts.memberships / max(1, n_com),
            floor=min(users, 4),
            ceiling=users,
        )
        net_weights = zipf_cum_weights(n_net, exponent=1.0, offset=2.0)
        others = list(range(1, n_com))
        rng.shuffle(others)
        self.com_net = [0] * n_com
        for i, c in enumerate(others):
            if i < n_net - 1:
                self.com_net[c] = i + 1  # every network has at least one community
            elif rng.random() < 0.02:
                self.com_net[c] = None  # a few stand alone
            else:
                self.com_net[c] = rng.choices(range(n_net), cum_weights=net_weights)[0]

    def _plan_communities(self):
        """Each community's name, age, phase and policies; returns the rows to write."""
        themes = list(itertools.product(COMMUNITY_THEMES, PLACES))
        self.rng.shuffle(themes)
        for name in ("created", "slugs", "theme", "archived_at", "policy", "cadence"):
            setattr(self, f"com_{name}", [])
        self.com_first = self.loader.next_id(Community)
        rows = [self._community_row(c, themes) for c in range(self.counts.communities)]
        self.com_phase = [row[7] for row in rows]
        self.com_visibility = [row[8] for row in rows]
        return rows

    def _community_row(self, c, themes):
        rng, now, n_com = self.rng, self.now, self.counts.communities
        youngest, oldest = COMMUNITY_AGE_DAYS
        theme, place = themes[c % len(themes)]
        name = f"{theme} ({place})" + (f" {c // len(themes) + 1}" if c >= len(themes) else "")
        rank = c / max(1, n_com - 1)
        age = youngest + (oldest - youngest) * (1 - rank) ** 0.7 * rng.uniform(0.75, 1.0)
        created = now - oldest * DAY if c == 0 else now - age * DAY
        phase = (
            "discover"
            if age < 120
            else "unite"
            if age < 300
            else "mature"
            if age < 550
            else rng.choice(["mature", "steward", "steward", "transform"])
        )
        visibility, policy = self._community_access(c)
        archived = c > n_com * 0.8 and rng.random() < 0.08
        archived_at = now - rng.uniform(10, 50) * DAY if archived else None
        cadence = rng.choices(
            ["weekly", "fortnightly", "monthly", "bimonthly", "quarterly", "ad-hoc"],
            [5, 15, 50, 15, 10, 5],
        )[0]
        slug = SLUG_PREFIX + slugify(name)
        self.com_slugs.append(slug)
        self.com_created.append(created)
        self.com_theme.append(theme)
        self.com_archived_at.append(archived_at)
        self.com_policy.append(policy)
        self.com_cadence.append(cadence)
        net = self.com_net[c]
        return (
            self.com_first + c,
            None if net is None else self.net_first + net,
            name,
            slug,
            *self._community_text(place),
            phase,
            visibility,
            policy,
            cadence,
            "archived" if archived else "active",
            "Its members and resources moved to a neighbouring community." if archived else "",
            None if archived_at is None else as_utc(archived_at),
            as_utc(created),
        )

    def _community_access(self, c):
        """Visibility and join policy: the largest community is public and open."""
        rng = self.rng
        if c == 0:
            return "public", "open"
        visibility = rng.choices(["public", "listed", "private"], [35, 50, 15])[0]
        if visibility == "private":
            return visibility, rng.choices(["invitation", "approval"], [70, 30])[0]
        return visibility, rng.choices(["open", "approval", "invitation"], [45, 45, 10])[0]

    def _community_text(self, place):
        """Domain, practice and who we are."""
        domain = self._fill(
            "Reducing harm and improving care around {topic} in "
            + place
            + ", with {audience} from {setting} and beyond."
        )
        practice = self._fill(
            "Regular case reviews, shared templates on {topic} and {topic2}, and stories of "
            "what changed at {moment}."
        )
        who = self._fill("{Audience}, {audience2} and people with lived experience of {topic}.")
        return domain, practice, who

    def _community_topics(self):
        """Topics: tags shared with everything else, looked up by name."""
        tag_names = sorted({t.lower() for t in TOPICS} | {t.lower() for t in COMMUNITY_THEMES})
        self.tag_ids = self._tags(tag_names)
        com_type = ContentType.objects.db_manager(self.using).get_for_model(Community).pk
        return self.loader.insert(
            TaggedItem,
            ["content_type_id", "object_id", "tag_id"],
            (
                (com_type, self.com_first + c, tag)
                for c in range(self.counts.communities)
                for tag in self._topic_tags(self.com_theme[c].lower(), 2)
            ),
        )

    def _tags(self, names):
        tags = Tag.objects.using(self.using)
        found = dict(tags.filter(name__in=names).values_list("name", "pk"))
        for name in names:
            if name not in found:
                found[name] = tags.get_or_create(name=name)[0].pk
        return found

    def _topic_tags(self, first, extra):
        chosen = {first} if first else set()
        for topic in self.rng.choices(TOPICS, cum_weights=TOPIC_CUM, k=extra):
            chosen.add(topic.lower())
        return [self.tag_ids[t] for t in sorted(chosen)]

    # --- memberships -----------------------------------------------------------------------

    def _plan_memberships(self):
        """Who belongs where: everyone has a home community; keen people join many.

        Roles, statuses and dates: the convener started the community; people join after
        they signed up and after the community began, more of them recently."""
        members, member_sets = self._home_members()
        self._keen_members(members, member_sets)
        self.active = []  # per community: sorted [(joined_ts, user)] of active members
        self.leaders = []  # per community: [convener, co-conveners...]
        self.user_communities = [[] for _ in range(self.counts.users)]
        self._membership_rows = []
        for c in range(self.counts.communities):
            self._plan_community_members(c, members[c])

    def _home_members(self):
        """Home communities: each person once, in proportion to the communities' sizes."""
        rng, sizes = self.rng, self.sizes
        n_users, n_com = self.counts.users, self.counts.communities
        members = [[] for _ in range(n_com)]
        member_sets = [set() for _ in range(n_com)]
        order = list(range(n_users))
        rng.shuffle(order)
        total = max(1, sum(sizes))
        position = 0
        for c, size in enumerate(sizes):
            quota = min(size, int(size * n_users / total))
            for u in order[position : position + quota]:
                members[c].append((u, True))
                member_sets[c].add(u)
            position += quota
        rooms = [c for c in range(n_com) if len(members[c]) < sizes[c]]
        for u in order[position:]:
            if not rooms:
                break
            c = rng.choice(rooms)
            members[c].append((u, True))
            member_sets[c].add(u)
            if len(members[c]) >= sizes[c]:
                rooms.remove(c)
        return members, member_sets

    def _keen_members(self, members, member_sets):
        """The rest of each community: keen people are drawn far more often."""
        rng, n_users = self.rng, self.counts.users
        keen = list(range(n_users))
        rng.shuffle(keen)
        keen_cum = zipf_cum_weights(n_users, exponent=1.0, offset=max(1.0, n_users * 0.02))
        for c, size in enumerate(self.sizes):
            need = size - len(members[c])
            for _ in range(4):
                if need <= 0:
                    break
                for r in rng.choices(range(n_users), cum_weights=keen_cum, k=need + need // 4 + 4):
                    u = keen[r]
                    if u not in member_sets[c]:
                        members[c].append((u, False))
                        member_sets[c].add(u)
                        need -= 1
                        if need == 0:
                            break
            if need > 0:
                rest = [u for u in range(n_users) if u not in member_sets[c]]
                for u in rng.sample(rest, min(need, len(rest))):
                    members[c].append((u, False))
                    member_sets[c].add(u)

    def _plan_community_members(self, c, people):
        created = self.com_created[c]
        self.rng.shuffle(people)
        leads = 2 if len(people) < 40 else 3
        active, leaders = [], []
        for i, (u, _) in enumerate(people):
            role, status, joined_at, requested_at, rest = self._plan_member(c, people, i, leads)
            if status == "active":
                active.append((joined_at, u))
                self.user_communities[u].append(c)
                if role in ("convener", "co-convener"):
                    leaders.append(u)
            self._membership_rows.append(
                (
                    self.com_first + c,
                    self.user_first + u,
                    role,
                    status,
                    *rest,
                    None if joined_at is None else as_utc(joined_at),
                    None if requested_at is None else as_utc(requested_at),
                    as_utc(joined_at or requested_at or created),
                )
            )
        active.sort()
        self.active.append(active)
        self.leaders.append(leaders)

    def _plan_member(self, c, people, i, leads):
        """Role, status and dates of the i-th member of community c, and the texts of a
        request, a decision or a removal."""
        rng, now, created = self.rng, self.now, self.com_created[c]
        u, home = people[i]
        joined_user = self.user_joined[u]
        role, status = "member", "active"
        requested_at = joined_at = decided_by = None
        note = decision = removed_reason = ""
        if i == 0:
            role = "convener"
            joined_at = created + rng.uniform(0, 0.2) * DAY
            # The convener signed up before starting the community.
            self.user_joined[u] = min(joined_user, created - rng.uniform(1, 30) * DAY)
        elif i < leads:
            role = "co-convener"
            start = max(created, joined_user)
            joined_at = start + rng.uniform(0, min(30 * DAY, now - start))
        else:
            start = max(created, joined_user)
            span = now - start
            if home:
                joined_at = start + rng.uniform(0, min(14 * DAY, span))
            else:
                joined_at = start + span * rng.random() ** 0.8
            r = rng.random()
            if self.com_policy[c] == "approval" and r < 0.02:
                status, joined_at = "requested", None
                requested_at = max(start, now - rng.uniform(0.1, 20.0) * DAY)
                note = self._fill("I work with {audience} on {topic} in {setting}.")
            elif self.com_policy[c] == "approval" and r < 0.025:
                status, joined_at = "declined", None
                requested_at = start + span * rng.random()
                decided_by = self.user_first + people[0][0]
                decision = "This community is for staff of the local area only."
            elif r < 0.065:
                status = "left"
            elif r < 0.075:
                status, decided_by = "removed", self.user_first + people[0][0]
                removed_reason = "Posted advertising for a commercial service."
            elif r < 0.105:
                role = "core"
        if joined_at is not None:
            joined_at = min(joined_at, now - 60)
        rest = (note, decision, decided_by, removed_reason)
        return role, status, joined_at, requested_at, rest

    def memberships(self):
        started = time.monotonic()
        rows = self._membership_rows
        needs = self._needs_offers(rows)
        written = self.loader.insert(
            Membership,
            MEMBERSHIP_COLUMNS,
            (row + needs.get(i, ("", "", "", "")) for i, row in enumerate(rows)),
        )
        del self._membership_rows
        self._stage(
            "memberships",
            started,
            memberships=written,
            active_memberships=sum(len(a) for a in self.active),
        )

    def _needs_offers(self, rows):
        """Needs and offers on about one active membership in twenty."""
        rng = self.rng
        result = {}
        for i, row in enumerate(rows):
            if row[3] != "active" or rng.random() >= 0.05:
                continue
            topic = rng.choices(TOPICS, cum_weights=TOPIC_CUM)[0].lower()
            setting = rng.choice(SETTINGS_WORDS)
            need, need_topics = rng.choice(NEEDS)
            offer, offer_topics = rng.choice(OFFERS) if rng.random() < 0.7 else ("", "")
            result[i] = (
                need.format(topic=topic, setting=setting),
                need_topics.format(topic=topic),
                offer.format(topic=topic, setting=setting),
                offer_topics.format(topic=topic),
            )
        return result

    # --- history ---------------------------------------------------------------------------

    def _plan_phases_and_charters(self):
        """Phase changes up to each community's phase, and charter versions for most."""
        rng, now = self.rng, self.now
        order = [p.value for p in Community.Phase]
        phase_rows, charter_rows = [], []
        for c, created in enumerate(self.com_created):
            convener = self.user_first + self.leaders[c][0]
            history = order[: order.index(self.com_phase[c]) + 1]
            for step, phase in enumerate(history):
                when = created + (now - created) * step / (len(history) + 0.5)
                phase_rows.append(
                    (
                        self.com_first + c,
                        history[step - 1] if step else "",
                        phase,
                        f"The community moved to the {phase.title()} phase after its review meeting.",
                        convener,
                        as_utc(when),
                    )
                )
            if rng.random() < 0.6:
                for number in range(1, rng.randint(1, 3) + 1):
                    charter_rows.append(self._charter_row(c, number, convener))
        return phase_rows, charter_rows

    def _charter_row(self, c, number, convener):
        created, now = self.com_created[c], self.now
        return (
            self.com_first + c,
            number,
            self._fill("Make {topic} safer for people in {setting}."),
            "Monthly meetings, shared templates and learning from near misses.",
            self._fill("{Audience}, {audience2} and families."),
            self._fill("Fewer {outcome}; stories of changed practice."),
            self._fill("People receive care around {topic} that nobody reviews."),
            "\n".join(self._fill("Better {topic} at {moment}") for _ in range(3)),
            convener,
            as_utc(created + (now - created) * number / 4),
        )

    def _write_phases_and_charters(self, phase_rows, charter_rows):
        phases = self.loader.insert(
            PhaseChange,
            ["community_id", "from_phase", "to_phase", "note", "actor_id", "created_at"],
            phase_rows,
        )
        charters = self.loader.insert(CharterVersion, CHARTER_COLUMNS, charter_rows)
        return phases, charters

    # --- the copies the communities app keeps ------------------------------------------------

    def community_copies(self):
        """The copies the communities app keeps (each community's figures, each member's name
        on their memberships): the rows above were written around its services and signals."""
        started = time.monotonic()
        community_copies_rebuild()
        self._stage("community figures", started)
