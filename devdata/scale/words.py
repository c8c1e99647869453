"""The invented words the scale data set writes with: names, places, topics, templates."""

from accounts.models import Organisation
from devdata.scale.counts import zipf_cum_weights


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


TOPIC_CUM = zipf_cum_weights(len(TOPICS), exponent=1.1, offset=2.0)


class Words(dict):
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


# Discussions: titles by kind, opening posts and replies.
DISCUSSION_TITLES = {
    "question": [
        "How do you handle {topic} at {moment}?",
        "Does anyone have a protocol for {topic} in {setting}?",
        "Who reviews {topic} for people in {setting}?",
        "What helped {audience} {verb} {outcome}?",
        "{Topic} and {topic2}: how do you share the work?",
    ],
    "idea": [
        "Idea: a shared checklist for {topic} at {moment}",
        "Could we pair {audience} with {audience2} on {topic}?",
        "A monthly huddle on {topic} across {setting}",
    ],
    "near-miss": [
        "Near miss: {topic} at {moment}",
        "What we learnt from a near miss with {topic}",
        "A near miss in {setting} involving {topic2}",
    ],
    "comments": [
        "Comments please: our draft on {topic}",
        "Draft {topic} guidance for {setting}: your views",
    ],
}
DISCUSSION_BODY_TEMPLATES = [
    "We are reviewing how {audience} in {setting} deal with {topic} at {moment}.",
    "Last month we had {n} cases of {outcome} linked to {topic}.",
    "I would like to hear how other teams {verb} {outcome}.",
    "Our current approach relies on {audience} noticing {topic2} early.",
    "Families have asked us to explain {topic} more clearly at {moment}.",
    "Nothing here names a person: we are looking at the system around {topic}.",
]
REPLY_TEMPLATES = [
    "We had the same problem in {setting}; a checklist at {moment} helped.",
    "Our {audience} review {topic} every {m} weeks and it cut {outcome}.",
    "Have you asked the pharmacist to look at {topic2} as well?",
    "Thank you, this is really useful for our work on {topic}.",
    "We tried that and it took {n} months before {audience} felt confident.",
    "In {setting} we agreed who owns {topic} at {moment}, which made the difference.",
    "I can share our audit of {topic} if that would help.",
    "The national guidance on {topic} covers this in its second section.",
    "We found {outcome} went down once {audience2} were involved.",
]

# Survey answers (devdata/scale/evaluation.py), by the key of the question they answer.
SURVEY_ANSWERS = {
    "benefits": [
        "Meeting {audience} who had already solved {topic} in {setting}.",
        "Ideas on {topic} I could take straight back to {setting}.",
        "Knowing who to ask about {topic}, and feeling less alone at {moment}.",
    ],
    "challenges": [
        "Finding time away from {setting} at {moment}.",
        "The meetings clash with {topic} clinics.",
        "None, once the meetings moved online.",
    ],
    "practice_change": [
        "We now {verb} {outcome} with the community's checklist on {topic}.",
        "{Audience} in {setting} review {topic} together every week.",
    ],
    "needs": [
        "Examples of how others handle {topic} in {setting}.",
        "Help to {verb} {outcome}.",
    ],
    "offers": [
        "Our audit of {topic} in {setting}.",
        "Ten years of working with {audience} on {topic}.",
    ],
}
# Value tags' evidence: what a figure measures, who is quoted, and what.
FIGURE_UNITS = [
    "fewer falls a month in {setting}",
    "medicines stopped after review",
    "hours of {audience} time saved a month",
    "people reached in {setting}",
]
QUOTES = [
    "We would never have tried it without the community.",
    "The checklist changed how {audience} talk about {topic}.",
    "It is now how we {verb} {outcome}.",
]
QUOTED = ["A ward pharmacist", "A care home manager", "A GP partner", "A carer"]
