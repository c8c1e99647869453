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
PostgreSQL's COPY through psycopg 3, or executemany on SQLite. Rows bypass the services,
so this module keeps by hand what the services keep: denormalised counters
(Resource.adoption_count, useful_count), the weighted search vector (the same
expression as knowledge.services.search_vector_update), registration capacity and the
waiting list, one active convener per community, and unique keys.
"""

import bisect
import functools
import itertools
import random
import time
import uuid
import zoneinfo
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from accounts.models import Organisation, Profession, Region, User
from communities.models import (
    CharterVersion,
    Community,
    CommunityRegion,
    Membership,
    Network,
    PhaseChange,
)
from communities.services import community_copies_rebuild
from knowledge.models import Adoption, Comment, Resource, Story, UsefulMark
from knowledge.services import search_vector_update
from meetings.models import ActionItem, CalendarFeed, Meeting, MeetingSeries, Minutes, Registration

SCALE_PASSWORD = "scale-user-2026"  # noqa: S105  # nosec B105  # published password of invented accounts; seed_scale refuses production
EMAIL_DOMAIN = "scale.example.org"
SLUG_PREFIX = "scale-"

DAY = 86_400.0
LONDON = zoneinfo.ZoneInfo("Europe/London")
LOCAL_REGIONS = [r for r in Region.values if r != Region.NATIONAL]


# --- how much ----------------------------------------------------------------------------------


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


# --- invented words ----------------------------------------------------------------------------


def _words(text, separator="|"):
    """A vocabulary written as running text: easier to read and extend than long lists."""
    return text.split(separator)


FIRST_NAMES = _words(
    "Adaeze Aled Amara Anders Anjali Arlo Ayesha Bethan Bilal Bronwen Callum Cerys Chidi Delphine "
    "Dominika Eamon Efua Elif Emrys Esme Farah Fintan Freya Gethin Hana Idris Imogen Ines Jago "
    "Jasmeet Kai Kamala Keziah Lachlan Leola Lorcan Mairead Malik Marnie Mehmet Nadia Nkem Oisin "
    "Orla Osei Petra Rafferty Rhian Rohan Saoirse Sefton Shreya Tamsin Teodor Thandiwe Torin "
    "Una Valentin Wren Xanthe Yusuf Zofia",
    " ",
)
LAST_NAMES = _words(
    "Abernethy Achterberg Adebayo Ainsworth Alderton Ashcombe Balogun Barraclough Bellweather "
    "Birchall Blackwood Bramhall Cadwallader Carrick Chaudry Clegghorn Crossfield Dalgleish "
    "Davenhill Drinkwater Dunsford Eckersley Elsworth Entwhistle Fairclough Farquharson Fennimore "
    "Gallacher Goldthorpe Greenhalgh Hadfield Hargreaves Haworth Heathcote Hollinrake Illingworth "
    "Iqbal Jagger Kaczmarek Kenworthy Kilbride Lancashire Leadbetter Lockwood Macfarlane Maitland "
    "Mensah Merriweather Nakamura Nettleship Nwachukwu Oddie Ormerod Pennington Pickersgill "
    "Quarmby Ramsbottom Rawnsley Rushworth Sagoo Satterthwaite Shackleton Sutcliffe Tattersall "
    "Thistlethwaite Uttley Varga Wadsworth Whiteley Wolstenholme Yardley Zielinski",
    " ",
)
# Invented places, for organisations, networks and communities.
PLACES = _words(
    "Ashcombe Vale|Brackenholt|Caldermere|Dunhallow|Elmsworth|Fernleigh Cross|Gorsebrook|"
    "Hazelcombe|Ivydene|Kestrel Moor|Larkhollow|Marrowby|Nettlecombe|Oakhurst Fen|Penhallow Bay|"
    "Quillmouth|Rushmere Vale|Sedgecombe|Thornbury Heath|Umberleigh Cross|Vetchley|Willowmere|"
    "Yarrowdale|Alderholt Fen|Birchcombe|Coldharbour Vale|Deepdene|Eastling Moor|Foxhollow|"
    "Glenmarrow|Heronsgate Fen|Inglemere|Juniper Cross|Kingsbeck|Lowmoor|Millhaven|Northolme|"
    "Oxleigh|Pennycross Vale|Ravensholt|Saltmarsh Bay|Tarnwick|Upperdale|Wrenfield|Ashgrove Fen|"
    "Briarmouth|Cobblestow|Dovecote Vale"
)
NETWORK_AREAS = _words(
    "North Coast|Three Rivers|Western Fells|Eastern Levels|Central Vale|Southern Downs|"
    "Moorland and Dales|Two Cities|Estuary|Border Counties|Lakeside|Heartlands"
)
NETWORK_THEMES = _words(
    "Patient Safety Collaborative|Medicines Optimisation Network|Ageing Well Programme|"
    "Mental Health Practice Network|Urgent Care Collaborative|Primary Care Learning Network|"
    "Care Homes Partnership|Social Care Practice Network|Infection Prevention Network|"
    "End of Life Care Collaborative"
)
COMMUNITY_THEMES = _words(
    "Medicines Safety|Deprescribing in Care Homes|Sepsis and Acute Deterioration|Delirium "
    "Awareness|Falls Prevention|Frailty Practice|Dementia Friendly Care|Safer Discharge|"
    "Polypharmacy Reviews|Antimicrobial Stewardship|Pressure Ulcer Prevention|End of Life Care|"
    "Mental Health Medicines|Learning Disability Health|Diabetes in the Community|Heart Failure "
    "Nursing|Respiratory Care|Stroke Rehabilitation|Infection Prevention and Control|Nutrition "
    "and Hydration|Continence Care|Carers Support|Social Prescribing|Virtual Wards|Hospital at "
    "Home|Anticoagulation Safety|Insulin Safety|Opioid Stewardship|Maternity Safety|Oral Health "
    "in Care Homes|Reablement Practice|Domiciliary Care Medicines|Community Pharmacy Services|"
    "Medicines Reconciliation|Human Factors|Incident Response|Advance Care Planning|Homeless "
    "Health|Transition to Adult Services|Workforce Wellbeing"
)
ORGANISATION_KINDS = [
    ("{} Hospitals NHS Trust", Organisation.Kind.NHS_TRUST),
    ("{} Community Health NHS Trust", Organisation.Kind.NHS_TRUST),
    ("{} Integrated Care Board", Organisation.Kind.ICB),
    ("{} Primary Care Network", Organisation.Kind.PRIMARY_CARE),
    ("{} Medical Practice", Organisation.Kind.PRIMARY_CARE),
    ("{} Pharmacy", Organisation.Kind.COMMUNITY_PHARMACY),
    ("{} House Care Home", Organisation.Kind.CARE_HOME),
    ("{} Nursing Home", Organisation.Kind.CARE_HOME),
    ("{} Council Adult Social Care", Organisation.Kind.LOCAL_AUTHORITY),
    ("University of {}", Organisation.Kind.UNIVERSITY),
    ("{} Carers Centre", Organisation.Kind.CHARITY),
    ("{} Patient Voice", Organisation.Kind.PATIENT_GROUP),
]
JOB_TITLES = {
    "Pharmacist": ["Clinical pharmacist", "Lead pharmacist, medicines safety", "PCN pharmacist"],
    "Pharmacy technician": ["Senior pharmacy technician", "Medicines management technician"],
    "General practitioner": ["GP partner", "Salaried GP", "Clinical lead for care homes"],
    "Hospital doctor": ["Consultant geriatrician", "Specialty registrar", "Acute physician"],
    "Nurse": ["Ward sister", "Community nurse", "Matron", "Practice nurse"],
    "Care home manager": ["Registered manager", "Deputy manager"],
    "Care worker": ["Senior care worker", "Care assistant", "Medication champion"],
    "Commissioner or manager": ["Programme manager", "Commissioning manager"],
}
GENERIC_TITLES = ["Team lead", "Clinical lead", "Practitioner", "Project lead", "Trainer"]

# Topics in order of how common they are: drawn with Zipf weights, so full-text search
# finds the first ones in most resources and the last ones in a few.
TOPICS = _words(
    "medicines|patient safety|care homes|discharge|falls|polypharmacy|deprescribing|frailty|"
    "dementia|delirium|sepsis|medication review|older people|carers|primary care|"
    "community pharmacy|infection prevention|pressure ulcers|hydration|nutrition|"
    "end of life care|mental health|learning disability|anticoagulants|insulin|antibiotics|"
    "antimicrobial stewardship|opioids|pain management|diabetes|heart failure|COPD|stroke|asthma|"
    "hypertension|chronic kidney disease|urinary tract infection|continence|mobility|"
    "social prescribing|safeguarding|loneliness|shared decision making|advance care planning|"
    "hospital admissions|handover|NEWS2|deterioration|transitions of care|"
    "medicines reconciliation|adverse drug reactions|near misses|incident reporting|"
    "human factors|quality improvement|audit|workforce wellbeing|health inequalities|"
    "digital records|telehealth|domiciliary care|reablement|intermediate care|virtual wards|"
    "hospital at home|anticholinergic burden|psychotropic medicines|antipsychotics|"
    "benzodiazepines|proton pump inhibitors|gabapentinoids|covert medicines|"
    "swallowing difficulties|oral health|vaccination|wound care|catheter care|"
    "postural hypotension|bone health|vitamin D|sleep|physical activity|health literacy|"
    "interpreters|homelessness|substance misuse|maternity|postpartum haemorrhage|neonatal care|"
    "children's services|transition to adult services|epilepsy|Parkinson's disease|"
    "motor neurone disease|lithium monitoring|clozapine|methotrexate|valproate|hypoglycaemia|"
    "acute kidney injury|sick day rules|dysphagia|anticipatory medicines|syringe drivers"
)
# Rare terms: one in about fifty resources mentions one of them, so each is in a handful.
RARE_TERMS = _words(
    "hyponatraemia|serotonin syndrome|ototoxicity|refeeding syndrome|QT prolongation|"
    "hypodermoclysis|Lewy body dementia|tardive dyskinesia|neuroleptic malignant syndrome|"
    "Stevens-Johnson syndrome|agranulocytosis|pharmacogenomics|hyperkalaemia|xerostomia|"
    "scabies outbreaks|Legionella|Clostridioides difficile|norovirus|hypothermia|"
    "carbon monoxide|digoxin toxicity|theophylline levels|rhabdomyolysis|pancreatitis|"
    "osteonecrosis of the jaw|angioedema|hepatotoxicity|photosensitivity|priapism|"
    "akathisia|hypomagnesaemia|pemphigoid|sarcopenia|anosmia|tinnitus|presbyphagia|"
    "hypercalcaemia|myasthenia gravis|Addison's disease|porphyria"
)
# Very rare: one in a thousand resources, each word in a few of them.
VERY_RARE_TERMS = _words(
    "phaeochromocytoma|Wernicke encephalopathy|methaemoglobinaemia|calciphylaxis|"
    "Takotsubo cardiomyopathy|Ehlers-Danlos syndrome|cryoglobulinaemia|sarcoidosis"
)
SETTINGS_WORDS = _words(
    "care homes|general practice|community pharmacy|acute wards|emergency departments|"
    "mental health wards|domiciliary care|hospices|intermediate care|people's own homes|"
    "prisons|supported living|outpatient clinics|ambulance services|nursing homes"
)
AUDIENCES = _words(
    "pharmacists|pharmacy technicians|nurses|care workers|GPs|paramedics|social workers|"
    "occupational therapists|physiotherapists|families and carers|care home managers|"
    "healthcare assistants|resident doctors|commissioners|patients"
)
# Outcomes are all things to have fewer of, so that every verb fits every outcome.
VERBS = _words(
    "reduce|prevent|cut|measure|spot the causes of|learn from|talk openly about|understand"
)
OUTCOMES = _words(
    "avoidable admissions|harm from medicines|long stays in hospital|readmissions|missed doses|"
    "falls with injury|delays to antibiotics|unplanned visits|duplicate prescriptions|"
    "medication errors|pressure damage|delayed transfers"
)
MOMENTS = _words(
    "discharge|admission|handover|the annual review|weekend cover|transfer between wards|"
    "the first home visit|the ward round|the multidisciplinary meeting|a care home move"
)
KIND_NOUNS = {
    "training": "training package",
    "leaflet": "leaflet for patients and families",
    "process": "protocol",
    "toolkit": "toolkit",
    "case-study": "case study",
    "evaluation": "evaluation report",
    "presentation": "set of slides",
    "link": "guide",
    "other": "briefing",
}
KIND_WEIGHTS = {
    "training": 12,
    "leaflet": 14,
    "process": 14,
    "toolkit": 18,
    "case-study": 12,
    "evaluation": 8,
    "presentation": 10,
    "link": 8,
    "other": 4,
}
TITLE_TEMPLATES = [
    "{Topic} in {setting}: a {noun}",
    "{Noun} for {audience}: {topic}",
    "How to {verb} {outcome} through better {topic}",
    "Learning from {topic} incidents in {setting}",
    "{Topic} and {topic2}: what {audience} need to know",
    "{Topic} at {moment}: a {noun}",
    "Safer {topic} for {audience} in {setting}",
]
SUMMARY_TEMPLATES = [
    "A {noun} that helps {audience} in {setting} {verb} {outcome} linked to {topic}.",
    "Written with {audience} and {audience2} who care for people with {topic} and {topic2}.",
    "For {audience} who want to {verb} {outcome} at {moment}.",
    "It brings together what our community learnt about {topic} in {setting}.",
    "Two pages on {topic}, {topic2} and who does what at {moment}.",
]
BODY_TEMPLATES = [
    "This {noun} helps {audience} in {setting} to {verb} {outcome} linked to {topic}.",
    "It was developed by the community after a run of incidents involving {topic} and {topic2}.",
    "The first section explains how {topic} affects {audience} and the people they care for.",
    "We tested it in {n} {setting} over {m} months and saw fewer cases of {outcome}.",
    "Start with the checklist on page {m}, then agree locally who owns {topic} at {moment}.",
    "Families told us that {topic} was rarely discussed before {moment}.",
    "Use it alongside your local policy on {topic}; it does not replace clinical judgement.",
    "The audit tool records {topic}, {topic2} and {outcome} for every person reviewed.",
    "Our evaluation found that {audience} felt more confident about {topic} after the sessions.",
    "A short case describes an older person whose {topic} was missed at {moment}.",
    "Links to national guidance on {topic} and {topic2} are listed at the end.",
    "{Audience} can adapt the template to {setting} by changing the escalation steps.",
    "Pharmacists and nurses reviewed {topic} together at {moment} and wrote down what changed.",
    "The next version will cover {topic2} in {setting}, which members asked for.",
]
RARE_TEMPLATES = [
    "One resident developed {rare}, which nobody linked to {topic} at first.",
    "The appendix covers {rare} because two members met it at {moment}.",
    "We added a note on {rare} after a near miss in {setting}.",
]
LICENCES = ["", "", "Open Government Licence v3.0", "CC BY 4.0", "CC BY-NC-SA 4.0"]
AGENDA_ITEMS = [
    "Welcome, introductions and apologies",
    "Actions from last time",
    "Case review: {topic}",
    "Data: {outcome} this quarter",
    "Guest speaker on {topic}",
    "Sharing practice: {topic2} in {setting}",
    "What we will try before next time",
    "Any other business",
]
MEETING_TITLES = {
    "meeting": ["Community meeting: {topic}", "Case review: {topic}", "Journal club: {topic}"],
    "masterclass": ["Masterclass: {topic} in {setting}", "Masterclass: {topic}"],
    "webinar": ["Webinar: {topic} for {audience}", "Webinar: {verb} {outcome}"],
    "launch": ["Launch of the {topic} toolkit"],
    "sharing-day": ["Sharing day: {topic} across {setting}"],
}
ACTION_TEMPLATES = [
    "Circulate the {topic} checklist to every {setting_one}",
    "Collect data on {outcome} from the pilot sites",
    "Ask the medicines team about {topic} at {moment}",
    "Draft a leaflet on {topic} with families",
    "Invite a speaker on {topic2} for next time",
    "Share the audit of {topic} with the network",
]
CANCEL_REASONS = [
    "The convener is unwell and we would rather not run it without her.",
    "Too few people could come because of winter pressures.",
    "The venue is no longer available; we will rearrange.",
]
NEEDS = [
    ("Help running structured medication reviews in {setting}", "medication review, {topic}"),
    ("Examples of conversations with families about {topic}", "{topic}, families"),
    ("A way to audit {topic} after medicine changes", "{topic}, audit"),
]
OFFERS = [
    ("I can share our {topic} audit template", "{topic}, audit"),
    ("I have run reviews in twelve {setting} and can mentor", "medication review, {topic}"),
    ("Leaflets about {topic}, tested with carers", "{topic}, leaflets"),
]


WORD_LISTS = {
    "setting": SETTINGS_WORDS,
    "setting_one": ["care home", "practice", "ward", "pharmacy"],
    "verb": VERBS,
    "outcome": OUTCOMES,
    "moment": MOMENTS,
}


def _zipf_cum_weights(n, exponent=1.0, offset=1.0):
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(n)))


TOPIC_CUM = _zipf_cum_weights(len(TOPICS), exponent=1.1, offset=2.0)


def _shifted_zipf_sizes(total, n, *, largest, floor, ceiling, exponent=1.3):
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


class _Words(dict):
    """The words of one sentence, drawn only when the template asks for them."""

    def __init__(self, rng, extra):
        super().__init__(extra)
        self.rng = rng

    def __missing__(self, key):
        rng = self.rng
        if key in ("topic", "topic2"):
            value = rng.choices(TOPICS, cum_weights=TOPIC_CUM)[0]
        elif key in ("Topic", "Audience"):
            lower = self[key.lower()]
            value = lower[:1].upper() + lower[1:]
        elif key in ("audience", "audience2"):
            value = rng.choice(AUDIENCES)
        elif key == "n" or key == "m":
            value = rng.randint(2, 14)
        else:
            value = rng.choice(WORD_LISTS[key])
        self[key] = value
        return value


# --- writing rows fast -------------------------------------------------------------------------


class Loader:
    """Bulk writes, one statement per table: COPY on PostgreSQL, executemany elsewhere.

    Columns are attnames; every other concrete field gets its default (auto_now fields
    get `now`), so a new field with a default does not break the seeding.
    """

    def __init__(self, connection, now, batch_size=5_000):
        self.connection = connection
        self.now = now
        self.batch_size = batch_size
        self.postgres = connection.vendor == "postgresql"
        self.explicit_ids = set()

    def next_id(self, model):
        table, pk = model._meta.db_table, model._meta.pk.column
        qn = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            # Names from the model's metadata, quoted: nothing here comes from outside.
            cursor.execute(f"SELECT MAX({qn(pk)}) FROM {qn(table)}")  # noqa: S608  # nosec B608
            (highest,) = cursor.fetchone()
        self.explicit_ids.add(model)
        return (highest or 0) + 1

    def _extras(self, model, columns):
        given = set(columns)
        extras = []
        for field in model._meta.concrete_fields:
            if field.attname in given or field.primary_key:
                continue
            if field.has_default():
                if callable(field.default) and field.unique:
                    raise ValueError(f"seed_scale must set {model.__name__}.{field.name}")
                value = field.get_default()
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            elif field.null:
                value = None
            elif field.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"seed_scale must set {model.__name__}.{field.name}")
            extras.append((field, value))
        return extras

    def insert(self, model, columns, rows):
        """Write the rows (tuples in the order of columns); returns how many."""
        opts = model._meta
        given = [opts.get_field(name) for name in columns]
        extras = self._extras(model, columns)
        qn = self.connection.ops.quote_name
        names = ", ".join(qn(f.column) for f in given + [f for f, _ in extras])
        tail = tuple(f.get_db_prep_save(v, self.connection) for f, v in extras)
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {qn(opts.db_table)} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    if tail:
                        for row in rows:
                            write(row + tail)
                            count += 1
                    else:
                        for row in rows:
                            write(row)
                            count += 1
                return count
            marks = ", ".join(["%s"] * (len(given) + len(extras)))
            sql = f"INSERT INTO {qn(opts.db_table)} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608  # quoted model metadata; values are parameters
            prep = [
                functools.partial(f.get_db_prep_save, connection=self.connection) for f in given
            ]
            rows = iter(rows)
            while batch := list(itertools.islice(rows, self.batch_size)):
                cursor.executemany(
                    sql,
                    [tuple(p(v) for p, v in zip(prep, row, strict=True)) + tail for row in batch],
                )
                count += len(batch)
        return count

    def reset_sequences(self):
        """Explicit ids were written: move the id sequences past them (PostgreSQL)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(self.explicit_ids))
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- the data set ------------------------------------------------------------------------------


def scale_data_exists(using=DEFAULT_DB_ALIAS):
    return (
        User.objects.using(using).filter(email__endswith="@" + EMAIL_DOMAIN).exists()
        or Network.objects.using(using).filter(slug__startswith=SLUG_PREFIX).exists()
        or Community.objects.using(using).filter(slug__startswith=SLUG_PREFIX).exists()
    )


def scale_reset(using=DEFAULT_DB_ALIAS, log=None):
    """Delete what seed_scale made (and only that): scale networks, communities and people,
    with everything that hangs off them. Organisations and tags stay. Returns rows deleted."""
    log = log or (lambda *args: None)
    communities = Community.objects.using(using).filter(slug__startswith=SLUG_PREFIX)
    networks = Network.objects.using(using).filter(slug__startswith=SLUG_PREFIX)
    users = User.objects.using(using).filter(email__endswith="@" + EMAIL_DOMAIN)
    resources = Resource.objects.using(using).filter(
        community__in=communities
    ) | Resource.objects.using(using).filter(network__in=networks)
    meetings = Meeting.objects.using(using).filter(
        community__in=communities
    ) | Meeting.objects.using(using).filter(network__in=networks)
    # The big tables first, leaves before what they point at, so that the cascades of
    # the last deletes have little left to collect.
    steps = [
        ("tags", _tagged_items(using, resources, communities)),
        ("registrations", Registration.objects.using(using).filter(meeting__in=meetings)),
        ("action items", ActionItem.objects.using(using).filter(meeting__in=meetings)),
        ("minutes", Minutes.objects.using(using).filter(meeting__in=meetings)),
        ("adoptions", Adoption.objects.using(using).filter(resource__in=resources)),
        ("useful marks", UsefulMark.objects.using(using).filter(resource__in=resources)),
        ("comments", Comment.objects.using(using).filter(resource__in=resources)),
        ("stories", Story.objects.using(using).filter(community__in=communities)),
        ("resources", resources),
        ("meetings", meetings),
        ("memberships", Membership.objects.using(using).filter(community__in=communities)),
        ("communities", communities),
        ("networks", networks),
        ("e-mail addresses", EmailAddress.objects.using(using).filter(user__in=users)),
        ("people", users),
    ]
    total = 0
    with transaction.atomic(using=using):
        for name, queryset in steps:
            started = time.monotonic()
            deleted, _ = queryset.delete()
            total += deleted
            log(f"deleted {name}", {"rows": deleted}, time.monotonic() - started)
    return total


def _tagged_items(using, resources, communities):
    types = ContentType.objects.db_manager(using)
    return TaggedItem.objects.using(using).filter(
        content_type=types.get_for_model(Resource), object_id__in=resources.values("pk")
    ) | TaggedItem.objects.using(using).filter(
        content_type=types.get_for_model(Community), object_id__in=communities.values("pk")
    )


def _stamp(ts):
    return datetime.fromtimestamp(ts, UTC)


class ScaleSeeder:
    """Plans the data set in memory (ids, who is where, when) and writes it table by table.

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
        return template.format_map(_Words(self.rng, extra))

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

    def networks_and_communities(self):
        started = time.monotonic()
        rng, counts, now = self.rng, self.counts, self.now
        n_net, n_com = counts.networks, counts.communities

        # Networks: area and theme; the first is the largest.
        net_names = []
        for i in range(n_net):
            area = NETWORK_AREAS[i % len(NETWORK_AREAS)]
            theme = NETWORK_THEMES[(i * 3 + i // len(NETWORK_AREAS)) % len(NETWORK_THEMES)]
            round_ = i // (len(NETWORK_AREAS) * len(NETWORK_THEMES))
            net_names.append(f"{area} {theme}" + (f" {round_ + 1}" if round_ else ""))
        self.net_first = self.loader.next_id(Network)
        self.net_regions = [rng.choice(LOCAL_REGIONS) for _ in range(n_net)]
        self.net_slugs = [SLUG_PREFIX + slugify(name) for name in net_names]

        # Communities: sizes first (largest first), then network, age, policies.
        users = max(1, counts.users)
        self.sizes = _shifted_zipf_sizes(
            min(counts.memberships, users * n_com),
            n_com,
            largest=LARGEST_TO_AVERAGE * counts.memberships / max(1, n_com),
            floor=min(users, 4),
            ceiling=users,
        )
        net_weights = _zipf_cum_weights(n_net, exponent=1.0, offset=2.0)
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
        youngest, oldest = COMMUNITY_AGE_DAYS
        self.com_created = []
        self.com_slugs = []
        themes = list(itertools.product(COMMUNITY_THEMES, PLACES))
        rng.shuffle(themes)
        self.com_theme = []
        rows = []
        self.com_archived_at = []
        self.com_policy = []
        self.com_cadence = []
        self.com_first = self.loader.next_id(Community)
        for c in range(n_com):
            theme, place = themes[c % len(themes)]
            name = f"{theme} ({place})" + (f" {c // len(themes) + 1}" if c >= len(themes) else "")
            rank = c / max(1, n_com - 1)
            age = youngest + (oldest - youngest) * (1 - rank) ** 0.7 * rng.uniform(0.75, 1.0)
            created = now - age * DAY
            if c == 0:
                created = now - oldest * DAY
            phase = (
                "discover"
                if age < 120
                else "unite"
                if age < 300
                else "mature"
                if age < 550
                else rng.choice(["mature", "steward", "steward", "transform"])
            )
            if c == 0:
                visibility, policy = "public", "open"
            else:
                visibility = rng.choices(["public", "listed", "private"], [35, 50, 15])[0]
                if visibility == "private":
                    policy = rng.choices(["invitation", "approval"], [70, 30])[0]
                else:
                    policy = rng.choices(["open", "approval", "invitation"], [45, 45, 10])[0]
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
            net = self.com_net[c]
            rows.append(
                (
                    self.com_first + c,
                    None if net is None else self.net_first + net,
                    name,
                    slug,
                    domain,
                    practice,
                    who,
                    phase,
                    visibility,
                    policy,
                    cadence,
                    "archived" if archived else "active",
                    "Its members and resources moved to a neighbouring community."
                    if archived
                    else "",
                    None if archived_at is None else _stamp(archived_at),
                    _stamp(created),
                )
            )
        self.com_phase = [row[7] for row in rows]
        self.com_visibility = [row[8] for row in rows]
        net_created = [now - (oldest + 30) * DAY] * n_net
        networks = self.loader.insert(
            Network,
            ["id", "name", "slug", "description", "created_at"],
            (
                (
                    self.net_first + i,
                    net_names[i],
                    self.net_slugs[i],
                    self._fill(
                        "A programme of communities of practice on {topic}, {topic2} and "
                        "patient safety across the area."
                    ),
                    _stamp(net_created[i]),
                )
                for i in range(n_net)
            ),
        )
        communities = self.loader.insert(
            Community,
            [
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
            ],
            rows,
        )
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
        # Topics: tags shared with everything else, looked up by name.
        tag_names = sorted({t.lower() for t in TOPICS} | {t.lower() for t in COMMUNITY_THEMES})
        self.tag_ids = self._tags(tag_names)
        com_type = ContentType.objects.db_manager(self.using).get_for_model(Community).pk
        tagged = self.loader.insert(
            TaggedItem,
            ["content_type_id", "object_id", "tag_id"],
            (
                (com_type, self.com_first + c, tag)
                for c in range(n_com)
                for tag in self._topic_tags(self.com_theme[c].lower(), 2)
            ),
        )
        self._stage(
            "networks and communities",
            started,
            networks=networks,
            communities=communities,
            community_regions=regions,
            community_tags=tagged,
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

    def plan_people_and_memberships(self):
        """Who the people are and where they belong, in memory: a convener's sign-up date
        moves earlier when they start a community, so people are written after this."""
        started = time.monotonic()
        self._plan_people()
        self._plan_memberships()
        self._stage("plan people, memberships", started)

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

        def rows():
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
                    _stamp(self.now - rng.uniform(0.1, 20) * DAY)
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
                    _stamp(joined),
                )

        users = self.loader.insert(
            User,
            [
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
            ],
            rows(),
        )
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

    def _plan_memberships(self):
        """Who belongs where: everyone has a home community; keen people join many."""
        rng, now = self.rng, self.now
        n_users, n_com = self.counts.users, self.counts.communities
        sizes = self.sizes
        members = [[] for _ in range(n_com)]
        member_sets = [set() for _ in range(n_com)]
        # Home communities: each person once, in proportion to the communities' sizes.
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
        # The rest of each community: keen people are drawn far more often.
        keen = list(range(n_users))
        rng.shuffle(keen)
        keen_cum = _zipf_cum_weights(n_users, exponent=1.0, offset=max(1.0, n_users * 0.02))
        for c, size in enumerate(sizes):
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

        # Roles, statuses and dates. The convener started the community; people join after
        # they signed up and after the community began, more of them recently.
        self.active = []  # per community: sorted [(joined_ts, user)] of active members
        self.leaders = []  # per community: [convener, co-conveners...]
        self.user_communities = [[] for _ in range(n_users)]
        rows = []
        for c in range(n_com):
            created = self.com_created[c]
            people = members[c]
            rng.shuffle(people)
            leads = 2 if len(people) < 40 else 3
            policy = self.com_policy[c]
            active = []
            leaders = []
            for i, (u, home) in enumerate(people):
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
                    if policy == "approval" and r < 0.02:
                        status, joined_at = "requested", None
                        requested_at = max(start, now - rng.uniform(0.1, 20.0) * DAY)
                        note = self._fill("I work with {audience} on {topic} in {setting}.")
                    elif policy == "approval" and r < 0.025:
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
                if status == "active":
                    active.append((joined_at, u))
                    self.user_communities[u].append(c)
                    if role in ("convener", "co-convener"):
                        leaders.append(u)
                rows.append(
                    (
                        self.com_first + c,
                        self.user_first + u,
                        role,
                        status,
                        note,
                        decision,
                        decided_by,
                        removed_reason,
                        None if joined_at is None else _stamp(joined_at),
                        None if requested_at is None else _stamp(requested_at),
                        _stamp(joined_at or requested_at or created),
                    )
                )
            active.sort()
            self.active.append(active)
            self.leaders.append(leaders)
        self._membership_rows = rows

    def memberships(self):
        started = time.monotonic()
        rows = self._membership_rows
        needs = self._needs_offers(rows)
        written = self.loader.insert(
            Membership,
            [
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
            ],
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

    def community_history(self):
        """Phase changes up to each community's phase, charters, meeting series, and
        calendar feeds for some people."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        order = [p.value for p in Community.Phase]
        phase_rows, charter_rows, series_rows = [], [], []
        self.series_first = self.loader.next_id(MeetingSeries)
        self.com_series = [None] * len(self.com_created)
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
                        _stamp(when),
                    )
                )
            if rng.random() < 0.6:
                for number in range(1, rng.randint(1, 3) + 1):
                    charter_rows.append(
                        (
                            self.com_first + c,
                            number,
                            self._fill("Make {topic} safer for people in {setting}."),
                            "Monthly meetings, shared templates and learning from near misses.",
                            self._fill("{Audience}, {audience2} and families."),
                            self._fill("Fewer {outcome}; stories of changed practice."),
                            self._fill("People receive care around {topic} that nobody reviews."),
                            "\n".join(self._fill("Better {topic} at {moment}") for _ in range(3)),
                            convener,
                            _stamp(created + (now - created) * number / 4),
                        )
                    )
            if self.com_cadence[c] in ("weekly", "fortnightly", "monthly"):
                self.com_series[c] = self.series_first + len(series_rows)
                series_rows.append(
                    (
                        self.com_series[c],
                        self.com_first + c,
                        "Community meeting",
                        {
                            "weekly": "every Tuesday, 12:30 to 13:30",
                            "fortnightly": "every other Wednesday, 14:00 to 15:00",
                            "monthly": "second Tuesday of every month, 14:00 to 16:00",
                        }[self.com_cadence[c]],
                        convener,
                        _stamp(max(created, now - PAST_DAYS * DAY)),
                    )
                )
        phases = self.loader.insert(
            PhaseChange,
            ["community_id", "from_phase", "to_phase", "note", "actor_id", "created_at"],
            phase_rows,
        )
        charters = self.loader.insert(
            CharterVersion,
            [
                "community_id",
                "number",
                "trying_to_do",
                "how_to_do_it",
                "who_needs_to",
                "how_we_know",
                "problem_statement",
                "priorities",
                "author_id",
                "created_at",
            ],
            charter_rows,
        )
        series = self.loader.insert(
            MeetingSeries,
            ["id", "community_id", "title", "description", "created_by_id", "created_at"],
            series_rows,
        )
        # Calendar feeds for one person in fifty, and for every leader (tokens from the
        # seeded random: deterministic, and still unique).
        feed_users = {u for leaders in self.leaders for u in leaders}
        feed_users |= {
            u for u in range(self.counts.users) if rng.random() < 0.02 and self.user_communities[u]
        }
        self.feed_tokens = {}
        for u in sorted(feed_users):
            self.feed_tokens[u] = f"{rng.getrandbits(192):048x}"
        feeds = self.loader.insert(
            CalendarFeed,
            ["user_id", "token", "include_community_meetings", "created_at"],
            (
                (self.user_first + u, token, rng.random() < 0.3, self.now_dt - timedelta(days=5))
                for u, token in self.feed_tokens.items()
            ),
        )
        self._stage(
            "community history",
            started,
            phase_changes=phases,
            charter_versions=charters,
            meeting_series=series,
            calendar_feeds=feeds,
        )

    def meetings(self):
        """Meetings over the past year and the next three months, ids in time order, with
        their capacity decided from the registrations planned for them."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        total = self.counts.meetings
        n_com = len(self.com_created)
        cadence_rate = {
            "weekly": 4.0,
            "fortnightly": 2.0,
            "monthly": 1.0,
            "bimonthly": 0.5,
            "quarterly": 0.35,
            "ad-hoc": 0.6,
        }
        n_events = min(max(self.counts.networks, round(total * 0.01)), total // 4)
        windows = []
        for c in range(n_com):
            lo = max(self.com_created[c] + 7 * DAY, now - PAST_DAYS * DAY)
            hi = self.com_archived_at[c] or now + FUTURE_DAYS * DAY
            windows.append((lo, max(lo + DAY, hi)))
        weights = [
            cadence_rate[self.com_cadence[c]]
            * max(1, len(self.active[c])) ** 0.35
            * (windows[c][1] - windows[c][0])
            for c in range(n_com)
        ]
        plans = []  # (starts_ts, community or None, network or None)
        for c, k in enumerate(_apportion(total - n_events, weights)):
            lo, hi = windows[c]
            plans.extend((rng.uniform(lo, hi), c, None) for _ in range(k))
        n_net = len(self.net_slugs)
        for i in range(n_events):
            ts = rng.uniform(now - PAST_DAYS * DAY, now + FUTURE_DAYS * DAY)
            plans.append((ts, None, i % n_net))
        plans.sort(key=lambda p: p[0])
        self.meeting_first = self.loader.next_id(Meeting)
        # What later stages need about each meeting, by index.
        self.m_community = [c for _, c, _ in plans]
        self.m_network = [net for _, _, net in plans]
        self.m_start, self.m_end, self.m_created, self.m_cancelled = [], [], [], []
        rows = []
        for i, (ts, c, net) in enumerate(plans):
            day = datetime.fromtimestamp(ts, LONDON).date()
            if c is not None:
                kind = rng.choices(["meeting", "masterclass", "webinar"], [80, 10, 10])[0]
            else:
                kind = rng.choice(["sharing-day", "webinar", "launch", "masterclass"])
            hour, minute = rng.choice(
                [(9, 30), (10, 0), (12, 30), (13, 0), (14, 0), (15, 0), (18, 0)]
            )
            if kind == "sharing-day":
                hour, minute, minutes = 10, 0, 360
            else:
                minutes = {"masterclass": 180, "webinar": 60}.get(kind, rng.choice([60, 90, 120]))
            start = datetime.combine(day, clock(hour, minute), tzinfo=LONDON)
            end = start + timedelta(minutes=minutes)
            owner_created = self.com_created[c] if c is not None else now - 900 * DAY
            created = max(owner_created + 3600, start.timestamp() - rng.uniform(7, 60) * DAY)
            created = min(created, now - 3600)
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
            rows.append(
                (
                    self.meeting_first + i,
                    None if c is None else self.com_first + c,
                    None if net is None else self.net_first + net,
                    series,
                    kind,
                    self._fill(rng.choice(MEETING_TITLES[kind]))[:200],
                    agenda,
                    start,
                    end,
                    fmt,
                    "" if fmt == "online" else place,
                    "" if fmt == "in-person" else f"https://meet.example.org/{uid.hex[:12]}",
                    "public" if public else "members",
                    "cancelled" if cancelled else "scheduled",
                    rng.choice(CANCEL_REASONS) if cancelled else "",
                    24,
                    uid,
                    1 if cancelled else 0,
                    creator,
                    _stamp(created),
                    _stamp(created),
                )
            )
            self.m_start.append(start.timestamp())
            self.m_end.append(end.timestamp())
            self.m_created.append(created)
            self.m_cancelled.append(cancelled)
        self._plan_registrations()
        written = self.loader.insert(
            Meeting,
            [
                "id",
                "community_id",
                "network_id",
                "series_id",
                "kind",
                "title",
                "agenda",
                "starts_at",
                "ends_at",
                "format",
                "venue",
                "joining_link",
                "visibility",
                "status",
                "cancel_reason",
                "reminder_hours",
                "uid",
                "sequence",
                "created_by_id",
                "created_at",
                "updated_at",
                "capacity",
            ],
            (row + (self.m_capacity[m],) for m, row in enumerate(rows)),
        )
        self._stage(
            "meetings", started, meetings=written, network_events=self.m_community.count(None)
        )

    def _plan_registrations(self):
        """How many people register for each meeting and how many of them cancel, and so
        the capacity: none for a quarter of meetings, room to spare for most, and too
        small for some (full, with a waiting list)."""
        rng = self.rng
        n = len(self.m_start)
        # Members of a network: everyone active in its communities.
        net_people = [set() for _ in self.net_slugs]
        for c, active in enumerate(self.active):
            if self.com_net[c] is not None:
                net_people[self.com_net[c]].update(u for _, u in active)
        self.net_people = [sorted(p) for p in net_people]
        active_times = [[t for t, _ in active] for active in self.active]
        # Only people who had joined when the meeting was announced register for it.
        self.m_eligible, desire = [], []
        for m in range(n):
            c = self.m_community[m]
            if c is None:
                self.m_eligible.append(len(self.net_people[self.m_network[m]]))
                desire.append(40 * rng.lognormvariate(0, 0.5))
            else:
                self.m_eligible.append(bisect.bisect_left(active_times[c], self.m_created[m]))
                desire.append(max(1, len(self.active[c])) ** 0.55 * rng.lognormvariate(0, 0.5))
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

    def registrations(self):
        """Registrations in the order people came: registered while there is room, then
        up to twenty on the waiting list; capacity is never exceeded, and a waiting list
        exists only when a meeting is full. Attendance is recorded for most past meetings."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        self.m_attendees = [[] for _ in self.m_start]
        stats = {"registered": 0, "waiting": 0, "cancelled": 0}

        def rows():
            for m, count in enumerate(self.m_count):
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
                    stamp = _stamp(ts)
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
                    yield (
                        self.meeting_first + m,
                        self.user_first + person,
                        status,
                        waiting_since,
                        attended,
                        False,
                        stamp,
                        stamp,
                    )

        written = self.loader.insert(
            Registration,
            [
                "meeting_id",
                "user_id",
                "status",
                "waiting_since",
                "attended",
                "walk_in",
                "created_at",
                "updated_at",
            ],
            rows(),
        )
        del self.net_people, self.m_eligible, self.m_count, self.m_gave_up
        self._stage(
            "registrations",
            started,
            registrations=written,
            **{f"registrations_{k}": v for k, v in stats.items()},
        )

    def minutes_and_actions(self):
        """Minutes for about half of the past meetings, most published; action points from
        them, the older ones mostly done (closed at the community's next meeting)."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        today = datetime.fromtimestamp(now, LONDON).date()
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
            convener = self.user_first + self.leaders[c][0]
            published_ts = self.m_end[m] + rng.uniform(0.5, 10) * DAY
            published = published_ts < now and rng.random() < 0.9
            minutes_rows.append(
                (
                    self.meeting_first + m,
                    self._sentences(BODY_TEMPLATES, rng.randint(2, 4), noun="discussion"),
                    "\n".join(
                        self._fill("Pilot the {topic} checklist in {setting}")
                        for _ in range(rng.randint(1, 3))
                    ),
                    rng.random() < 0.8,
                    "published" if published else "draft",
                    _stamp(published_ts) if published else None,
                    convener if published else None,
                    _stamp(min(published_ts, now - 60)),
                )
            )
            owners = self.m_attendees[m] or self.leaders[c]
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                due = datetime.fromtimestamp(self.m_start[m], LONDON).date() + timedelta(
                    days=rng.randint(14, 56)
                )
                done = due < today and rng.random() < 0.7
                closing = next_meeting.get(m)
                closed_in = (
                    self.meeting_first + closing
                    if done and closing is not None and self.m_start[closing] < now
                    else None
                )
                done_ts = (
                    self.m_start[closing] if closed_in else self.m_end[m] + rng.uniform(3, 40) * DAY
                )
                action_rows.append(
                    (
                        self.com_first + c,
                        self.meeting_first + m,
                        self._fill(rng.choice(ACTION_TEMPLATES))[:500],
                        self.user_first + rng.choice(owners),
                        due,
                        "done" if done else "open",
                        _stamp(min(done_ts, now - 60)) if done else None,
                        closed_in,
                        _stamp(min(self.m_end[m] + DAY, now - 60)),
                    )
                )
        minutes = self.loader.insert(
            Minutes,
            [
                "meeting_id",
                "notes",
                "decisions",
                "previous_minutes_agreed",
                "status",
                "published_at",
                "published_by_id",
                "updated_at",
            ],
            minutes_rows,
        )
        actions = self.loader.insert(
            ActionItem,
            [
                "community_id",
                "meeting_id",
                "description",
                "owner_id",
                "due_date",
                "status",
                "done_at",
                "closed_in_id",
                "created_at",
            ],
            action_rows,
        )
        del self.m_attendees
        self._stage("minutes and actions", started, minutes=minutes, action_items=actions)

    def resources(self):
        """Resources with their text; counters come from the adoptions and marks planned
        here, before the resources are written."""
        started = time.monotonic()
        rng, now = self.rng, self.now
        total = self.counts.resources
        n_network = min(total // 10, max(self.counts.networks, round(total * 0.03)))
        per = _apportion(total - n_network, [max(1, len(a)) ** 0.8 for a in self.active])
        plans = []  # (created_ts, community, network, owner user)
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
        today = datetime.fromtimestamp(now, LONDON).date()
        res_type = ContentType.objects.db_manager(self.using).get_for_model(Resource).pk
        tag_rows = []

        def rows():
            for r, (ts, c, net, owner) in enumerate(plans):
                kind = self.r_kind[r]
                noun = KIND_NOUNS[kind]
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
                    paragraphs.append(
                        self._fill(rng.choice(RARE_TEMPLATES), rare=rng.choice(RARE_TERMS))
                    )
                created = _stamp(ts)
                review = None
                reminded = None
                if rng.random() < 0.6:
                    review = (created + timedelta(days=rng.randint(180, 900))).date()
                    # Reviews already due were reminded about: a fresh data set should not
                    # send thousands of reminders the first time the job runs.
                    reminded = review if review <= today else None
                hidden = self.r_hidden[r]
                leader = self.leaders[c][0] if c is not None else owner
                for tag in self._topic_tags("", rng.randint(1, 3)):
                    tag_rows.append((res_type, self.res_first + r, tag))
                yield (
                    self.res_first + r,
                    None if c is None else self.com_first + c,
                    None if net is None else self.net_first + net,
                    title,
                    summary,
                    "\n\n".join(paragraphs),
                    kind,
                    f"https://www.example.org/resources/{r + 1}" if kind == "link" else "",
                    rng.choice(LICENCES),
                    self.r_visibility[r],
                    self.user_first + owner,
                    review,
                    reminded,
                    "hidden" if hidden else "published",
                    "Shares personal details of a patient." if hidden else "",
                    self.user_first + leader if hidden else None,
                    _stamp(min(ts + 3 * DAY, now - 60)) if hidden else None,
                    adoption_count[r],
                    useful_count[r],
                    created,
                    created,
                )

        written = self.loader.insert(
            Resource,
            [
                "id",
                "community_id",
                "network_id",
                "title",
                "summary",
                "body",
                "kind",
                "external_url",
                "licence",
                "visibility",
                "owner_id",
                "review_date",
                "review_reminded_for",
                "status",
                "hidden_reason",
                "hidden_by_id",
                "hidden_at",
                "adoption_count",
                "useful_count",
                "created_at",
                "updated_at",
            ],
            rows(),
        )
        tags = self.loader.insert(TaggedItem, ["content_type_id", "object_id", "tag_id"], tag_rows)
        self._library = (adoptions, useful, comments)
        self._stage("resources", started, resources=written, resource_tags=tags)

    def _plan_library_activity(self):
        """Adoptions, useful marks and comments: popular resources get most of them, and
        people act on resources of their own communities (or, for resources seen beyond
        the community, of the same network)."""
        rng, now = self.rng, self.now
        n = len(self.r_created)
        visible = [r for r in range(n) if not self.r_hidden[r]]
        rng.shuffle(visible)
        cum = _zipf_cum_weights(len(visible), exponent=0.9, offset=10.0)

        net_communities = {}
        for c, net in enumerate(self.com_net):
            if net is not None and self.active[c]:
                net_communities.setdefault(net, []).append(c)

        def pick_people(r):
            """Members of the resource's community; for a resource seen beyond it, now and
            then members of another community of the same network."""
            c, net = self.r_community[r], self.r_network[r]
            if c is not None:
                beyond = self.r_visibility[r] != "members" and self.com_visibility[c] != "private"
                if beyond and rng.random() < 0.3:
                    net = self.com_net[c]
                elif self.active[c]:
                    return self.active[c]
            if net is not None and net_communities.get(net):
                return self.active[rng.choice(net_communities[net])]
            return self.active[c] if c is not None else None

        def popular(k):
            return [visible[i] for i in rng.choices(range(len(visible)), cum_weights=cum, k=k)]

        def when(r):
            lo = self.r_created[r]
            return _stamp(lo + (now - 60 - lo) * rng.random())

        adoptions, seen = [], set()
        target = self.counts.adoptions
        attempts = 0
        while len(adoptions) < target and attempts < target * 4 and visible:
            batch = popular(min(10_000, (target - len(adoptions)) * 2))
            for r in batch:
                attempts += 1
                people = pick_people(r)
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
                        when(r),
                    )
                )
                if len(adoptions) >= target:
                    break
        useful, marked = [], set()
        target = round(self.counts.resources * USEFUL_PER_RESOURCE)
        for r in popular(target) if visible else []:
            people = pick_people(r)
            if not people:
                continue
            u = rng.choice(people)[1]
            if (r, u) in marked:
                continue
            marked.add((r, u))
            useful.append((r, u, when(r)))
        comments = []
        for r in popular(round(self.counts.resources * COMMENTS_PER_RESOURCE)) if visible else []:
            people = pick_people(r)
            if not people:
                continue
            u = rng.choice(people)[1]
            comments.append(
                (
                    r,
                    u,
                    self._fill(
                        "We tried this in {setting}: the part on {topic} was the most useful."
                    ),
                    when(r),
                )
            )
        return adoptions, useful, comments

    def _resource_community_id(self, r):
        c = self.r_community[r]
        return None if c is None else self.com_first + c

    def library_activity(self):
        started = time.monotonic()
        rng, now = self.rng, self.now
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
                "resource_community_id",
            ],
            (
                (first + r, org, com, note, user, ts, self._resource_community_id(r))
                for r, org, com, note, user, ts in adoptions
            ),
        )
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
        # Stories of changed practice, each citing resources of its community.
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
                        _stamp(ts),
                    )
                )
                mine = by_community.get(c, [])
                for r in rng.sample(mine, min(len(mine), rng.randint(0, 2))):
                    links.append((sid, first + r))
        stories = self.loader.insert(
            Story,
            [
                "id",
                "community_id",
                "author_id",
                "title",
                "what_happened",
                "new_knowledge",
                "how_applied",
                "difference_made",
                "reframed_success",
                "visibility",
                "created_at",
            ],
            story_rows,
        )
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

    def search_vectors(self):
        """The weighted search vector, filled in one UPDATE by the service's own function.

        The GIN index on it is kept with fastupdate off (knowledge migration 0002), so
        keeping it up to date row by row would cost twice the UPDATE itself: it is dropped
        and built again in one pass, from its own stored definition.
        """
        started = time.monotonic()
        if self.connection.vendor != "postgresql":
            self._stage("search vectors", started)  # SQLite searches the columns directly
            return
        table = Resource._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s AND indexdef ILIKE %s",
                [table, "%USING gin%search_vector%"],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
        search_vector_update(
            resource_ids=Resource.objects.using(self.using)
            .filter(pk__gte=self.res_first)
            .values("pk")
        )
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
        self._stage("search vectors", started, search_indexes_rebuilt=len(indexes))

    def community_copies(self):
        """The copies the communities app keeps (each community's figures, each member's name
        on their memberships): the rows above were written around its services and signals."""
        started = time.monotonic()
        community_copies_rebuild()
        self._stage("community figures", started)

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
        }

    @staticmethod
    def _email(u):
        return f"user{u + 1}@{EMAIL_DOMAIN}"


def _apportion(total, weights):
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
