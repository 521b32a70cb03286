//! Attachment files: authorization, upload, registration, dedupe, download
//! with ranges, quota, preconditions, and reclaiming unreferenced bytes.

use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::support::{Client, Deployment, Server, header, version_of};

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a parent and an imported-file attachment; returns the attachment key.
pub fn attachment(c: &Client, key: &str) -> String {
    let (_, rep) = c.write(
        &format!("{}/items", c.lib()),
        &json!([
            {"itemType": "book", "title": "Parent"},
            {"key": key, "itemType": "attachment", "linkMode": "imported_file",
             "title": "paper.pdf", "contentType": "application/pdf", "md5": null, "mtime": null}
        ]),
    );
    let parent = rep["success"]["0"].as_str().expect("parent key").to_owned();
    let r = c.send(
        reqwest::Method::PATCH,
        &format!("{}/items/{key}", c.lib()),
        Some(&json!({"parentItem": parent})),
        &[(
            "If-Unmodified-Since-Version",
            &version_of(c.get(&format!("{}/items", c.lib())).headers()).to_string(),
        )],
    );
    assert_eq!(r.status(), 204);
    key.to_owned()
}

pub fn authorize(
    c: &Client,
    key: &str,
    bytes: &[u8],
    name: &str,
    extra: &[(&str, &str)],
    cond: (&str, &str),
) -> reqwest::blocking::Response {
    let md5 = md5_hex(bytes);
    let size = bytes.len().to_string();
    let mut form: Vec<(&str, &str)> = vec![
        ("md5", &md5),
        ("filename", name),
        ("filesize", &size),
        ("mtime", "1700000000000"),
    ];
    form.extend_from_slice(extra);
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    c.req(
        reqwest::Method::POST,
        &format!("{}/items/{key}/file", c.lib()),
    )
    .header("Content-Type", "application/x-www-form-urlencoded")
    .header(cond.0, cond.1)
    .body(body)
    .send()
    .expect("authorize")
}

fn register(
    c: &Client,
    key: &str,
    upload_key: &str,
    cond: (&str, &str),
) -> reqwest::blocking::Response {
    c.req(
        reqwest::Method::POST,
        &format!("{}/items/{key}/file", c.lib()),
    )
    .header("Content-Type", "application/x-www-form-urlencoded")
    .header(cond.0, cond.1)
    .body(format!("upload={upload_key}"))
    .send()
    .expect("register")
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn upload_flow(d: &Server) {
    let c = Client::new_user(d, "files@example.org");
    let key = attachment(&c, "ATTA2222");
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();

    let r = c
        .req(
            reqwest::Method::POST,
            &format!("{}/items/{key}/file", c.lib()),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("md5=x")
        .send()
        .expect("POST");
    assert_eq!(r.status(), 428, "If-Match or If-None-Match is required");

    let r = authorize(&c, &key, &bytes, "paper.pdf", &[], ("If-None-Match", "*"));
    assert_eq!(r.status(), 200);
    let auth: Value = r.json().expect("json");
    let url = auth["url"].as_str().expect("url").to_owned();
    let upload_key = auth["uploadKey"].as_str().expect("uploadKey").to_owned();
    assert_eq!(auth["prefix"], "");
    assert_eq!(auth["suffix"], "");

    // Registering before the bytes arrived fails; wrong bytes are refused.
    assert_eq!(
        register(&c, &key, &upload_key, ("If-None-Match", "*")).status(),
        400
    );
    let mut wrong = bytes.clone();
    wrong[10] ^= 1;
    let r = http().post(&url).body(wrong).send().expect("upload");
    assert_eq!(r.status(), 400, "MD5 mismatch");
    let r = http()
        .post(&url)
        .header("Content-Type", auth["contentType"].as_str().expect("ct"))
        .body(bytes.clone())
        .send()
        .expect("upload");
    assert_eq!(r.status(), 201);
    let r = register(&c, &key, &upload_key, ("If-None-Match", "*"));
    assert_eq!(r.status(), 204);
    let v = version_of(r.headers());

    let (h, item) = c.get_json(&format!("{}/items/{key}", c.lib()));
    assert_eq!(version_of(&h), v);
    assert_eq!(item["data"]["md5"], md5_hex(&bytes));
    assert_eq!(item["data"]["filename"], "paper.pdf");
    assert_eq!(item["data"]["mtime"], 1_700_000_000_000i64);

    // Download: 302 with the file's details, then the bytes, with ranges.
    let r = c.get(&format!("{}/items/{key}/file", c.lib()));
    assert_eq!(r.status(), 302);
    assert_eq!(
        header(r.headers(), "zotero-file-md5"),
        Some(md5_hex(&bytes).as_str())
    );
    assert_eq!(header(r.headers(), "zotero-file-size"), Some("50000"));
    assert_eq!(
        header(r.headers(), "zotero-file-modification-time"),
        Some("1700000000000")
    );
    assert_eq!(header(r.headers(), "zotero-file-compressed"), Some("No"));
    let location = header(r.headers(), "location")
        .expect("location")
        .to_owned();
    let body = http().get(&location).send().expect("download");
    assert_eq!(body.status(), 200);
    if d.local_files() {
        assert_eq!(
            header(body.headers(), "content-type"),
            Some("application/pdf")
        );
    }
    assert_eq!(body.bytes().expect("bytes").as_ref(), bytes.as_slice());
    let part = http()
        .get(&location)
        .header("Range", "bytes=100-199")
        .header("Accept-Encoding", "gzip")
        .send()
        .expect("range");
    assert_eq!(part.status(), 206);
    assert_eq!(
        header(part.headers(), "content-range"),
        Some("bytes 100-199/50000")
    );
    assert_eq!(part.bytes().expect("bytes").as_ref(), &bytes[100..200]);

    // Preconditions once a file exists.
    let again = authorize(&c, &key, b"other", "o.pdf", &[], ("If-None-Match", "*"));
    assert_eq!(again.status(), 412);
    assert!(again.headers().get("last-modified-version").is_some());
    let stale = authorize(
        &c,
        &key,
        b"other",
        "o.pdf",
        &[],
        ("If-Match", "0123456789abcdef0123456789abcdef"),
    );
    assert_eq!(stale.status(), 412);

    // The same bytes for another attachment: no upload needed.
    let second = attachment(&c, "ATTB2222");
    let none = authorize(
        &c,
        &second,
        b"x",
        "x.pdf",
        &[],
        ("If-Match", &md5_hex(b"x")),
    );
    assert_eq!(none.status(), 412, "If-Match without a file");
    assert!(none.headers().get("last-modified-version").is_none());
    let r = authorize(&c, &second, &bytes, "copy.pdf", &[], ("If-None-Match", "*"));
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("last-modified-version").is_some());
    assert_eq!(r.json::<Value>().expect("json"), json!({"exists": 1}));
    let (_, copy) = c.get_json(&format!("{}/items/{second}", c.lib()));
    assert_eq!(copy["data"]["md5"], md5_hex(&bytes));
    assert_eq!(copy["data"]["filename"], "copy.pdf");

    // Bad input.
    let r = authorize(
        &c,
        &second,
        b"y",
        "../etc/passwd",
        &[],
        ("If-Match", &md5_hex(&bytes)),
    );
    assert_eq!(r.status(), 400);
    let (_, rep) = c.write(
        &format!("{}/items", c.lib()),
        &json!([{"key": "LINK2222", "itemType": "attachment", "linkMode": "linked_url", "url": "http://example.org"}]),
    );
    assert_eq!(rep["success"]["0"], "LINK2222");
    let r = authorize(&c, "LINK2222", b"y", "y.pdf", &[], ("If-None-Match", "*"));
    assert_eq!(r.status(), 400);
    assert_eq!(
        c.get(&format!("{}/items/LINK2222/file", c.lib())).status(),
        404
    );

    // Deleting every item that uses the bytes reclaims them.
    let blob = d
        .data_dir()
        .join("files")
        .join(&md5_hex(&bytes)[..2])
        .join(md5_hex(&bytes));
    assert_eq!(blob.exists(), d.local_files());
    let r = c.send(
        reqwest::Method::DELETE,
        &format!("{}/items?itemKey={key},{second}", c.lib()),
        None,
        &[],
    );
    assert_eq!(r.status(), 204);
    let mut gone = false;
    for _ in 0..50 {
        // Gone from storage: no longer on disk, or (object storage) the old
        // download URL no longer answers.
        let stored = if d.local_files() {
            blob.exists()
        } else {
            http().get(&location).send().expect("get").status() == 200
        };
        if !stored {
            gone = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(gone, "unreferenced bytes are reclaimed");
}

pub fn multipart_params_flow(d: &Server) {
    let c = Client::new_user(d, "pyz@example.org");
    let key = attachment(&c, "PYZA2222");
    let bytes = b"%PDF-1.4 tiny".to_vec();
    let r = authorize(
        &c,
        &key,
        &bytes,
        "tiny.pdf",
        &[("params", "1")],
        ("If-None-Match", "*"),
    );
    assert_eq!(r.status(), 200);
    let auth: Value = r.json().expect("json");
    assert!(auth["params"].is_object());
    let mut form = reqwest::blocking::multipart::Form::new();
    for (k, v) in auth["params"].as_object().expect("params") {
        form = form.text(k.clone(), v.as_str().expect("string").to_owned());
    }
    form = form.part(
        "file",
        reqwest::blocking::multipart::Part::bytes(bytes.clone()).file_name("tiny.pdf"),
    );
    let r = http()
        .post(auth["url"].as_str().expect("url"))
        .multipart(form)
        .send()
        .expect("upload");
    assert_eq!(r.status(), 201);
    let r = register(
        &c,
        &key,
        auth["uploadKey"].as_str().expect("key"),
        ("If-None-Match", "*"),
    );
    assert_eq!(r.status(), 204);
    let location = c.get(&format!("{}/items/{key}/file", c.lib()));
    let url = header(location.headers(), "location")
        .expect("location")
        .to_owned();
    assert_eq!(
        http()
            .get(&url)
            .send()
            .expect("get")
            .bytes()
            .expect("bytes")
            .as_ref(),
        bytes.as_slice()
    );
}

pub fn quota_and_scopes(d: &Server) {
    let c = Client::new_user(d, "quota@example.org");
    d.admin(&["quota", "set", "--user", &c.user_id.to_string(), "1"]);
    let key = attachment(&c, "QUTA2222");
    let big = vec![7u8; 1_500_000];
    let r = authorize(&c, &key, &big, "big.bin", &[], ("If-None-Match", "*"));
    assert_eq!(r.status(), 413);
    assert_eq!(header(r.headers(), "zotero-storage-quota"), Some("1"));
    assert_eq!(header(r.headers(), "zotero-storage-usage"), Some("0.0"));
    assert_eq!(
        header(r.headers(), "zotero-storage-userid"),
        Some(c.user_id.to_string().as_str())
    );
    assert!(
        r.text()
            .expect("text")
            .contains("File would exceed quota (1.5 > 1)")
    );
    let (_, item) = c.get_json(&format!("{}/items/{key}", c.lib()));
    assert_eq!(item["data"]["md5"], Value::Null, "nothing changed");

    let small = vec![1u8; 1000];
    assert_eq!(
        authorize(&c, &key, &small, "s.bin", &[], ("If-None-Match", "*")).status(),
        200
    );

    let no_files = Client::with_key(d, c.user_id, Some(d.create_key(c.user_id, &["--no-files"])));
    assert_eq!(
        authorize(
            &no_files,
            &key,
            &small,
            "s.bin",
            &[],
            ("If-None-Match", "*")
        )
        .status(),
        403
    );
    assert_eq!(
        no_files
            .get(&format!("{}/items/{key}/file", c.lib()))
            .status(),
        403
    );
    let other = Client::new_user(d, "nosy@example.org");
    let r = other.get(&format!("{}/items/{key}/file", c.lib()));
    assert_eq!(r.status(), 403);
}

/// Zipped uploads (as Zotero sends text and snapshots): the archive is
/// stored and served with `Zotero-File-Compressed: Yes`; the item keeps the
/// file's own MD5.
pub fn zipped_upload(d: &Server) {
    let c = Client::new_user(d, "zip@example.org");
    let key = attachment(&c, "ZIPA2222");
    let file = b"<html>snapshot</html>".to_vec();
    let archive = b"PK\x03\x04 pretend archive of the snapshot".to_vec();
    let zip_md5 = md5_hex(&archive);
    let md5 = md5_hex(&file);
    let size = archive.len().to_string();
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("md5", md5.as_str()),
            ("filename", "snapshot.html"),
            ("filesize", size.as_str()),
            ("mtime", "1700000000000"),
            ("zipMD5", zip_md5.as_str()),
            ("zipFilename", "ZIPA2222.zip"),
        ])
        .finish();
    let r = c
        .req(
            reqwest::Method::POST,
            &format!("{}/items/{key}/file", c.lib()),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("If-None-Match", "*")
        .body(body)
        .send()
        .expect("authorize");
    assert_eq!(r.status(), 200);
    let auth: Value = r.json().expect("json");
    let r = http()
        .post(auth["url"].as_str().expect("url"))
        .body(archive.clone())
        .send()
        .expect("upload");
    assert_eq!(r.status(), 201);
    let r = register(
        &c,
        &key,
        auth["uploadKey"].as_str().expect("key"),
        ("If-None-Match", "*"),
    );
    assert_eq!(r.status(), 204);
    let (_, item) = c.get_json(&format!("{}/items/{key}", c.lib()));
    assert_eq!(item["data"]["md5"], md5);
    assert_eq!(item["data"]["filename"], "snapshot.html");
    let r = c.get(&format!("{}/items/{key}/file", c.lib()));
    assert_eq!(r.status(), 302);
    assert_eq!(header(r.headers(), "zotero-file-compressed"), Some("Yes"));
    assert_eq!(header(r.headers(), "zotero-file-md5"), Some(md5.as_str()));
    let location = header(r.headers(), "location")
        .expect("location")
        .to_owned();
    let got = http().get(&location).send().expect("download");
    if d.local_files() {
        assert_eq!(
            header(got.headers(), "content-type"),
            Some("application/zip")
        );
    }
    assert_eq!(got.bytes().expect("bytes").as_ref(), archive.as_slice());
}
