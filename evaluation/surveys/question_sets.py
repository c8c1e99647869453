"""Ready sets of questions a survey can start from."""

EVALUATION = [
    {"key": "benefits", "kind": "text", "text": "What were the benefits of participating?"},
    {"key": "challenges", "kind": "text", "text": "Did you face any challenges in participating?"},
    {
        "key": "needs_met",
        "kind": "scale",
        "text": "Were your needs and priorities met?",
        "low_label": "Not at all",
        "high_label": "Completely",
        "allow_not_applicable": True,
    },
    {
        "key": "practice_change",
        "kind": "text",
        "text": "Examples where there has been a change to practice as a result of participation",
        "required": False,
    },
]

BASELINE = [
    {"key": "needs", "kind": "text", "text": "What do you need from the community?"},
    {"key": "offers", "kind": "text", "text": "What can you offer the community?"},
    {
        "key": "confidence",
        "kind": "scale",
        "text": "How confident are you in the community's domain?",
        "low_label": "Not confident",
        "high_label": "Very confident",
    },
]
