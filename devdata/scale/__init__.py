"""A large, realistic data set for measuring the platform (`manage.py seed_scale`).

Everything here is invented: people, organisations, places, networks and communities.
The data set is meant for a dedicated database; it is recognisable so that it can be
removed again without touching anything else:

- people have e-mail addresses ``user<N>@scale.example.org`` and all share one password,
  SCALE_PASSWORD, hashed once;
- networks and communities have slugs starting with ``scale-``;
- everything else hangs off those (memberships, meetings, registrations, resources...).
  Organisations and topic tags are shared, looked up by name, and left in place.

Speed comes from planning in memory and writing each table with one bulk statement:
PostgreSQL's COPY through psycopg 3, or executemany on SQLite (loader.py). One planner a
domain plans and writes its tables: people.py, communities.py, meetings.py, knowledge.py,
discussions.py, evaluation.py; seeder.py runs them in order; words.py holds the invented
vocabulary.

Rows bypass the services. What the owning apps keep is then filled in by their own code:
the stored figures and members' names (communities.services.community_copies_rebuild),
the weighted search vectors (knowledge.services.search_vector_update,
discussions.services.search_vectors_update), each adoption's copy
of its resource's community (AdoptionQuerySet.resource_community_copy); the field lists
come from the apps' own definitions. What the planners keep themselves: the denormalised
counters (Resource.adoption_count, useful_count; a discussion's reply_count and last
activity, a reply's helpful_count), registration capacity and the waiting list (in the
order people came, which is the meetings app's order), one active convener per community,
and unique keys. Also a PostgreSQL rule: no query on the connection while a COPY runs
(it would wait forever), so what a planner reads it reads before its writes.
"""

from devdata.scale.counts import EMAIL_DOMAIN, SCALE_PASSWORD, SLUG_PREFIX, Counts
from devdata.scale.loader import Loader
from devdata.scale.reset import scale_data_exists, scale_reset
from devdata.scale.seeder import ScaleSeeder

__all__ = [
    "EMAIL_DOMAIN",
    "SCALE_PASSWORD",
    "SLUG_PREFIX",
    "Counts",
    "Loader",
    "ScaleSeeder",
    "scale_data_exists",
    "scale_reset",
]
