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
domain plans and writes its tables: people.py, communities.py, meetings.py, knowledge.py;
seeder.py runs them in order; words.py holds the invented vocabulary.

Rows bypass the services, so the planners keep by hand what the services keep:
denormalised counters (Resource.adoption_count, useful_count), registration capacity and
the waiting list, one active convener per community, each adoption's copy of its
resource's community, and unique keys. The weighted search vector and the stored figures
are filled in afterwards by the owning apps' own functions.
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
