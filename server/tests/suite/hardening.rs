//! Inputs that once got past validation: numbers beyond what a store
//! holds, invalid parameters hidden behind a 304, and control characters
//! in text and file names.

use serde_json::json;

use crate::support::{Client, Deployment, version_of};

/// Every numeric parameter is range-checked: 2^63 and above is a 400
/// naming the parameter, never a store error.
pub fn numbers_are_range_checked(d: &dyn Deployment) {
    let c = Client::new_user(d, "numbers@example.org");
    let lib = c.lib();
    c.write(
        &format!("{lib}/items"),
        &json!([{"itemType": "book", "title": "One"}]),
    );
    let huge = ["9223372036854775808", "18446744073709551615"];
    let listings = [
        "/items",
        "/items/top",
        "/items/trash",
        "/collections",
        "/searches",
        "/tags",
        "/items/tags",
    ];
    for value in huge {
        for listing in listings {
            for param in ["start", "limit", "since"] {
                let path = format!("{lib}{listing}?{param}={value}");
                let r = c.get(&path);
                assert_eq!(r.status(), 400, "{path}");
                let message = r.text().expect("message");
                assert!(message.contains(&format!("'{param}'")), "{path}: {message}");
            }
        }
        for format in ["bibtex", "ris", "csljson", "keys", "versions", "atom"] {
            let path = format!("{lib}/items?format={format}&start={value}");
            assert_eq!(c.get(&path).status(), 400, "{path}");
        }
        for path in [
            format!("{lib}/deleted?since={value}"),
            format!("{lib}/settings?since={value}"),
            format!("{lib}/fulltext?since={value}"),
        ] {
            assert_eq!(c.get(&path).status(), 400, "{path}");
        }
    }
    // The largest number a store holds is still answered.
    let max = "9223372036854775807";
    let r = c.get(&format!("{lib}/items?start={max}"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().expect("json"), json!([]));
    let r = c.get(&format!("{lib}/items?since={max}&format=versions"));
    assert_eq!(r.status(), 200);
}

/// `If-Modified-Since-Version` is answered only once the request is valid.
pub fn validation_comes_before_304(d: &dyn Deployment) {
    let c = Client::new_user(d, "valid304@example.org");
    let lib = c.lib();
    let (version, _) = c.write(
        &format!("{lib}/items"),
        &json!([{"itemType": "book", "title": "One"}]),
    );
    let (headers, _) = c.get_json(&format!("{lib}/items"));
    assert_eq!(version_of(&headers), version);
    let since = version.to_string();
    let unmodified = |path: &str| {
        c.req(reqwest::Method::GET, path)
            .header("If-Modified-Since-Version", &since)
            .send()
            .expect("GET")
    };
    assert_eq!(unmodified(&format!("{lib}/items")).status(), 304);
    for path in [
        format!("{lib}/items?format=bogus"),
        format!("{lib}/items/top?format=bogus"),
        format!("{lib}/items?content=bogus"),
        format!("{lib}/items?include=bogus"),
        format!("{lib}/items?limit=ten"),
        format!("{lib}/items?sort=bogus"),
        format!("{lib}/items?format=bib&style=no-such-style"),
        format!("{lib}/items?tag=a&qmode=bogus"),
        format!("{lib}/collections?format=bogus"),
        format!("{lib}/searches?format=bib"),
        format!("{lib}/tags?limit=x"),
        format!("{lib}/items/tags?start=-1"),
        format!("{lib}/settings?since=x"),
        format!("{lib}/deleted"),
    ] {
        let r = unmodified(&path);
        assert_eq!(r.status(), 400, "{path}");
    }
}

/// NUL and the other C0 control characters but tab and line ends are
/// refused in text, with the field named; file names hold none; messages
/// never carry the raw bytes.
pub fn control_characters_are_refused(d: &dyn Deployment) {
    let c = Client::new_user(d, "controls@example.org");
    let lib = c.lib();
    let items = format!("{lib}/items");
    let cases = [
        (
            json!({"itemType": "book", "title": "Null\u{0}title"}),
            "'title'",
        ),
        (
            json!({"itemType": "book", "title": "T", "tags": [{"tag": "bell\u{7}"}]}),
            "'tags'",
        ),
        (
            json!({"itemType": "book", "creators": [
                {"creatorType": "author", "firstName": "A", "lastName": "Esc\u{1b}[0m"}]}),
            "'creators'",
        ),
        (
            json!({"itemType": "book", "extra": "form\u{c}feed"}),
            "'extra'",
        ),
        (
            json!({"itemType": "attachment", "linkMode": "imported_file",
                   "title": "f", "filename": "report\r\n.pdf"}),
            "'filename'",
        ),
        // Refused for another reason, the key is not repeated raw either.
        (
            json!({"itemType": "book", "key": "AB\u{0}CD234"}),
            "AB\\u{0}CD234",
        ),
    ];
    for (body, named) in cases {
        let (_, rep) = c.write(&items, &json!([body]));
        let failure = &rep["failed"]["0"];
        assert_eq!(failure["code"], 400, "{body}: {rep}");
        let message = failure["message"].as_str().expect("message");
        assert!(message.contains(named), "{message:?} names {named}");
        assert!(!message.chars().any(|c| c.is_control()), "{message:?}");
    }
    let (_, rep) = c.write(
        &format!("{lib}/collections"),
        &json!([{"name": "Null\u{0}name"}]),
    );
    assert_eq!(rep["failed"]["0"]["code"], 400, "{rep}");
    let (_, all) = c.get_json(&format!("{items}?format=versions"));
    assert_eq!(all, json!({}), "nothing stored");

    // Tabs and line ends are text.
    let (_, rep) = c.write(
        &items,
        &json!([{"itemType": "book", "title": "Plain", "abstractNote": "one\ttwo\r\nthree"}]),
    );
    assert!(rep["success"]["0"].is_string(), "{rep}");
    let bibtex = c
        .get(&format!("{items}?format=bibtex"))
        .text()
        .expect("text");
    assert!(!bibtex.contains('\0'));

    // Uploads: a file name with a line break or a NUL is refused, and the
    // answer does not repeat it.
    let key = super::files::attachment(&c, "CTRL2345");
    for name in ["two\r\nlines.txt", "nul\u{0}.txt"] {
        let r = super::files::authorize(&c, &key, b"bytes", name, &[], ("If-None-Match", "*"));
        assert_eq!(r.status(), 400, "{name:?}");
        let message = r.text().expect("message");
        assert!(message.contains("filename"), "{message}");
        assert!(!message.chars().any(|c| c.is_control()), "{message:?}");
    }
    let (_, item) = c.get_json(&format!("{items}/{key}"));
    assert!(
        item["data"]["filename"].is_null() || item["data"]["filename"] == "",
        "{item}"
    );
}
