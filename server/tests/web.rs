//! The web pages' security over HTTP, against real server processes: the
//! headers every page carries, the session cookie's attributes, a new
//! session id at each sign-in, sign-out and expiry ending sessions on the
//! server, CSRF tokens on every form, and the sign-in rate limit. The pages'
//! flows themselves are tested in a browser (server/tests/web, Playwright).

mod support;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use shelfmark_test_support::lookup_services;
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

#[test]
fn the_account_page_shows_storage_for_each_library_against_the_quota() {
    let server = Server::start();
    add_user(&server, "ada@example.org");
    let mut ada = Browser::new(&server);
    ada.sign_in("ada@example.org", PASSWORD);
    let csrf = ada.csrf();
    let made = ada.post("/sharing", &[("csrf", &csrf), ("name", "Moraine <Lab>")]);
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = ada.get("/account").text().expect("page");
    let storage = &page[page.find("<h2>Storage</h2>").expect("storage")..];
    let storage = &storage[..storage.find("</table>").expect("table")];
    assert!(
        storage.contains("<td>My Library</td><td>0 B</td>"),
        "{storage}"
    );
    assert!(
        storage.contains("<td>Group: Moraine &#60;Lab&#62;</td><td>0 B</td>"),
        "{storage}"
    );
    assert!(storage.contains("<th>Total</th><th>0 B of "), "{storage}");
}

/// A server whose Add by identifier asks the stand-in services at `services`
/// (its `[lookup]` configuration), with a signed-in user: the server, the
/// configuration's folder, the browser and the user's API client.
fn server_with_lookups(services: &lookup_services::Services) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("server.toml");
    let urls: String = [
        ("doi_url", "doi"),
        ("crossref_url", "crossref"),
        ("datacite_url", "datacite"),
        ("openlibrary_url", "openlibrary"),
        ("googlebooks_url", "googlebooks"),
        ("ncbi_url", "ncbi"),
        ("arxiv_url", "arxiv"),
    ]
    .iter()
    .map(|(name, path)| format!("{name} = \"{}/{path}\"\n", services.url))
    .collect();
    std::fs::write(
        &config,
        format!("[lookup]\ncontact = \"admin@example.org\"\n{urls}"),
    )
    .expect("config");
    let path = config.display().to_string();
    (Server::start_with(&["--config", &path]), dir)
}

#[test]
fn identifiers_are_looked_up_and_added_through_the_api_write_path() {
    let services = lookup_services::Services::start();
    services.fail(
        "/arxiv/",
        lookup_services::Fault::RateLimited {
            retry_after: 600,
            times: 10,
        },
    );
    let (server, _config) = server_with_lookups(&services);
    let user = support::Deployment::add_user(&server, "ada@example.org");
    let api = support::Client::with_key(
        &server,
        user,
        Some(support::Deployment::create_key(&server, user, &[])),
    );
    let mut browser = Browser::new(&server);
    browser.sign_in("ada@example.org", "secret pass");
    let lib = format!("/libraries/user-{user}");
    let page = browser.get(&lib).text().expect("library page");
    assert!(page.contains("id=\"add-by-identifier\""), "{page}");
    let csrf = csrf_of(&page);
    let (_, before) = api.get_json(&format!("{}/items?format=versions", api.lib()));
    assert_eq!(before.as_object().map(|o| o.len()), Some(0));

    let text = "10.1038/nature12373\nISBN 978-0-262-03384-9\n9780262033848\n10.5555/nobody-knows\narXiv:1706.03762";
    let answer = browser.post(&format!("{lib}/add"), &[("csrf", &csrf), ("ids", text)]);
    assert_eq!(answer.status(), StatusCode::OK);
    let html = answer.text().expect("page");
    assert!(html.contains("Added 2 references, 3 not added"), "{html}");
    for expected in [
        "Nanometre-scale thermometry in a living cell",
        "Introduction to algorithms",
        "check digit",
        "Not found at DOI.org, Crossref, DataCite",
        "arXiv.org limits the rate of requests; try again in 600 s",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    assert!(
        services
            .seen()
            .iter()
            .all(|s| s.user_agent.contains("mailto:admin@example.org"))
    );

    // Written as an API POST is: new versions, seen by every client.
    let (headers, items) = api.get_json(&format!("{}/items?format=json", api.lib()));
    let items = items.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(support::version_of(&headers) > 0);
    let article = items
        .iter()
        .find(|i| i["data"]["DOI"] == "10.1038/nature12373")
        .expect("the article");
    assert_eq!(article["data"]["itemType"], "journalArticle");
    assert_eq!(article["data"]["publicationTitle"], "Nature");
    let key = article["key"].as_str().expect("key").to_owned();
    assert!(
        html.contains(&format!("{lib}/items/{key}")),
        "links the item"
    );

    // The same DOI again is the library's item, not a second one; the
    // box remembers the text it was sent.
    let again = browser
        .post(
            &format!("{lib}/add"),
            &[
                ("csrf", &csrf),
                ("ids", "https://doi.org/10.1038/NATURE12373"),
            ],
        )
        .text()
        .expect("page");
    assert!(
        again.contains("Already in the library (same DOI 10.1038/nature12373)"),
        "{again}"
    );
    assert!(again.contains("https://doi.org/10.1038/NATURE12373</textarea>"));
    let (_, items) = api.get_json(&format!("{}/items?format=versions", api.lib()));
    assert_eq!(items.as_object().map(|o| o.len()), Some(2));

    // Without the form's token nothing is looked up or added.
    let asked = services.seen().len();
    let refused = browser.post(&format!("{lib}/add"), &[("ids", "10.5555/gen.1")]);
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(services.seen().len(), asked);
}

#[test]
fn add_by_identifier_goes_into_the_chosen_collection_and_refuses_empty_or_long_lists() {
    let services = lookup_services::Services::start();
    let (server, _config) = server_with_lookups(&services);
    let user = support::Deployment::add_user(&server, "ada@example.org");
    let api = support::Client::with_key(
        &server,
        user,
        Some(support::Deployment::create_key(&server, user, &[])),
    );
    let (_, created) = api.write(
        &format!("{}/collections", api.lib()),
        &serde_json::json!([{"name": "Reading"}]),
    );
    let collection = created["successful"]["0"]["key"]
        .as_str()
        .expect("collection key")
        .to_owned();
    let mut browser = Browser::new(&server);
    browser.sign_in("ada@example.org", "secret pass");
    let lib = format!("/libraries/user-{user}");
    let csrf = browser.csrf();

    let html = browser
        .post(
            &format!("{lib}/add"),
            &[
                ("csrf", &csrf),
                ("collection", &collection),
                ("ids", &lookup_services::generated_doi(1)),
            ],
        )
        .text()
        .expect("page");
    assert!(html.contains("Added 1 reference"), "{html}");
    let (_, items) = api.get_json(&format!(
        "{}/collections/{collection}/items?format=json",
        api.lib()
    ));
    assert_eq!(items.as_array().map(Vec::len), Some(1), "{items:?}");

    let empty = browser
        .post(
            &format!("{lib}/add"),
            &[("csrf", &csrf), ("ids", "no ids here")],
        )
        .text()
        .expect("page");
    assert!(empty.contains("No DOI, ISBN, PubMed id or arXiv id in the text."));
    let many: String = (0..101)
        .map(|n| lookup_services::generated_doi(n) + "\n")
        .collect();
    let asked = services.seen().len();
    let long = browser
        .post(&format!("{lib}/add"), &[("csrf", &csrf), ("ids", &many)])
        .text()
        .expect("page");
    assert!(
        long.contains("101 identifiers: at most 100 can be added at once."),
        "{long}"
    );
    assert_eq!(services.seen().len(), asked, "nothing was looked up");
}
