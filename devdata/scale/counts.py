"""How much the scale data set holds, how it is recognised again, and how sizes are drawn."""

import itertools
import zoneinfo
from dataclasses import dataclass, fields

from accounts.models import Region

SCALE_PASSWORD = "scale-user-2026"  # noqa: S105  # nosec B105  # published password of invented accounts; seed_scale refuses production
EMAIL_DOMAIN = "scale.example.org"
SLUG_PREFIX = "scale-"

DAY = 86_400.0
LONDON = zoneinfo.ZoneInfo("Europe/London")
LOCAL_REGIONS = [r for r in Region.values if r != Region.NATIONAL]


@dataclass
class Counts:
    """Rows to create at scale 1.0; every count is multiplied by the scale."""

    networks: int = 20
    communities: int = 500
    users: int = 100_000
    memberships: int = 300_000
    meetings: int = 30_000
    registrations: int = 600_000
    resources: int = 100_000
    adoptions: int = 50_000
    discussions: int = 40_000
    replies: int = 400_000

    # Below these the data set would miss a feature (a second network, a private community).
    MINIMUMS = {
        "networks": 2,
        "communities": 6,
        "users": 40,
        "memberships": 80,
        "meetings": 24,
        "registrations": 100,
        "resources": 30,
        "adoptions": 10,
        "discussions": 12,
        "replies": 400,
    }

    @classmethod
    def for_scale(cls, scale=1.0, **overrides):
        base = cls()
        values = {}
        for field in fields(cls):
            override = overrides.get(field.name)
            if override is not None:
                values[field.name] = max(0, int(override))
            else:
                scaled = round(getattr(base, field.name) * scale)
                values[field.name] = max(cls.MINIMUMS[field.name], scaled)
        return cls(**values)


# The largest community has this many times the average membership: 5,000 of 300,000
# memberships over 500 communities at full scale.
LARGEST_TO_AVERAGE = 5_000 / 600
# Shares of the other, smaller tables, relative to the counts above.
USEFUL_PER_RESOURCE = 0.6
COMMENTS_PER_RESOURCE = 0.2
STORIES_PER_COMMUNITY = 4
PAST_DAYS, FUTURE_DAYS = 365, 90  # meetings: the past year and the next three months
USER_HISTORY_DAYS = 730  # people joined over two years
COMMUNITY_AGE_DAYS = (60, 790)  # the youngest community is two months old, the oldest 26
# Discussions: the thread the benchmark opens (in the largest community) has this many
# replies at least; shares of replies that mention someone, and of replies marked helpful.
BIG_THREAD_REPLIES = 300
MENTION_SHARE = 0.05
HELPFUL_SHARE = 0.25
NOTIFIED_DAYS = 7  # the notifications of the last week of replies are written
# Surveys: the share of each survey's audience that answered (by template), the share of
# those who chose to answer anonymously where they could, and of the others who kept a
# draft. Stories: the share that claim a value-creation cycle.
SURVEY_ANSWER_SHARES = {"baseline": 0.4, "follow_up": 0.3, "evaluation": 0.3}
ANONYMOUS_CHOICE_SHARE = 0.15
DRAFT_SHARE = 0.03
VALUE_TAGGED_STORY_SHARE = 0.7


def zipf_cum_weights(n, exponent=1.0, offset=1.0):
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(n)))


def shifted_zipf_sizes(total, n, *, largest, floor, ceiling, exponent=1.3):
    """n sizes adding up to about total, largest first, with the first about `largest`:
    weights 1/(rank + c)^exponent, c found by bisection (c large: nearly equal sizes)."""
    if n == 0:
        return []
    share = min(1.0, largest / total)

    def top_share(c):
        weights = [1.0 / (r + c) ** exponent for r in range(1, n + 1)]
        return weights[0] / sum(weights), weights

    low, high = 0.0, 1e7
    if top_share(low)[0] <= share:
        high = low
    for _ in range(60):
        middle = (low + high) / 2
        if top_share(middle)[0] > share:
            low = middle
        else:
            high = middle
    weights = top_share(high)[1]
    scale = total / sum(weights)
    return [min(ceiling, max(floor, round(w * scale))) for w in weights]


def apportion(total, weights):
    """Split total into integers in proportion to weights (largest remainders)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts
