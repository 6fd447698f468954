"""Console sign-in, driven in headless Chromium (Debian's /usr/bin/chromium through Playwright)
and through the JSON endpoint with plain HTTP.

The sign-in tests use servers of their own, with low throttling limits (`--signin-limit`), so
that locking users out here never disturbs the rest of the suite. MFA codes are computed by
pyotp, an independent RFC 6238 implementation.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pyotp
import pytest
import requests

from e2e_support import ACCOUNT_ID, Server, root_client, start_warden, unique, warden_bin

pytestmark = pytest.mark.warden_only

PASSWORD = "Correct-Horse-1"
CHROMIUM = os.environ.get("WARDEN_CHROMIUM", "/usr/bin/chromium")

# Lockout after five failures, no delays before it (delays are tested on a server of their
# own), and the source address (always 127.0.0.1 here) never locked.
LIMITS = ["user-free-failures=3", "user-lockout-failures=5", "delay-seconds=0",
          "ip-free-failures=100000", "ip-lockout-failures=100000"]


def serve_args(data: Path, limits: list[str]) -> list[str]:
    args = ["--data", str(data), "--account-id", ACCOUNT_ID]
    for limit in limits:
        args += ["--signin-limit", limit]
    return args


@pytest.fixture(scope="module")
def signin_server(target_kind: str, tmp_path_factory: pytest.TempPathFactory):
    if target_kind == "moto":
        pytest.skip("moto has no console sign-in")
    base = tmp_path_factory.mktemp("signin")
    server = start_warden(base / "data", base / "logs", serve_args=serve_args(base / "data", LIMITS))
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def admin(signin_server: Server):
    return root_client(signin_server)


@pytest.fixture(scope="module")
def browser(signin_server: Server):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found (scripts/e2e installs Debian's chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def user_with_password(admin, reset_required: bool = False, password: str = PASSWORD) -> str:
    name = unique("console")
    admin.create_user(UserName=name)
    admin.create_login_profile(UserName=name, Password=password, PasswordResetRequired=reset_required)
    return name


def stable_step() -> None:
    """Waits out the end of a time step, so codes computed now stay current for a few seconds."""
    if time.time() % 30 > 24:
        time.sleep(30 - time.time() % 30 + 0.5)


def user_with_mfa(admin) -> tuple[str, pyotp.TOTP, str]:
    """A user with a password and an enabled device: its name, its codes, and the code it was
    enabled with (used up: never accepted again)."""
    name = user_with_password(admin)
    device = admin.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    totp = pyotp.TOTP(device["Base32StringSeed"].decode())
    stable_step()
    now = time.time()
    admin.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                            AuthenticationCode1=totp.at(now - 30), AuthenticationCode2=totp.at(now))
    return name, totp, totp.at(now)


def next_code(totp: pyotp.TOTP) -> str:
    """A code not used yet: the step after the one the device was enabled (or last used) with,
    within the one-step tolerance."""
    return totp.at(time.time() + 30)


def sign_in(page, server: Server, user: str | None, password: str, account: str = ACCOUNT_ID) -> None:
    page.goto(f"{server.endpoint}/signin/{account}")
    if user is None:
        page.check("#kind-root")
    else:
        page.fill("#user_name", user)
    page.fill("#password", password)
    page.click("#submit")


def error_text(page) -> str:
    return page.inner_text("#error")


# ----------------------------------------------------------------------------- the browser


def test_a_good_password_opens_the_console_with_a_secure_session_cookie(signin_server, admin, page):
    name = user_with_password(admin)
    sign_in(page, signin_server, name, PASSWORD)
    page.wait_for_url(re.compile(r"/console$"))
    assert page.inner_text("#identity") == name
    assert page.inner_text("#arn") == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    assert page.inner_text("#mfa") == "no"
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["warden-console"]
    # Chromium kept the Secure cookie on http://127.0.0.1 (loopback is a secure context).
    assert session["secure"] is True
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert 11 * 3600 < session["expires"] - time.time() <= 12 * 3600
    # The sign-in is in the credential report's source: GetUser shows the password's last use.
    assert "PasswordLastUsed" in admin.get_user(UserName=name)["User"]

    page.click("#signout")
    page.wait_for_url(re.compile(rf"/signin/{ACCOUNT_ID}$"))
    assert "warden-console" not in {c["name"] for c in page.context.cookies()}
    page.goto(f"{signin_server.endpoint}/console")
    assert re.search(r"/signin$", page.url)


def test_a_bad_password_and_an_unknown_user_get_the_same_error(signin_server, admin, page):
    name = user_with_password(admin)
    sign_in(page, signin_server, name, "Wrong-Horse-1")
    wrong_password = error_text(page)
    assert wrong_password == "Your authentication information is incorrect. Please try again."
    # The form keeps the user name, never the password.
    assert page.input_value("#user_name") == name
    assert page.input_value("#password") == ""
    sign_in(page, signin_server, unique("nobody"), PASSWORD)
    assert error_text(page) == wrong_password
    page.goto(f"{signin_server.endpoint}/console")
    assert re.search(r"/signin$", page.url)


def test_a_user_with_mfa_is_asked_for_a_code(signin_server, admin, page):
    name, totp, used = user_with_mfa(admin)
    sign_in(page, signin_server, name, PASSWORD)
    page.wait_for_selector("#code")
    # The code the device was enabled with is used up; a wrong code is refused on the same page.
    page.fill("#code", used)
    page.click("#submit")
    assert error_text(page) == "Your authentication information is incorrect. Please try again."
    page.fill("#code", next_code(totp))
    page.click("#submit")
    page.wait_for_url(re.compile(r"/console$"))
    assert page.inner_text("#identity") == name
    assert page.inner_text("#mfa") == "yes"


def test_password_reset_required_leads_to_a_change_step(signin_server, admin, page):
    name = user_with_password(admin, reset_required=True)
    sign_in(page, signin_server, name, PASSWORD)
    assert "administrator requires you to change your password" in page.inner_text("#reason")
    # Mismatched confirmation, then a password the (default) policy refuses.
    page.fill("#new_password", "Brand-New-Horse-2")
    page.fill("#confirm_password", "Brand-New-Horse-3")
    page.click("#submit")
    assert error_text(page) == "The new passwords do not match."
    page.fill("#new_password", "short")
    page.fill("#confirm_password", "short")
    page.click("#submit")
    assert error_text(page) == "Password should have a minimum length of 8"
    page.fill("#new_password", "Brand-New-Horse-2")
    page.fill("#confirm_password", "Brand-New-Horse-2")
    page.click("#submit")
    page.wait_for_url(re.compile(r"/console$"))
    assert page.inner_text("#identity") == name
    assert admin.get_login_profile(UserName=name)["LoginProfile"]["PasswordResetRequired"] is False
    # The old password no longer works; the new one signs in without a change step.
    page.context.clear_cookies()
    sign_in(page, signin_server, name, PASSWORD)
    assert "incorrect" in error_text(page)
    sign_in(page, signin_server, name, "Brand-New-Horse-2")
    page.wait_for_url(re.compile(r"/console$"))


def test_repeated_failures_lock_the_user_out(signin_server, admin, page):
    name = user_with_password(admin)
    for _ in range(5):
        sign_in(page, signin_server, name, "Wrong-Horse-1")
    # Locked: even the right password is refused, and the page says why.
    sign_in(page, signin_server, name, PASSWORD)
    assert "Too many failed attempts" in error_text(page)
    assert not re.search(r"/console$", page.url)
    # Another user from the same address signs in.
    other = user_with_password(admin)
    sign_in(page, signin_server, other, PASSWORD)
    page.wait_for_url(re.compile(r"/console$"))


def test_root_signs_in_and_enrols_mfa_then_needs_a_code(signin_server, admin, page):
    # The root's password: CreateLoginProfile without a user name, called by the root.
    admin.create_login_profile(Password=PASSWORD)
    sign_in(page, signin_server, None, PASSWORD)
    page.wait_for_url(re.compile(r"/console$"))
    assert page.inner_text("#identity") == "root user"
    assert page.inner_text("#arn") == f"arn:aws:iam::{ACCOUNT_ID}:root"
    page.click("#enable-mfa")
    page.wait_for_selector("#qr")
    assert page.get_attribute("#qr", "src").startswith("data:image/png;base64,iVBOR")
    totp = pyotp.TOTP(page.inner_text("#seed"))
    stable_step()
    now = time.time()
    # Two codes not in order are refused, and the same seed is shown again.
    seed = page.inner_text("#seed")
    page.fill("#code1", totp.at(now))
    page.fill("#code2", totp.at(now - 30))
    page.click("#submit")
    assert "consecutive" in error_text(page)
    assert page.inner_text("#seed") == seed
    page.fill("#code1", totp.at(now - 30))
    page.fill("#code2", totp.at(now))
    page.click("#submit")
    page.wait_for_url(re.compile(r"/console\?mfa=enabled$"))
    assert page.inner_text("#devices") == f"arn:aws:iam::{ACCOUNT_ID}:mfa/root-account-mfa-device"
    assert [d["SerialNumber"] for d in admin.list_mfa_devices()["MFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT_ID}:mfa/root-account-mfa-device"]

    page.click("#signout")
    sign_in(page, signin_server, None, PASSWORD)
    page.wait_for_selector("#code")
    page.fill("#code", next_code(totp))
    page.click("#submit")
    page.wait_for_url(re.compile(r"/console$"))
    assert page.inner_text("#mfa") == "yes"


def test_an_expired_password_must_be_changed(target_kind, tmp_path, browser, page):
    """MaxPasswordAge: the password's change date is moved 40 days back in the stopped server's
    database (the server's clock cannot be moved), then the server is started again."""
    data = tmp_path / "data"
    server = start_warden(data, tmp_path / "logs", serve_args=serve_args(data, LIMITS))
    admin = root_client(server)
    admin.update_account_password_policy(MinimumPasswordLength=8, MaxPasswordAge=30,
                                         AllowUsersToChangePassword=True)
    fresh = user_with_password(admin)
    old = user_with_password(admin)
    old_id = admin.get_user(UserName=old)["User"]["UserId"]
    assert server.stop() == 0
    with sqlite3.connect(data / "warden.db") as db:
        changed = db.execute("UPDATE objects SET body = json_set(body, '$.password_changed', ?) "
                             "WHERE kind = 'login_profile' AND id = ?", (int(time.time()) - 40 * 86400, old_id))
        assert changed.rowcount == 1
    server = start_warden(data, tmp_path / "logs", serve_args=serve_args(data, LIMITS))
    try:
        sign_in(page, server, fresh, PASSWORD)
        page.wait_for_url(re.compile(r"/console$"))
        page.context.clear_cookies()
        sign_in(page, server, old, PASSWORD)
        assert page.inner_text("#reason") == "Your password has expired. Choose a new one to continue."
        page.fill("#new_password", "Renewed-Horse-7")
        page.fill("#confirm_password", "Renewed-Horse-7")
        page.click("#submit")
        page.wait_for_url(re.compile(r"/console$"))
        assert page.inner_text("#identity") == old
    finally:
        assert server.stop() == 0


# ------------------------------------------------------------------------ the JSON endpoint


def api(server: Server, body: dict, account: str = ACCOUNT_ID) -> requests.Response:
    return requests.post(f"{server.endpoint}/signin/{account}/api", json=body, timeout=30)


def session_cookie(response: requests.Response) -> str:
    header = response.headers["Set-Cookie"]
    assert header.startswith("warden-console=")
    attributes = [a.strip() for a in header.split(";")]
    assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= set(attributes)
    assert "Max-Age=43200" in attributes
    return attributes[0].split("=", 1)[1]


def test_json_sign_in_sets_the_session_cookie(signin_server, admin):
    name = user_with_password(admin)
    response = api(signin_server, {"user_name": name, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "signed_in"
    assert body["arn"] == f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"
    assert body["mfa"] is False
    cookie = session_cookie(response)
    console = requests.get(f"{signin_server.endpoint}/console", cookies={"warden-console": cookie},
                           allow_redirects=False, timeout=30)
    assert console.status_code == 200
    assert name in console.text
    # A session cookie altered by one character is nobody's.
    forged = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    console = requests.get(f"{signin_server.endpoint}/console", cookies={"warden-console": forged},
                           allow_redirects=False, timeout=30)
    assert console.status_code == 303


def test_json_wrong_password_is_a_generic_401(signin_server, admin):
    name = user_with_password(admin)
    for user in (name, unique("nobody")):
        response = api(signin_server, {"user_name": user, "password": "Wrong-Horse-1"})
        assert response.status_code == 401
        assert response.json() == {"outcome": "incorrect",
                                   "message": "Your authentication information is incorrect. Please try again."}
        assert "Set-Cookie" not in response.headers


def test_json_mfa_step_with_challenge_or_code_up_front(signin_server, admin):
    name, totp, used = user_with_mfa(admin)
    first = api(signin_server, {"user_name": name, "password": PASSWORD})
    assert first.json()["outcome"] == "mfa_required"
    challenge = first.json()["challenge"]
    wrong = api(signin_server, {"challenge": challenge, "mfa_code": used})
    assert (wrong.status_code, wrong.json()["outcome"]) == (401, "incorrect")
    code = next_code(totp)
    done = api(signin_server, {"challenge": challenge, "mfa_code": code})
    assert (done.status_code, done.json()["outcome"], done.json()["mfa"]) == (200, "signed_in", True)
    session_cookie(done)
    # The same code twice is refused (replay), even with the password given again.
    again = api(signin_server, {"user_name": name, "password": PASSWORD, "mfa_code": code})
    assert again.json()["outcome"] == "incorrect"


def test_json_forced_change(signin_server, admin):
    name = user_with_password(admin, reset_required=True)
    first = api(signin_server, {"user_name": name, "password": PASSWORD})
    assert first.json()["outcome"] == "password_change_required"
    assert first.json()["reason"] == "reset_required"
    challenge = first.json()["challenge"]
    weak = api(signin_server, {"challenge": challenge, "new_password": "abc"})
    assert (weak.status_code, weak.json()["outcome"]) == (400, "password_rejected")
    assert weak.json()["message"] == "Password should have a minimum length of 8"
    done = api(signin_server, {"challenge": challenge, "new_password": "Changed-Horse-8"})
    assert done.json()["outcome"] == "signed_in"
    replay = api(signin_server, {"challenge": challenge, "new_password": "Changed-Horse-9"})
    assert (replay.status_code, replay.json()["outcome"]) == (400, "invalid_challenge")


def test_json_bad_input_is_a_clear_error(signin_server):
    url = f"{signin_server.endpoint}/signin/{ACCOUNT_ID}/api"
    not_json = requests.post(url, data={"user_name": "a", "password": "b"}, timeout=30)
    assert (not_json.status_code, not_json.json()["outcome"]) == (415, "bad_request")
    for body in (b"{", b"[]", b'{"password": 5, "user_name": "a"}', b'{"user_name": "a"}',
                 b'{"password": "x"}', b'{"password": "x", "root": "yes"}',
                 b'{"challenge": "x"}', b'{"password": "x", "root": true, "user_name": "a"}'):
        response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 400, body
        assert response.json()["outcome"] == "bad_request", body
    garbage = api(signin_server, {"challenge": "not-a-challenge", "mfa_code": "123456"})
    assert (garbage.status_code, garbage.json()["outcome"]) == (400, "invalid_challenge")
    bad_account = api(signin_server, {"user_name": "a", "password": "b"}, account="Not_An_Account")
    assert bad_account.status_code == 404


def test_forms_without_the_anti_forgery_token_are_refused(signin_server, admin):
    name = user_with_password(admin)
    url = f"{signin_server.endpoint}/signin/{ACCOUNT_ID}"
    form = {"kind": "iam", "user_name": name, "password": PASSWORD, "csrf": "x" * 43}
    # No cookie, or a cookie that differs from the form's token: refused before any check.
    for cookies in ({}, {"warden-signin-csrf": "y" * 43}):
        response = requests.post(url, data=form, cookies=cookies, allow_redirects=False, timeout=30)
        assert response.status_code == 403
        assert "Form expired" in response.text
    # The double-submitted token works.
    response = requests.post(url, data=form, cookies={"warden-signin-csrf": "x" * 43},
                             allow_redirects=False, timeout=30)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console"
    # The pages carry the protective headers.
    page = requests.get(url, timeout=30)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


def test_unknown_accounts_and_bad_paths_get_pages_not_failures(signin_server):
    for path in ("/signin/NOT_VALID", "/signin/%3Cscript%3E", "/signin/go?account=%00"):
        response = requests.get(f"{signin_server.endpoint}{path}", timeout=30)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["Content-Type"]
        assert "<script>" not in response.text
    # An account that does not exist still gets a form (as AWS does), and fails generically.
    response = api(signin_server, {"user_name": "a", "password": "b"}, account="999999999999")
    assert response.json()["outcome"] == "incorrect"


def test_failures_slow_down_before_the_lockout_and_every_attempt_is_recorded(target_kind, tmp_path):
    if target_kind == "moto":
        pytest.skip("moto has no console sign-in")
    data = tmp_path / "data"
    limits = ["user-free-failures=2", "delay-seconds=600", "max-delay-seconds=600"]
    server = start_warden(data, tmp_path / "logs", serve_args=serve_args(data, limits),
                          extra_env={"WARDEN_LOG": "warn,warden::signin=info"})
    try:
        admin = root_client(server)
        name = user_with_password(admin)
        for _ in range(3):
            assert api(server, {"user_name": name, "password": "Wrong-Horse-1"}).status_code == 401
        # Two free failures, then each further one makes the next attempt wait.
        response = api(server, {"user_name": name, "password": PASSWORD})
        assert response.status_code == 429
        assert response.json()["outcome"] == "throttled"
        assert 0 < response.json()["retry_after_seconds"] <= 600
        assert int(response.headers["Retry-After"]) == response.json()["retry_after_seconds"]
        # The user name is what is throttled, whatever its case; another user is not.
        assert api(server, {"user_name": name.upper(), "password": PASSWORD}).status_code == 429
        other = user_with_password(admin)
        assert api(server, {"user_name": other, "password": PASSWORD}).status_code == 200
    finally:
        assert server.stop() == 0
    # Every attempt is recorded, with who, where from and how it ended; never a password.
    log = re.sub(r"\x1b\[[0-9;]*m", "", (tmp_path / "logs" / "stderr.log").read_text())
    attempts = [line for line in log.splitlines() if "sign-in attempt" in line and name in line]
    outcomes = [re.search(r'outcome="?(\w+)', line).group(1) for line in attempts]
    assert outcomes == ["incorrect"] * 3 + ["throttled"], attempts
    assert all('source_ip="127.0.0.1"' in line and 'step="password"' in line for line in attempts), attempts
    assert PASSWORD not in log and "Wrong-Horse-1" not in log
    # The audit trail holds a ConsoleLogin record of each finished attempt, browser's user agent
    # and all: the three failures, the two throttled attempts and the other user's success.
    query = subprocess.run([str(warden_bin()), "audit", "query", "--data", str(data), "--event-name", "ConsoleLogin"],
                           capture_output=True, text=True, timeout=60, check=True)
    records = [json.loads(line) for line in query.stdout.splitlines() if line.strip()]
    seen = [(r["userIdentity"].get("userName"), r["responseElements"]["ConsoleLogin"],
             r["additionalEventData"]["WardenOutcome"]) for r in records]
    assert seen == [(name, "Failure", "incorrect")] * 3 + [(name, "Failure", "throttled")] * 2 + [
        (other, "Success", "signed_in")], seen
    assert all(r["sourceIPAddress"] == "127.0.0.1" and r["eventSource"] == "signin.amazonaws.com"
               and r["userAgent"].startswith("python-requests/") for r in records)
    assert PASSWORD not in query.stdout and "Wrong-Horse-1" not in query.stdout
