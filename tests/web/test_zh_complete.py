"""Every page a consumer, a merchant and an officer can reach says everything in Chinese.

The demo world (``suyuan demo``) is loaded into the test database and each role's pages are crawled
from its home and menu with ``Accept-Language: zh-CN`` (tests/page_crawl.py: what is crawled, what
counts as visible text, and the short list of words allowed). A page fails when its visible text shows
an English message of the catalogue (a message id that was not translated) or a raw stored value of
the domain (``released``, ``stop_sale``, ``food_producer_registration``, …).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.page_crawl import crawl_roles, leaks, load_demo_world, read_page, stored_values, translated_phrases


def test_every_page_of_every_role_is_in_chinese(app: Flask, session: Session, runtime: Runtime) -> None:
    crawls = crawl_roles(app.test_client, load_demo_world(session, runtime))
    assert {c.role: len(c.pages) >= 5 for c in crawls} == {
        "consumer": True,
        "merchant": True,
        "regulator": True,
    }
    found = [str(leak) for c in crawls for leak in leaks(c)]
    assert not found, f"{len(found)} English leaks on zh-CN pages:\n" + "\n".join(found)


def test_the_crawl_reaches_the_pages_that_matter(app: Flask, session: Session, runtime: Runtime) -> None:
    crawled = {
        c.role: [p.path for p in c.pages]
        for c in crawl_roles(app.test_client, load_demo_world(session, runtime))
    }
    assert any("/21/" in p for p in crawled["consumer"]) and "/notices" in crawled["consumer"]
    assert {"/merchant/", "/merchant/recalls", "/merchant/complaints"} <= set(crawled["merchant"])
    assert {"/regulator/", "/regulator/recalls", "/regulator/complaints"} <= set(crawled["regulator"])


def test_the_checker_finds_untranslated_messages_and_raw_values() -> None:
    """The checker itself: what a leak looks like, and what is not one."""
    from tests.page_crawl import Crawl, Page

    assert "Recalls and risk warnings" in translated_phrases() and "stop_sale" in stored_values()
    text, links = read_page(
        '<p>批次 <a href="/x">L2611E</a> stop_sale</p><script>var s = "released";</script>'
        "<p>Recalls and risk warnings</p><p>生产企业 Kyoto Home Appliances KK</p><p>状态 released</p>"
    )
    assert links == ["/x"] and "var s" not in text
    found = {(leak.kind, leak.found) for leak in leaks(Crawl("t", [Page("/p", 200, text)]))}
    assert found == {
        ("raw value", "stop_sale"),
        ("raw value", "released"),
        ("untranslated", "Recalls and risk warnings"),
    }
