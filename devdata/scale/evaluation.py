"""The evaluation planner: each network's surveys and their answers, and the value tags of
the stories (the cycle each claims, and its evidence).

Surveys, for each network with a programme manager, built by its first manager for the
whole network: a baseline opened a year ago (still open: newcomers are asked it on
joining), its follow-up opened a month ago, and the four evaluation questions opened three
weeks ago (named, each person choosing anonymity; anonymous in the second network). What the
evaluation app keeps is taken from its own code: the questions of each template
(question_sets, and the fields a follow-up copies, services.COPIED_FIELDS), who is asked
(services.audience_members: each active member of the audience once, under their first
community), whether answers go without a name (services.answers_anonymous) and how an answer
is stored (services.answer_fields). As response_submit leaves it, an answered respondent is
done with an empty draft, and a response carries its respondent's community; the ids of
responses and answers are random. Some who have not answered keep a draft.

Value tags: most stories claim one to three cycles, once each, with evidence of a kind or
none; the evidence kept is what evaluation.value.services.evidence_kept keeps for the kind;
the tag is the story author's or a convener's, as the value app allows.

Reads from the plan: networks (`net_first`, `net_managers`), people (`user_first`),
communities (`com_first`, `leaders`), resources (`res_first`, `r_community`, `r_hidden`).
"""

import time
import uuid
from decimal import Decimal

from accounts.models import User
from communities.models import Network
from devdata.scale.counts import (
    ANONYMOUS_CHOICE_SHARE,
    DAY,
    DRAFT_SHARE,
    SURVEY_ANSWER_SHARES,
    VALUE_TAGGED_STORY_SHARE,
)
from devdata.scale.loader import as_utc
from devdata.scale.words import FIGURE_UNITS, QUOTED, QUOTES, SURVEY_ANSWERS
from evaluation.surveys import permissions, question_sets, services
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey
from evaluation.value.models import ValueTag
from evaluation.value.services import evidence_kept
from knowledge.models import Story

SURVEY_COLUMNS = [
    "id",
    "network_id",
    "title",
    "intro",
    "template",
    "baseline_id",
    "anonymous",
    "may_answer_anonymously",
    "whole_network",
    "network_owned",
    "created_by_id",
    "status",
    "opened_at",
    "created_at",
]
QUESTION_COLUMNS = [
    f.attname for f in Question._meta.concrete_fields if not f.primary_key and f.name != "survey"
]
RESPONDENT_COLUMNS = ["survey_id", "user_id", "community_id", "draft", "done", "invited_at"]
ANSWER_COLUMNS = ["id", "response_id", "question_id", "not_applicable", "choices", "value", "text"]
VALUE_TAG_COLUMNS = [
    "story_id",
    "cycle",
    "evidence_kind",
    "figure",
    "figure_unit",
    "resource_id",
    "url",
    "quote",
    "quote_by",
    "tagged_by_id",
    "created_at",
    "updated_at",
]
# (template, title, days since it opened): in the order they are written.
SURVEYS = [
    (Survey.Template.BASELINE, "When you joined: needs, offers and confidence", 365),
    (Survey.Template.FOLLOW_UP, "A year on: needs, offers and confidence", 30),
    (Survey.Template.EVALUATION, "What the network gave you this year", 21),
]
CYCLE_WEIGHTS = {"immediate": 30, "potential": 28, "applied": 22, "realised": 14, "reframing": 6}
EVIDENCE_WEIGHTS = {"": 30, "figure": 25, "document": 25, "quote": 20}


class EvaluationPlanner:
    # --- surveys ------------------------------------------------------------------------------

    def surveys(self):
        """Each network's three surveys, their questions and audience; then who answered."""
        started = time.monotonic()
        plans = self._plan_surveys()
        surveys = self.loader.insert(Survey, SURVEY_COLUMNS, (p["row"] for p in plans))
        links = self.loader.insert(
            Survey.communities.through,
            ["survey_id", "community_id"],
            ((p["id"], c) for p in plans for c in p["audience"]),
        )
        questions = self._write_questions(plans)
        # Who is asked, read with the evaluation app's own rule once a network's surveys are
        # written (their audience is the same), before the answers' writes begin.
        asked = {}
        for plan in plans:
            if plan["network"] not in asked:
                asked[plan["network"]] = services.audience_members(Survey(pk=plan["id"]))
            plan["asked"] = asked[plan["network"]]
        self._survey_plans = plans
        self._stage(
            "surveys",
            started,
            surveys=surveys,
            survey_communities=links,
            survey_questions=questions,
        )

    def _plan_surveys(self):
        first = self.loader.next_id(Survey)
        # The whole network's audience, as the evaluation app offers it to its manager.
        audiences = {
            net: list(
                permissions.audience_choices(
                    self._manager(net), Network(pk=self.net_first + net)
                ).values_list("pk", flat=True)
            )
            for net in range(len(self.net_slugs))
            if self.net_managers[net]
        }
        plans = []
        for net, audience in audiences.items():
            baseline = None
            for template, title, days in SURVEYS:
                sid = first + len(plans)
                opened = self.now - days * DAY
                anonymous = template == Survey.Template.EVALUATION and net == 1
                choice = template == Survey.Template.EVALUATION and not anonymous
                row = (
                    sid,
                    self.net_first + net,
                    title,
                    "",
                    template,
                    baseline if template == Survey.Template.FOLLOW_UP else None,
                    anonymous,
                    choice,
                    True,
                    True,
                    self._manager(net).pk,
                    Survey.Status.OPEN,
                    as_utc(opened),
                    as_utc(opened - 2 * DAY),
                )
                plans.append(
                    {"id": sid, "network": net, "row": row, "audience": audience, "opened": opened}
                )
                if template == Survey.Template.BASELINE:
                    baseline = sid
        return plans

    def _manager(self, net):
        return User(pk=self.user_first + self.net_managers[net][0])

    def _write_questions(self, plans):
        """The questions of each template, from the evaluation app's sets; a follow-up's are
        its baseline's, copied field by field as survey_create copies them."""
        first = self.loader.next_id(Question)
        rows = []
        sets = {
            Survey.Template.EVALUATION: question_sets.EVALUATION,
            Survey.Template.BASELINE: question_sets.BASELINE,
        }
        by_survey = {}
        for plan in plans:
            template, baseline = plan["row"][4], plan["row"][5]
            if template == Survey.Template.FOLLOW_UP:
                fields = [
                    {name: getattr(q, name) for name in services.COPIED_FIELDS}
                    for q in by_survey[baseline]
                ]
            else:
                fields = sets[template]
            made = []
            for position, given in enumerate(fields, start=1):
                question = Question(
                    pk=first + len(rows), survey_id=plan["id"], position=position, **given
                )
                made.append(question)
                rows.append(
                    (question.pk, plan["id"], *(getattr(question, c) for c in QUESTION_COLUMNS))
                )
            by_survey[plan["id"]] = made
        self._questions = by_survey
        self._follow_ups = {p["id"] for p in plans if p["row"][4] == Survey.Template.FOLLOW_UP}
        return self.loader.insert(Question, ["id", "survey_id", *QUESTION_COLUMNS], rows)

    # --- who answered -------------------------------------------------------------------------

    def survey_answers(self):
        """Respondents, responses and answers: a share of each survey's audience answers;
        the follow-up mostly those who answered the baseline."""
        started = time.monotonic()
        plans, self._survey_plans = self._survey_plans, None
        self._baseline_answered = set()
        respondents, responses, answers = [], [], []
        for plan in plans:
            self._plan_answers(plan, respondents, responses, answers)
        written = {
            "survey_respondents": self.loader.insert(Respondent, RESPONDENT_COLUMNS, respondents),
            "survey_responses": self.loader.insert(
                Response, ["id", "survey_id", "community_id", "user_id"], responses
            ),
            "survey_answers": self.loader.insert(Answer, ANSWER_COLUMNS, answers),
        }
        del self._questions, self._follow_ups, self._baseline_answered
        self._stage("survey answers", started, **written)

    def _plan_answers(self, plan, respondents, responses, answers):
        rng = self.rng
        template = plan["row"][4]
        survey = Survey(
            pk=plan["id"], anonymous=plan["row"][6], may_answer_anonymously=plan["row"][7]
        )
        asked = sorted(plan["asked"].items())
        share = SURVEY_ANSWER_SHARES[template]
        answering = self._answering(plan, asked, share)
        questions = self._questions[plan["id"]]
        invited = as_utc(plan["opened"])
        for user, community in asked:
            done = user in answering
            draft = {}
            if not done and rng.random() < DRAFT_SHARE:
                draft = {str(questions[0].pk): self._survey_answer(questions[0], user)}
            respondents.append((plan["id"], user, community, draft, done, invited))
            if not done:
                continue
            chosen = survey.may_answer_anonymously and rng.random() < ANONYMOUS_CHOICE_SHARE
            anonymous = services.answers_anonymous(survey, chosen=chosen)
            rid = self._uuid()
            responses.append((rid, plan["id"], community, None if anonymous else user))
            for question in questions:
                stored = services.answer_fields(question, self._survey_answer(question, user))
                if stored:
                    answers.append((self._uuid(), rid, *(stored[c] for c in ANSWER_COLUMNS[2:])))
        if template == Survey.Template.BASELINE:
            self._baseline_answered = answering

    def _answering(self, plan, asked, share):
        """Who answers: `share` of the audience; for a follow-up, seven in ten of them among
        those who answered the baseline (they are the ones compared)."""
        rng = self.rng
        people = [u for u, _ in asked]
        wanted = round(len(people) * share)
        if plan["row"][4] != Survey.Template.FOLLOW_UP:
            return set(rng.sample(people, wanted))
        before = sorted(self._baseline_answered & set(people))
        again = set(rng.sample(before, min(len(before), round(wanted * 0.7))))
        rest = [u for u in people if u not in again]
        return again | set(rng.sample(rest, min(len(rest), wanted - len(again))))

    def _survey_answer(self, question, user):
        """One person's answer to one question, as the answer form gives it."""
        rng = self.rng
        if not question.required and rng.random() < 0.5:
            return None
        if question.allow_not_applicable and rng.random() < 0.05:
            return {"na": True}
        if question.kind == Question.Kind.SCALE:
            # Each person starts somewhere of their own; a year on, most have grown.
            value = 2 + (user % 3 == 0) + rng.choice([-1, 0, 0, 1])
            if question.survey_id in self._follow_ups:
                value += rng.choice([0, 1, 1, 2])
            return {"value": max(1, min(5, value))}
        return {"text": self._fill(rng.choice(SURVEY_ANSWERS[question.key]))}

    def _uuid(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # --- value tags ---------------------------------------------------------------------------

    def value_tags(self):
        """The cycles the stories claim, with their evidence."""
        started = time.monotonic()
        stories = list(
            Story.objects.using(self.using)
            .filter(community_id__gte=self.com_first)
            .order_by("pk")
            .values_list("pk", "community_id", "author_id", "created_at")
        )
        rows = []
        for story in stories:
            if self.rng.random() < VALUE_TAGGED_STORY_SHARE:
                rows += self._story_tags(*story)
        tags = self.loader.insert(ValueTag, VALUE_TAG_COLUMNS, rows)
        self._stage("value tags", started, value_tags=tags)

    def _story_tags(self, story, community_id, author_id, created):
        rng = self.rng
        c = community_id - self.com_first
        cycles = rng.sample(list(CYCLE_WEIGHTS), rng.choices([1, 2, 3], [55, 30, 15])[0])
        by = author_id if rng.random() < 0.7 else self.user_first + self.leaders[c][0]
        when = as_utc(min(created.timestamp() + rng.uniform(1, 60) * DAY, self.now - 60))
        rows = []
        for cycle in cycles:
            kind = rng.choices(list(EVIDENCE_WEIGHTS), list(EVIDENCE_WEIGHTS.values()))[0]
            kept = evidence_kept(evidence_kind=kind, **self._evidence(kind, c))
            resource = kept["resource"]
            rows.append(
                (
                    story,
                    cycle,
                    kind,
                    kept["figure"],
                    kept["figure_unit"],
                    resource,
                    kept["url"],
                    kept["quote"],
                    kept["quote_by"],
                    by,
                    when,
                    when,
                )
            )
        return rows

    def _evidence(self, kind, c):
        """What a person would type for evidence of this kind (resource: an id, or None)."""
        rng = self.rng
        evidence = dict.fromkeys(("figure", "resource"), None)
        evidence.update(dict.fromkeys(("figure_unit", "url", "quote", "quote_by"), ""))
        if kind == ValueTag.Evidence.FIGURE:
            evidence["figure"] = Decimal(rng.randint(2, 240))
            evidence["figure_unit"] = self._fill(rng.choice(FIGURE_UNITS))
        elif kind == ValueTag.Evidence.DOCUMENT:
            mine = self._community_resources().get(c)
            if mine and rng.random() < 0.7:
                evidence["resource"] = self.res_first + rng.choice(mine)
            else:
                evidence["url"] = f"https://www.example.org/evaluation/{rng.randint(1, 9999)}"
        elif kind == ValueTag.Evidence.QUOTE:
            evidence["quote"] = self._fill(rng.choice(QUOTES))
            evidence["quote_by"] = rng.choice(QUOTED)
        return evidence

    def _community_resources(self):
        if not hasattr(self, "_resources_of"):
            self._resources_of = {}
            for r, c in enumerate(self.r_community):
                if c is not None and not self.r_hidden[r]:
                    self._resources_of.setdefault(c, []).append(r)
        return self._resources_of
