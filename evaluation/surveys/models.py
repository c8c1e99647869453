"""Surveys that show what communities give their members: built by a programme manager (for
the network) or a convener (for their communities), sent to the members of an audience,
answered once by each. An anonymous answer carries no link to a person: who has answered is
kept apart (Respondent), with nothing that joins it to an answer: no user, no time, and
random ids (the order rows were written in says nothing). A named survey may let each person
choose to answer anonymously.

What is left is the group: anyone who can read the database knows who has answered (so that
nobody is asked twice) and, in a named survey, whose answers are named; an anonymous answer
is one of the rest. The results therefore never show a group of fewer than
SMALLEST_GROUP anonymous answers."""

import uuid

from django.conf import settings
from django.db import models

# Fewer anonymous answers than this in a group (the survey, a community): never shown.
SMALLEST_GROUP = 5


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Being built"
        OPEN = "open", "Open for answers"
        CLOSED = "closed", "Closed"

    class Template(models.TextChoices):
        CUSTOM = "custom", "Your own questions"
        EVALUATION = "evaluation", "The four evaluation questions"
        BASELINE = "baseline", "Baseline: needs, offers and confidence"
        FOLLOW_UP = "follow_up", "Follow-up of a baseline"

    network = models.ForeignKey(
        "communities.Network", on_delete=models.CASCADE, related_name="surveys"
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    template = models.CharField(max_length=12, choices=Template.choices, default=Template.CUSTOM)
    baseline = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    anonymous = models.BooleanField("Anonymous answers", default=False)
    # Named, but each person may choose to answer anonymously (never with `anonymous`).
    may_answer_anonymously = models.BooleanField(default=False)
    whole_network = models.BooleanField(default=False)
    communities = models.ManyToManyField("communities.Community", related_name="surveys")
    # Built by a programme manager: the network's managers own it; otherwise its builder.
    network_owned = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="surveys_built",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(anonymous=True, may_answer_anonymously=True),
                name="survey_anonymous_or_choice",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def anonymity(self):
        """ "anonymous", "choice" (each person chooses) or "named"."""
        if self.anonymous:
            return "anonymous"
        return "choice" if self.may_answer_anonymously else "named"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale from 1 to 5"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    allow_not_applicable = models.BooleanField("Offer \u201cdoes not apply\u201d", default=False)
    choices = models.JSONField(default=list, blank=True)
    low_label = models.CharField(max_length=60, blank=True)
    high_label = models.CharField(max_length=60, blank=True)
    # The same key in a baseline and its follow-up: the questions compared.
    key = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class Respondent(models.Model):
    """One person of the audience: invited, reminded, a draft kept until they submit, then
    `done`. Nothing here names their answers (no time of submission either)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_respondents"
    )
    community = models.ForeignKey(
        "communities.Community", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    draft = models.JSONField(default=dict, blank=True)
    done = models.BooleanField(default=False)
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_respondent_once")
        ]

    def __str__(self):
        return f"Respondent {self.pk} of survey {self.survey_id}"


class Response(models.Model):
    """One submitted set of answers. A random id and no time, so that its order says nothing;
    `user` only when the survey is not anonymous."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    community = models.ForeignKey(
        "communities.Community", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )

    def __str__(self):
        return f"Response to survey {self.survey_id}"


class Answer(models.Model):
    """One question's answer. A random id, as its response's: answers listed by id come in
    no order that says who wrote them or when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    not_applicable = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True)  # single: one item; multiple: many
    value = models.PositiveSmallIntegerField(null=True, blank=True)  # the scale
    text = models.TextField(blank=True)

    class Meta:
        # The results read each question's first answers by id, and page through the rest.
        indexes = [models.Index(fields=["question", "id"], name="answer_question_by_id")]

    def __str__(self):
        return f"Answer to question {self.question_id}"
