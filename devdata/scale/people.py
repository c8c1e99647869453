"""The people planner: organisations, people, their sign-in addresses and the programme
managers of each network.

Reads from the plan: networks (`net_first`). Adds to it: `org_ids`, `org_regions`,
`professions`, `user_first`, `user_joined`, `user_org`, `user_prof`, `net_managers`,
`manager_set`.
"""

import random
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import Organisation, Profession, User
from communities.models import Network
from devdata.scale.counts import DAY, EMAIL_DOMAIN, LOCAL_REGIONS, SCALE_PASSWORD, USER_HISTORY_DAYS
from devdata.scale.loader import as_utc
from devdata.scale.words import (
    FIRST_NAMES,
    GENERIC_TITLES,
    JOB_TITLES,
    LAST_NAMES,
    ORGANISATION_KINDS,
    PLACES,
)

USER_COLUMNS = [
    "id",
    "password",
    "email",
    "name",
    "job_title",
    "organisation_id",
    "profession_id",
    "region",
    "timezone",
    "digest_frequency",
    "last_home_visit",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
]


class PeoplePlanner:
    def organisations(self):
        started = time.monotonic()
        rng = self.rng
        wanted = max(24, self.counts.users // 400)
        # Every (kind, place) once, in a fixed shuffled order; numbered beyond that.
        combos = [(t, k, p) for t, k in ORGANISATION_KINDS for p in PLACES]
        random.Random(len(combos)).shuffle(combos)  # nosec B311  # invented data: not security
        names = []
        for i in range(wanted):
            template, kind, place = combos[i % len(combos)]
            round_ = i // len(combos)
            name = template.format(place) + (f" {round_ + 1}" if round_ else "")
            names.append((name, kind.value, rng.choice(LOCAL_REGIONS)))
        existing = {
            name.lower(): pk
            for pk, name in Organisation.objects.using(self.using).values_list("pk", "name")
        }
        first = self.loader.next_id(Organisation)
        new = [(n, k, r) for n, k, r in names if n.lower() not in existing]
        created = self.loader.insert(
            Organisation,
            ["id", "name", "kind", "region", "created_at"],
            (
                (first + i, n, k, r, self.now_dt - timedelta(days=1000))
                for i, (n, k, r) in enumerate(new)
            ),
        )
        ids = dict(existing)
        ids.update({n.lower(): first + i for i, (n, _, _) in enumerate(new)})
        self.org_ids = [ids[n.lower()] for n, _, _ in names]
        self.org_regions = [r for _, _, r in names]
        self.professions = list(
            Profession.objects.using(self.using).filter(active=True).values_list("pk", "name")
        ) or [(None, "")]
        self._stage("organisations", started, organisations=created)

    def _plan_people(self):
        rng, n = self.rng, self.counts.users
        self.user_first = self.loader.next_id(User)
        # Sign-ups grow over two years: more recent dates are likelier.
        self.user_joined = [
            self.now - USER_HISTORY_DAYS * DAY * (1 - rng.random() ** 0.6) - 3600 for _ in range(n)
        ]
        self.user_org = [rng.randrange(len(self.org_ids)) for _ in range(n)]
        self.user_prof = [rng.randrange(len(self.professions)) for _ in range(n)]
        managers = rng.sample(range(n), min(n, 3 * self.counts.networks))
        self.net_managers = [[] for _ in range(self.counts.networks)]
        for i, u in enumerate(managers):
            self.net_managers[i % self.counts.networks].append(u)
        self.manager_set = set(managers)

    def people(self):
        started = time.monotonic()
        n = self.counts.users
        users = self.loader.insert(User, USER_COLUMNS, self._people_rows())
        # Sign-in needs a verified, primary address (e-mail verification is mandatory).
        addresses = self.loader.insert(
            EmailAddress,
            ["user_id", "email", "verified", "primary"],
            ((self.user_first + u, f"user{u + 1}@{EMAIL_DOMAIN}", True, True) for u in range(n)),
        )
        managers = self.loader.insert(
            Network.managers.through,
            ["network_id", "user_id"],
            (
                (self.net_first + net, self.user_first + u)
                for net, people in enumerate(self.net_managers)
                for u in people
            ),
        )
        self._stage(
            "people", started, users=users, email_addresses=addresses, programme_managers=managers
        )

    def _people_rows(self):
        """One row a person, in the order of USER_COLUMNS."""
        rng, n = self.rng, self.counts.users
        password = make_password(SCALE_PASSWORD)  # hashed once, shared by every scale account
        manager_prof = next(
            (
                i
                for i, (_, name) in enumerate(self.professions)
                if name == "Commissioner or manager"
            ),
            None,
        )
        digest = ["weekly"] * 6 + ["daily", "never", "never"]
        for u in range(n):
            prof = self.user_prof[u]
            if u in self.manager_set and manager_prof is not None:
                prof = manager_prof
            prof_name = self.professions[prof][1]
            title = rng.choice(JOB_TITLES.get(prof_name, GENERIC_TITLES))
            if u in self.manager_set:
                title = "Programme manager"
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            joined = self.user_joined[u]
            visit = (
                as_utc(self.now - rng.uniform(0.1, 20) * DAY)
                if rng.random() < 0.4 and joined < self.now - 21 * DAY
                else None
            )
            yield (
                self.user_first + u,
                password,
                f"user{u + 1}@{EMAIL_DOMAIN}",
                name,
                title,
                self.org_ids[self.user_org[u]],
                self.professions[prof][0],
                self.org_regions[self.user_org[u]],
                "Europe/London",
                rng.choice(digest),
                visit,
                True,
                False,
                False,
                as_utc(joined),
            )
