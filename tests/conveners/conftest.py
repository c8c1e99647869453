def application_data(**overrides):
    data = {
        "proposed_domain": "Safer insulin use in care homes",
        "motivation": "I want to grow a community.",
        "hopes": "Facilitation",
        "region": "london",
        "sponsor_name": "Sam Sponsor",
        "sponsor_role": "Chief pharmacist",
        "sponsor_email": "sponsor@example.nhs.uk",
        "commitment": True,
    }
    data.update(overrides)
    return data
