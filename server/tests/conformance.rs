//! The Web API conformance suite over HTTP, against a real server process.
//! Each suite function takes any [`support::Deployment`], so the same checks
//! can run against every metadata backend.

mod suite;
mod support;

use support::{Deployment, Server};

macro_rules! conformance {
    ($($name:ident => $f:path $(, [$($opt:expr),*])?;)*) => {
        $(
            #[test]
            fn $name() {
                let server = Server::start_with(&[$($($opt),*)?]);
                $f(&server);
            }
        )*
    };
}

conformance! {
    service_headers_health_and_gzip => suite::basics::headers_health_and_gzip;
    schema_endpoints => suite::basics::schema_endpoints;
    openapi_document => suite::basics::openapi_document;
    body_limit => suite::basics::body_limit, ["--max-body-bytes", "2000"];
    expect_100_continue => suite::basics::expect_continue;
    auth_errors => suite::auth::errors;
    accounts_sign_in_with_password => suite::accounts::sign_in_with_password;
    accounts_wrong_passwords_are_limited => suite::accounts::wrong_passwords_are_limited, ["--auth-failures", "3"];
    accounts_commands => suite::accounts::account_commands;
    auth_key_info => suite::auth::key_info;
    auth_read_only_and_no_notes_keys => suite::auth::scoped_keys;
    auth_rate_limit => suite::auth::rate_limit, ["--auth-failures", "3"];
    key_rate_limit => suite::auth::key_rate_limit, ["--key-rate", "0.01", "--key-burst", "3"];
    backoff_under_load => suite::auth::backoff_header, ["--backoff-above", "0", "--backoff-secs", "7"];
    no_backoff_when_idle => suite::basics::no_backoff_when_idle;
    versions_and_since => suite::versions::since_and_formats;
    versions_304_412_428 => suite::versions::preconditions;
    write_reports => suite::writes::reports;
    bad_input_is_refused_cleanly => suite::bad_input::refused_cleanly;
    numbers_are_range_checked => suite::hardening::numbers_are_range_checked;
    validation_comes_before_304 => suite::hardening::validation_comes_before_304;
    control_characters_are_refused => suite::hardening::control_characters_are_refused;
    single_object_writes => suite::writes::single_object;
    write_tokens => suite::writes::write_token;
    concurrent_writes => suite::writes::concurrent_writes;
    paging_and_links => suite::listing::paging;
    capabilities_and_large_pages => suite::listing::large_pages;
    filters_and_sorting => suite::listing::filters;
    trash => suite::listing::trash;
    listing_envelopes_match_single_objects => suite::listing::listing_envelopes_match_single_objects;
    collections => suite::objects::collections;
    searches_and_settings => suite::objects::searches_and_settings;
    deletions_feed => suite::objects::deleted_feed;
    tags_routes_and_filters => suite::tags::routes_and_filters;
    groups_and_roles => suite::groups::roles;
    group_versions_header => suite::groups::group_versions_header;
    group_member_limit => suite::groups::member_limit, ["--max-group-members", "2"];
    access_matrix_user_library => suite::matrix::user_library, ["--auth-failures", "100000"];
    access_matrix_group_library => suite::matrix::group_library;
    fulltext => suite::fulltext::fulltext;
    export_formats => suite::export::export_formats;
    formatted_bibliography => suite::export::bibliography;
    include_in_envelopes => suite::export::includes;
    atom_feeds_and_entries => suite::atom::feeds_and_entries;
    atom_escaping_and_refusals => suite::atom::escaping_and_refusals;
    files_upload_download_dedupe_reclaim => suite::files::upload_flow;
    files_multipart_params => suite::files::multipart_params_flow;
    files_quota_and_scopes => suite::files::quota_and_scopes;
    files_zipped_upload => suite::files::zipped_upload;
}

#[test]
fn graceful_shutdown_on_sigterm() {
    let server = Server::start();
    let status = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(server.pid().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
    assert!(
        server.wait().success(),
        "the server exits cleanly on SIGTERM"
    );
}

#[test]
fn first_start_creates_the_administrator() {
    let server = Server::start();
    let users = server.admin(&["user", "list"]);
    assert!(users.contains("admin@localhost"), "{users}");
    assert!(users.contains("\tadmin\t"), "{users}");
    let quota = server.admin(&["quota", "set", "--user", "1", "500"]);
    assert!(quota.contains("500 MB"));
    assert!(server.admin(&["user", "list"]).contains("quota 500 MB"));
}

#[test]
fn each_command_help_lists_only_the_options_it_uses() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_shelfmark-server"))
            .args(args)
            .output()
            .expect("the binary runs")
    };
    let help = |args: &[&str]| {
        let mut args = args.to_vec();
        args.push("--help");
        let out = run(&args);
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).expect("utf-8 help")
    };
    let serving = [
        "--listen",
        "--public-url",
        "--files-url",
        "--max-body-bytes",
        "--max-file-bytes",
        "--auth-failures",
        "--key-rate",
        "--backoff-above",
        "--signup",
        "--session-hours",
    ];
    let data = ["--config", "--data-dir", "--database-url"];
    for command in [&["serve"][..], &[]] {
        let text = help(command);
        for option in serving.iter().chain(&data) {
            assert!(text.contains(option), "{command:?} lists {option}");
        }
    }
    for command in [
        &["key", "create"][..],
        &["key", "list"],
        &["key", "revoke"],
        &["user", "add"],
        &["user", "list"],
        &["user", "password"],
        &["quota", "set"],
    ] {
        let text = help(command);
        for option in data {
            assert!(text.contains(option), "{command:?} lists {option}");
        }
        for option in serving {
            assert!(
                !text.contains(option),
                "{command:?} lists {option}:\n{text}"
            );
        }
    }
    assert!(help(&["key", "create"]).contains("--read-only"));
    // The invitation link needs the service's address, and only that.
    let invite = help(&["user", "invite"]);
    assert!(invite.contains("--public-url") && !invite.contains("--listen"));
    // A serving option after a command is refused, not silently ignored.
    let out = run(&["key", "list", "--user", "1", "--listen", "127.0.0.1:1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
}

#[test]
fn account_commands_do_not_start_an_empty_database() {
    let empty = tempfile::tempdir().expect("data directory");
    for args in [
        &["key", "list", "--user", "admin@localhost"][..],
        &["user", "list"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_shelfmark-server"))
            .arg("--data-dir")
            .arg(empty.path())
            .args(args)
            .output()
            .expect("the binary runs");
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--database-url"), "{stderr}");
    }
    assert!(
        !empty.path().join("shelfmark.db").exists(),
        "no empty database is left behind"
    );
}

#[test]
fn request_ids_differ_between_processes() {
    let servers = [Server::start(), Server::start()];
    let http = reqwest::blocking::Client::new();
    let mut ids = std::collections::HashSet::new();
    for server in &servers {
        for _ in 0..3 {
            let r = http
                .get(format!("{}/health", server.base_url()))
                .send()
                .expect("GET /health");
            let id = r
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .expect("x-request-id")
                .to_owned();
            assert!(ids.insert(id.clone()), "{id} handed out twice");
        }
    }
}
