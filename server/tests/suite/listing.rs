//! Listings: paging with `Link` and `Total-Results`, filters, sorting, trash.

use serde_json::{Value, json};

use crate::support::{Client, Deployment, header};

fn keys_of(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|o| o["key"].as_str().expect("key").to_owned())
        .collect()
}

fn titles_of(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|o| o["data"]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The URL of a `Link` relation.
fn link(headers: &reqwest::header::HeaderMap, rel: &str) -> Option<String> {
    let value = header(headers, "link")?;
    value.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\"")).then(|| url.trim_matches(['<', '>']).to_owned())
    })
}

pub fn paging(d: &dyn Deployment) {
    let c = Client::new_user(d, "p1@example.org");
    let items = format!("{}/items", c.lib());
    let batch: Vec<Value> = (0..30)
        .map(|i| json!({"itemType": "book", "title": format!("Book {i:02}")}))
        .collect();
    c.write(&items, &Value::Array(batch));

    let (h, first) = c.get_json(&format!("{items}?limit=10&sort=title"));
    assert_eq!(header(&h, "total-results"), Some("30"));
    assert_eq!(titles_of(&first)[0], "Book 00");
    assert!(link(&h, "prev").is_none());
    let next = link(&h, "next").expect("next link");
    let last = link(&h, "last").expect("last link");
    assert!(last.contains("start=20"), "{last}");
    assert!(next.starts_with(d.base_url()), "absolute links: {next}");

    let (h2, second) = c.get_json(&next);
    assert_eq!(titles_of(&second)[0], "Book 10");
    assert!(link(&h2, "first").is_some());
    assert!(link(&h2, "prev").expect("prev").contains("limit=10"));
    let (h3, third) = c.get_json(&link(&h2, "next").expect("next"));
    assert_eq!(third.as_array().map(Vec::len), Some(10));
    assert!(link(&h3, "next").is_none(), "no next on the last page");

    let (h, default) = c.get_json(&items);
    assert_eq!(default.as_array().map(Vec::len), Some(25), "default limit");
    assert_eq!(header(&h, "total-results"), Some("30"));
    let (_, capped) = c.get_json(&format!("{items}?limit=500"));
    assert_eq!(capped.as_array().map(Vec::len), Some(30));
    let (_, all_versions) = c.get_json(&format!("{items}?format=versions&limit=5"));
    assert_eq!(
        all_versions.as_object().map(|m| m.len()),
        Some(30),
        "versions are not paged"
    );
}

pub fn filters(d: &dyn Deployment) {
    let c = Client::new_user(d, "f1@example.org");
    let lib = c.lib();
    c.write(
        &format!("{lib}/collections"),
        &json!([{"key": "CALL2222", "name": "Reading"}]),
    );
    c.write(
        &format!("{lib}/items"),
        &json!([
            {"key": "ITEM2222", "itemType": "book", "title": "Alpha Centauri",
             "creators": [{"creatorType": "author", "firstName": "Ann", "lastName": "Zed"}],
             "date": "1999", "tags": [{"tag": "space"}, {"tag": "stars"}], "collections": ["CALL2222"]},
            {"key": "ITEM3333", "itemType": "journalArticle", "title": "Beta Decay",
             "creators": [{"creatorType": "author", "lastName": "Young", "firstName": "Bo"}],
             "date": "2005", "tags": [{"tag": "physics"}], "abstractNote": "about neutrinos"},
            {"key": "ITEM4444", "itemType": "book", "title": "Gamma Rays",
             "creators": [{"creatorType": "author", "lastName": "Xu", "firstName": "Cy"}],
             "tags": [{"tag": "physics"}, {"tag": "space"}]},
            {"key": "NATE2222", "itemType": "note", "parentItem": "ITEM2222", "note": "<p>child</p>"}
        ]),
    );
    let items = format!("{lib}/items");
    let get_keys = |q: &str| {
        let mut k = keys_of(&c.get_json(&format!("{items}?{q}")).1);
        k.sort();
        k
    };
    assert_eq!(get_keys("tag=space"), ["ITEM2222", "ITEM4444"]);
    assert_eq!(
        get_keys("tag=space&tag=physics"),
        ["ITEM4444"],
        "repeated tag = AND"
    );
    assert_eq!(
        get_keys("tag=stars%20||%20physics"),
        ["ITEM2222", "ITEM3333", "ITEM4444"],
        "|| = OR"
    );
    assert_eq!(
        get_keys("tag=-space&itemType=-note"),
        ["ITEM3333"],
        "-x = NOT"
    );
    assert_eq!(get_keys("itemType=book"), ["ITEM2222", "ITEM4444"]);
    assert_eq!(get_keys("itemType=-book"), ["ITEM3333", "NATE2222"]);
    assert_eq!(
        get_keys("itemType=book%20||%20note"),
        ["ITEM2222", "ITEM4444", "NATE2222"]
    );
    assert_eq!(get_keys("q=gamma"), ["ITEM4444"]);
    assert_eq!(get_keys("q=young"), ["ITEM3333"], "creator names");
    assert_eq!(get_keys("q=1999"), ["ITEM2222"], "year");
    assert_eq!(
        get_keys("q=neutrinos"),
        Vec::<String>::new(),
        "abstracts only in everything mode"
    );
    assert_eq!(get_keys("q=neutrinos&qmode=everything"), ["ITEM3333"]);
    assert_eq!(
        get_keys("itemKey=ITEM2222,ITEM4444"),
        ["ITEM2222", "ITEM4444"]
    );

    let sorted = |q: &str| keys_of(&c.get_json(&format!("{lib}/items/top?{q}")).1);
    assert_eq!(sorted("sort=title"), ["ITEM2222", "ITEM3333", "ITEM4444"]);
    assert_eq!(
        sorted("sort=title&direction=desc"),
        ["ITEM4444", "ITEM3333", "ITEM2222"]
    );
    assert_eq!(sorted("sort=creator"), ["ITEM4444", "ITEM3333", "ITEM2222"]);
    assert_eq!(
        sorted("sort=date"),
        ["ITEM4444", "ITEM2222", "ITEM3333"],
        "undated first"
    );
    assert_eq!(c.get(&format!("{items}?sort=nonsense")).status(), 400);
    assert_eq!(c.get(&format!("{items}?direction=sideways")).status(), 400);

    assert_eq!(
        keys_of(&c.get_json(&format!("{items}/ITEM2222/children")).1),
        ["NATE2222"]
    );
    let (_, parent) = c.get_json(&format!("{items}/ITEM2222"));
    assert_eq!(parent["meta"]["numChildren"], 1);
    assert_eq!(parent["meta"]["creatorSummary"], "Zed");
    assert_eq!(parent["meta"]["parsedDate"], "1999");
    assert_eq!(
        keys_of(&c.get_json(&format!("{lib}/collections/CALL2222/items")).1),
        ["ITEM2222"]
    );
    assert_eq!(
        keys_of(
            &c.get_json(&format!("{lib}/collections/CALL2222/items/top"))
                .1
        ),
        ["ITEM2222"]
    );
    assert_eq!(
        c.get(&format!("{lib}/collections/ZZZZ9999/items")).status(),
        404
    );
    assert_eq!(c.get(&format!("{items}/ZZZZ9999/children")).status(), 404);

    let (_, tags) = c.get_json(&format!("{lib}/tags"));
    let names: Vec<&str> = tags
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["tag"].as_str().expect("tag"))
        .collect();
    assert_eq!(names, ["physics", "space", "stars"]);
    assert_eq!(tags[0]["meta"]["numItems"], 2);
    let tag_names = |path: &str| -> Vec<String> {
        c.get_json(&format!("{lib}{path}"))
            .1
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| t["tag"].as_str().expect("tag").to_owned())
            .collect()
    };
    assert_eq!(tag_names("/items/ITEM2222/tags"), ["space", "stars"]);
    assert_eq!(tag_names("/collections/CALL2222/tags"), ["space", "stars"]);
    assert_eq!(
        tag_names("/items/top/tags?itemType=book"),
        ["physics", "space", "stars"]
    );
    assert_eq!(
        tag_names("/items/tags?itemType=journalArticle"),
        ["physics"]
    );
    assert_eq!(tag_names("/items/trash/tags"), Vec::<String>::new());
    assert_eq!(c.get(&format!("{lib}/items/ZZZZ9999/tags")).status(), 404);
}

pub fn trash(d: &dyn Deployment) {
    let c = Client::new_user(d, "t1@example.org");
    let items = format!("{}/items", c.lib());
    c.write(
        &items,
        &json!([
            {"key": "KEEP2222", "itemType": "book", "title": "Keep"},
            {"key": "BINN2222", "itemType": "book", "title": "Binned", "deleted": 1}
        ]),
    );
    assert_eq!(keys_of(&c.get_json(&items).1), ["KEEP2222"]);
    assert_eq!(
        keys_of(&c.get_json(&format!("{items}/trash")).1),
        ["BINN2222"]
    );
    let (_, with) = c.get_json(&format!("{items}?includeTrashed=1&format=versions"));
    assert_eq!(with.as_object().map(|m| m.len()), Some(2));
    let (_, binned) = c.get_json(&format!("{items}/BINN2222"));
    assert_eq!(binned["data"]["deleted"], 1);

    // Restoring: PATCH deleted: 0.
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{items}/BINN2222"),
        Some(&json!({"deleted": 0})),
        &[("If-Unmodified-Since-Version", "1")],
    );
    assert_eq!(r.status(), 204);
    assert_eq!(
        keys_of(&c.get_json(&format!("{items}/trash")).1),
        Vec::<String>::new()
    );
    let (_, restored) = c.get_json(&format!("{items}/BINN2222"));
    assert!(restored["data"].get("deleted").is_none());
}

/// The capabilities document and the large-pages extension it advertises.
pub fn large_pages(d: &dyn Deployment) {
    let c = Client::new_user(d, "lp@example.org");
    let (_, caps) = Client::with_key(d, 0, None).get_json("/shelfmark/capabilities");
    assert_eq!(caps["apiVersion"], 3);
    assert_eq!(caps["extensions"]["largePages"]["maxLimit"], 1000);
    let items = format!("{}/items", c.lib());
    for chunk in 0..3 {
        let batch: Vec<Value> = (0..50)
            .map(|i| json!({"itemType": "book", "title": format!("B{chunk}-{i}")}))
            .collect();
        c.write(&items, &Value::Array(batch));
    }
    let (_, plain) = c.get_json(&format!("{items}?limit=1000"));
    assert_eq!(
        plain.as_array().map(Vec::len),
        Some(100),
        "plain clients: at most 100"
    );
    let large = c
        .req(reqwest::Method::GET, &format!("{items}?limit=1000"))
        .header("Shelfmark-Large-Pages", "1")
        .send()
        .expect("GET");
    assert_eq!(header(large.headers(), "total-results"), Some("150"));
    let list: Value = large.json().expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(150));
}

/// A listing writes each envelope around the item's stored JSON; a single
/// object's envelope is built from the parsed item. Both must agree, field
/// for field, whatever the item holds.
pub fn listing_envelopes_match_single_objects(d: &dyn Deployment) {
    let c = Client::new_user(d, "envelopes@example.org");
    let items = format!("{}/items", c.lib());
    let (_, report) = c.write(
        &items,
        &json!([
            {"key": "BKBK2222", "itemType": "book", "title": "Ünïcode \"quoted\" \\ title\n",
             "date": "March 3, 1999",
             "creators": [
                {"creatorType": "editor", "firstName": "Ed", "lastName": "Itor"},
                {"creatorType": "author", "firstName": "Ada", "lastName": "Lövelace"},
                {"creatorType": "author", "name": "Babbage \"&\" Co"}
             ],
             "tags": [{"tag": "a"}], "extra": "line one\nline two"},
            {"key": "CASE2222", "itemType": "case", "caseName": "Doe v. Roe",
             "dateDecided": "1973-01-22",
             "creators": [{"creatorType": "counsel", "name": "Counsel"}]},
            {"key": "JRNL2222", "itemType": "journalArticle", "title": "Plain",
             "creators": [
                {"creatorType": "author", "lastName": "One"},
                {"creatorType": "author", "lastName": "Two"},
                {"creatorType": "author", "lastName": "Three"}
             ]},
            {"key": "NTNT2222", "itemType": "note", "parentItem": "BKBK2222",
             "note": "<p>a note</p>"},
            {"key": "ATTA2222", "itemType": "attachment", "parentItem": "BKBK2222",
             "linkMode": "linked_url", "url": "https://example.org", "title": "Link"},
            {"key": "TRSH2222", "itemType": "book", "title": "Trashed", "deleted": true}
        ]),
    );
    assert_eq!(report["failed"], json!({}), "{report}");
    let (_, listed) = c.get_json(&format!("{items}?includeTrashed=1&limit=100"));
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 6);
    for envelope in listed {
        let key = envelope["key"].as_str().expect("key");
        let (_, single) = c.get_json(&format!("{items}/{key}"));
        assert_eq!(envelope, &single, "envelope of {key}");
    }
    let by_key = |key: &str| {
        listed
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("{key} listed"))
    };
    let book = by_key("BKBK2222");
    assert_eq!(
        book["meta"]["creatorSummary"],
        "Lövelace and Babbage \"&\" Co"
    );
    assert_eq!(book["meta"]["parsedDate"], "1999-03-03");
    assert_eq!(book["meta"]["numChildren"], 2);
    assert_eq!(book["data"]["title"], "Ünïcode \"quoted\" \\ title\n");
    assert_eq!(by_key("CASE2222")["meta"]["parsedDate"], "1973-01-22");
    assert_eq!(by_key("JRNL2222")["meta"]["creatorSummary"], "One et al.");
    let note = by_key("NTNT2222");
    assert!(note["meta"].get("numChildren").is_none(), "{note}");
    assert!(
        note["links"]["up"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("/items/BKBK2222")),
        "{note}"
    );
    assert_eq!(by_key("TRSH2222")["data"]["deleted"], 1);
}
