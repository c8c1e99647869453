"""The demo data set: invented people and organisations, realistic communities.

Idempotent: every object is found by a natural key (e-mail, slug, name) and updated,
so running it twice leaves the same data. Later features add their part here.
"""

import functools
import random
import zlib
import zoneinfo
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Profession, Region, User
from communities.models import (
    CharterVersion,
    Community,
    CommunityRegion,
    Invitation,
    Membership,
    Network,
    PhaseChange,
)
from conveners.models import (
    Application,
    JournalEntry,
    LeadershipProgramme,
    ProgrammeSession,
    Review,
)
from devdata.discussions_demo import seed_discussions
from devdata.knowledge_demo import seed_knowledge
from knowledge.models import Resource
from knowledge.services import search_vector_update
from meetings.models import ActionItem, Meeting, MeetingSeries, Minutes, Registration
from meetings.services import series_dates

LONDON = zoneinfo.ZoneInfo("Europe/London")

DEMO_PASSWORD = "demo-community-2026"  # noqa: S105  # nosec B105  # published demo password; seed_demo refuses production

ORGANISATIONS = [
    (
        "Northfield Teaching Hospitals NHS Trust",
        Organisation.Kind.NHS_TRUST,
        Region.NORTH_EAST_YORKSHIRE,
    ),
    (
        "Riverside Community Health NHS Trust",
        Organisation.Kind.NHS_TRUST,
        Region.NORTH_EAST_YORKSHIRE,
    ),
    ("Wolds and Coast Integrated Care Board", Organisation.Kind.ICB, Region.NORTH_EAST_YORKSHIRE),
    ("Millbrook Primary Care Network", Organisation.Kind.PRIMARY_CARE, Region.NORTH_EAST_YORKSHIRE),
    ("Harbour Lane Surgery", Organisation.Kind.PRIMARY_CARE, Region.NORTH_EAST_YORKSHIRE),
    ("Castlegate Pharmacy", Organisation.Kind.COMMUNITY_PHARMACY, Region.NORTH_EAST_YORKSHIRE),
    ("Elmwood House Care Home", Organisation.Kind.CARE_HOME, Region.NORTH_EAST_YORKSHIRE),
    ("Meadowview Nursing Home", Organisation.Kind.CARE_HOME, Region.MIDLANDS),
    ("Eastshire County Council", Organisation.Kind.LOCAL_AUTHORITY, Region.MIDLANDS),
    ("University of Westbridge", Organisation.Kind.UNIVERSITY, Region.MIDLANDS),
    ("Midlands Partnership Hospitals NHS Trust", Organisation.Kind.NHS_TRUST, Region.MIDLANDS),
    ("Safer Medicines Charity", Organisation.Kind.CHARITY, Region.NATIONAL),
    ("Carers Voice Eastshire", Organisation.Kind.PATIENT_GROUP, Region.MIDLANDS),
    ("Kingsmead Ambulance Service NHS Trust", Organisation.Kind.NHS_TRUST, Region.MIDLANDS),
]

NETWORKS = [
    (
        "north-coast-patient-safety",
        "North Coast Patient Safety Collaborative",
        "A regional programme of communities of practice working on patient safety across hospitals, primary care and care homes.",
    ),
    (
        "national-deprescribing-network",
        "National Deprescribing Network",
        "A national network of professionals reducing harm from problematic polypharmacy, developing conveners through a leadership programme.",
    ),
]

# slug, name, network slug, phase, visibility, join policy, topics, domain, practice, community
COMMUNITIES = [
    (
        "medicines-safety",
        "Medicines Safety",
        "north-coast-patient-safety",
        "mature",
        "public",
        "open",
        ["medicines safety", "near misses"],
        "Reducing avoidable harm from medicines across care settings, with a focus on transitions of care.",
        "Monthly case reviews of near misses, shared learning notes and a medicines reconciliation toolkit.",
        "Pharmacists, nurses, GPs and care-home staff from across the coast who trust each other enough to talk about errors.",
    ),
    (
        "postpartum-haemorrhage",
        "Maternity: Postpartum Haemorrhage",
        "north-coast-patient-safety",
        "unite",
        "listed",
        "approval",
        ["maternity", "obstetric haemorrhage"],
        "Earlier recognition and better management of postpartum haemorrhage in our maternity units.",
        "Simulation sessions, a shared measurement plan for blood loss, and stories from units that changed practice.",
        "Midwives, obstetricians and anaesthetists from four units, meeting every other month.",
    ),
    (
        "duty-of-candour",
        "Duty of Candour",
        "north-coast-patient-safety",
        "discover",
        "private",
        "invitation",
        ["candour", "incident response"],
        "Being open with patients and families when things go wrong, and supporting the staff involved.",
        "Role play of difficult conversations, letter templates, and reflection on real cases in confidence.",
        "Governance leads, clinicians and patient representatives in a safe space.",
    ),
    (
        "sepsis-acute-deterioration",
        "Sepsis and Acute Deterioration",
        "north-coast-patient-safety",
        "steward",
        "public",
        "open",
        ["sepsis", "deterioration", "NEWS2"],
        "Spotting and responding to deterioration and sepsis early, in hospital and in the community.",
        "Shared NEWS2 training packages, audit of escalation, and a soft-signs tool for care homes.",
        "Ambulance, acute and community teams who hand patients to each other every day.",
    ),
    (
        "delirium",
        "Delirium Awareness",
        "north-coast-patient-safety",
        "unite",
        "listed",
        "approval",
        ["delirium", "older people"],
        "Preventing, recognising and managing delirium in older people wherever they are cared for.",
        "Screening tools, family involvement leaflets and a monthly journal club.",
        "Nurses, therapists, geriatricians and carers.",
    ),
    (
        "polypharmacy-over-74",
        "Polypharmacy in People over 74",
        "national-deprescribing-network",
        "mature",
        "public",
        "approval",
        ["polypharmacy", "deprescribing", "structured medication review"],
        "Reducing harm from problematic polypharmacy in people over 74 taking ten or more medicines.",
        "A four-session facilitated process, a co-created problem statement, masterclasses and shared review templates.",
        "GPs, practice pharmacists, care-home staff and patients who have lived with many medicines.",
    ),
    (
        "care-homes-medicines",
        "Care Homes Medicines Optimisation",
        "national-deprescribing-network",
        "mature",
        "listed",
        "open",
        ["care homes", "medicines optimisation"],
        "Making medicines work better and more safely for people living in care homes.",
        "Monthly meetings capped at the room's 20 places, minutes to the whole group, and a process for identifying residents at risk of admission.",
        "Care-home managers, pharmacists, GPs and social workers across the county.",
    ),
    (
        "deprescribing-conveners",
        "Deprescribing Conveners Circle",
        "national-deprescribing-network",
        "transform",
        "private",
        "invitation",
        ["deprescribing", "leadership"],
        "Supporting conveners of deprescribing communities to learn from each other.",
        "Reflective sessions after each leadership module and a shared convener toolkit.",
        "Conveners from every region of the national network.",
    ),
]

FIRST = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Eleni",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jonah",
    "Kavya",
    "Liam",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
    "Umar",
    "Vera",
    "Wes",
    "Yara",
    "Zain",
]
LAST = [
    "Ashworth",
    "Bramley",
    "Calder",
    "Dunmore",
    "Ellery",
    "Fenwick",
    "Garside",
    "Holloway",
    "Ingram",
    "Jessop",
    "Kirkby",
    "Lowther",
    "Marsden",
    "Norcross",
    "Oakley",
    "Pemberton",
    "Redfern",
    "Sowerby",
    "Thwaite",
    "Whitlock",
]


@functools.cache
def _demo_password_hash():
    # Hashed once: a slow password hash per person would make the command take a minute.
    return make_password(DEMO_PASSWORD)


def _person(email, name, organisation, profession, region, *, staff=False, job_title=""):
    user, created = User.objects.get_or_create(email=email, defaults={"name": name})
    user.name = name
    user.organisation = organisation
    user.profession = profession
    user.region = region
    user.job_title = job_title
    user.is_staff = user.is_superuser = staff
    if created or not user.has_usable_password():
        user.password = _demo_password_hash()
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_demo():
    rng = random.Random(2026)  # nosec B311  # demo data, not security: fixed seed, same people every run
    orgs, professions, clinical = _seed_organisations()
    networks, communities = _seed_networks_and_communities()
    accounts, national_manager = _seed_accounts(orgs, professions, networks)
    people = _seed_people(orgs, clinical)
    now = timezone.now()
    _seed_memberships(communities, people, accounts, rng, now)
    _seed_community_life(communities, people, accounts, rng, now)
    _seed_meetings(communities, accounts, now)
    seed_knowledge(now=now)
    seed_discussions(now=now)
    _seed_history(communities, people, accounts, now)
    _seed_programmes(communities, people, accounts, national_manager, now)
    return {
        "accounts": accounts | {"national manager": national_manager},
        "people": len(people) + 5,
        "organisations": len(orgs),
        "networks": len(networks),
        "communities": Community.objects.count(),
    }


def _seed_organisations():
    """The organisations, the professions by name, and the clinical ones people have."""
    orgs = []
    for name, kind, region in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            name=name, defaults={"kind": kind, "region": region}
        )
        orgs.append(org)
    professions = {p.name: p for p in Profession.objects.all()}
    clinical = [
        professions[n]
        for n in (
            "Pharmacist",
            "Pharmacy technician",
            "General practitioner",
            "Hospital doctor",
            "Nurse",
            "Midwife",
            "Paramedic",
            "Occupational therapist",
            "Care home manager",
            "Care worker",
            "Social worker",
            "Patient or carer representative",
        )
    ]

    return orgs, professions, clinical


def _seed_networks_and_communities():
    networks = {}
    for slug, name, description in NETWORKS:
        networks[slug], _ = Network.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )

    communities = []
    for (
        slug,
        name,
        net,
        phase,
        visibility,
        policy,
        topics,
        domain,
        practice,
        community_text,
    ) in COMMUNITIES:
        community, _ = Community.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "network": networks[net],
                "phase": phase,
                "visibility": visibility,
                "join_policy": policy,
                "domain": domain,
                "practice": practice,
                "who_we_are": community_text,
            },
        )
        community.topics.set(topics)
        region = (
            Region.NORTH_EAST_YORKSHIRE if net == "north-coast-patient-safety" else Region.NATIONAL
        )
        CommunityRegion.objects.get_or_create(community=community, region=region)
        communities.append(community)

    return networks, communities


def _seed_accounts(orgs, professions, networks):
    """The demo accounts of the README, and the national programme manager."""
    accounts = {
        "admin": _person(
            "admin@example.org",
            "Alex Administrator",
            orgs[11],
            professions["Other"],
            Region.NATIONAL,
            staff=True,
            job_title="Site administrator",
        ),
        "manager": _person(
            "manager@example.nhs.uk",
            "Morgan Pemberton",
            orgs[2],
            professions["Commissioner or manager"],
            Region.NORTH_EAST_YORKSHIRE,
            job_title="Programme manager, patient safety",
        ),
        "convener": _person(
            "convener@example.nhs.uk",
            "Cara Lowther",
            orgs[0],
            professions["Pharmacist"],
            Region.NORTH_EAST_YORKSHIRE,
            job_title="Lead pharmacist, medicines safety",
        ),
        "member": _person(
            "member@example.org",
            "Sam Redfern",
            orgs[6],
            professions["Care home manager"],
            Region.NORTH_EAST_YORKSHIRE,
            job_title="Registered manager",
        ),
    }
    accounts["manager"].managed_networks.add(networks["north-coast-patient-safety"])
    national_manager = _person(
        "programme@example.nhs.uk",
        "Noor Fenwick",
        orgs[11],
        professions["Commissioner or manager"],
        Region.NATIONAL,
        job_title="National programme lead",
    )
    national_manager.managed_networks.add(networks["national-deprescribing-network"])

    return accounts, national_manager


def _seed_people(orgs, clinical):
    people = []
    for i in range(56):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        org = orgs[i % len(orgs)]
        people.append(
            _person(
                f"{first}.{last}{i}@example.org".lower(),
                f"{first} {last}",
                org,
                clinical[i % len(clinical)],
                org.region,
            )
        )

    return people


def _seed_memberships(communities, people, accounts, rng, now):
    def member(community, user, role=Membership.Role.MEMBER):
        Membership.objects.update_or_create(
            community=community,
            user=user,
            defaults={"role": role, "status": Membership.Status.ACTIVE, "joined_at": now},
        )

    # Each community has a convener drawn from the people, and between 10 and 30 members.
    for index, community in enumerate(communities):
        member(community, people[index], Membership.Role.CONVENER)
        member(community, people[index + 8], Membership.Role.CO_CONVENER)
        for user in rng.sample(people[16:], rng.randint(10, 30)):
            member(community, user)
    member(communities[0], accounts["convener"], Membership.Role.CONVENER)
    member(communities[6], accounts["convener"], Membership.Role.CONVENER)
    member(communities[0], accounts["member"])
    member(communities[6], accounts["member"])


PHASE_ORDER = [p.value for p in Community.Phase]

NEEDS_OFFERS = [
    (
        "Help running structured medication reviews in care homes",
        "medication review, care homes",
        "I can share our falls audit template",
        "falls, audit",
    ),
    (
        "Examples of deprescribing conversations with families",
        "deprescribing, families",
        "I have run medication reviews in twelve care homes and can mentor",
        "medication review, care homes",
    ),
    (
        "A way to audit falls after medicine changes",
        "falls, audit",
        "Patient leaflets about stopping medicines, tested with carers",
        "deprescribing, leaflets",
    ),
]


def _seed_community_life(communities, people, accounts, rng, now):
    """What the communities have lived: phases, charters, requests, invitations, needs."""
    _seed_phases(communities, now)
    care_homes = next(c for c in communities if c.slug == "care-homes-medicines")
    _seed_charter(care_homes, accounts, now)
    _seed_needs_requests_invitations(care_homes, communities, people, now)
    _seed_merged_pilot(care_homes, accounts, now)


def _seed_phases(communities, now):

    for community in communities:
        history = PHASE_ORDER[: PHASE_ORDER.index(community.phase) + 1]
        leader = community.memberships.filter(role=Membership.Role.CONVENER).first().user
        for step, phase in enumerate(history):
            PhaseChange.objects.get_or_create(
                community=community,
                to_phase=phase,
                defaults={
                    "from_phase": history[step - 1] if step else "",
                    "note": f"The community moved to the {phase.title()} phase after its review meeting.",
                    "actor": leader,
                    "created_at": now - timedelta(days=120 * (len(history) - step)),
                },
            )


def _seed_charter(care_homes, accounts, now):

    for number, (trying, priorities) in enumerate(
        [
            (
                "Make medicines safer for care-home residents.",
                "Medication reviews\nCommunication at discharge",
            ),
            (
                "Make medicines safer and simpler for care-home residents, with them and their families.",
                "Structured medication reviews for every resident over 74\nSafer transfers of care\nFamilies in every review",
            ),
        ],
        start=1,
    ):
        CharterVersion.objects.update_or_create(
            community=care_homes,
            number=number,
            defaults={
                "trying_to_do": trying,
                "how_to_do_it": "Monthly meetings, shared templates, and learning from near misses in confidence.",
                "who_needs_to": "Care-home managers, pharmacists, GPs, social workers and families.",
                "how_we_know": "Fewer medicine-related admissions; stories of changed practice.",
                "problem_statement": "Residents take many medicines that nobody reviews together.",
                "priorities": priorities,
                "author": accounts["convener"],
                "created_at": now - timedelta(days=60 - 30 * number),
            },
        )


def _seed_needs_requests_invitations(care_homes, communities, people, now):

    # Needs and offers that match on topics, in the convener's community.
    members = list(
        care_homes.memberships.filter(
            status=Membership.Status.ACTIVE, role=Membership.Role.MEMBER
        ).order_by("user__email")[:3]
    )
    for membership, (need, need_topics, offer, offer_topics) in zip(
        members, NEEDS_OFFERS, strict=False
    ):
        membership.needs, membership.needs_topics = need, need_topics
        membership.offers, membership.offers_topics = offer, offer_topics
        membership.save()
    # Join requests waiting for the demo convener.
    for user in people[40:43]:
        Membership.objects.update_or_create(
            community=care_homes,
            user=user,
            defaults={
                "status": Membership.Status.REQUESTED,
                "role": Membership.Role.MEMBER,
                "requested_at": now - timedelta(days=2),
                "request_note": "I manage a care home nearby.",
            },
        )
    Invitation.objects.get_or_create(
        community=next(c for c in communities if c.slug == "duty-of-candour"),
        email="invited.guest@example.org",
        status=Invitation.Status.PENDING,
        defaults={
            "invited_by": communities[2]
            .memberships.filter(role=Membership.Role.CONVENER)
            .first()
            .user,
            "message": "We would value your experience as a patient representative.",
        },
    )


def _seed_merged_pilot(care_homes, accounts, now):

    # An archived community that merged into another.
    pilot, _ = Community.objects.update_or_create(
        slug="care-homes-county-pilot",
        defaults={
            "name": "Care Homes County Pilot",
            "network": care_homes.network,
            "phase": Community.Phase.TRANSFORM,
            "visibility": Community.Visibility.PUBLIC,
            "join_policy": Community.JoinPolicy.OPEN,
            "domain": "A pilot of medicines reviews in six care homes of one county.",
            "status": Community.Status.ARCHIVED,
            "merged_into": care_homes,
            "archived_at": now - timedelta(days=200),
            "archive_note": "The pilot's toolkit and members joined Care Homes Medicines Optimisation.",
        },
    )
    PhaseChange.objects.get_or_create(
        community=pilot,
        to_phase=Community.Phase.TRANSFORM,
        defaults={
            "from_phase": Community.Phase.MATURE,
            "note": "Merged into Care Homes Medicines Optimisation.",
            "actor": accounts["convener"],
            "created_at": now - timedelta(days=200),
        },
    )
    # A merge closes the memberships of the community it archives (its people moved).
    Membership.objects.update_or_create(
        community=pilot,
        user=accounts["convener"],
        defaults={
            "role": Membership.Role.CONVENER,
            "status": Membership.Status.LEFT,
            "joined_at": now,
        },
    )


def _seed_meetings(communities, accounts, now):
    """Past meetings with attendance and minutes, upcoming ones (one full, with a waiting
    list), a monthly series, open and done action points, and a network event."""
    care_homes = next(c for c in communities if c.slug == "care-homes-medicines")
    members = [
        m.user
        for m in care_homes.memberships.filter(status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("user__email")
    ]
    lead = accounts["convener"]
    today = timezone.localdate()
    past = _seed_past_meetings(care_homes, members, lead, today)
    _seed_action_points(care_homes, past, members, lead, today)
    _seed_full_meeting(care_homes, members, lead, today, now)
    _seed_series(care_homes, lead, today)
    _seed_network_event(care_homes, lead, today)


def _at(day, hour):
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON)


def _meeting(community, lead, title, start, **fields):
    """A meeting of the community, two hours long, found again by its title."""
    obj, _ = Meeting.objects.update_or_create(
        community=community,
        title=title,
        defaults={
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "venue": "Room 4, Example House",
            "created_by": lead,
            "agenda": "- Welcome and apologies\n- Actions from last time\n- Case review",
            **fields,
        },
    )
    return obj


def _published_minutes(meeting, lead, *, notes, decisions, days_after, agreed):
    """Minutes published by the lead some days after the meeting."""
    Minutes.objects.update_or_create(
        meeting=meeting,
        defaults={
            "notes": notes,
            "decisions": decisions,
            "status": "published",
            "published_at": meeting.ends_at + timedelta(days=days_after),
            "published_by": lead,
            "previous_minutes_agreed": agreed,
        },
    )


def _seed_past_meetings(care_homes, members, lead, today):
    past = []
    for months_ago in (3, 2, 1):
        m = _meeting(
            care_homes,
            lead,
            f"Monthly meeting ({(today - timedelta(days=30 * months_ago)):%B %Y})",
            _at(today - timedelta(days=30 * months_ago), 14),
            capacity=20,
        )
        for person in members[:12]:
            Registration.objects.update_or_create(
                meeting=m,
                user=person,
                defaults={"status": "registered", "attended": person.pk % 4 != 0},
            )
        _published_minutes(
            m,
            lead,
            notes="We reviewed two near misses at discharge and agreed to pilot the review template.",
            decisions="Pilot the medication review template in three homes",
            days_after=2,
            agreed=months_ago != 3,
        )
        past.append(m)
    return past


def _seed_action_points(care_homes, past, members, lead, today):
    ActionItem.objects.update_or_create(
        community=care_homes,
        meeting=past[0],
        description="Circulate the medication review template",
        defaults={
            "owner": lead,
            "status": "done",
            "done_at": past[1].starts_at,
            "closed_in": past[1],
        },
    )
    ActionItem.objects.update_or_create(
        community=care_homes,
        meeting=past[2],
        description="Collect falls data from the three pilot homes",
        defaults={"owner": members[1], "status": "open", "due_date": today + timedelta(days=20)},
    )


def _seed_full_meeting(care_homes, members, lead, today, now):
    # Upcoming: one full meeting with a waiting list.
    full = _meeting(
        care_homes,
        lead,
        "Masterclass: deprescribing conversations",
        _at(today + timedelta(days=10), 10),
        capacity=5,
        reminder_hours=24,
    )
    for index, person in enumerate(members[:8]):
        Registration.objects.update_or_create(
            meeting=full,
            user=person,
            defaults={
                "status": "registered" if index < 5 else "waiting",
                "waiting_since": None if index < 5 else now + timedelta(minutes=index),
            },
        )


def _seed_series(care_homes, lead, today):
    # A monthly series: second Tuesday, 14:00 to 16:00, for six months.
    series, _ = MeetingSeries.objects.get_or_create(
        community=care_homes,
        title="Monthly community meeting",
        defaults={
            "description": "second Tuesday of every month, 14:00 to 16:00",
            "created_by": lead,
        },
    )
    for day in series_dates(
        first_date=today + timedelta(days=1),
        until=today + timedelta(days=180),
        frequency="monthly",
        weekday=1,
        ordinal=2,
    ):
        _meeting(
            care_homes,
            lead,
            f"Monthly community meeting ({day:%B %Y})",
            _at(day, 14),
            series=series,
            capacity=20,
        )


def _seed_network_event(care_homes, lead, today):
    # A network event, open to the public.
    network = care_homes.network
    Meeting.objects.update_or_create(
        network=network,
        title="Sharing day: learning from our communities",
        defaults={
            "kind": "sharing-day",
            "visibility": "public",
            "starts_at": _at(today + timedelta(days=40), 10),
            "ends_at": _at(today + timedelta(days=40), 16),
            "venue": "Example Conference Centre",
            "capacity": 200,
            "created_by": lead,
        },
    )


def _seed_programmes(communities, people, accounts, manager, now):
    """A programme taking applications (one in every state) and a running one with
    attendance, journal entries and commitment progress."""
    network = Network.objects.get(slug="national-deprescribing-network")
    today = timezone.localdate()
    _seed_recruiting_programme(network, people, manager, today, now)
    running = _programme(
        network,
        manager,
        "convener-leadership-2026",
        name="Convener Leadership Programme 2026",
        cohort_size=24,
        description="The first cohort: five modules between spring and winter.",
        applications_open=today - timedelta(days=200),
        applications_close=today - timedelta(days=160),
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=120),
    )
    participant = _seed_participant(running, communities, accounts["convener"], now)
    _seed_modules(running, network, accounts["convener"], manager, now)
    for days_ago, title in [(90, "After module 1"), (45, "What the core group taught me")]:
        JournalEntry.objects.update_or_create(
            application=participant,
            title=title,
            defaults={
                "body": "Starting from the domain made the first meeting feel like ours, not mine.",
                "created_at": now - timedelta(days=days_ago),
                "shared_with_managers": days_ago == 45,
            },
        )


def _programme(network, manager, slug, **fields):
    obj, _ = LeadershipProgramme.objects.update_or_create(
        slug=slug,
        defaults={
            "network": network,
            "created_by": manager,
            "criteria": "Passion for the domain\nSupport of the employer\nReach across organisations",
            "meeting_commitment": 5,
            **fields,
        },
    )
    return obj


def _seed_recruiting_programme(network, people, manager, today, now):
    """A programme taking applications: one in every state, reviewed once submitted."""
    recruiting = _programme(
        network,
        manager,
        "convener-leadership-2027",
        name="Convener Leadership Programme 2027",
        cohort_size=24,
        description="Five one-day modules, reflective webinars after each, and individual leadership work.",
        applications_open=today - timedelta(days=10),
        applications_close=today + timedelta(days=25),
        starts_on=today + timedelta(days=60),
        ends_on=today + timedelta(days=420),
    )
    states = [s.value for s in Application.Status]
    for index, status in enumerate(states):
        person = people[20 + index]
        application, _ = Application.objects.update_or_create(
            programme=recruiting,
            applicant=person,
            defaults={
                "status": status,
                "region": person.region,
                "profession": person.profession,
                "organisation": person.organisation,
                "motivation": "To grow a community across the county.",
                "hopes": "Facilitation skills.",
                "proposed_domain": "Safer use of anticoagulants at home",
                "sponsor_name": "Jordan Sponsor",
                "sponsor_role": "Clinical director",
                "sponsor_email": f"sponsor{index}@example.nhs.uk",
                "commitment": True,
                "submitted_at": None if status == "draft" else now - timedelta(days=5),
                "sponsor_confirmed_at": now - timedelta(days=3) if index % 2 else None,
                "decided_at": now - timedelta(days=1)
                if status not in ("draft", "submitted")
                else None,
            },
        )
        if status not in ("draft", "withdrawn"):
            Review.objects.update_or_create(
                application=application,
                reviewer=manager,
                defaults={"scores": dict.fromkeys(recruiting.criteria_list(), 3 + index % 3)},
            )
    return recruiting


def _seed_participant(running, communities, convener, now):
    participant, _ = Application.objects.update_or_create(
        programme=running,
        applicant=convener,
        defaults={
            "status": "accepted",
            "community": communities[6],
            "motivation": "Grow the care homes community.",
            "region": convener.region,
            "profession": convener.profession,
            "organisation": convener.organisation,
            "sponsor_name": "Morgan Sponsor",
            "sponsor_role": "Chief pharmacist",
            "sponsor_email": "sponsor@example.nhs.uk",
            "commitment": True,
            "submitted_at": now - timedelta(days=170),
            "sponsor_confirmed_at": now - timedelta(days=168),
            "decided_at": now - timedelta(days=150),
        },
    )
    return participant


def _seed_modules(running, network, convener, manager, now):
    for number in range(1, 6):
        start = now + timedelta(days=-100 + 45 * number)
        meeting, _ = Meeting.objects.update_or_create(
            network=network,
            title=f"Module {number} of the 2026 programme",
            defaults={
                "kind": "programme",
                "starts_at": start,
                "ends_at": start + timedelta(hours=6),
                "venue": "Example Learning Centre",
                "created_by": manager,
            },
        )
        ProgrammeSession.objects.update_or_create(
            programme=running, meeting=meeting, defaults={"kind": "module"}
        )
        Registration.objects.update_or_create(
            meeting=meeting,
            user=convener,
            defaults={"status": "registered", "attended": True if start < now else None},
        )


# A community of the programme manager's network that has faded: its last meeting months
# ago, attendance falling before that, no active convener, a request nobody answered and a
# resource past its review date; every health flag of the dashboard is raised.
FADING = "delirium"


def _stable(*parts):
    """A number from 0 to 999 that the same words always give (seed runs are repeatable)."""
    return zlib.crc32("/".join(str(p) for p in parts).encode()) % 1000


def _seed_history(communities, people, accounts, now):
    """A year of life in the North Coast network, so that the dashboard, its trends and the
    demo member's record show what the platform does: monthly meetings held with attendance,
    minutes published within a week and action points (done and open), members who joined
    across the year, and one community fading."""

    network = Network.objects.get(slug="north-coast-patient-safety")
    for community in (c for c in communities if c.network_id == network.pk):
        memberships = list(
            community.memberships.filter(status=Membership.Status.ACTIVE)
            .select_related("user")
            .order_by("user__email")
        )
        lead = next(m.user for m in memberships if m.role in Membership.LEADING_ROLES)
        # Members joined across the year, not all on the day the demo was made.
        for m in memberships:
            days = 7 + _stable(community.slug, m.user.email) % 350
            Membership.objects.filter(pk=m.pk).update(joined_at=now - timedelta(days=days))
        fading = community.slug == FADING
        _seed_monthly_meetings(community, memberships, lead, now, fading=fading)
        # The demo member's attendance record: they came to their community's meetings.
        member = accounts["member"]
        if any(m.user_id == member.pk for m in memberships):
            Registration.objects.filter(
                meeting__community=community, meeting__ends_at__lt=now, user=member
            ).update(attended=True)
        if fading:
            _fade(community, people[-1], lead, now)


def _seed_monthly_meetings(community, memberships, lead, now, *, fading):
    """A meeting a month with attendance, minutes published within a week and an action
    point each; the fading community stops three months ago, fewer coming each time."""

    held = range(12, 2, -1) if fading else range(12, 0, -1)
    for months_ago in held:
        start = (now - timedelta(days=30 * months_ago + 2)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
        meeting, _ = Meeting.objects.update_or_create(
            community=community,
            title=f"{community.name}: {start:%B %Y} meeting",
            defaults={
                "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "venue": "Room 2, Example House",
                "created_by": lead,
                "capacity": 25,
                "agenda": "- Actions from last time\n- A case to learn from\n- Next steps",
            },
        )
        if fading:  # fewer at each of its last three meetings
            coming = {5: 9, 4: 6, 3: 3}.get(months_ago, 11)
        else:
            coming = 6 + _stable(community.slug, months_ago) % 8
        for index, m in enumerate(memberships[: coming + 2]):
            Registration.objects.update_or_create(
                meeting=meeting,
                user=m.user,
                defaults={"status": "registered", "attended": index < coming},
            )
        _published_minutes(
            meeting,
            lead,
            notes="We learnt from a near miss and agreed what each of us would try.",
            decisions="Try the checklist on two wards",
            days_after=3,
            agreed=True,
        )
        owner = memberships[_stable(community.slug, "owner", months_ago) % len(memberships)]
        ActionItem.objects.update_or_create(
            community=community,
            meeting=meeting,
            description=f"Share what the checklist showed ({start:%B})",
            defaults={
                "owner": owner.user,
                "due_date": (start + timedelta(days=28)).date(),
                "status": "open" if months_ago <= 2 else "done",
                "done_at": None if months_ago <= 2 else start + timedelta(days=25),
            },
        )


def _fade(community, asker, lead, now):
    """No active convener, a join request unanswered for 30 days, a guide past its review."""

    community.memberships.filter(role__in=Membership.LEADING_ROLES).update(
        status=Membership.Status.LEFT
    )
    Membership.objects.update_or_create(
        community=community,
        user=asker,
        defaults={
            "status": Membership.Status.REQUESTED,
            "requested_at": now - timedelta(days=30),
            "request_note": "I lead on delirium at our trust and would like to join.",
        },
    )
    resource, _ = Resource.objects.update_or_create(
        community=community,
        title="Spotting delirium: a ward guide",
        defaults={
            "summary": "The four questions to ask, and who to call, when a patient is suddenly confused.",
            "kind": Resource.Kind.PROCESS,
            "external_url": "https://example.org/spotting-delirium",
            "owner": lead,
            "review_date": (now - timedelta(days=45)).date(),
        },
    )
    search_vector_update(resource_ids=[resource.pk])
