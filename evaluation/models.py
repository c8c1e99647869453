"""Evaluation's records: each part of the app keeps its models in its own module, imported
here so that Django finds them."""

from evaluation.surveys.models import Answer, Question, Respondent, Response, Survey  # noqa: F401
from evaluation.value.models import ValueTag  # noqa: F401
