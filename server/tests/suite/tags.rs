//! Tags as Zotero's web library asks for them: one tag by name (the URL
//! `/tags` links to), the tags of a collection's top items, and the item
//! filters `itemQ`, `itemQMode`, `itemTag`, `itemKey` beside the tag
//! filters `q`, `qmode`, `sort`.

use serde_json::json;

use crate::support::{Client, Deployment};

fn names(c: &Client, path: &str) -> Vec<String> {
    let (_, list) = c.get_json(path);
    list.as_array()
        .unwrap_or_else(|| panic!("{path}: {list}"))
        .iter()
        .map(|t| t["tag"].as_str().expect("tag").to_owned())
        .collect()
}

pub fn routes_and_filters(d: &dyn Deployment) {
    let c = Client::new_user(d, "tags@example.org");
    let lib = c.lib();
    let (_, rep) = c.write(&format!("{lib}/collections"), &json!([{"name": "Baking"}]));
    let collection = rep["success"]["0"].as_str().expect("collection").to_owned();
    let (_, rep) = c.write(
        &format!("{lib}/items"),
        &json!([
            {"itemType": "book", "title": "Apple pie", "abstractNote": "crumbly",
             "collections": [collection], "tags": [{"tag": "alpha"}, {"tag": "shared", "type": 1}, {"tag": "a/b c"}]},
            {"itemType": "book", "title": "Banana bread",
             "tags": [{"tag": "beta"}, {"tag": "shared"}]}
        ]),
    );
    let apple = rep["success"]["0"].as_str().expect("apple").to_owned();
    let banana = rep["success"]["1"].as_str().expect("banana").to_owned();
    c.write(
        &format!("{lib}/items"),
        &json!([{"itemType": "note", "parentItem": apple, "note": "<p>n</p>",
                 "tags": [{"tag": "notetag"}]}]),
    );

    // One tag by name, at exactly the URL the listing links to.
    let (_, all) = c.get_json(&format!("{lib}/tags"));
    for tag in all.as_array().expect("tags") {
        let href = tag["links"]["self"]["href"].as_str().expect("href");
        let (_, one) = c.get_json(href);
        let one = one.as_array().expect("list");
        assert!(!one.is_empty(), "{href}");
        assert!(
            one.iter().all(|t| t["tag"] == tag["tag"]),
            "{href}: {one:?}"
        );
    }
    let (_, shared) = c.get_json(&format!("{lib}/tags/shared"));
    assert_eq!(shared[0]["meta"]["numItems"], 2, "{shared}");
    assert_eq!(c.get(&format!("{lib}/tags/a%2Fb%20c")).status(), 200);
    assert_eq!(c.get(&format!("{lib}/tags/a%2Fb+c")).status(), 200);
    assert_eq!(c.get(&format!("{lib}/tags/missing")).status(), 404);

    // A collection's items and top items.
    let in_collection = ["a/b c", "alpha", "shared"];
    assert_eq!(
        names(
            &c,
            &format!("{lib}/collections/{collection}/items/top/tags")
        ),
        in_collection
    );
    assert_eq!(
        names(&c, &format!("{lib}/collections/{collection}/items/tags")),
        in_collection
    );
    assert_eq!(
        c.get(&format!("{lib}/collections/ABCD2345/items/top/tags"))
            .status(),
        404
    );

    // Item filters select the items whose tags are listed.
    let items_tags = format!("{lib}/items/top/tags");
    assert_eq!(
        names(&c, &format!("{items_tags}?itemQ=apple")),
        ["a/b c", "alpha", "shared"]
    );
    assert_eq!(
        names(&c, &format!("{items_tags}?itemQ=crumbly")),
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            &c,
            &format!("{items_tags}?itemQ=crumbly&itemQMode=everything")
        ),
        ["a/b c", "alpha", "shared"]
    );
    assert_eq!(
        names(&c, &format!("{items_tags}?itemTag=beta")),
        ["beta", "shared"]
    );
    assert_eq!(
        names(&c, &format!("{lib}/items/tags?itemKey={banana}")),
        ["beta", "shared"]
    );
    assert!(names(&c, &format!("{lib}/items/tags")).contains(&"notetag".to_owned()));
    assert!(!names(&c, &items_tags).contains(&"notetag".to_owned()));

    // Tag filters narrow the tags themselves.
    assert_eq!(
        names(&c, &format!("{items_tags}?q=ha")),
        ["alpha", "shared"]
    );
    assert_eq!(
        names(&c, &format!("{items_tags}?q=al&qmode=startsWith")),
        ["alpha"]
    );
    let by_count = names(&c, &format!("{lib}/tags?sort=numItems"));
    assert_eq!(
        by_count.first().map(String::as_str),
        Some("shared"),
        "{by_count:?}"
    );
    for bad in ["qmode=sideways", "sort=dateAdded", "itemQMode=bogus"] {
        let r = c.get(&format!("{items_tags}?{bad}"));
        assert_eq!(r.status(), 400, "{bad}");
    }
}
