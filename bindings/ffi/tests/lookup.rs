//! Adding references by identifier through the facade, against stand-in
//! services on this machine.

use std::sync::Arc;

use shelfmark_ffi::{
    LibraryHandle, LibraryOptions, LookupAddStatus, LookupDuplicateAction, LookupService,
    LookupServiceUrl, LookupSettings, LookupStatus, Lookups, create_library, recognise_identifiers,
};
use shelfmark_test_support::lookup_services::{self, Services};

fn wait<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("executor")
        .block_on(future)
}

fn setup(dir: &tempfile::TempDir, services: &Services) -> (Arc<LibraryHandle>, Arc<Lookups>) {
    let path = dir.path().join("lib.shelfmark").display().to_string();
    let library = wait(create_library(path, LibraryOptions::default())).expect("create");
    let service_urls = [
        (LookupService::DoiResolver, "doi"),
        (LookupService::Crossref, "crossref"),
        (LookupService::DataCite, "datacite"),
        (LookupService::OpenLibrary, "openlibrary"),
        (LookupService::GoogleBooks, "googlebooks"),
        (LookupService::Ncbi, "ncbi"),
        (LookupService::Arxiv, "arxiv"),
    ]
    .into_iter()
    .map(|(service, path)| LookupServiceUrl {
        service,
        base_url: format!("{}/{path}", services.url),
    })
    .collect();
    let lookups = library
        .lookups(LookupSettings {
            contact: Some("app@example.org".into()),
            service_urls,
        })
        .expect("lookups");
    (library, lookups)
}

#[test]
fn lookup_previews_then_add_from_lookup_adds_what_was_found() {
    let services = Services::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let (_library, lookups) = setup(&dir, &services);

    let results =
        wait(lookups.lookup("10.1038/nature12373\n978-0-262-03384-9\n9780262033848".into()))
            .expect("lookup");
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].status, LookupStatus::Found);
    assert_eq!(results[0].identifier_kind.as_deref(), Some("DOI"));
    assert_eq!(results[0].source, Some(LookupService::DoiResolver));
    let preview = results[0].preview.as_ref().expect("preview");
    assert_eq!(
        preview.title,
        "Nanometre-scale thermometry in a living cell"
    );
    assert_eq!(preview.item_type, "journalArticle");
    assert_eq!(results[1].status, LookupStatus::Malformed);
    assert!(
        results[1]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("check digit"))
    );
    assert_eq!(results[2].status, LookupStatus::Found);
    assert!(
        services
            .seen()
            .iter()
            .all(|s| s.user_agent.contains("mailto:app@example.org"))
    );

    let added =
        wait(lookups.add_from_lookup(results.clone(), None, LookupDuplicateAction::UseExisting))
            .expect("add");
    let statuses: Vec<LookupAddStatus> = added.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [
            LookupAddStatus::Created,
            LookupAddStatus::Skipped,
            LookupAddStatus::Created
        ]
    );
    let first_key = added[0].key.clone().expect("key");

    // Looked up again: already in the library; adding gives the same item.
    let again = wait(lookups.lookup("doi:10.1038/nature12373".into())).expect("lookup");
    assert_eq!(again[0].status, LookupStatus::AlreadyInLibrary);
    assert_eq!(again[0].existing_key.as_deref(), Some(first_key.as_str()));
    let added = wait(lookups.add_from_lookup(again, None, LookupDuplicateAction::UseExisting))
        .expect("add");
    assert_eq!(added[0].status, LookupAddStatus::Existing);
    assert_eq!(added[0].key.as_deref(), Some(first_key.as_str()));
}

#[test]
fn a_service_that_limits_the_rate_says_how_long_to_wait() {
    let services = Services::start();
    services.fail(
        "/arxiv/",
        lookup_services::Fault::RateLimited {
            retry_after: 600,
            times: 10,
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (_library, lookups) = setup(&dir, &services);
    let results = wait(lookups.lookup("arXiv:1706.03762".into())).expect("lookup");
    assert_eq!(results[0].status, LookupStatus::RateLimited);
    assert_eq!(results[0].retry_after_seconds, Some(600));
}

#[test]
fn identifiers_are_recognised_as_lookup_reads_them_without_asking_a_service() {
    // A book's barcode: EAN-13 with the Bookland prefix is an ISBN.
    let scanned = recognise_identifiers("9780262033848".into());
    assert_eq!(scanned.len(), 1);
    assert_eq!(scanned[0].identifier_kind.as_deref(), Some("ISBN"));
    assert_eq!(scanned[0].identifier.as_deref(), Some("9780262033848"));
    assert_eq!(scanned[0].problem, None);

    // A grocery barcode is no identifier at all.
    assert!(recognise_identifiers("4006381333931".into()).is_empty());

    // A wrong check digit is named; a DOI keeps its canonical form.
    let typed =
        recognise_identifiers("ISBN 978-0-262-03384-9\nhttps://doi.org/10.1038/nature12373".into());
    assert_eq!(typed.len(), 2);
    assert_eq!(typed[0].identifier_kind, None);
    assert!(
        typed[0]
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("check digit"))
    );
    assert_eq!(typed[1].identifier_kind.as_deref(), Some("DOI"));
    assert_eq!(typed[1].identifier.as_deref(), Some("10.1038/nature12373"));
}

#[test]
fn each_labelled_identifier_is_read_back_as_itself_alone() {
    let text = "doi:10.1038/nature12373\nISBN 0-306-40615-2\nPMID: 31452104\nPMC 3531190\narXiv 1706.03762v5\nhttps://arxiv.org/abs/hep-th/9711200";
    let found = recognise_identifiers(text.into());
    assert_eq!(found.len(), 6);
    for identifier in found {
        let labelled = identifier.labelled.clone().expect("labelled");
        let again = recognise_identifiers(labelled.clone());
        assert_eq!(again.len(), 1, "{labelled}");
        assert_eq!(
            again[0].identifier_kind, identifier.identifier_kind,
            "{labelled}"
        );
        assert_eq!(again[0].identifier, identifier.identifier, "{labelled}");
    }
}
