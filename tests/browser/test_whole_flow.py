"""Issue 13's "done when": every party does its whole job in the browser, from an empty database.

One test drives Debian's chromium through the web UI only, in Chinese: first-run setup of the office →
its administrator invites an officer (who opens the link in a fresh browser and sets a password) → the
officer files an enterprise and gets its administrator's link → the merchant joins and files a product
→ the officer admits it → the merchant declares the entry → the officer records quarantine → the
merchant uploads a test report → the officer accepts it and releases the batch → the merchant issues
codes and proves a label sheet (N/N on the page) → declares an exit by scanning two codes (URL + Enter)
→ a consumer scans one (genuine) and complains → the officer types the ``TS-…`` reference into the
search box, lands on the trace page and recalls from it (confirmed) → the consumer's page says recalled.

The test database is only read (to derive the code URLs a label printer would have printed); every
write goes through a page. Each page visited is saved at phone (390×844) and desktop (1366×900) size as
``build/screenshots/flow-NN-<page>-{phone,desktop}.png`` (or under ``$SUYUAN_ARTEFACTS``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.identifiers import complete_uscc
from suyuan.trace.model import Batch
from tests.factories import code_urls, id_number

ARTEFACTS = Path(os.environ.get("SUYUAN_ARTEFACTS", Path(__file__).resolve().parents[2] / "build"))
SHOTS = ARTEFACTS / "screenshots"
SIZES = (("phone", 390, 844), ("desktop", 1366, 900))
BROWSER = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
ADMIN, OFFICER, MERCHANT = "chief@qh.example", "wang@qh.example", "zhou@youxuan.example"
PASSWORDS = {ADMIN: "harbour lights 2026", OFFICER: "plum blossom 1987", MERCHANT: "sea breeze honey 7"}
GTIN, LOT = "09421234560015", "YX2612A"
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Flow:
    """The numbered screenshots of the flow, each page at both sizes."""

    def __init__(self) -> None:
        self.n = 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page: Any, name: str) -> None:
        """Save the page as it is now at phone and desktop size (the page keeps the desktop size)."""
        self.n += 1
        for size, width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"flow-{self.n:02d}-{name}-{size}.png"), full_page=True)


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORDS[email])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.locator("main").inner_text()


def accept_invitation(browser: Any, link: str, email: str, flow: Flow, name: str) -> Any:
    """Open an invitation link in a fresh browser, choose the password, sign in; the signed-in page."""
    page = browser.new_context(**BROWSER).new_page()
    page.goto(link)
    assert email in page.locator("[data-test=invitation]").inner_text()
    if not page.input_value("input[name=name]"):
        page.fill("input[name=name]", "周经理")
    page.fill("input[name=password]", PASSWORDS[email])
    page.fill("input[name=confirm]", PASSWORDS[email])
    flow.shot(page, name)
    page.click("[data-test=accept-form] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" in page.url, page.locator("main").inner_text()
    return page


def submit_confirmed(page: Any, form: str) -> None:
    """Send an officer's decision form, then confirm it on the confirmation page."""
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-test=confirm]").is_visible(), page.locator("main").inner_text()[:500]
    page.click("[data-test=confirm-button]")
    page.wait_for_load_state()
    assert not page.locator("[data-test=error]").count(), page.locator("[data-test=error]").inner_text()


def local(base: str, url: str) -> str:
    """A code URL (printed with the public host) on the test server."""
    parts = urlsplit(url)
    return f"{base}{parts.path}?{parts.query}" if parts.query else base + parts.path


def test_every_party_does_its_whole_job_in_the_browser_from_an_empty_database(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    flow, base = Flow(), live_server

    # --- the office is set up; its administrator invites an officer ---------------------------------
    admin = browser.new_context(**BROWSER).new_page()
    admin.goto(base + "/login")
    admin.click("[data-test=needs-setup] a")
    admin.wait_for_load_state()
    admin.fill("input[name=office_name]", "深圳海关前海办事处")
    admin.fill("input[name=office_code]", "SZ-QH")
    admin.fill("input[name=name]", "李主任")
    admin.fill("input[name=email]", ADMIN)
    admin.fill("input[name=password]", PASSWORDS[ADMIN])
    admin.fill("input[name=confirm]", PASSWORDS[ADMIN])
    flow.shot(admin, "setup")
    admin.click("[data-test=setup-form] button[type=submit]")
    admin.wait_for_load_state()
    sign_in(admin, base, ADMIN)
    admin.goto(base + "/account/users")
    admin.fill("[data-test=invite-form] input[name=email]", OFFICER)
    admin.fill("[data-test=invite-form] input[name=name]", "王检")
    admin.click("[data-test=invite-form] button[type=submit]")
    admin.wait_for_load_state()
    officer_link = admin.locator("[data-test=invite-link]").inner_text().strip()
    flow.shot(admin, "admin-invites-officer")
    officer = accept_invitation(browser, local(base, officer_link), OFFICER, flow, "officer-accepts")
    sign_in(officer, base, OFFICER)

    # --- the officer files an enterprise; its administrator joins -----------------------------------
    officer.goto(base + "/regulator/enterprises")
    form = "[data-test=enterprise-form]"
    officer.select_option(f"{form} [data-test=kind]", "merchant")
    officer.fill(f"{form} [data-test=name]", "前海优选跨境贸易有限公司")
    officer.fill(f"{form} [data-test=uscc]", complete_uscc("91440300", "MA5FLW12"))
    officer.check(f"{form} [data-test=commitment]")
    officer.fill(f"{form} [data-test=admin-email]", MERCHANT)
    flow.shot(officer, "officer-files-enterprise")
    officer.click("[data-test=file-enterprise]")
    officer.wait_for_load_state()
    merchant_link = officer.locator("[data-test=invite-link]").inner_text().strip()
    flow.shot(officer, "enterprise-filed")
    merchant = accept_invitation(browser, local(base, merchant_link), MERCHANT, flow, "merchant-accepts")
    sign_in(merchant, base, MERCHANT)

    # --- the merchant files a product; the officer admits it ----------------------------------------
    merchant.goto(base + "/merchant/products/new")
    form = "[data-test=product-form]"
    for name, value in {
        "gtin": GTIN,
        "name": "新西兰羊毛围巾",
        "hs_code": "6117100000",
        "manufacturer": "Kiwi Wool Ltd",
        "origin_country": "NZ",
        "supplier_name": "Kiwi Wool Export",
        "supplier_country": "NZ",
    }.items():
        merchant.fill(f"{form} input[name={name}]", value)
    merchant.select_option(f"{form} select[name=category]", "general")
    merchant.select_option(f"{form} select[name=documents-0-kind]", "third_party_test_report")
    merchant.fill(f"{form} input[name=documents-0-number]", "INTERTEK-NZ-5521")
    merchant.fill(f"{form} input[name=documents-0-issuer]", "Intertek New Zealand")
    merchant.fill(f"{form} input[name=documents-0-valid_until]", "2099-01-01")
    flow.shot(merchant, "merchant-files-product")
    merchant.click("[data-test=file-product]")
    merchant.wait_for_load_state()
    assert merchant.locator("[data-test=admission]").is_visible()
    flow.shot(merchant, "product-filed")

    officer.goto(base + "/regulator/filings")
    flow.shot(officer, "filings-waiting")
    officer.click("[data-test=waiting] a.button")
    officer.wait_for_load_state()
    officer.check("[data-test=admission-form] input[value=admit]")
    flow.shot(officer, "filing-decide")
    submit_confirmed(officer, "[data-test=admission-form]")
    assert officer.locator("[data-test=admission]").get_attribute("data-status") == "admitted"
    flow.shot(officer, "filing-admitted")

    # --- entry, quarantine, report, review, release ------------------------------------------------
    merchant.goto(base + "/merchant/entries/new")
    form = "[data-test=entry-form]"
    merchant.fill(f"{form} input[name$=reference]", "ENT-QH-2612-01")
    line = merchant.locator("[data-test=entry-line]").first
    line.locator("select").select_option(label=f"新西兰羊毛围巾 · {GTIN}")
    line.locator("input[name$=lot]").fill(LOT)
    line.locator("input[name$=quantity]").fill("50")
    line.locator("input[name$=production_date]").fill("2026-09-01")
    line.locator("input[name$=expiry_date]").fill("2099-09-01")
    flow.shot(merchant, "merchant-declares-entry")
    merchant.click("[data-test=declare-entry]")
    merchant.wait_for_load_state()
    assert merchant.locator("[data-test=entry-lines] a.ok").count() == 1
    flow.shot(merchant, "entry-declared")

    officer.goto(base + "/regulator/zone")
    flow.shot(officer, "zone-console")
    officer.click("text=ENT-QH-2612-01")
    officer.wait_for_load_state()
    flow.shot(officer, "entry-quarantine")
    submit_confirmed(officer, "[data-test=quarantine-form]")
    flow.shot(officer, "quarantine-recorded")

    merchant.reload()
    merchant.click("[data-test=entry-lines] a.ok")
    merchant.wait_for_load_state()
    form = "[data-test=report-form]"
    merchant.select_option(f"{form} select[name$=kind]", "foreign_test_report")
    merchant.fill(f"{form} input[name$=issuer]", "SGS New Zealand")
    merchant.fill(f"{form} input[name$=number]", "SGS-NZ-2026-881")
    merchant.fill(f"{form} input[name$=issued_on]", "2026-10-15")
    merchant.fill(f"{form} input[name$=valid_until]", "2099-10-15")
    merchant.set_input_files(
        f"{form} input[type=file]", {"name": "report.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}
    )
    flow.shot(merchant, "merchant-uploads-report")
    merchant.click(f"{form} button[type=submit]")
    merchant.wait_for_load_state()
    assert merchant.locator("[data-test=reports]").inner_text().count("SGS New Zealand") == 1
    batch_page = merchant.url
    flow.shot(merchant, "report-submitted")

    officer.goto(base + "/regulator/zone")
    officer.click(f"a:text-is('{LOT}')")
    officer.wait_for_load_state()
    flow.shot(officer, "batch-report-review")
    officer.select_option("[data-test=review-form] select", "accept")
    submit_confirmed(officer, "[data-test=review-form]")
    submit_confirmed(officer, "[data-test=release-form]")
    flow.shot(officer, "batch-released")

    # --- codes, the printed sheet with its proof, an exit by scanning ------------------------------
    merchant.goto(batch_page)
    assert merchant.locator("[data-test=batch-status]").get_attribute("data-status") == "released"
    merchant.fill("[data-test=count]", "10")
    merchant.click("[data-test=issue]")
    merchant.wait_for_load_state()
    assert "已签发序号 1–10（共 10 个码）" in merchant.locator("[data-test=flash]").inner_text()
    flow.shot(merchant, "codes-issued")
    batch = session.scalar(select(Batch).filter_by(lot=LOT))
    assert batch is not None
    merchant.goto(f"{base}/merchant/labels?batch={batch.id}&first=1&last=10")
    merchant.click("[data-test=prove]")
    merchant.wait_for_load_state()
    proof = merchant.locator("[data-test=proof-result]")
    assert proof.get_attribute("data-passed") == "yes" and "已校验 10/10 个码" in proof.inner_text()
    flow.shot(merchant, "print-proof")

    urls = code_urls(session, runtime.ring, batch, 1, 2)  # what the scanner reads off the printed labels
    merchant.goto(base + "/merchant/exits/new")
    merchant.fill("[data-test=order-no]", "YX-20261204-0001")
    merchant.fill("[data-test=payment-ref]", "ALIPAY-2026120401")
    merchant.fill("[data-test=waybill-no]", "SF1234567890")
    merchant.fill("[data-test=payment-amount]", "596.00")
    merchant.fill("[data-test=buyer-id]", id_number(88))
    merchant.fill("[data-test=buyer-name]", "陈小红")
    line = merchant.locator("[data-test=exit-line]").first
    line.locator("select").select_option(str(batch.id))
    line.locator("[data-test=quantity]").fill("2")
    line.locator("[data-test=unit-price]").fill("298.00")
    line.locator("[data-test=codes]").click()
    for url in urls:  # a keyboard-wedge scanner types the URL, then Enter
        merchant.keyboard.type(url)
        merchant.keyboard.press("Enter")
    assert merchant.url.endswith("/merchant/exits/new")
    flow.shot(merchant, "exit-scanned")
    merchant.click("[data-test=declare-exit]")
    merchant.wait_for_load_state()
    assert merchant.locator("[data-test=exit-status]").get_attribute("data-status") == "written_off"
    flow.shot(merchant, "exit-written-off")

    # --- a consumer scans and complains; the officer finds it and recalls --------------------------
    consumer = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    consumer.goto(local(base, urls[0]))
    assert consumer.locator("[data-verdict]").get_attribute("data-verdict") == "genuine"
    flow.shot(consumer, "consumer-scan-genuine")
    consumer.select_option("[data-test=complaint-category]", "quality")
    consumer.fill("[data-test=complaint-text]", "围巾掉色严重，怀疑不是正品。")
    consumer.fill("[data-test=complaint-contact]", "13800000000")
    consumer.click("[data-test=complaint-submit]")
    consumer.wait_for_load_state()
    reference = consumer.locator("[data-test=reference]").inner_text().strip()
    assert reference.startswith("TS-")
    flow.shot(consumer, "consumer-complaint-filed")

    officer.goto(base + "/regulator/")
    officer.fill("[data-test=trace-form] input[name=q]", reference)
    flow.shot(officer, "console-search")
    officer.click("[data-test=trace-form] button[type=submit]")
    officer.wait_for_load_state()
    assert urlsplit(officer.url).path == f"/regulator/trace/batch/{batch.id}"
    flow.shot(officer, "trace-page")
    officer.click("[data-test=action-recall]")
    officer.wait_for_load_state()
    form = "[data-test=recall-form]"
    officer.locator(f"{form} select[name$=kind]").select_option("recall")
    officer.locator(f"{form} textarea[name=recall-reason]").fill("消费者投诉掉色，经查批次存疑")
    officer.locator(f"{form} textarea[name=recall-instructions]").fill("请停止使用，联系购买平台退货")
    flow.shot(officer, "recall-form")
    submit_confirmed(officer, form)
    assert urlsplit(officer.url).path.startswith("/regulator/recalls/")
    flow.shot(officer, "recall-ordered")

    consumer.goto(local(base, urls[0]))  # the same label scanned again
    assert consumer.locator("[data-verdict]").get_attribute("data-verdict") == "recalled"
    flow.shot(consumer, "consumer-scan-recalled")
