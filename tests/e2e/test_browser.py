"""A person, in headless Chromium, on the pages `gazette serve` serves over the embedded stack.

Subscribe on the page, open the captured confirmation mail, follow its link, confirm, then
unsubscribe with the mail's RFC 8058 one-click link; the subscription ends unsubscribed and, when
the pipeline then stores documents of its domain, receives nothing more.

Debian's chromium drives it (Playwright's own browser download does not work on our machines):
`make test` installs it; without it, or without the playwright package, this test fails saying so.
"""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADDRESS = "wang.fang@example.org"
CONTROL = "zhao.lei@example.org"


@pytest.fixture
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run `make install` (it is in the dev extras)")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _mails_to(folder: Path, address: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
            if address in str(email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"])]


def test_a_person_subscribes_confirms_from_the_mail_and_unsubscribes_with_one_click(browser, tmp_path):
    from gazette.adapters.subscription_store import SubscriptionStore
    from gazette.domain.subscriptions import State
    from gazette_local.serve import serving

    with serving(0, tmp_path / "out", pipeline=False) as api:
        page = browser.new_context(locale="en-GB").new_page()

        # Given the subscribe page, when the person fills it in and submits
        page.goto(f"{api.base_url}/")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_label("Email address").fill(ADDRESS)
        page.get_by_label("Disasters", exact=False).check()
        page.get_by_label("Daily digest").check()
        page.get_by_label("A mail for each new document").check()
        page.get_by_role("button", name="Subscribe").click()
        assert page.get_by_role("heading", name="Check your mail").is_visible()

        # Then exactly one mail arrived: the confirmation, with a link to the confirmation page
        [confirmation] = _mails_to(api.mailbox.folder, ADDRESS)
        text = confirmation.get_body(("plain",)).get_content()
        confirm_link = re.search(r"http://127\.0\.0\.1:\d+/confirm\?\S+", text).group(0)
        one_click = re.search(r"<([^>]+)>", str(confirmation["List-Unsubscribe"])).group(1)
        assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        sub_id = re.search(r"s=(sub_[0-9a-f]+)", confirm_link).group(1)
        store = SubscriptionStore(api.stack.client("dynamodb"), api.stack.tables["SubscriptionsTable"],
                                  token_key=api.stack.token_key())

        # Following the link only shows a page; the button confirms
        page.goto(confirm_link)
        assert store.get(sub_id).state is State.PENDING
        page.get_by_role("button", name="Confirm subscription").click()
        assert page.get_by_role("heading", name="Subscription confirmed").is_visible()
        assert store.get(sub_id).state is State.CONFIRMED

        # The one-click link: a GET shows a page and changes nothing; the RFC 8058 POST (no cookie) ends it
        page.goto(one_click)
        assert page.get_by_role("button", name="Unsubscribe").is_visible()
        assert store.get(sub_id).state is State.CONFIRMED
        answer = page.request.post(one_click, form={"List-Unsubscribe": "One-Click"})
        assert answer.status == 200 and answer.json()["state"] == "unsubscribed"
        assert store.get(sub_id).state is State.UNSUBSCRIBED

        # And when documents of its domain arrive, it receives nothing more, while a subscriber who
        # stayed does receive them (so there was something to receive)
        control = page.request.post(f"{api.base_url}/subscriptions", data={
            "channel": "email", "email": CONTROL, "domains": ["disasters"]})
        assert control.status == 202
        [control_mail] = _mails_to(api.mailbox.folder, CONTROL)
        control_link = re.search(r"/confirm\?s=([^&\s]+)&t=(\S+)", control_mail.get_body(("plain",)).get_content())
        confirmed = page.request.post(f"{api.base_url}/confirm",
                                      form={"s": control_link.group(1), "t": control_link.group(2)})
        assert confirmed.status == 200
        api.run_pipeline()
        disasters = page.request.get(f"{api.base_url}/documents?domain=disasters").json()["items"]
        assert disasters, "the sample feed should have brought documents about disasters"
        assert len(_mails_to(api.mailbox.folder, CONTROL)) > 1
        assert len(_mails_to(api.mailbox.folder, ADDRESS)) == 1

        # The unsubscribe page, opened again, says it is done without a second action
        page.goto(one_click)
        page.get_by_role("button", name="Unsubscribe").click()
        assert page.get_by_role("heading", name="Unsubscribed").is_visible()
