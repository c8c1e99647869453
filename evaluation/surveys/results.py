"""A survey's results for one reader, counted in the database: a fixed number of queries,
and no answer loaded but the written ones shown, whatever the number of answers.

The rules, in one place:
- Anonymous answers are counted only in groups of SMALLEST_GROUP or more: the whole survey
  (its distributions, written answers and export) and each community (its row). An
  anonymous survey under five answers shows nothing; a named survey whose people could
  choose leaves its anonymous answers out until there are five.
- A named answer shows its author's name only to a reader who may know their membership of
  the community they answered as a member of (permissions.may_see_name); otherwise, and in
  the export, it shows no name.
- Written answers are listed by their random id: the order says nothing of who wrote them or
  when, and one person's answers to two questions stand in no matching places.
- The change since a baseline pairs each person with themselves and shows only totals, and
  only for five people or more (a question with fewer is in "change_hidden", not in
  "change"); the person alone sees their own (own_change).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum

from evaluation.surveys import permissions
from evaluation.surveys.models import SMALLEST_GROUP, Answer, Question, Response

BAR_STEP, BAR_LEFT, BAR_SPACE = 28, 240, 300
EXPORT_HEADER = ("Question", "Answer", "Count")
HIDDEN_GROUP = f"Fewer than {SMALLEST_GROUP} answers: not shown, so nobody can be recognised"
TEXTS_SHOWN = 10  # written answers of each question on the results page; the rest paged


@dataclass(frozen=True)
class Written:
    """One written answer as a reader sees it: its text, and its author's name or ""."""

    text: str
    name: str = ""


@dataclass
class Distribution:
    """How the answers to one question spread: (label, count) rows, with "does not apply"
    last when offered; for a written question, how many wrote and the first few."""

    question: Question
    rows: list = field(default_factory=list)
    total: int = 0
    written: list = field(default_factory=list)  # Written, the first TEXTS_SHOWN
    written_count: int = 0
    hidden: bool = False

    @property
    def texts(self):
        return [w.text for w in self.written]

    @property
    def more_written(self):
        return self.written_count > len(self.written)

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


@dataclass
class Groups:
    """Who answered, per community: {community id: (named, anonymous)} responses; what the
    rule of five reads."""

    survey: object
    by_community: dict

    @property
    def answered(self):
        return sum(named + anonymous for named, anonymous in self.by_community.values())

    @property
    def anonymous(self):
        return sum(anonymous for _, anonymous in self.by_community.values())

    @property
    def anonymous_shown(self):
        return self.anonymous >= SMALLEST_GROUP

    @property
    def hidden(self):
        """Nothing to show: an anonymous survey under five answers."""
        return self.survey.anonymous and not self.anonymous_shown

    @property
    def anonymous_left_out(self):
        return 0 if self.anonymous_shown else self.anonymous

    def anonymous_in(self, pk):
        return self.by_community.get(pk, (0, 0))[1]

    def community(self, pk):
        """(answers its figures count, whether it is hidden) of one community's row."""
        named, anonymous = self.by_community.get(pk, (0, 0))
        if anonymous >= SMALLEST_GROUP:
            return named + anonymous, False
        return named, self.survey.anonymous


def groups_of(survey):
    rows = (
        Response.objects.filter(survey=survey)
        .values("community_id")
        .annotate(
            named=Count("pk", filter=Q(user__isnull=False)),
            anonymous=Count("pk", filter=Q(user__isnull=True)),
        )
        .order_by()
    )
    return Groups(survey, {r["community_id"]: (r["named"], r["anonymous"]) for r in rows})


def counted_answers(survey, groups):
    """The answers the figures count: the anonymous ones only as a group of five or more.
    Found through their questions (an index), joined to their responses only when some are
    left out."""
    answers = Answer.objects.filter(question__survey=survey)
    if groups.anonymous_left_out:
        answers = answers.filter(response__user__isnull=False)
    return answers


def _options(question):
    if question.kind == Question.Kind.SCALE:
        labels = [str(n) for n in range(1, 6)]
        labels[0] = f"1: {question.low_label}"
        labels[4] = f"5: {question.high_label}"
        return list(zip(range(1, 6), labels, strict=True))
    return [(c, c) for c in question.choices]


def _distributions(questions, answers, *, hidden):
    """Each question's Distribution, from one grouped count."""
    if hidden:
        return {q.pk: Distribution(question=q, hidden=True) for q in questions}
    found = {q.pk: (Distribution(question=q), Counter()) for q in questions}
    choosing = [q.pk for q in questions if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)]
    grouped = list(
        answers.exclude(question__in=choosing)
        .values("question_id", "not_applicable", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if choosing:  # the lists of choices are grouped only where there are some
        grouped += (
            answers.filter(question__in=choosing)
            .values("question_id", "not_applicable", "value", "choices")
            .annotate(n=Count("pk"))
            .order_by()
        )
    for row in grouped:
        dist, counts = found[row["question_id"]]
        n = row["n"]
        dist.total += n
        if row["not_applicable"]:
            counts["na"] += n
        elif dist.question.kind == Question.Kind.SCALE:
            counts[row["value"]] += n
        elif dist.question.kind == Question.Kind.TEXT:
            dist.written_count += n
        else:
            for choice in row["choices"]:
                counts[choice] += n
    for dist, counts in found.values():
        question = dist.question
        if question.kind != Question.Kind.TEXT:
            dist.rows = [(label, counts[key]) for key, label in _options(question)]
        if question.allow_not_applicable:
            dist.rows.append(("Does not apply", counts["na"]))
    return {pk: dist for pk, (dist, _) in found.items()}


def _written(answers):
    """The values of written answers, by random id, with what naming them needs."""
    return (
        answers.filter(question__kind=Question.Kind.TEXT, not_applicable=False)
        .exclude(text="")
        .order_by("id")
        .values("id", "question_id", "text", "response__user__name", "response__community_id")
    )


def namer(reader, community_ids):
    """A function from a written answer's values to a Written for this reader (one query)."""
    visible = set()
    ids = [pk for pk in community_ids if pk is not None]
    if reader is not None and ids:
        visible = set(
            permissions.communities_naming_answers(reader)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )

    def written(row):
        name = row["response__user__name"]
        shown = name is not None and row["response__community_id"] in visible
        return Written(row["text"], name if shown else "")

    return written


def _first_written(answers, distributions, name):
    """The first TEXTS_SHOWN written answers of each written question: one short read each,
    along the index of answers by question and id."""
    for dist in distributions.values():
        if dist.question.kind == Question.Kind.TEXT and dist.written_count:
            rows = _written(answers.filter(question=dist.question))[:TEXTS_SHOWN]
            dist.written = [name(row) for row in rows]


def results(*, survey, reader=None):
    """The survey's results as `reader` may see them (no reader: no names): response rate,
    each question's distribution across the whole audience, each community's against it
    (scales: the average), and the change since the baseline."""
    questions = list(survey.questions.all())
    invited = survey.respondents.count()
    groups = groups_of(survey)
    answers = counted_answers(survey, groups)
    distributions = _distributions(questions, answers, hidden=groups.hidden)
    if not groups.hidden:
        _first_written(answers, distributions, namer(reader, groups.by_community))
    answered = groups.answered
    return {
        "invited": invited,
        "answered": answered,
        "rate": round(100 * answered / invited) if invited else 0,
        "hidden": groups.hidden,
        "hidden_message": HIDDEN_GROUP,
        "anonymous_left_out": 0 if groups.hidden else groups.anonymous_left_out,
        "questions": [distributions[q.pk] for q in questions],
        "communities": _by_community(survey, questions, answers, groups),
        **_change_of(survey),
    }


def _change_of(survey):
    """The results' "change" (the rows shown; None without a baseline) and "change_hidden"
    (the questions fewer than five people answered both times)."""
    change = _change(survey)
    if change is None:
        return {"change": None, "change_hidden": []}
    return {"change": change["shown"], "change_hidden": change["hidden"]}


def _average(total, n):
    return round(total / n, 1) if n else None


def _by_community(survey, questions, answers, groups):
    """For each community of the audience: how many answers its row counts and, for each
    scale, its average beside the whole audience's."""
    scales = [q for q in questions if q.kind == Question.Kind.SCALE]
    sums = defaultdict(lambda: [0, 0])  # (question, community or None) → [total, n]
    # Every answer's response is of the survey: saying so lets the database read the
    # survey's responses once (its index) rather than look each answer's up in turn.
    grouped = (
        answers.filter(
            question__kind=Question.Kind.SCALE, not_applicable=False, response__survey=survey
        )
        .exclude(value=None)
        .annotate(anonymous=ExpressionWrapper(Q(response__user__isnull=True), BooleanField()))
        .values("question_id", "response__community_id", "anonymous")
        .annotate(total=Sum("value"), n=Count("pk"))
        .order_by()
    )
    for row in grouped:
        question, community = row["question_id"], row["response__community_id"]
        _add(sums[(question, None)], row)
        # A community's anonymous answers count in its own row only as five or more.
        if not row["anonymous"] or groups.anonymous_in(community) >= SMALLEST_GROUP:
            _add(sums[(question, community)], row)
    overall = [(q, None if groups.hidden else _average(*sums[(q.pk, None)])) for q in scales]
    rows = []
    for community in survey.communities.order_by("name"):
        count, hidden = groups.community(community.pk)
        averages = [None if hidden else _average(*sums[(q.pk, community.pk)]) for q in scales]
        rows.append(
            {"community": community, "answered": count, "hidden": hidden, "averages": averages}
        )
    return {"scales": scales, "overall": overall, "rows": rows}


def _add(pair, row):
    pair[0] += row["total"]
    pair[1] += row["n"]


def _pairs(survey, baseline, user=None):
    """{question key: [(before, after)]}: each person's named answer to a scale of the
    baseline and to the same question (key) of its follow-up, for those who gave both (or
    for `user` alone). One read of both surveys' named scale answers."""
    rows = (
        Answer.objects.filter(
            question__survey__in=[survey.pk, baseline],
            question__kind=Question.Kind.SCALE,
            response__user__isnull=False,
            not_applicable=False,
            value__isnull=False,
        )
        .exclude(question__key="")
        .values_list("question__key", "response__user_id", "question__survey_id", "value")
    )
    if user is not None:
        rows = rows.filter(response__user=user)
    found = defaultdict(dict)
    for key, person, survey_id, value in rows:
        found[(key, person)][survey_id] = value
    pairs = defaultdict(list)
    for (key, _), values in found.items():
        if len(values) == 2:
            pairs[key].append((values[baseline], values[survey.pk]))
    return pairs


def _change(survey):
    """Baseline against follow-up, person by person for those who answered both with their
    name, shown only in aggregate: for each scale kept in both that five people or more
    answered both times, how many pairs, the average change, and how many went up, stayed,
    went down. ({"shown": rows, "hidden": the texts of the questions left out}, or None
    without a baseline.)"""
    baseline = survey.baseline_id
    if baseline is None or survey.anonymous or survey.baseline.anonymous:
        return None
    pairs = _pairs(survey, baseline)
    shown, hidden = [], []
    for question in survey.questions.filter(kind=Question.Kind.SCALE).exclude(key=""):
        changes = [after - before for before, after in pairs.get(question.key, [])]
        if len(changes) < SMALLEST_GROUP:
            hidden.append(question.text)
            continue
        shown.append(
            {
                "text": question.text,
                "pairs": len(changes),
                "average": _average(sum(changes), len(changes)),
                "up": sum(c > 0 for c in changes),
                "same": sum(c == 0 for c in changes),
                "down": sum(c < 0 for c in changes),
            }
        )
    return {"shown": shown, "hidden": hidden}


def own_change(*, survey, user):
    """This person's own answers to the baseline and to this follow-up, for each scale kept
    in both: [{"text", "before", "after", "change"}]; [] when there is nothing to pair."""
    if survey.baseline_id is None:
        return []
    pairs = _pairs(survey, survey.baseline_id, user=user)
    rows = []
    for question in survey.questions.filter(kind=Question.Kind.SCALE).exclude(key=""):
        for before, after in pairs.get(question.key, []):
            rows.append(
                {"text": question.text, "before": before, "after": after, "change": after - before}
            )
    return rows


def written_answers(*, survey, question, reader):
    """Every written answer to one question, as `reader` sees them: (a queryset of values
    to page, the function that turns each into a Written). None when the rule of five hides
    them all."""
    groups = groups_of(survey)
    if groups.hidden:
        return None
    answers = _written(counted_answers(survey, groups).filter(question=question))
    return answers, namer(reader, groups.by_community)


def export_rows(*, survey):
    """The rows of the results export: question, answer, count (anonymous groups under
    five left out), then each written answer, without names."""
    data = results(survey=survey)
    if data["hidden"]:
        yield ("", HIDDEN_GROUP, "")
        return
    for dist in data["questions"]:
        for label, count in dist.rows:
            yield (dist.question.text, label, count)
    groups = groups_of(survey)
    texts = {q.pk: q.text for q in survey.questions.all()}
    for row in _written(counted_answers(survey, groups)).iterator():
        yield (texts[row["question_id"]], row["text"], "")
