"""Demo library: resources of every kind across the demo communities, with versions,
adoptions, stories, comments, one superseded resource and one past its review date.

Idempotent: everything is found by a natural key (community and title, resource and
organisation, story title), so running it twice changes nothing. Files are small valid
PDFs and PNGs made here.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import Organisation, User
from communities.models import Community, Membership, Report
from knowledge import services
from knowledge.models import Adoption, Comment, Resource, ResourceVersion, Story

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _pdf(title):
    text = title.replace("(", "").replace(")", "")[:60]
    stream = f"BT /F1 14 Tf 40 750 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\n"
        b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


K = Resource.Kind
# community slug, title, kind, summary, topics, visibility
RESOURCES = [
    (
        "care-homes-medicines",
        "Covert medicines: a leaflet for families",
        K.LEAFLET,
        "Explains to families when crushing tablets into food is lawful, safe and agreed with the GP and pharmacist.",
        ["covert medicines", "families"],
        "public",
    ),
    (
        "care-homes-medicines",
        "Structured medication review template for care homes",
        K.TOOLKIT,
        "A two-page template for reviewing each resident's medicines with the GP, pharmacist, resident and family.",
        ["structured medication review", "care homes"],
        "signed-in",
    ),
    (
        "care-homes-medicines",
        "Structured medication review template (2023 edition)",
        K.TOOLKIT,
        "The first edition of our review template, replaced by the current one.",
        ["structured medication review"],
        "signed-in",
    ),
    (
        "care-homes-medicines",
        "Identifying residents at risk of admission",
        K.PROCESS,
        "A monthly huddle process that flags residents whose medicines, falls or weight put them at risk of a hospital admission.",
        ["admission avoidance", "care homes"],
        "members",
    ),
    (
        "care-homes-medicines",
        "Medicines at discharge: what care homes need",
        K.PRESENTATION,
        "Slides from our joint session with the hospital discharge team on the information care homes need with every resident.",
        ["discharge", "transitions of care"],
        "public",
    ),
    (
        "care-homes-medicines",
        "Evaluation of the care-home pharmacist pilot",
        K.EVALUATION,
        "Twelve months of pharmacist-led reviews in six homes: medicines stopped, falls, admissions and what staff said.",
        ["evaluation", "care homes"],
        "signed-in",
    ),
    (
        "medicines-safety",
        "Near-miss learning note template",
        K.TOOLKIT,
        "A one-page note for sharing what we learned from a near miss without blaming anyone.",
        ["near misses", "learning"],
        "public",
    ),
    (
        "medicines-safety",
        "Medicines reconciliation at admission: protocol",
        K.PROCESS,
        "Who reconciles medicines within 24 hours of admission, with which sources, and how discrepancies are escalated.",
        ["medicines reconciliation"],
        "public",
    ),
    (
        "medicines-safety",
        "Insulin safety training package",
        K.TRAINING,
        "Four short modules for ward nurses on insulin prescribing, timing and hypoglycaemia.",
        ["insulin", "training"],
        "signed-in",
    ),
    (
        "medicines-safety",
        "Case study: the warfarin dose that crossed three settings",
        K.CASE_STUDY,
        "How a dosing error moved from hospital to GP to care home, and the three changes that stopped it recurring.",
        ["anticoagulants", "transitions of care"],
        "public",
    ),
    (
        "medicines-safety",
        "National patient safety alerts: quick guide",
        K.LINK,
        "Where to find current national patient safety alerts about medicines and how we share them.",
        ["alerts"],
        "public",
    ),
    (
        "polypharmacy-over-74",
        "Deprescribing anticholinergics: a quickstart",
        K.TOOLKIT,
        "Scoring anticholinergic burden and safely reducing it in people over 74, with patient conversation prompts.",
        ["deprescribing", "anticholinergic burden"],
        "public",
    ),
    (
        "polypharmacy-over-74",
        "Polypharmacy masterclass slides",
        K.PRESENTATION,
        "Slides from the regional masterclass on shared decision-making for people taking ten or more medicines.",
        ["polypharmacy", "shared decision-making"],
        "public",
    ),
    (
        "polypharmacy-over-74",
        "Patient leaflet: questions to ask about your medicines",
        K.LEAFLET,
        "Five questions people can bring to their medication review, in plain English.",
        ["shared decision-making", "patients"],
        "public",
    ),
    (
        "polypharmacy-over-74",
        "Evaluation report: three years of the polypharmacy community",
        K.EVALUATION,
        "Attendance, masterclasses, stories of changed practice and lessons learned from our first three years.",
        ["evaluation", "polypharmacy"],
        "public",
    ),
    (
        "polypharmacy-over-74",
        "Search strategy for patients on ten or more medicines",
        K.OTHER,
        "Practice system searches that find people over 74 on ten or more medicines for review.",
        ["searches", "polypharmacy"],
        "signed-in",
    ),
    (
        "sepsis-acute-deterioration",
        "NEWS2 escalation card",
        K.LEAFLET,
        "A pocket card with NEWS2 thresholds and who to call, for community and care-home staff.",
        ["NEWS2", "deterioration"],
        "public",
    ),
    (
        "sepsis-acute-deterioration",
        "Sepsis screening training for care homes",
        K.TRAINING,
        "A one-hour session with scenarios on spotting sepsis early and using soft signs.",
        ["sepsis", "training"],
        "public",
    ),
    (
        "delirium",
        "Delirium: information for families",
        K.LEAFLET,
        "What delirium is, how families can help, and when to ask for a review.",
        ["delirium", "families"],
        "signed-in",
    ),
    (
        "delirium",
        "4AT screening protocol for wards",
        K.PROCESS,
        "When and how to use the 4AT on admission and daily for people over 65.",
        ["delirium", "screening"],
        "signed-in",
    ),
    (
        "postpartum-haemorrhage",
        "Postpartum haemorrhage drill toolkit",
        K.TOOLKIT,
        "Everything needed to run a ten-minute obstetric haemorrhage drill on a labour ward.",
        ["obstetric haemorrhage", "simulation"],
        "signed-in",
    ),
    (
        "postpartum-haemorrhage",
        "Case study: measuring blood loss",
        K.CASE_STUDY,
        "How one unit moved from estimating to measuring blood loss, and what changed.",
        ["obstetric haemorrhage"],
        "signed-in",
    ),
    (
        "duty-of-candour",
        "Duty of candour conversation guide",
        K.TOOLKIT,
        "Prompts for the first conversation after a notifiable safety incident.",
        ["candour"],
        "members",
    ),
    (
        "deprescribing-conveners",
        "Convener handbook",
        K.OTHER,
        "What conveners do between meetings, drawn from the leadership programme modules.",
        ["leadership"],
        "members",
    ),
]

STORIES = [
    (
        "care-homes-medicines",
        "Families now join every medication review at Elmwood House",
        "Our convener shared the review template at the March meeting and a care-home manager tried it the same week.",
        "That families know things about a resident's medicines that no record shows.",
        "Every review now has a family member present or on the phone, booked a week ahead.",
        "Eleven medicines stopped across nine residents in two months, with no falls in that period.",
        "We now count families involved in reviews, not only reviews completed.",
        ["Structured medication review template for care homes"],
    ),
    (
        "polypharmacy-over-74",
        "From masterclass to practice searches",
        "A GP at the masterclass asked how others found the people who most needed a review.",
        "Two practices shared their system searches.",
        "Five practices ran the search and booked the top fifty people for reviews.",
        "Anticholinergic burden fell in most of the people reviewed.",
        "Success is fewer harmful medicines, not more reviews.",
        [
            "Search strategy for patients on ten or more medicines",
            "Deprescribing anticholinergics: a quickstart",
        ],
    ),
]


def _owner(community):
    membership = (
        Membership.objects.filter(community=community, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("-role", "pk")
        .first()
    )
    return membership.user if membership else None


@transaction.atomic
def seed_knowledge(*, now):
    """Create the demo library; a second run changes nothing. Returns a count of resources."""
    communities = {c.slug: c for c in Community.objects.filter(slug__in={r[0] for r in RESOURCES})}
    convener = User.objects.filter(email="convener@example.nhs.uk").first()
    member = User.objects.filter(email="member@example.org").first()
    made = _seed_resources(communities, convener, now)
    _seed_versions_and_reviews(made, now)
    _seed_adoptions(made, member)
    _seed_stories(communities, made)
    _seed_comments(made, member or convener)
    _seed_report(member)
    return len(made)


def _seed_resources(communities, convener, now):
    """The resources, found again by community and title: {title: resource}."""
    made = {}
    for index, (slug, title, kind, summary, topics, visibility) in enumerate(RESOURCES):
        community = communities.get(slug)
        if community is None:
            continue
        owner = (
            convener if convener and slug in ("care-homes-medicines", "medicines-safety") else None
        )
        owner = owner or _owner(community)
        resource = Resource.objects.filter(community=community, title=title).first()
        if resource is None:
            body = (
                f"## Why we made it\n\n{summary}\n\n## How to use it\n\n"
                "- Read it with your team at a monthly meeting.\n"
                "- Adapt the wording to your setting; keep the references.\n"
                "- Tell us what you changed, so others can learn from it.\n"
            )
            upload = (
                SimpleUploadedFile(f"{title[:40]}.png", PNG)
                if kind == K.PRESENTATION
                else SimpleUploadedFile(f"{title[:40]}.pdf", _pdf(title))
            )
            resource = services.resource_create(
                author=owner,
                community=community,
                title=title,
                summary=summary,
                body=body,
                kind=kind,
                external_url="https://example.org/library" if kind == K.LINK else "",
                licence="Open Government Licence v3.0" if index % 3 == 0 else "",
                visibility=visibility,
                review_date=(now + timedelta(days=180 + index * 10)).date(),
                upload=None if kind == K.LINK else upload,
                topics=topics,
            )
            Resource.objects.filter(pk=resource.pk).update(
                created_at=now - timedelta(days=300 - index * 11)
            )
        made[title] = resource

    return made


def _seed_versions_and_reviews(made, now):
    """One resource superseded by a newer one, a second version, one past its review."""
    template = made.get("Structured medication review template for care homes")
    old = made.get("Structured medication review template (2023 edition)")
    if template and old and old.superseded_by_id != template.pk:
        services.resource_update(resource=old, actor=old.owner, superseded_by=template)
    if template and not ResourceVersion.objects.filter(resource=template, number=2).exists():
        services.resource_version_add(
            resource=template,
            actor=template.owner,
            upload=SimpleUploadedFile("review-template-v2.pdf", _pdf("Review template v2")),
            change_note="Added a section for the family's view and a falls-risk prompt.",
        )
    overdue = made.get("Medicines reconciliation at admission: protocol")
    if overdue:
        Resource.objects.filter(pk=overdue.pk).update(review_date=(now - timedelta(days=20)).date())


ADOPTIONS = [
    (
        "Covert medicines: a leaflet for families",
        "Meadowview Nursing Home",
        "polypharmacy-over-74",
        "Given to every family at admission.",
    ),
    (
        "Structured medication review template for care homes",
        "Harbour Lane Surgery",
        "polypharmacy-over-74",
        "Our pharmacist uses it for all care-home reviews.",
    ),
    (
        "Structured medication review template for care homes",
        "Millbrook Primary Care Network",
        "medicines-safety",
        "Adapted for our housebound patients.",
    ),
    (
        "Near-miss learning note template",
        "Midlands Partnership Hospitals NHS Trust",
        "care-homes-medicines",
        "Used at our monthly safety huddles.",
    ),
    (
        "Deprescribing anticholinergics: a quickstart",
        "Elmwood House Care Home",
        "care-homes-medicines",
        "Part of each resident's six-monthly review.",
    ),
    (
        "NEWS2 escalation card",
        "Meadowview Nursing Home",
        "care-homes-medicines",
        "A card on every lanyard.",
    ),
    (
        "Deprescribing anticholinergics: a quickstart",
        "Castlegate Pharmacy",
        None,
        "We use it in new medicine service consultations.",
    ),
]


def _seed_adoptions(made, member):
    for title, org_name, community_slug, note in ADOPTIONS:
        resource = made.get(title)
        organisation = Organisation.objects.filter(name=org_name).first()
        adopter_community = (
            Community.objects.filter(slug=community_slug).first() if community_slug else None
        )
        if resource is None or organisation is None:
            continue
        if Adoption.objects.filter(resource=resource, organisation=organisation).exists():
            continue
        adopter = member or resource.owner
        Adoption.objects.create(
            resource=resource,
            organisation=organisation,
            community=adopter_community,
            note=note,
            adopted_by=adopter,
        )
        Resource.objects.filter(pk=resource.pk).update(
            adoption_count=Adoption.objects.filter(resource=resource).count()
        )


def _seed_stories(communities, made):
    for slug, title, happened, knowledge, applied, difference, reframed, linked in STORIES:
        community = communities.get(slug)
        if community is None or Story.objects.filter(community=community, title=title).exists():
            continue
        story = Story.objects.create(
            community=community,
            author=_owner(community),
            title=title,
            what_happened=happened,
            new_knowledge=knowledge,
            how_applied=applied,
            difference_made=difference,
            reframed_success=reframed,
            visibility=Story.Visibility.PUBLIC,
        )
        story.resources.set([made[t] for t in linked if t in made])


COMMENTS = [
    (
        "Covert medicines: a leaflet for families",
        "Families at our home found this reassuring. Could we have a large-print version?",
    ),
    (
        "Near-miss learning note template",
        "We added a line for 'what went well' and it changed the tone of our huddles.",
    ),
    (
        "Structured medication review template for care homes",
        "The falls prompt in version 2 is really useful.",
    ),
]


def _seed_comments(made, commenter):
    if commenter is None:
        return
    for title, body in COMMENTS:
        resource = made.get(title)
        if resource and not Comment.objects.filter(resource=resource, body=body).exists():
            Comment.objects.create(resource=resource, author=commenter, body=body)


def _seed_report(member):
    """A report waiting on the Reports page of Care Homes Medicines' conveners."""
    story = Story.objects.filter(community__slug="care-homes-medicines").order_by("pk").first()
    if (
        member
        and story
        and story.author_id != member.pk
        and not Report.objects.filter(kind="story", object_id=story.pk).exists()
    ):
        Report.objects.create(
            kind="story",
            object_id=story.pk,
            community=story.community,
            reporter=member,
            reason="It names the home and the month: could a resident be recognised from it?",
        )
