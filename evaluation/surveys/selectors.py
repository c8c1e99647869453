"""Reads of surveys: lists, and the results (a fixed number of queries whatever the
number of answers)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from evaluation.surveys import permissions
from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey

# Fewer answers than this in a group of an anonymous survey: the group is not shown.
SMALLEST_GROUP = 5
BAR_STEP, BAR_LEFT, BAR_SPACE = 28, 240, 300
EXPORT_HEADER = ("Question", "Answer", "Count")
HIDDEN_GROUP = "Fewer than 5 answers: not shown, so nobody can be recognised"


def surveys_owned(*, user):
    return (
        permissions.surveys_owned_by(user)
        .select_related("network")
        .annotate(
            invited=Count("respondents", distinct=True),
            answered=Count("respondents", filter=Q(respondents__done=True), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def surveys_for_you(*, user):
    done = Respondent.objects.filter(user=user, done=True).values("survey_id")
    return permissions.surveys_for(user).exclude(pk__in=done).order_by("-opened_at", "-pk")


def respondent_of(*, survey, user):
    return Respondent.objects.filter(survey=survey, user=user).first()


@dataclass
class Distribution:
    """How the answers to one question spread: (label, count) rows, with "does not apply"
    last when offered."""

    question: Question
    rows: list = field(default_factory=list)
    total: int = 0
    texts: list = field(default_factory=list)
    hidden: bool = False

    @property
    def bars(self):
        """The chart's bars: label, count, where each is drawn (an SVG 600 wide)."""
        largest = max((count for _, count in self.rows), default=0) or 1
        return [
            {
                "label": label,
                "count": count,
                "y": i * BAR_STEP,
                "width": round(BAR_SPACE * count / largest),
                "count_x": BAR_LEFT + round(BAR_SPACE * count / largest) + 6,
            }
            for i, (label, count) in enumerate(self.rows)
        ]

    @property
    def chart_height(self):
        return max(len(self.rows), 1) * BAR_STEP


def _options(question):
    if question.kind == Question.Kind.SCALE:
        labels = [str(n) for n in range(1, 6)]
        labels[0] = f"1: {question.low_label}"
        labels[4] = f"5: {question.high_label}"
        return list(zip(range(1, 6), labels, strict=True))
    return [(c, c) for c in question.choices]


def _distribution(question, answers, *, hidden):
    dist = Distribution(question=question, hidden=hidden)
    if hidden:
        return dist
    counts = Counter()
    for answer in answers:
        dist.total += 1
        if answer["not_applicable"]:
            counts["na"] += 1
        elif question.kind == Question.Kind.SCALE:
            counts[answer["value"]] += 1
        elif question.kind == Question.Kind.TEXT:
            dist.texts.append(answer["text"])
        else:
            counts.update(answer["choices"])
    if question.kind != Question.Kind.TEXT:
        dist.rows = [(label, counts[key]) for key, label in _options(question)]
    if question.allow_not_applicable:
        dist.rows.append(("Does not apply", counts["na"]))
    return dist


def _hidden(survey, count):
    return survey.anonymous and count < SMALLEST_GROUP


def results(*, survey):
    """The survey's results: response rate, each question's distribution across the whole
    audience, each community's against it (scales: the average), and the change since the
    baseline. Groups of an anonymous survey under five answers are left out."""
    questions = list(survey.questions.all())
    invited = survey.respondents.count()
    answers = list(
        Answer.objects.filter(response__survey=survey).values(
            "question_id",
            "not_applicable",
            "choices",
            "value",
            "text",
            "response__community_id",
        )
    )
    responses = dict(
        Response.objects.filter(survey=survey)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    answered = sum(responses.values())
    by_question = defaultdict(list)
    for answer in answers:
        by_question[answer["question_id"]].append(answer)
    hidden = _hidden(survey, answered)
    return {
        "invited": invited,
        "answered": answered,
        "rate": round(100 * answered / invited) if invited else 0,
        "hidden": hidden,
        "hidden_message": HIDDEN_GROUP,
        "questions": [_distribution(q, by_question[q.pk], hidden=hidden) for q in questions],
        "communities": _by_community(survey, questions, answers, responses),
        "change": _change(survey),
    }


def _average(values):
    return round(sum(values) / len(values), 1) if values else None


def _by_community(survey, questions, answers, responses):
    """For each community of the audience: its answers and, for each scale, its average
    beside the whole audience's."""
    scales = [q for q in questions if q.kind == Question.Kind.SCALE]
    values = defaultdict(list)
    for a in answers:
        if a["value"] is not None and not a["not_applicable"]:
            values[(a["question_id"], a["response__community_id"])].append(a["value"])
            values[(a["question_id"], None)].append(a["value"])
    overall_hidden = _hidden(survey, sum(responses.values()))
    overall = [(q, None if overall_hidden else _average(values[(q.pk, None)])) for q in scales]
    rows = []
    for community in survey.communities.order_by("name"):
        count = responses.get(community.pk, 0)
        hidden = _hidden(survey, count)
        averages = [None if hidden else _average(values[(q.pk, community.pk)]) for q in scales]
        rows.append(
            {"community": community, "answered": count, "hidden": hidden, "averages": averages}
        )
    return {"scales": scales, "overall": overall, "rows": rows}


def _change(survey):
    """Baseline against follow-up, person by person for those who answered both (neither
    anonymous), shown only in aggregate: for each scale kept in both, how many pairs, the
    average change, and how many went up, stayed, went down."""
    baseline = survey.baseline
    if baseline is None or survey.anonymous or baseline.anonymous:
        return None
    rows = (
        Answer.objects.filter(
            response__survey__in=[survey, baseline],
            response__user__isnull=False,
            question__kind=Question.Kind.SCALE,
            not_applicable=False,
            value__isnull=False,
        )
        .exclude(question__key="")
        .values_list(
            "question__key", "question__text", "response__survey_id", "response__user_id", "value"
        )
    )
    values, texts = defaultdict(dict), {}
    for key, text, survey_id, user_id, value in rows:
        values[(key, user_id)][survey_id] = value
        if survey_id == survey.pk:
            texts[key] = text
    changes = defaultdict(list)
    for (key, _user), pair in values.items():
        if baseline.pk in pair and survey.pk in pair:
            changes[key].append(pair[survey.pk] - pair[baseline.pk])
    result = []
    for key, text in sorted(texts.items()):
        diffs = changes.get(key, [])
        result.append(
            {
                "text": text,
                "pairs": len(diffs),
                "average": _average(diffs),
                "up": sum(d > 0 for d in diffs),
                "same": sum(d == 0 for d in diffs),
                "down": sum(d < 0 for d in diffs),
            }
        )
    return result


def export_rows(*, survey):
    """The rows of the results export: question, answer, count (anonymous groups under
    five left out), then each free-text answer."""
    data = results(survey=survey)
    if data["hidden"]:
        yield ("", HIDDEN_GROUP, "")
        return
    for dist in data["questions"]:
        for label, count in dist.rows:
            yield (dist.question.text, label, count)
        for text in dist.texts:
            yield (dist.question.text, text, "")


def survey_detail(*, survey):
    return Survey.objects.select_related("network", "baseline").get(pk=survey.pk)
