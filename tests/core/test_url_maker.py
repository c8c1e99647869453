"""core.http.url_maker: a named URL reversed once, then only its last argument changes."""

from django.urls import reverse

from core.http import url_maker


def test_each_key_gives_the_address_reverse_gives():
    helpful = url_maker("discussions:helpful", 12)
    for reply_pk in (1, 34, 918273645, 5000000):
        assert helpful(reply_pk) == reverse("discussions:helpful", args=[12, reply_pk])
    detail = url_maker("communities:detail", prefix="https://example.org")
    assert detail("care-homes") == "https://example.org" + reverse(
        "communities:detail", args=["care-homes"]
    )


def test_a_marker_the_path_repeats_falls_back_to_reversing_each_key():
    same = url_maker("discussions:helpful", 918273645)  # the marker in a fixed argument
    assert same(7) == reverse("discussions:helpful", args=[918273645, 7])
