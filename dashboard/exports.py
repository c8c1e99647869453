"""The programme dashboard's tables as downloads: CSV or, with format=xlsx, an Excel
workbook (core.http.table_download). Each reads the same figures as the page
(dashboard.selectors.ProgrammeFigures), so a figure has the same value in both."""

from core.http import table_download
from core.replicas import replica_reads
from dashboard import figures

COMMUNITY_COLUMNS = [
    "Community",
    "Network",
    "Phase",
    "Members",
    "Organisations",
    "Meetings in 90 days",
    "Average attendance",
    "Attendance against capacity (%)",
    "Minutes within 7 days",
    "Action points done",
    "Resources",
    "Adoptions elsewhere",
    "Unanswered questions",
    "Last activity",
    *figures.FLAGS.values(),
]


def _blank_if_none(value):
    return "" if value is None else value


def communities(dashboard):
    """The communities table, a row per community in the page's order."""
    rows = (
        [
            r["community"].name,
            r["network"],
            r["phase"],
            r["members"],
            r["organisations"],
            r["meetings_90"],
            _blank_if_none(r["average_attendance"]),
            _blank_if_none(r["attendance_vs_capacity"]),
            r["minutes_on_time"],
            r["actions_done"],
            r["resources"],
            r["adoptions_elsewhere"],
            r["unanswered_questions"],
            r["last_activity"].date().isoformat() if r["last_activity"] else "",
            *("yes" if r["flags"][k] else "" for k in figures.FLAGS),
        ]
        for r in dashboard.table()
    )
    return COMMUNITY_COLUMNS, rows


def trends(dashboard):
    """A row per month, a column per series."""
    series = dashboard.trends()
    months = [month for month, _ in series[0]["points"]]
    rows = (
        [month.strftime("%Y-%m"), *(s["points"][i][1] for s in series)]
        for i, month in enumerate(months)
    )
    return ["Month", *(s["name"] for s in series)], rows


def spread(dashboard):
    """The adoptions outside the community that made the resource, titles as the page has
    them (a resource the viewer may not see is only described)."""
    rows = (
        [s["resource"], s["from"], s["to"], s["when"].date().isoformat()]
        for s in dashboard.spread()
    )
    return ["Resource", "From", "Adopted by", "When"], rows


def programmes(dashboard):
    """A row per participant of each leadership programme."""
    rows = (
        [p["programme"].name, r["name"], r["sessions"], r["convened"], r["commitment"]]
        for p in dashboard.programmes()
        for r in p["participants"]
    )
    return [
        "Programme",
        "Participant",
        "Sessions attended",
        "Meetings convened",
        "Commitment",
    ], rows


TABLES = {
    "communities": communities,
    "trends": trends,
    "spread": spread,
    "programmes": programmes,
}


@replica_reads()
def download(table, dashboard, *, fmt):
    """One of TABLES as a file named after it."""
    header, rows = TABLES[table](dashboard)
    return table_download(name=table, header=header, rows=rows, fmt=fmt)
