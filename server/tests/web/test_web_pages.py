"""The web pages in a real browser (Chromium, headless) against a real
server: signing up by invitation, the library a CLI synced, editing on the
web and syncing the edit back, groups and roles, device keys, delete all and
restore, and the security cases (escaping, CSRF, other people's libraries).
"""

import json
import re
import urllib.error

from playwright.sync_api import expect

from conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


class Visitor:
    """One browser profile (its own cookies), recording any dialog a page opens."""

    def __init__(self, browser, server, viewport=None):
        self.server = server
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.dialogs = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def go(self, path: str):
        return self.page.goto(self.server.base + path)

    def sign_up(self, invitation_path: str, name: str):
        self.go(invitation_path)
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORD)
        self.page.fill("#password2", PASSWORD)
        self.page.click("text=Create the account")
        expect(self.page.locator("h1")).to_have_text("My Library")

    def sign_in(self, email: str, password: str = PASSWORD):
        self.go("/")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("button:has-text('Sign in')")
        expect(self.page.locator("h1")).to_have_text("My Library")

    def csrf(self) -> str:
        return self.page.locator("input[name=csrf]").first.get_attribute("value")

    def new_key(self, name: str) -> str:
        self.go("/account")
        self.page.fill("#key-name", name)
        self.page.click("text=Create key")
        return self.page.locator("#new-key").inner_text().strip()

    def user_id(self) -> int:
        self.go("/account")
        return int(re.search(r"user ID (\d+)", self.page.locator("main").inner_text()).group(1))

    def new_item(self, lib_path: str, title: str, creators: str = "") -> str:
        """Creates an item on the web; its page's path."""
        self.go(f"{lib_path}/new")
        self.page.fill("#title", title)
        if creators:
            self.page.fill("#creators", creators)
        self.page.click("button:has-text('Create')")
        expect(self.page.locator("#item-title")).to_have_text(title)
        return self.page.url.split(self.server.base, 1)[1].split("?", 1)[0]

    def close(self):
        self.context.close()


def test_invited_account_sees_what_the_cli_synced_and_the_cli_receives_web_edits(
    server, browser, cli, screenshots, tmp_path
):
    ada = Visitor(browser, server)
    ada.sign_up(server.invitation_path("ada@example.org"), "Ada Lovelace")
    key = ada.new_key("Laptop")
    assert re.fullmatch(r"[A-Za-z0-9]{32}", key)

    added = cli.run("add", "journalArticle", "title=Notes on the analytical engine", "date=1843",
                    "--author", "Lovelace, Ada", "--json")
    article = json.loads(added.stdout)[0]["key"]
    cli.run("note", "add", article, "The engine might compose elaborate pieces of music.")
    pdf = tmp_path / "engine.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% the analytical engine\n%%EOF\n")
    attached = json.loads(cli.run("attach", "--json", article, str(pdf)).stdout)[0]["key"]
    cli.run("annotate", attached, "--type", "highlight", "--text",
            "weaves algebraical patterns", "--page", "4")
    cli.run("add", "book", "title=Sketch of the engine", "--author", "Menabrea, Luigi")
    cli.run("sync", "--server", server.base, "--key-stdin", stdin=key)

    ada.go("/")
    row = ada.page.locator("table.items a", has_text="Notes on the analytical engine")
    expect(row).to_be_visible()
    expect(ada.page.locator("table.items")).to_contain_text("Lovelace")

    # A collection made on the web, with an item added to it from the list.
    ada.page.fill("#new-collection", "Analytical engines")
    ada.page.click("text=Add collection")
    expect(ada.page.locator("h1")).to_have_text("My Library — Analytical engines")
    ada.page.fill("#new-collection", "Notes by Lovelace")
    ada.page.click("text=Add collection")
    ada.go("/")
    ada.page.check("tr:has-text('Notes on the analytical engine') input[name=key]")
    ada.page.select_option("select[name=target]", label="Analytical engines")
    ada.page.click("button:has-text('Add to collection')")
    expect(ada.page.locator("ul.tree li", has_text="Analytical engines")).to_contain_text("1")
    expect(ada.page.locator("ul.tree li.d1")).to_contain_text("Notes by Lovelace")
    ada.page.click("ul.tree a:has-text('Analytical engines')")
    expect(ada.page.locator("table.items tbody tr")).to_have_count(1)
    ada.go("/")
    ada.page.screenshot(path=str(screenshots / "library.png"), full_page=True)

    # Sorting by title puts "Notes…" before "Sketch…".
    ada.page.click("table.items th a:has-text('Title')")
    titles = ada.page.locator("table.items td.title a").all_inner_texts()
    assert titles.index("Notes on the analytical engine") < titles.index("Sketch of the engine")

    row = ada.page.locator("table.items a", has_text="Notes on the analytical engine")
    row.click()
    expect(ada.page.locator("dl.fields")).to_contain_text("1843")
    expect(ada.page.locator(".note")).to_have_text(
        "The engine might compose elaborate pieces of music.")
    expect(ada.page.locator("ul.annotations")).to_contain_text("weaves algebraical patterns")
    download = ada.page.locator("ul.attachments a", has_text="engine")
    answer = ada.page.request.get(server.base + download.get_attribute("href"))
    assert answer.status == 200 and answer.body() == pdf.read_bytes()
    ada.page.click("summary:has-text('Edit')")
    ada.page.fill("#f-title", "Notes on the Analytical Engine (edited on the web)")
    ada.page.click("#edit-form button:has-text('Save')")
    expect(ada.page.locator("#item-title")).to_have_text(
        "Notes on the Analytical Engine (edited on the web)")
    expect(ada.page.locator(".notice")).to_have_text("Saved.")
    ada.page.screenshot(path=str(screenshots / "item.png"), full_page=True)

    cli.run("sync")
    assert "Notes on the Analytical Engine (edited on the web)" in cli.titles()

    # The device's last sync shows on the keys page; revoking stops it at once.
    ada.go("/account")
    expect(ada.page.locator("table.keys")).to_contain_text("Laptop")
    expect(ada.page.locator("table.keys tr", has_text="Laptop")).not_to_contain_text("never")
    ada.page.screenshot(path=str(screenshots / "keys.png"), full_page=True)
    ada.page.click("button[aria-label='Revoke Laptop']")
    expect(ada.page.locator(".notice")).to_contain_text("revoked")
    expect(ada.page.locator("table.keys")).not_to_contain_text("Laptop")
    failed = cli.run("sync", check=False)
    assert failed.returncode != 0
    assert re.search(r"key|sign in|403|forbidden", failed.stderr, re.I), failed.stderr

    # On a phone the same library is usable (the side bar goes below).
    phone = Visitor(browser, server, viewport=PHONE)
    phone.sign_in("ada@example.org")
    expect(phone.page.locator("table.items")).to_contain_text("edited on the web")
    phone.page.screenshot(path=str(screenshots / "library-phone.png"), full_page=True)
    phone.close()
    assert ada.dialogs == []
    ada.close()


def test_groups_share_a_library_with_roles_as_the_api_enforces_them(server, browser, screenshots):
    for email in ["grace@example.org", "bob@example.org", "carol@example.org"]:
        server.add_user(email)
    grace = Visitor(browser, server)
    grace.sign_in("grace@example.org")
    grace.go("/sharing")
    grace.page.fill("#group-name", "Engine Lab")
    grace.page.click("text=Create group")
    expect(grace.page.locator("h1")).to_have_text("Engine Lab")
    group_path = grace.page.url.split(server.base, 1)[1].split("?", 1)[0]

    def invite(email, access):
        grace.page.fill("#invite-email", email)
        grace.page.select_option("#invite-access", access)
        grace.page.click("form[action$='/invite'] button")

    invite("bob@example.org", "write")
    expect(grace.page.locator(".notice")).to_have_text("The member is added.")
    invite("carol@example.org", "read")
    expect(grace.page.locator("table.members")).to_contain_text("carol@example.org")
    invite("dave@example.org", "write")
    link = grace.page.locator("#invitation-link").inner_text().strip()
    assert "/signup?token=" in link
    grace.page.screenshot(path=str(screenshots / "group.png"), full_page=True)

    lib_path = grace.page.locator(".crumbs a:has-text('Library')").get_attribute("href")
    item_path = grace.new_item(lib_path, "Shared draft", "author: Hopper, Grace")

    bob = Visitor(browser, server)
    bob.sign_in("bob@example.org")
    bob.go("/sharing")
    expect(bob.page.locator("table")).to_contain_text("Engine Lab")
    bob.go(lib_path)
    expect(bob.page.locator("table.items")).to_contain_text("Shared draft")
    bob.go(item_path)
    bob.page.click("summary:has-text('Edit')")
    bob.page.fill("#f-title", "Shared draft, revised by Bob")
    bob.page.click("#edit-form button:has-text('Save')")
    expect(bob.page.locator("#item-title")).to_have_text("Shared draft, revised by Bob")

    carol = Visitor(browser, server)
    carol.sign_in("carol@example.org")
    carol.go(item_path)
    expect(carol.page.locator("#item-title")).to_have_text("Shared draft, revised by Bob")
    assert carol.page.locator("#edit-form").count() == 0
    assert carol.page.locator("a:has-text('New item')").count() == 0
    refused = carol.page.request.post(
        server.base + item_path,
        form={"csrf": carol.csrf(), "version": "1000", "field.title": "Carol was here"},
    )
    assert refused.status == 403
    assert "Write access denied" in refused.text()
    carol.go(item_path)
    expect(carol.page.locator("#item-title")).to_have_text("Shared draft, revised by Bob")

    # Someone without an account signs up with the link and is in the group.
    dave = Visitor(browser, server)
    dave.sign_up(link.split(server.base, 1)[1] if link.startswith(server.base) else
                 "/signup?" + link.split("?", 1)[1], "Dave")
    dave.go("/sharing")
    expect(dave.page.locator("table")).to_contain_text("Engine Lab")

    # Carol leaves; the owner hands the group to Bob and becomes an admin.
    carol.go(group_path)
    carol.page.click("text=Leave this group")
    expect(carol.page.locator(".notice")).to_have_text("You left the group.")
    carol.go(lib_path)
    assert carol.page.locator("h1").inner_text() == "Not Found"
    grace.go(group_path)
    bob_row = grace.page.locator("table.members tr", has_text="bob@example.org")
    bob_row.locator("select[name=access]").select_option("admin")
    bob_row.locator("button:has-text('Change')").click()
    expect(grace.page.locator("table.members tr", has_text="bob@example.org")).to_contain_text("admin")
    bob.go(group_path)
    expect(bob.page.locator("main")).to_contain_text("You are its admin")
    assert bob.page.locator("#invite-email").count() == 1
    bob_id = grace.page.locator("#new-owner option", has_text="bob@example.org").get_attribute("value")
    grace.page.select_option("#new-owner", value=bob_id)
    grace.page.click("button:has-text('Transfer')")
    expect(grace.page.locator("main")).to_contain_text("You are its admin")
    for v in [grace, bob, carol, dave]:
        assert v.dialogs == []
        v.close()


def test_delete_all_moves_everything_to_the_trash_and_one_comes_back(server, browser, screenshots):
    server.add_user("erin@example.org")
    erin = Visitor(browser, server)
    erin.sign_in("erin@example.org")
    lib_path = f"/libraries/user-{erin.user_id()}"
    for title in ["First paper", "Second paper", "Third paper"]:
        erin.new_item(lib_path, title)
    # Export: ticked items as BibTeX (a download), as a bibliography, and
    # the whole library as RIS.
    erin.go(lib_path)
    erin.page.check("tr:has-text('First paper') input[name=key]")
    erin.page.check("tr:has-text('Third paper') input[name=key]")
    erin.page.select_option("#format", "bibtex")
    with erin.page.expect_download() as download:
        erin.page.click("button:has-text('Export')")
    bibtex = open(download.value.path(), encoding="utf-8").read()
    assert "First paper" in bibtex and "Third paper" in bibtex and "Second paper" not in bibtex
    assert bibtex.lstrip().startswith("@")
    erin.page.select_option("#format", "bib")
    erin.page.click("button:has-text('Export')")
    expect(erin.page.locator("body")).to_contain_text("Third Paper. n.d.")
    ris = erin.page.request.get(server.base + f"{lib_path}/export?format=ris")
    assert ris.status == 200
    assert ris.text().count("TY  - ") == 3 and "TI  - Second paper" in ris.text()

    erin.go(f"{lib_path}/delete-all")
    erin.page.fill("#confirm", "yes please")
    erin.page.click("text=Move everything to the trash")
    expect(erin.page.locator(".error")).to_contain_text("nothing was changed")
    erin.page.fill("#confirm", "delete all")
    erin.page.click("text=Move everything to the trash")
    expect(erin.page.locator(".notice")).to_contain_text("Every reference is in the trash")
    expect(erin.page.locator("main")).to_contain_text("No references")
    erin.go(f"{lib_path}?view=trash")
    expect(erin.page.locator("table.items tbody tr")).to_have_count(3)
    erin.page.check("tr:has-text('Second paper') input[name=key]")
    erin.page.click("button:has-text('Restore')")
    expect(erin.page.locator(".notice")).to_have_text("Restored from the trash.")
    erin.go(lib_path)
    expect(erin.page.locator("table.items tbody tr")).to_have_count(1)
    expect(erin.page.locator("table.items")).to_contain_text("Second paper")
    erin.go(f"{lib_path}?view=trash")
    erin.page.check("input[name=confirm]")
    erin.page.click("button:has-text('Empty trash')")
    expect(erin.page.locator(".notice")).to_have_text("The trash is empty.")
    expect(erin.page.locator("main")).to_contain_text("No references")
    erin.go(lib_path)
    expect(erin.page.locator("table.items tbody tr")).to_have_count(1)
    erin.close()


def test_administrators_invite_set_quotas_revoke_keys_and_reset_passwords(server, browser):
    admin = Visitor(browser, server)
    admin.sign_in("admin@localhost", server.admin_password)
    admin.go("/admin")
    admin.page.fill("input[name=email]", "frank@example.org")
    admin.page.click("text=Make an invitation link")
    link = admin.page.locator("#admin-secret").inner_text().strip()
    frank = Visitor(browser, server)
    frank.sign_up("/signup?" + link.split("?", 1)[1], "Frank")
    key = frank.new_key("Phone")

    admin.go("/admin")
    row = admin.page.locator("table.users tr", has_text="frank@example.org")
    row.locator("input[name=quota]").fill("500")
    row.locator("button:has-text('set quota')").click()
    expect(admin.page.locator(".notice")).to_have_text("The quota is set.")
    row = admin.page.locator("table.users tr", has_text="frank@example.org")
    expect(row.locator("input[name=quota]")).to_have_value("500")
    expect(row).to_contain_text("of 500 MB")

    user_id = frank.user_id()
    assert server.api("GET", "/keys/current", key)["userID"] == user_id
    row.locator("button:has-text('revoke keys')").click()
    expect(admin.page.locator(".notice")).to_contain_text("Every key of that account is revoked")
    try:
        server.api("GET", f"/users/{user_id}/items", key)
        raise AssertionError("a revoked key still works")
    except urllib.error.HTTPError as e:
        assert e.code == 403

    row = admin.page.locator("table.users tr", has_text="frank@example.org")
    row.locator("button:has-text('reset password')").click()
    password = admin.page.locator("#admin-secret").inner_text().strip()
    frank.go("/account")
    expect(frank.page.locator("h1")).to_have_text("Sign in")
    frank.sign_in("frank@example.org", password)

    # Changing the password keeps this browser signed in and signs out the others.
    elsewhere = Visitor(browser, server)
    elsewhere.sign_in("frank@example.org", password)
    frank.go("/account")
    frank.page.fill("#current", password)
    frank.page.fill("#password", "a brand new passphrase")
    frank.page.fill("#password2", "a brand new passphrase")
    frank.page.click("button:has-text('Change password')")
    expect(frank.page.locator(".notice")).to_contain_text("Your password is changed")
    frank.go("/account")
    expect(frank.page.locator("h1")).to_have_text("Devices and keys")
    elsewhere.go("/account")
    expect(elsewhere.page.locator("h1")).to_have_text("Sign in")
    elsewhere.sign_in("frank@example.org", "a brand new passphrase")
    elsewhere.close()
    for v in [admin, frank]:
        assert v.dialogs == []
        v.close()


def test_values_are_shown_as_text_never_run(server, browser):
    server.add_user("mallory@example.org")
    mallory = Visitor(browser, server)
    mallory.sign_in("mallory@example.org")
    user_id = mallory.user_id()
    key = mallory.new_key("Script")
    lib_path = f"/libraries/user-{user_id}"
    item_path = mallory.new_item(lib_path, "<script>alert(1)</script>",
                                 "author: <img src=x onerror=alert(2)>")
    item_key = item_path.rsplit("/", 1)[1]
    note = '"><img src=x onerror=alert(3)>'
    server.api("POST", f"/users/{user_id}/items", key,
               [{"itemType": "note", "parentItem": item_key, "note": note},
                {"itemType": "book", "title": '"><svg onload=alert(4)>',
                 "tags": [{"tag": "<b onmouseover=alert(5)>x</b>"}]}])
    for path in [lib_path, item_path, f"{lib_path}?q=%3Cscript%3E"]:
        mallory.go(path)
        mallory.page.wait_for_load_state("load")
        assert mallory.page.locator("img").count() == 0
        assert mallory.page.locator("svg").count() == 0
        assert mallory.page.locator("main script").count() == 0
    mallory.go(item_path)
    expect(mallory.page.locator("#item-title")).to_have_text("<script>alert(1)</script>")
    expect(mallory.page.locator(".note")).to_have_text(note)
    expect(mallory.page.locator("dl.fields")).to_contain_text("<img src=x onerror=alert(2)>")
    mallory.go(lib_path)
    expect(mallory.page.locator("table.items")).to_contain_text('"><svg onload=alert(4)>')

    # A saved search (named with markup too) lists what its conditions select.
    server.api("POST", f"/users/{user_id}/searches", key,
               [{"name": "<i>Scripts</i>", "conditions": [
                   {"condition": "title", "operator": "contains", "value": "script"}]}])
    mallory.go(lib_path)
    mallory.page.click("ul.tree a:has-text('<i>Scripts</i>')")
    expect(mallory.page.locator("table.items tbody tr")).to_have_count(1)
    expect(mallory.page.locator("table.items")).to_contain_text("<script>alert(1)</script>")
    assert mallory.page.locator("i:has-text('Scripts')").count() == 0
    assert mallory.dialogs == []
    mallory.close()


def test_forms_without_the_token_are_refused(server, browser):
    server.add_user("trent@example.org")
    trent = Visitor(browser, server)
    trent.sign_in("trent@example.org")
    for form in [{"name": "Sneaky"}, {"name": "Sneaky", "csrf": "not-the-token"}]:
        answer = trent.page.request.post(server.base + "/account/keys", form=form)
        assert answer.status == 403
    trent.go("/account")
    expect(trent.page.locator("table.keys")).not_to_contain_text("Sneaky")
    # Sign-in needs the token of its own form (its cookie) too.
    anonymous = Visitor(browser, server)
    answer = anonymous.page.request.post(
        server.base + "/signin", form={"email": "trent@example.org", "password": PASSWORD})
    assert answer.status == 403
    # Signing out ends the session on the server: the old cookie opens nothing.
    cookies = trent.context.cookies()
    trent.page.click("button:has-text('Sign out')")
    expect(trent.page.locator("h1")).to_have_text("Sign in")
    replay = browser.new_context()
    replay.add_cookies(cookies)
    page = replay.new_page()
    page.goto(server.base + "/account")
    expect(page.locator("h1")).to_have_text("Sign in")
    replay.close()
    anonymous.close()
    trent.close()


def test_no_page_shows_or_changes_another_accounts_library(server, browser):
    server.add_user("oscar@example.org")
    server.add_user("peggy@example.org")
    oscar = Visitor(browser, server)
    oscar.sign_in("oscar@example.org")
    oscar_lib = f"/libraries/user-{oscar.user_id()}"
    item_path = oscar.new_item(oscar_lib, "Oscar's private paper")
    oscar.go("/sharing")
    oscar.page.fill("#group-name", "Oscar only")
    oscar.page.click("text=Create group")
    group_path = oscar.page.url.split(server.base, 1)[1].split("?", 1)[0]
    group_id = group_path.rsplit("/", 1)[1]

    peggy = Visitor(browser, server)
    peggy.sign_in("peggy@example.org")
    token = peggy.csrf()
    for path in [oscar_lib, item_path, f"{item_path}/file", f"{oscar_lib}/export?format=ris",
                 f"{oscar_lib}/delete-all", group_path, f"/libraries/group-{group_id}", "/admin"]:
        answer = peggy.page.request.get(server.base + path)
        assert answer.status == 404, path
        assert "Oscar's private paper" not in answer.text()
    for path, form in [
        (item_path, {"field.title": "Taken over", "version": "1"}),
        (f"{item_path}/trash", {"version": "1"}),
        (f"{oscar_lib}/delete-all", {"confirm": "delete all"}),
        (f"{oscar_lib}/trash/empty", {"confirm": "yes"}),
        (f"{group_path}/invite", {"email": "peggy@example.org", "access": "write"}),
        ("/admin/users/1/reset-password", {}),
    ]:
        answer = peggy.page.request.post(server.base + path, form={**form, "csrf": token})
        assert answer.status == 404, path
    oscar.go(item_path)
    expect(oscar.page.locator("#item-title")).to_have_text("Oscar's private paper")

    anonymous = Visitor(browser, server)
    anonymous.go(item_path)
    expect(anonymous.page.locator("h1")).to_have_text("Sign in")
    assert anonymous.page.url == server.base + "/signin"
    health = anonymous.page.request.get(server.base + "/health")
    assert health.status == 200 and health.text() == "ok"
    for v in [oscar, peggy, anonymous]:
        v.close()
