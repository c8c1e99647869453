"""A page's Markdown rendered through the cache: the same HTML as rendering each text, in one
cache round trip, and a name in a mention always read afresh."""

import pytest
from django.core.cache import cache

from core import markdown
from core.markdown import render_markdown, render_markdown_many
from discussions.mentions import render_posts

TEXTS = [
    "**Three homes** tried it",
    "<script>alert(1)</script> [a link](javascript:alert(1))",
    "",
    "**Three homes** tried it",
    "| a | b |\n| - | - |\n| 1 | 2 |",
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_each_text_renders_as_it_would_alone_cold_and_warm():
    alone = [str(render_markdown(text)) for text in TEXTS]
    assert [str(html) for html in render_markdown_many(TEXTS)] == alone
    assert [str(html) for html in render_markdown_many(TEXTS)] == alone
    assert "<script" not in alone[1] and "javascript:" not in alone[1]


def test_a_warm_page_renders_nothing_and_asks_the_cache_once(monkeypatch):
    render_markdown_many(TEXTS)
    rendered, asked = [], []
    monkeypatch.setattr(markdown, "render_markdown", lambda text: rendered.append(text) or text)
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: asked.append(keys) or get_many(keys))
    render_markdown_many(TEXTS)
    assert rendered == [] and len(asked) == 1
    render_markdown_many(["**Three homes** tried it, edited"])
    assert rendered == ["**Three homes** tried it, edited"]


def test_the_key_is_the_text_and_the_renderer():
    assert markdown.rendered_key("a") == markdown.rendered_key("a")
    assert markdown.rendered_key("a") != markdown.rendered_key("a ")
    assert markdown.rendered_key("a").startswith(f"markdown:{markdown._RENDERER}:")


def test_a_mention_reads_the_name_given_now_not_the_one_cached():
    text = "Over to @[Ada Example](7) and @[Someone](8)"
    first = render_posts([text], {7: "Ada Example"})[0]
    assert '<strong class="app-mention">@Ada Example</strong>' in first
    again = render_posts([text], {7: "Ada Renamed"})[0]
    assert "@Ada Renamed" in again and "Ada Example" not in again
    gone = render_posts([text], {})[0]  # erased, or no longer a member
    assert "app-mention" not in gone and "@Ada Example" in gone and "@Someone" in gone
    assert all("\ue000" not in html for html in (first, again, gone))


def test_texts_lose_their_marks_as_they_would_alone_cold_and_warm(monkeypatch):
    from core.markdown import markdown_to_text, markdown_to_text_many

    alone = [markdown_to_text(text) for text in TEXTS]
    assert markdown_to_text_many(TEXTS) == alone
    assert alone[0] == "Three homes tried it"
    converted = []
    monkeypatch.setattr(markdown, "markdown_to_text", lambda t: converted.append(t) or t)
    assert markdown_to_text_many(TEXTS) == alone  # warm: from the cache
    assert converted == []
    # The two kinds never share a key: the same text's HTML is not its plain words.
    assert [str(h) for h in render_markdown_many(TEXTS[:1])] == [
        "<p><strong>Three homes</strong> tried it</p>"
    ]
