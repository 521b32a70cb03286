//! The web pages' security over HTTP, against real server processes: the
//! headers every page carries, the session cookie's attributes, a new
//! session id at each sign-in, sign-out and expiry ending sessions on the
//! server, CSRF tokens on every form, and the sign-in rate limit. The pages'
//! flows themselves are tested in a browser (server/tests/web, Playwright).

mod support;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use support::Server;

const PASSWORD: &str = "correct horse battery";

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value a `Set-Cookie` header gives `name`, with the whole header.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..].split(';').next().unwrap_or_default();
            (value.to_owned(), v.to_owned())
        })
}

/// The first form token in a page.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A browser's view of a server: the cookies it holds.
struct Browser<'a> {
    server: &'a Server,
    http: Client,
    session: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(server: &'a Server) -> Self {
        Self {
            server,
            http: client(),
            session: None,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", support::Deployment::base_url(self.server))
    }

    fn get(&self, path: &str) -> Response {
        let mut request = self.http.get(self.url(path));
        if let Some(s) = &self.session {
            request = request.header("cookie", format!("shelfmark_session={s}"));
        }
        request.send().expect("GET")
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self.http.post(self.url(path)).form(form);
        if let Some(s) = &self.session {
            request = request.header("cookie", format!("shelfmark_session={s}"));
        }
        request.send().expect("POST")
    }

    /// Signs in through the sign-in form; the answer to the form's POST.
    fn sign_in(&mut self, email: &str, password: &str) -> Response {
        let page = self
            .http
            .get(self.url("/signin"))
            .send()
            .expect("sign-in page");
        let (form_cookie, _) = set_cookie(page.headers(), "shelfmark_form").expect("form cookie");
        let csrf = csrf_of(&page.text().expect("page"));
        let mut cookies = format!("shelfmark_form={form_cookie}");
        if let Some(s) = &self.session {
            cookies.push_str(&format!("; shelfmark_session={s}"));
        }
        let answer = self
            .http
            .post(self.url("/signin"))
            .header("cookie", cookies)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .expect("sign in");
        if let Some((id, _)) = set_cookie(answer.headers(), "shelfmark_session") {
            self.session = Some(id);
        }
        answer
    }

    /// The form token of a signed-in page.
    fn csrf(&self) -> String {
        csrf_of(&self.get("/account").text().expect("page"))
    }
}

fn add_user(server: &Server, email: &str) {
    server.admin(&["user", "add", "--email", email, "--password", PASSWORD]);
}

fn redirects_to_sign_in(response: &Response) -> bool {
    response.status() == StatusCode::SEE_OTHER
        && response
            .headers()
            .get(LOCATION)
            .is_some_and(|l| l.as_bytes() == b"/signin")
}

#[test]
fn pages_carry_security_headers_and_the_api_is_unchanged() {
    let server = Server::start();
    let browser = Browser::new(&server);
    let page = browser.get("/");
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().expect("csp");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    let html = page.text().expect("html");
    assert!(html.contains("<h1>Sign in</h1>"), "{html}");
    assert!(!html.contains("<script>"), "no inline script");
    let css = browser.get("/static/web.css");
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(browser.get("/static/web.js").status().is_success());
    let health = browser.get("/health");
    assert_eq!(health.text().expect("body"), "ok");
    let openapi: serde_json::Value = browser.get("/openapi.json").json().expect("json");
    assert!(openapi["paths"].get("/keys").is_some());
    let unknown = browser.get("/users/1/nothing-here");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
}

#[test]
fn sign_in_gives_a_new_http_only_lax_session_and_sign_out_ends_it() {
    let server = Server::start();
    add_user(&server, "ada@example.org");
    let mut browser = Browser::new(&server);
    let answer = browser.sign_in("ada@example.org", PASSWORD);
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let (first, header) = set_cookie(answer.headers(), "shelfmark_session").expect("cookie");
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(header.contains("Path=/"), "{header}");
    assert!(!header.contains("Secure"), "plain http: {header}");
    assert_eq!(browser.get("/account").status(), StatusCode::OK);

    // Signing in again (with the old session presented) starts a new one
    // and ends the old.
    let answer = browser.sign_in("ada@example.org", PASSWORD);
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let second = browser.session.clone().expect("new session");
    assert_ne!(first, second);
    let old = Browser {
        session: Some(first),
        ..Browser::new(&server)
    };
    assert!(redirects_to_sign_in(&old.get("/account")));
    assert_eq!(browser.get("/account").status(), StatusCode::OK);

    let csrf = browser.csrf();
    let out = browser.post("/signout", &[("csrf", &csrf)]);
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (cleared, header) = set_cookie(out.headers(), "shelfmark_session").expect("cleared");
    assert!(
        cleared.is_empty() && header.contains("Max-Age=0"),
        "{header}"
    );
    // The server forgot the session: the id no longer opens anything.
    assert!(redirects_to_sign_in(&browser.get("/account")));
}

#[test]
fn cookies_are_secure_when_the_public_url_is_https() {
    let server = Server::start_with(&["--public-url", "https://shelf.example.org"]);
    add_user(&server, "ada@example.org");
    let mut browser = Browser::new(&server);
    let page = browser.get("/signin");
    let (_, form) = set_cookie(page.headers(), "shelfmark_form").expect("form cookie");
    assert!(form.contains("; Secure"), "{form}");
    let answer = browser.sign_in("ada@example.org", PASSWORD);
    let (_, header) = set_cookie(answer.headers(), "shelfmark_session").expect("cookie");
    assert!(header.contains("; Secure"), "{header}");
}

#[test]
fn every_form_needs_its_token() {
    let server = Server::start();
    add_user(&server, "ada@example.org");
    let mut browser = Browser::new(&server);
    browser.sign_in("ada@example.org", PASSWORD);
    let csrf = browser.csrf();
    for form in [
        vec![("name", "Laptop")],
        vec![("name", "Laptop"), ("csrf", "wrong")],
        vec![("name", "Laptop"), ("csrf", "")],
    ] {
        let answer = browser.post("/account/keys", &form);
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    }
    let answer = browser.post("/signout", &[]);
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get("/account").status(),
        StatusCode::OK,
        "still signed in"
    );
    let made = browser.post("/account/keys", &[("name", "Laptop"), ("csrf", &csrf)]);
    assert_eq!(made.status(), StatusCode::OK);
    assert!(made.text().expect("page").contains("id=\"new-key\""));
    // The sign-in form's token must match its cookie.
    let anonymous = Browser::new(&server);
    let answer = anonymous.post(
        "/signin",
        &[
            ("email", "ada@example.org"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(answer.headers(), "shelfmark_session").is_none());
}

#[test]
fn failed_sign_ins_are_rate_limited() {
    let server = Server::start_with(&["--auth-failures", "3"]);
    add_user(&server, "ada@example.org");
    let mut browser = Browser::new(&server);
    for _ in 0..3 {
        let answer = browser.sign_in("ada@example.org", "wrong password");
        assert_eq!(answer.status(), StatusCode::FORBIDDEN);
        assert!(answer.text().expect("page").contains("wrong"));
    }
    let answer = browser.sign_in("ada@example.org", PASSWORD);
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers().contains_key("retry-after"));
    assert!(browser.session.is_none());
}

#[test]
fn sessions_expire_on_the_server() {
    // SQLite, whatever the suite's backend, to age the session in its file.
    let server = Server::start_on(&["--session-hours", "2"], None);
    add_user(&server, "ada@example.org");
    let mut browser = Browser::new(&server);
    let answer = browser.sign_in("ada@example.org", PASSWORD);
    let (_, header) = set_cookie(answer.headers(), "shelfmark_session").expect("cookie");
    assert!(header.contains("Max-Age=7200"), "{header}");
    assert_eq!(browser.get("/account").status(), StatusCode::OK);
    let db = rusqlite::Connection::open(server.data_dir().join("shelfmark.db")).expect("database");
    let aged = db
        .execute(
            "UPDATE web_sessions SET expires = '2000-01-01T00:00:00Z'",
            [],
        )
        .expect("age the session");
    assert_eq!(aged, 1);
    assert!(redirects_to_sign_in(&browser.get("/account")));
}

#[test]
fn groups_refuse_members_beyond_the_limit_with_a_clear_message() {
    let server = Server::start_with(&["--max-group-members", "2"]);
    for email in ["ada@example.org", "bob@example.org", "carol@example.org"] {
        add_user(&server, email);
    }
    let mut ada = Browser::new(&server);
    ada.sign_in("ada@example.org", PASSWORD);
    let csrf = ada.csrf();
    let made = ada.post("/sharing", &[("csrf", &csrf), ("name", "Engine Lab")]);
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let group = made.headers()[LOCATION]
        .to_str()
        .expect("location")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(group.starts_with("/sharing/"), "{group}");
    let invite = |email: &str| {
        ada.post(
            &format!("{group}/invite"),
            &[("csrf", &csrf), ("email", email), ("access", "write")],
        )
    };
    assert_eq!(invite("bob@example.org").status(), StatusCode::SEE_OTHER);
    for email in ["carol@example.org", "dave@example.org"] {
        let refused = invite(email);
        assert_eq!(refused.status(), StatusCode::CONFLICT, "{email}");
        let page = refused.text().expect("page");
        assert!(page.contains("most members allowed (2)"), "{page}");
        assert!(!page.contains("invitation-link"), "no invitation is made");
    }
}
