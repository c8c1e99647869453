from django import forms
from django.db.models import Q

from communities.models import Community, Network
from core.patient_data import CONFIRM_FIELD, PatientDataGuardMixin
from evaluation.surveys import permissions
from evaluation.surveys.models import Question, Survey

NOT_APPLICABLE = "na"
NOT_APPLICABLE_LABEL = "Does not apply to me"
ANONYMOUS_FIELD = "anonymous"
ANSWERS = [
    ("named", "Named: each answer carries the person's name"),
    ("choice", "Named, but each person may choose to answer anonymously"),
    ("anonymous", "Anonymous: nobody, you included, can tell who gave which answer"),
]


class SurveyForm(forms.Form):
    title = forms.CharField(max_length=200)
    intro = forms.CharField(
        label="Introduction (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    template = forms.ChoiceField(
        label="Start from", choices=Survey.Template.choices, widget=forms.RadioSelect
    )
    baseline = forms.ModelChoiceField(
        label="The baseline it follows up (for a follow-up)",
        queryset=Survey.objects.none(),
        required=False,
    )
    answers = forms.ChoiceField(
        label="Whose name goes with the answers",
        choices=ANSWERS,
        widget=forms.RadioSelect,
        help_text="A baseline and its follow-up are compared only for people who gave their "
        "name to both.",
    )
    whole_network = forms.ModelChoiceField(
        label="Ask a whole network",
        queryset=Network.objects.none(),
        required=False,
        help_text="Every active member of every community of the network.",
    )
    communities = forms.ModelMultipleChoiceField(
        label="Or ask these communities",
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["whole_network"].queryset = Network.objects.filter(managers=user)
        networks = permissions.networks_buildable_by(user)
        self.fields["communities"].queryset = (
            Community.objects.filter(network__in=networks, status=Community.Status.ACTIVE)
            .filter(
                Q(network__managers=user)
                | Q(
                    memberships__user=user,
                    memberships__status="active",
                    memberships__role__in=("convener", "co-convener"),
                )
            )
            .distinct()
            .order_by("name")
        )
        self.fields["baseline"].queryset = permissions.surveys_owned_by(user).filter(
            template=Survey.Template.BASELINE
        )

    def clean(self):
        cleaned = super().clean()
        network, communities = cleaned.get("whole_network"), cleaned.get("communities")
        if network and communities:
            self.add_error("communities", "Choose a whole network or communities, not both")
        elif not network and not communities:
            self.add_error("communities", "Choose who to ask: a whole network or communities")
        elif communities and len({c.network_id for c in communities}) > 1:
            self.add_error("communities", "Choose communities of one network")
        if cleaned.get("template") == Survey.Template.FOLLOW_UP and not cleaned.get("baseline"):
            self.add_error("baseline", "Choose the baseline this survey follows up")
        answers = cleaned.pop("answers", None)
        cleaned["anonymous"] = answers == "anonymous"
        cleaned["may_answer_anonymously"] = answers == "choice"
        return cleaned


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of question", choices=Question.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label="Question", max_length=300)
    choices = forms.CharField(
        label="Choices (for single or multiple choice)",
        help_text="One a line, at least two.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    low_label = forms.CharField(label="Label of 1 (for a scale)", max_length=60, required=False)
    high_label = forms.CharField(label="Label of 5 (for a scale)", max_length=60, required=False)
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)
    allow_not_applicable = forms.BooleanField(
        label="Offer \u201cdoes not apply\u201d", required=False
    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        cleaned["choices"] = [c.strip() for c in cleaned.get("choices", "").splitlines()]
        cleaned["choices"] = [c for c in cleaned["choices"] if c]
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(cleaned["choices"]) < 2:
            self.add_error("choices", "Give at least two choices, one a line")
        if kind == Question.Kind.SCALE:
            for end in ("low_label", "high_label"):
                if not cleaned.get(end):
                    self.add_error(end, "Label both ends of the scale")
        return cleaned


def _field_name(question):
    return f"q{question.pk}"


def _question_field(question):
    na = [(NOT_APPLICABLE, NOT_APPLICABLE_LABEL)] if question.allow_not_applicable else []
    common = {"label": question.text, "help_text": question.help_text, "required": False}
    if question.kind == Question.Kind.SINGLE:
        options = [(c, c) for c in question.choices] + na
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if question.kind == Question.Kind.MULTIPLE:
        options = [(c, c) for c in question.choices] + na
        return forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == Question.Kind.SCALE:
        options = [(str(n), str(n)) for n in range(1, 6)]
        options[0] = ("1", f"1: {question.low_label}")
        options[4] = ("5", f"5: {question.high_label}")
        return forms.ChoiceField(choices=options + na, widget=forms.RadioSelect, **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, **common)


class _AnswersForm(PatientDataGuardMixin, forms.Form):
    questions = ()
    finishing = False

    @property
    def anonymous(self):
        """Whether the person chose to answer anonymously (where the survey offers it)."""
        return bool(self.cleaned_data.get(ANONYMOUS_FIELD))

    def clean(self):
        cleaned = super().clean()
        if self.finishing:
            for question in self.questions:
                name = _field_name(question)
                if question.required and not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, f"Answer \u201c{question.text}\u201d")
        return cleaned

    def answers(self):
        """{question id: {"na", "choices", "value", "text"}} of what was answered."""
        result = {}
        for question in self.questions:
            given = self.cleaned_data.get(_field_name(question))
            na = given == NOT_APPLICABLE or (isinstance(given, list) and NOT_APPLICABLE in given)
            if not given:
                continue
            if na:
                result[question.pk] = {"na": True}
            elif question.kind == Question.Kind.SCALE:
                result[question.pk] = {"value": int(given)}
            elif question.kind == Question.Kind.TEXT:
                result[question.pk] = {"text": given}
            else:
                result[question.pk] = {"choices": given if isinstance(given, list) else [given]}
        return result


def initial_from(draft, questions):
    """The form's initial values from a kept draft."""
    initial = {}
    for question in questions:
        answer = draft.get(str(question.pk))
        if not answer:
            continue
        if answer.get("na"):
            value = NOT_APPLICABLE
        elif question.kind == Question.Kind.SCALE:
            value = str(answer.get("value"))
        elif question.kind == Question.Kind.TEXT:
            value = answer.get("text", "")
        else:
            value = answer.get("choices", [])
        if question.kind == Question.Kind.MULTIPLE and not isinstance(value, list):
            value = [value]
        elif question.kind == Question.Kind.SINGLE and isinstance(value, list):
            value = value[0] if value else ""
        initial[_field_name(question)] = value
    return initial


CONFIRM_HELP = {
    "anonymous": "Your answers are anonymous: nothing records that you confirmed it.",
    "choice": "If you answer with your name, we record that you confirmed it, not what you "
    "wrote; if you answer anonymously, nothing records it.",
}


def answers_form(questions, *, finishing, anonymity="named", **kwargs):
    """A form with one field for each question; `finishing` (submitting, not saving a draft)
    requires the required ones. Free text is guarded against patient data. Where the survey
    lets each person choose (`anonymity` "choice", as Survey.anonymity), a last box answers
    anonymously."""
    questions = list(questions)
    attrs = {_field_name(q): _question_field(q) for q in questions}
    if anonymity == "choice":
        attrs[ANONYMOUS_FIELD] = forms.BooleanField(
            label="Answer anonymously",
            required=False,
            help_text="Your answers are stored without your name. They are shown only once "
            "five or more people have answered anonymously.",
        )
    attrs["guarded_fields"] = tuple(
        _field_name(q) for q in questions if q.kind == Question.Kind.TEXT
    )
    attrs["questions"] = questions
    attrs["finishing"] = finishing
    form_class = type("AnswersForm", (_AnswersForm,), attrs)
    form = form_class(**kwargs)
    if anonymity in CONFIRM_HELP:
        form.fields[CONFIRM_FIELD].help_text = CONFIRM_HELP[anonymity]
    return form
