"""What a survey tells the people it asks, in its page and in its invitation: who will read
their answers, and whether the answers carry their name. Plain sentences, written once here
for the page and both forms of the e-mail."""

from django.utils.text import get_text_list

from evaluation.surveys.models import SMALLEST_GROUP


def readers(survey):
    """The people who read the answers, by name and role: those survey permissions let
    open the results (permissions.surveys_owned_by): the network's programme managers when
    one of them built it, and whoever built it."""
    managers = []
    if survey.network_owned:
        managers = [m.name for m in survey.network.managers.filter(is_active=True)]
    builder = survey.created_by
    parts = []
    if managers:
        role = "programme manager" if len(managers) == 1 else "programme managers"
        parts.append(f"{get_text_list(managers, 'and')} ({role} of {survey.network.name})")
    if builder is not None and builder.name not in managers:
        parts.append(f"{builder.name} (who built it)")
    parts.append("the site's administrators")
    return f"Read by the people who run this survey: {get_text_list(parts, 'and')}."


def anonymity(survey):
    """Whether the answers carry the person's name, and who sees it: a list of sentences."""
    if survey.anonymous:
        return [
            "Your answers are anonymous: they are stored without your name, and nobody, "
            "the people who run the survey included, can tell which answers are yours.",
            f"Anonymous answers are shown only in groups of {SMALLEST_GROUP} or more.",
        ]
    named = (
        "Beside your written answers, your name is shown only to those readers who may see "
        "that you are a member of your community; the others read them without a name."
    )
    if survey.may_answer_anonymously:
        return [
            "Your answers are stored with your name, unless you choose to answer "
            "anonymously: then they are stored without it, and nobody can tell which "
            "answers are yours.",
            named,
            f"Anonymous answers are shown only once {SMALLEST_GROUP} or more people have "
            "answered anonymously.",
        ]
    return ["Your answers are stored with your name.", named]


def draft_notice(survey):
    """What saving a draft keeps, where answers may go without a name."""
    if not (survey.anonymous or survey.may_answer_anonymously):
        return ""
    return (
        "If you save your answers to finish later, they are kept with your name until you "
        "send them; sending them deletes that copy."
    )
