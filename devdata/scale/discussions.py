"""The discussions planner: discussions and their replies in every community, the answers
chosen, helpful marks, follows, mentions, and the notifications the recent replies caused.

Authors, repliers, those who mark a reply helpful and those mentioned are active members of
the discussion's community who had joined by then, as the discussions app requires. What
its services keep is kept the same way here: reply_count counts the replies,
last_activity_at is the latest reply's time (or the discussion's own), helpful_count counts
the marks, the author and every replier follow, a name is hidden only in a safe space, the
answer is a reply of its own question that is shown. The search vectors are filled by the
discussions app's own function (services.search_vectors_update), once, in bulk.

Notifications are stored for the replies of the last NOTIFIED_DAYS, to the people
discussions.notifications tells (the mentioned, the author, the followers but the muted and
the replier; once each), in its words, on each kind's default channel (from the registry).

Reads from the plan: communities (`com_*`, `active`, `leaders`), people (`user_first`).
"""

import bisect
import time

from accounts.models import Notification, User
from accounts.notifications.registry import DIGEST, kind_get
from communities.models import Community
from devdata.scale.counts import (
    BIG_THREAD_REPLIES,
    DAY,
    HELPFUL_SHARE,
    MENTION_SHARE,
    NOTIFIED_DAYS,
    USER_HISTORY_DAYS,
    apportion,
)
from devdata.scale.loader import as_utc, search_indexes_rebuilt
from devdata.scale.words import DISCUSSION_BODY_TEMPLATES, DISCUSSION_TITLES, REPLY_TEMPLATES
from discussions.models import Discussion, Follow, Helpful, Mention, Reply
from discussions.services import search_vectors_update

DISCUSSION_COLUMNS = [
    "id",
    "community_id",
    "author_id",
    "kind",
    "title",
    "body",
    "is_safe_space",
    "author_hidden",
    "is_pinned",
    "is_closed",
    "is_hidden",
    "hidden_reason",
    "hidden_by_id",
    "hidden_at",
    "created_at",
    "last_activity_at",
    "reply_count",
]
REPLY_COLUMNS = [
    "id",
    "discussion_id",
    "author_id",
    "body",
    "quote_id",
    "author_hidden",
    "helpful_count",
    "is_hidden",
    "hidden_reason",
    "hidden_by_id",
    "hidden_at",
    "created_at",
]
NOTIFICATION_COLUMNS = [
    "recipient_id",
    "kind",
    "dedupe",
    "group_key",
    "group_title",
    "text",
    "url",
    "actor_id",
    "channel",
    "created_at",
    "read_at",
    "digested_at",
]
KIND_WEIGHTS = {
    Discussion.Kind.QUESTION: 54,
    Discussion.Kind.IDEA: 24,
    Discussion.Kind.NEAR_MISS: 8,
    Discussion.Kind.COMMENTS: 14,
}
HIDDEN_REASON = "Shares details that could identify a patient."


class DiscussionsPlanner:
    # --- the plan ----------------------------------------------------------------------------

    def discussions(self):
        """Discussions and their replies, planned with everything that counts them."""
        started = time.monotonic()
        self.disc_first = self.loader.next_id(Discussion)
        self.reply_first = self.loader.next_id(Reply)
        self._plan_discussions()
        self._plan_replies()
        self._plan_helpful()
        # Read before the writes: no query can run on the connection while a COPY does.
        self._names = dict(
            User.objects.using(self.using).filter(pk__gte=self.user_first).values_list("pk", "name")
        )
        discussions = self.loader.insert(Discussion, DISCUSSION_COLUMNS, self._discussion_rows())
        replies = self.loader.insert(Reply, REPLY_COLUMNS, self._reply_rows())
        self._stage("discussions", started, discussions=discussions, replies=replies)

    def _plan_discussions(self):
        """Who started what where and when: communities share in proportion to their size,
        recent ones likelier; one recent question of the largest community becomes the long
        thread the benchmark opens."""
        rng, now = self.rng, self.now
        per = apportion(self.counts.discussions, [len(a) ** 0.9 for a in self.active])
        plans = []
        for c, k in enumerate(per):
            stamps = [t for t, _ in self.active[c]]
            lo = max(self.com_created[c] + DAY, now - USER_HISTORY_DAYS * DAY)
            hi = max(lo + 60, (self.com_archived_at[c] or now) - 3600)
            for _ in range(k):
                ts = lo + (hi - lo) * rng.random() ** 0.6
                known = bisect.bisect_right(stamps, ts)
                author = self.active[c][rng.randrange(known)][1] if known else self.leaders[c][0]
                plans.append((ts, c, author))
        plans.sort()
        self.d_ts = [p[0] for p in plans]
        self.d_com = [p[1] for p in plans]
        self.d_author = [p[2] for p in plans]
        kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
        self.d_kind = rng.choices(kinds, weights, k=len(plans))
        self.d_safe = [
            rng.random() < (0.7 if kind == Discussion.Kind.NEAR_MISS else 0.01)
            for kind in self.d_kind
        ]
        self.d_author_hidden = [safe and rng.random() < 0.5 for safe in self.d_safe]
        self.d_hidden = [rng.random() < 0.003 for _ in plans]
        self.d_closed = [ts < now - 60 * DAY and rng.random() < 0.02 for ts in self.d_ts]
        self.d_pinned = [False] * len(plans)
        by_community = {}
        for d, c in enumerate(self.d_com):
            by_community.setdefault(c, []).append(d)
        for ds in by_community.values():
            if len(ds) >= 5 and rng.random() < 0.3:
                self.d_pinned[rng.choice(ds)] = True
        self.big_thread = self._choose_big_thread(by_community)

    def _choose_big_thread(self, by_community):
        """A shown question of the largest community, started about six weeks ago."""
        if not self.d_ts:
            return None
        largest = max(range(len(self.active)), key=lambda c: len(self.active[c]))
        mine = by_community.get(largest) or range(len(self.d_ts))
        big = min(mine, key=lambda d: abs(self.d_ts[d] - (self.now - 45 * DAY)))
        self.d_kind[big] = Discussion.Kind.QUESTION
        self.d_safe[big] = self.d_author_hidden[big] = False
        self.d_hidden[big] = self.d_closed[big] = False
        return big

    def _reply_counts(self):
        """Replies per discussion: a long tail, some none; the long thread first."""
        rng, n = self.rng, len(self.d_ts)
        total = self.counts.replies
        big = 0 if self.big_thread is None else min(BIG_THREAD_REPLIES + 20, total)
        weights = [0.0 if rng.random() < 0.12 else rng.lognormvariate(0, 0.9) for _ in range(n)]
        if self.big_thread is not None:
            weights[self.big_thread] = 0.0
        counts = apportion(total - big, weights)
        if self.big_thread is not None:
            counts[self.big_thread] = big
        return counts

    def _plan_replies(self):
        """Each reply: when, by whom, quoting what, hidden or not, mentioning whom. Planned
        thread by thread (r), then numbered in time order across all threads
        (`reply_pk[r]`) and written in that order (`reply_order`), as a live database
        numbers and stores them: the last weeks' replies share the table's last pages,
        where planned thread by thread they were spread over all of it."""
        rng = self.rng
        self.r_disc, self.r_ts, self.r_author, self.r_quote = [], [], [], []
        self.r_hidden, self.r_author_hidden, self.r_mentions = [], [], {}
        self.d_last = list(self.d_ts)
        self.d_replies = self._reply_counts()
        for d, k in enumerate(self.d_replies):
            c, start = self.d_com[d], self.d_ts[d]
            end = (self.com_archived_at[c] or self.now) - 60
            stamps = [t for t, _ in self.active[c]]
            first = len(self.r_ts)
            for ts in sorted(start + (end - start) * rng.random() ** 3 for _ in range(k)):
                r = len(self.r_ts)
                known = max(1, bisect.bisect_right(stamps, ts))
                if rng.random() < 0.15:
                    author = self.d_author[d]
                else:
                    author = self.active[c][int(known * rng.random() ** 1.5)][1]
                shown = [q for q in range(max(first, r - 30), r) if not self.r_hidden[q]]
                self.r_disc.append(d)
                self.r_ts.append(ts)
                self.r_author.append(author)
                self.r_quote.append(rng.choice(shown) if shown and rng.random() < 0.05 else None)
                self.r_hidden.append(rng.random() < 0.003)
                self.r_author_hidden.append(self.d_safe[d] and rng.random() < 0.4)
                if rng.random() < MENTION_SHARE:
                    self._plan_mention(r, c, known, author)
            if k:
                self.d_last[d] = self.r_ts[-1]
        self.reply_order = sorted(range(len(self.r_ts)), key=lambda r: (self.r_ts[r], r))
        self.reply_pk = [0] * len(self.r_ts)
        for position, r in enumerate(self.reply_order):
            self.reply_pk[r] = self.reply_first + position

    def _plan_mention(self, r, c, known, author):
        """One or two members who had joined by then, not the replier."""
        rng = self.rng
        people = {self.active[c][rng.randrange(known)][1] for _ in range(1 + (rng.random() < 0.1))}
        people.discard(author)
        if people:
            self.r_mentions[r] = sorted(people)

    def _plan_helpful(self):
        """Marks on a share of the shown replies, by other members; the answer of some
        questions, chosen among their shown replies."""
        rng, now = self.rng, self.now
        self.helpful = []
        self.r_helpful = [0] * len(self.r_ts)
        for r, ts in enumerate(self.r_ts):
            if self.r_hidden[r] or rng.random() >= HELPFUL_SHARE:
                continue
            c = self.d_com[self.r_disc[r]]
            end = (self.com_archived_at[c] or now) - 60
            voters = {rng.choice(self.active[c])[1] for _ in range(1 + int(rng.expovariate(0.8)))}
            voters.discard(self.r_author[r])
            for u in sorted(voters):
                self.helpful.append((r, u, ts + (end - ts) * rng.random() ** 3))
            self.r_helpful[r] = len(voters)
        self.d_answer = {}
        first = 0
        for d, k in enumerate(self.d_replies):
            shown = [r for r in range(first, first + k) if not self.r_hidden[r]]
            first += k
            if shown and self.d_kind[d] == Discussion.Kind.QUESTION and rng.random() < 0.45:
                self.d_answer[d] = max(shown[:8], key=lambda r: self.r_helpful[r])

    # --- the rows ----------------------------------------------------------------------------

    def _discussion_rows(self):
        """The rows of DISCUSSION_COLUMNS; the titles are kept for the notifications."""
        rng = self.rng
        self.d_title = []
        for d, ts in enumerate(self.d_ts):
            c, kind, hidden = self.d_com[d], self.d_kind[d], self.d_hidden[d]
            title = self._fill(rng.choice(DISCUSSION_TITLES[kind]))[:200]
            self.d_title.append(title)
            body = self._sentences(DISCUSSION_BODY_TEMPLATES, rng.randint(2, 3))
            yield (
                self.disc_first + d,
                self.com_first + c,
                self.user_first + self.d_author[d],
                kind,
                title,
                body,
                self.d_safe[d],
                self.d_author_hidden[d],
                self.d_pinned[d],
                self.d_closed[d],
                hidden,
                HIDDEN_REASON if hidden else "",
                self.user_first + self.leaders[c][0] if hidden else None,
                as_utc(min(ts + DAY / 4, self.now - 60)) if hidden else None,
                as_utc(ts),
                as_utc(self.d_last[d]),
                self.d_replies[d],
            )

    def _mention_text(self, people):
        return " ".join(
            f"@[{self._names[self.user_first + u]}]({self.user_first + u})" for u in people
        )

    def _reply_rows(self):
        rng, first = self.rng, self.user_first
        for r in self.reply_order:
            ts, d, hidden, quote = self.r_ts[r], self.r_disc[r], self.r_hidden[r], self.r_quote[r]
            body = self._sentences(REPLY_TEMPLATES, rng.randint(1, 2))
            if r in self.r_mentions:
                body = f"{self._mention_text(self.r_mentions[r])} {body}"
            yield (
                self.reply_pk[r],
                self.disc_first + d,
                first + self.r_author[r],
                body,
                None if quote is None else self.reply_pk[quote],
                self.r_author_hidden[r],
                self.r_helpful[r],
                hidden,
                HIDDEN_REASON if hidden else "",
                first + self.leaders[self.d_com[d]][0] if hidden else None,
                as_utc(min(ts + DAY / 4, self.now - 60)) if hidden else None,
                as_utc(ts),
            )

    def discussion_search_vectors(self):
        """The search vectors of every discussion and reply, filled by the discussions app's
        own function, their GIN indexes built again after (loader.search_indexes_rebuilt)."""
        started = time.monotonic()
        if self.connection.vendor != "postgresql":
            self._stage("discussion search", started)  # SQLite searches the columns directly
            return
        with search_indexes_rebuilt(self.connection, [Discussion, Reply]) as rebuilt:
            search_vectors_update(
                discussion_ids=Discussion.objects.using(self.using)
                .filter(pk__gte=self.disc_first)
                .values("pk"),
                reply_ids=Reply.objects.using(self.using)
                .filter(pk__gte=self.reply_first)
                .values("pk"),
            )
        self._stage("discussion search", started, search_indexes_rebuilt=rebuilt)

    # --- what hangs off the replies ----------------------------------------------------------

    def discussion_activity(self):
        """Answers (set once their replies exist), helpful marks, follows and mentions."""
        started = time.monotonic()
        answers = [
            Discussion(pk=self.disc_first + d, answer_id=self.reply_pk[r])
            for d, r in self.d_answer.items()
        ]
        Discussion.objects.using(self.using).bulk_update(answers, ["answer"], batch_size=2_000)
        marks = self.loader.insert(
            Helpful,
            ["reply_id", "user_id", "created_at"],
            ((self.reply_pk[r], self.user_first + u, as_utc(ts)) for r, u, ts in self.helpful),
        )
        self._plan_follows()
        follows = self.loader.insert(
            Follow,
            ["discussion_id", "user_id", "muted", "created_at"],
            (
                (self.disc_first + d, self.user_first + u, muted, as_utc(ts))
                for d, people in enumerate(self.follows)
                for u, (ts, muted) in people.items()
            ),
        )
        mentions = self.loader.insert(
            Mention,
            ["discussion_id", "reply_id", "user_id", "created_at"],
            (
                (
                    self.disc_first + self.r_disc[r],
                    self.reply_pk[r],
                    self.user_first + u,
                    as_utc(self.r_ts[r]),
                )
                for r, people in sorted(self.r_mentions.items())
                for u in people
            ),
        )
        self._stage(
            "discussion activity",
            started,
            answers=len(answers),
            helpful_marks=marks,
            follows=follows,
            mentions=mentions,
        )

    def _plan_follows(self):
        """The author and everyone who replied follow, from their first post; a few muted."""
        rng = self.rng
        self.follows = [{self.d_author[d]: (ts, False)} for d, ts in enumerate(self.d_ts)]
        for r, ts in enumerate(self.r_ts):
            self.follows[self.r_disc[r]].setdefault(self.r_author[r], (ts, False))
        for people in self.follows:
            for u, (ts, _) in people.items():
                if rng.random() < 0.03:
                    people[u] = (ts, True)

    # --- the notification centre -------------------------------------------------------------

    def discussion_notifications(self):
        """What the replies of the last NOTIFIED_DAYS told people, as the discussions app
        tells them; older ones mostly read."""
        started = time.monotonic()
        since = self.now - NOTIFIED_DAYS * DAY
        self._community_names = dict(
            Community.objects.using(self.using)
            .filter(pk__gte=self.com_first)
            .values_list("pk", "name")
        )
        self._channels = {
            key: kind_get(key).default for key in ("mention", "reply_to_mine", "followed_reply")
        }
        recent = [r for r in self.reply_order if self.r_ts[r] >= since]
        rows = (row for r in recent for row in self._told(r))
        written = self.loader.insert(Notification, NOTIFICATION_COLUMNS, rows)
        del self._names, self._community_names, self._channels
        self._stage(
            "discussion notifications", started, notified_replies=len(recent), notifications=written
        )

    def _told(self, r):
        """The notification rows of reply r: once each, the mention first."""
        d, ts, author = self.r_disc[r], self.r_ts[r], self.r_author[r]
        mentioned = self.r_mentions.get(r, [])
        followers = self.follows[d]
        muted = {u for u, (_, is_muted) in followers.items() if is_muted}
        told = {*mentioned, author}
        event = (*self._notification_words(d, author), self._reply_url(r), ts)
        rid = self.reply_pk[r]
        for u in mentioned:
            yield self._notification(u, "mention", f"mention:reply-{rid}", event)
        starter = self.d_author[d]
        if starter not in told and starter not in muted:
            yield self._notification(starter, "reply_to_mine", f"reply:{rid}", event)
            told.add(starter)
        for u, (since, _) in followers.items():
            if since <= ts and u not in told and u not in muted:
                yield self._notification(u, "followed_reply", f"reply:{rid}", event)

    def _reply_url(self, r):
        return Reply(
            pk=self.reply_pk[r], discussion_id=self.disc_first + self.r_disc[r]
        ).get_absolute_url()

    def _notification_words(self, d, author):
        """(group key, group title, {kind: text}, actor id) as discussions.notifications
        words them: no title, name or actor in a safe space."""
        group = f"discussion:{self.disc_first + d}"
        community = self._community_names[self.com_first + self.d_com[d]]
        if self.d_safe[d]:
            texts = {
                "mention": "You were mentioned in a discussion",
                "reply_to_mine": "A new reply in a discussion you started",
                "followed_reply": "A new reply in a discussion you follow",
            }
            return group, f"A discussion in {community}", texts, None
        title = self.d_title[d]
        name = self._names[self.user_first + author]
        texts = {
            "mention": f"{name} mentioned you in “{title}”",
            "reply_to_mine": f"A new reply to your discussion “{title}”",
            "followed_reply": f"A new reply in “{title}”",
        }
        return group, f"{title} ({community})"[:255], texts, self.user_first + author

    def _notification(self, u, kind, dedupe, event):
        group_key, group_title, texts, actor, url, ts = event
        rng, now = self.rng, self.now
        channel = self._channels[kind]
        read = ts < now - 2 * DAY and rng.random() < 0.85
        return (
            self.user_first + u,
            kind,
            dedupe,
            group_key,
            group_title,
            texts[kind][:500],
            url,
            actor,
            channel,
            as_utc(ts),
            as_utc(min(ts + rng.uniform(0.1, 2) * DAY, now - 60)) if read else None,
            as_utc(min(ts + DAY, now - 60)) if channel == DIGEST and ts < now - DAY else None,
        )
