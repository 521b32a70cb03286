//! Adding references by identifier, against a stand-in for every service on
//! this machine (no test reaches the internet).

use std::path::Path;
use std::time::{Duration, Instant};

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use shelfmark_core::lookup::{
    AddedFromLookup, FoundItem, Identifier, LookupAddOptions, LookupClient, LookupConfig,
    LookupError, LookupResult, RateLimit, Service, recognise,
};
use shelfmark_core::{DuplicateReason, OnDuplicate};

use crate::support::new_library;
use shelfmark_test_support::lookup_services::{Fault, Services, generated_doi};

fn config(services: &Services) -> LookupConfig {
    let mut config = LookupConfig::all_at(&services.url);
    config.contact = Some("lookups@example.org".into());
    config.timeout = Duration::from_secs(5);
    config.backoff = Duration::from_millis(20);
    config.max_retry_after = Duration::from_secs(5);
    // arXiv's real pace (one request in three seconds) would only slow tests.
    config.set_limit(
        Service::Arxiv,
        RateLimit::new(10, Duration::from_secs(1), 2),
    );
    config
}

fn client(services: &Services) -> LookupClient {
    LookupClient::new(config(services)).expect("client")
}

fn found(result: &LookupResult) -> &FoundItem {
    match &result.outcome {
        Ok(found) => found,
        Err(e) => panic!("{} was not found: {e}", result.text),
    }
}

fn failure(result: &LookupResult) -> &LookupError {
    match &result.outcome {
        Ok(found) => panic!("{} was found: {:?}", result.text, found.item.title()),
        Err(e) => e,
    }
}

fn ids(text: &str) -> Vec<Result<Identifier, String>> {
    recognise(text).into_iter().map(|r| r.identifier).collect()
}

#[test]
fn every_identifier_form_is_recognised() {
    let doi = || Ok(Identifier::Doi("10.1038/nature12373".into()));
    assert_eq!(ids("10.1038/nature12373"), vec![doi()]);
    assert_eq!(ids("doi:10.1038/nature12373"), vec![doi()]);
    assert_eq!(ids("DOI: 10.1038/nature12373"), vec![doi()]);
    assert_eq!(ids("https://doi.org/10.1038/nature12373"), vec![doi()]);
    assert_eq!(ids("http://dx.doi.org/10.1038/nature12373."), vec![doi()]);

    let isbn13 = || Ok(Identifier::Isbn("9780262033848".into()));
    assert_eq!(ids("978-0-262-03384-8"), vec![isbn13()]);
    assert_eq!(ids("ISBN 9780262033848"), vec![isbn13()]);
    assert_eq!(ids("ISBN-13: 978-0-262-03384-8"), vec![isbn13()]);
    assert_eq!(
        ids("0-306-40615-2"),
        vec![Ok(Identifier::Isbn("0306406152".into()))]
    );
    assert_eq!(
        ids("isbn:080442957X"),
        vec![Ok(Identifier::Isbn("080442957X".into()))]
    );
    // Wrong check digits are refused, with the reason.
    for bad in ["978-0-262-03384-9", "0-306-40615-3", "ISBN 0306406153"] {
        let found = ids(bad);
        assert_eq!(found.len(), 1, "{bad}");
        let reason = found[0].clone().expect_err(bad);
        assert!(reason.contains("check digit"), "{bad}: {reason}");
    }

    let pmid = || Ok(Identifier::Pmid("31452104".into()));
    assert_eq!(ids("PMID: 31452104"), vec![pmid()]);
    assert_eq!(ids("pmid:31452104"), vec![pmid()]);
    assert_eq!(ids("31452104"), vec![pmid()]);
    assert_eq!(
        ids("https://pubmed.ncbi.nlm.nih.gov/31452104/"),
        vec![pmid()]
    );
    let pmcid = || Ok(Identifier::Pmcid("PMC3531190".into()));
    assert_eq!(ids("PMC3531190"), vec![pmcid()]);
    assert_eq!(ids("PMCID: PMC3531190"), vec![pmcid()]);
    assert_eq!(
        ids("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3531190/"),
        vec![pmcid()]
    );

    let arxiv = |id: &str| Ok(Identifier::Arxiv(id.into()));
    assert_eq!(ids("arXiv:1706.03762"), vec![arxiv("1706.03762")]);
    assert_eq!(ids("1706.03762v5"), vec![arxiv("1706.03762v5")]);
    assert_eq!(
        ids("https://arxiv.org/abs/1706.03762v2"),
        vec![arxiv("1706.03762v2")]
    );
    assert_eq!(
        ids("https://arxiv.org/pdf/1706.03762.pdf"),
        vec![arxiv("1706.03762")]
    );
    assert_eq!(
        ids("arXiv:hep-th/9711200v3"),
        vec![arxiv("hep-th/9711200v3")]
    );
    assert_eq!(ids("math.GT/0309136"), vec![arxiv("math.GT/0309136")]);
    assert!(ids("arXiv:1713.03762")[0].is_err(), "month 13");

    // Several at once, mixed, each once.
    let mixed = ids("10.1038/nature12373 978-0-262-03384-8 arXiv:1706.03762\n\
         doi:10.1038/NATURE12373\nPMC3531190");
    assert_eq!(
        mixed,
        vec![doi(), isbn13(), arxiv("1706.03762"), pmcid()],
        "the second spelling of the DOI is the same DOI"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_kind_is_looked_up_at_its_service_and_read_as_the_right_item_type() {
    let services = Services::start();
    let library = new_library();
    let text = "10.1038/nature12373\n\
                10.5281/zenodo.1234\n\
                978-0-262-03384-8\n\
                ISBN 0-306-40615-2\n\
                PMID: 31452104\n\
                PMC3531190\n\
                arXiv:1706.03762v5\n\
                arXiv:hep-th/9711200";
    let results = library
        .lookup(&client(&services), text)
        .await
        .expect("lookup");
    assert_eq!(results.len(), 8);

    let nature = found(&results[0]);
    assert_eq!(nature.source, Service::DoiResolver);
    let item = &nature.item;
    assert_eq!(item.item_type, "journalArticle");
    assert_eq!(
        item.title(),
        Some("Nanometre-scale thermometry in a living cell")
    );
    assert_eq!(item.field("publicationTitle"), Some("Nature"));
    assert_eq!(item.field("volume"), Some("500"));
    assert_eq!(item.field("pages"), Some("54-58"));
    assert_eq!(item.field("date"), Some("2013-07-31"));
    assert_eq!(item.field("DOI"), Some("10.1038/nature12373"));
    assert_eq!(item.field("libraryCatalog"), Some("DOI.org"));
    assert_eq!(item.creators.len(), 3);
    assert_eq!(item.creators[0].last_or_single(), "Kucsko");
    // What Crossref adds beyond CSL (licences, reference counts) stays out.
    assert!(
        !item
            .field("extra")
            .unwrap_or_default()
            .contains("reference"),
        "{:?}",
        item.field("extra")
    );

    // A DataCite DOI: the resolver redirects to DataCite's content negotiation.
    let dataset = found(&results[1]);
    assert_eq!(dataset.item.item_type, "dataset");
    assert_eq!(dataset.item.title(), Some("Measurements of everything"));

    let book = found(&results[2]);
    assert_eq!(book.source, Service::OpenLibrary);
    assert_eq!(book.item.item_type, "book");
    assert_eq!(book.item.field("publisher"), Some("MIT Press"));
    assert_eq!(book.item.field("place"), Some("Cambridge, Mass"));
    assert_eq!(book.item.field("numPages"), Some("1292"));
    assert_eq!(book.item.field("ISBN"), Some("9780262033848"));
    assert_eq!(book.item.creators[0].last_or_single(), "Cormen");

    // Open Library does not know it; Google Books does.
    let second_source = found(&results[3]);
    assert_eq!(second_source.source, Service::GoogleBooks);
    assert_eq!(
        second_source.item.title(),
        Some("Pattern Recognition: A Statistical Approach")
    );

    let pubmed = found(&results[4]);
    assert_eq!(pubmed.source, Service::Ncbi);
    assert_eq!(pubmed.item.item_type, "journalArticle");
    assert_eq!(pubmed.item.title(), Some("Cells & signals in the gut"));
    assert_eq!(pubmed.item.field("date"), Some("2019-08-22"));
    assert_eq!(pubmed.item.field("DOI"), Some("10.1038/s41586-019-1500-1"));
    assert_eq!(
        pubmed.item.field("abstractNote"),
        Some("BACKGROUND: Why it matters.\nRESULTS: What was found.")
    );
    assert_eq!(pubmed.item.creators.len(), 2);
    assert_eq!(pubmed.item.field("PMID"), Some("31452104"));
    assert_eq!(pubmed.item.field("PMCID"), Some("PMC6800000"));

    let central = found(&results[5]);
    assert_eq!(central.item.title(), Some("A central summary"));
    assert_eq!(
        central.item.field("DOI"),
        Some("10.1016/j.cell.2012.11.014")
    );
    assert_eq!(central.item.creators[1].last_or_single(), "Jones");

    let preprint = found(&results[6]);
    assert_eq!(preprint.source, Service::Arxiv);
    assert_eq!(preprint.item.item_type, "preprint");
    assert_eq!(preprint.item.title(), Some("Attention Is All You Need"));
    assert_eq!(preprint.item.field("archiveID"), Some("arXiv:1706.03762"));
    assert_eq!(preprint.item.field("repository"), Some("arXiv"));
    assert_eq!(
        preprint.item.field("DOI"),
        Some("10.48550/arXiv.1706.03762")
    );

    // Published: the journal version, by its DOI, keeping the arXiv id.
    let published = found(&results[7]);
    assert_eq!(published.item.item_type, "journalArticle");
    assert_eq!(published.item.field("DOI"), Some("10.1023/A:1026654312961"));
    assert!(
        published
            .item
            .field("extra")
            .unwrap_or_default()
            .contains("arXiv: hep-th/9711200")
    );

    // Politely: who is asking, with a contact address, and Crossref's mailto.
    let seen = services.seen();
    assert!(
        seen.iter().all(|s| s.user_agent.starts_with("Shelfmark/")
            && s.user_agent.contains("mailto:lookups@example.org")),
        "{seen:?}"
    );
    let resolver = seen
        .iter()
        .find(|s| s.path == "/doi/10.1038/nature12373")
        .expect("asked the resolver");
    assert_eq!(resolver.accept, "application/vnd.citationstyles.csl+json");
    assert!(seen.iter().any(|s| s.path.starts_with("/ncbi/efetch.fcgi")
        && s.query.contains("email=lookups@example.org")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_bibliography_with_twenty_mixed_identifiers() {
    let services = Services::start();
    let library = new_library();
    let mut lines = vec![
        "1. Kucsko G, et al. Nanometre-scale thermometry. Nature 500, 54-58 (2013). doi:10.1038/nature12373".to_owned(),
        "2. Cormen TH. Introduction to Algorithms. MIT Press, 2009. ISBN 978-0-262-03384-8.".to_owned(),
        "3. Vaswani A. Attention is all you need. arXiv:1706.03762 (2017).".to_owned(),
        "4. Gut G. Cells and signals. Nature 572 (2019). PMID: 31452104".to_owned(),
        "5. Smith J. A central summary. Cell 151 (2012) PMCID: PMC3531190".to_owned(),
        "6. Devijver PA. Pattern Recognition. ISBN 0-306-40615-2".to_owned(),
        "7. Data D. Measurements, https://doi.org/10.5281/zenodo.1234".to_owned(),
        "8. Maldacena J. Large N. arXiv:hep-th/9711200".to_owned(),
    ];
    for n in 0..12 {
        lines.push(format!(
            "{}. Writer N. Generated work {n}. J Examples (2020), {}.",
            n + 9,
            generated_doi(n)
        ));
    }
    let text = lines.join("\n");
    let started = Instant::now();
    let results = library
        .lookup(&client(&services), &text)
        .await
        .expect("lookup");
    assert_eq!(results.len(), 20, "{results:#?}");
    for result in &results {
        found(result);
    }
    assert_eq!(
        results[19].identifier,
        Some(Identifier::Doi(generated_doi(11)))
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let added = library
        .add_from_lookup(&results, &LookupAddOptions::default())
        .expect("add");
    assert_eq!(
        added
            .iter()
            .filter(|a| matches!(a, AddedFromLookup::Created(_)))
            .count(),
        20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_doi_whose_csl_lacks_fields_is_completed_from_crossref() {
    let services = Services::start();
    let results = shelfmark_core::lookup::lookup_text(&client(&services), "10.5555/sparse").await;
    let item = &found(&results[0]).item;
    assert_eq!(item.title(), Some("A sparse record"));
    assert_eq!(
        item.field("publicationTitle"),
        Some("Journal of Complete Records")
    );
    assert_eq!(item.field("journalAbbreviation"), Some("J. Complete Rec."));
    assert_eq!(item.field("date"), Some("2021-03"));
    assert_eq!(
        item.field("abstractNote"),
        Some("What the resolver left out.")
    );
    assert_eq!(services.count("/crossref/works/10.5555/sparse"), 1);
    // A complete record is not asked about twice.
    let results =
        shelfmark_core::lookup::lookup_text(&client(&services), "10.1038/nature12373").await;
    found(&results[0]);
    assert_eq!(services.count("/crossref/"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_waited_out_as_retry_after_asks() {
    let services = Services::start();
    services.fail(
        "/doi/",
        Fault::RateLimited {
            retry_after: 1,
            times: 1,
        },
    );
    let started = Instant::now();
    let results =
        shelfmark_core::lookup::lookup_text(&client(&services), "10.1038/nature12373").await;
    found(&results[0]);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(services.count("/doi/"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_retry_after_fails_as_rate_limited_and_the_rest_go_on() {
    let services = Services::start();
    services.fail(
        "/ncbi/",
        Fault::RateLimited {
            retry_after: 120,
            times: 100,
        },
    );
    let results = shelfmark_core::lookup::lookup_text(
        &client(&services),
        "PMID: 31452104\n10.1038/nature12373",
    )
    .await;
    assert_eq!(
        failure(&results[0]),
        &LookupError::RateLimited {
            service: Service::Ncbi,
            retry_after: Some(Duration::from_secs(120)),
        }
    );
    assert!(
        failure(&results[0])
            .to_string()
            .contains("try again in 120 s")
    );
    found(&results[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_down_falls_back_or_says_which_is_unreachable() {
    let services = Services::start();
    services.fail("/doi/", Fault::Status(503));
    let results = shelfmark_core::lookup::lookup_text(&client(&services), "10.5555/sparse").await;
    let fallback = found(&results[0]);
    assert_eq!(fallback.source, Service::Crossref);
    assert_eq!(fallback.item.field("volume"), Some("7"));
    // Retried with backoff before falling back.
    assert_eq!(services.count("/doi/"), 3);

    services.fail("/crossref/", Fault::Status(503));
    services.fail("/datacite/", Fault::Status(503));
    let results = shelfmark_core::lookup::lookup_text(&client(&services), "10.5555/sparse").await;
    assert!(
        matches!(
            failure(&results[0]),
            LookupError::Unreachable {
                service: Service::DoiResolver,
                ..
            }
        ),
        "{:?}",
        results[0].outcome
    );

    // Nothing listening at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let mut config = config(&services);
    config.set_base_url(Service::OpenLibrary, &closed);
    config.set_base_url(Service::GoogleBooks, &closed);
    let client = LookupClient::new(config).expect("client");
    let results = shelfmark_core::lookup::lookup_text(&client, "978-0-262-03384-8").await;
    let error = failure(&results[0]);
    assert!(
        matches!(
            error,
            LookupError::Unreachable {
                service: Service::OpenLibrary,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("Open Library could not be reached")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_name_the_identifier_and_nothing_is_added_for_it() {
    let services = Services::start();
    let library = new_library();
    let results = library
        .lookup(
            &client(&services),
            "10.9999/unknown\n978-0-262-03384-9\narXiv:2101.99999\n10.1038/nature12373",
        )
        .await
        .expect("lookup");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].text, "10.9999/unknown");
    assert_eq!(
        failure(&results[0]),
        &LookupError::NotFound {
            services: vec![Service::DoiResolver, Service::Crossref, Service::DataCite]
        }
    );
    assert!(matches!(
        failure(&results[1]),
        LookupError::Malformed { .. }
    ));
    assert_eq!(results[1].identifier, None);
    assert_eq!(failure(&results[2]).kind(), "not-found");
    found(&results[3]);

    let added = library
        .add_from_lookup(&results, &LookupAddOptions::default())
        .expect("add");
    assert!(matches!(added[0], AddedFromLookup::Failed(_)));
    assert!(matches!(added[1], AddedFromLookup::Failed(_)));
    assert!(matches!(added[2], AddedFromLookup::Failed(_)));
    assert!(matches!(added[3], AddedFromLookup::Created(_)));
    assert_eq!(crate::support::all_keys(&library).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_identifier_already_in_the_library_offers_the_existing_item() {
    let services = Services::start();
    let library = new_library();
    let client = client(&services);
    let first = library
        .lookup(&client, "10.1038/nature12373")
        .await
        .expect("lookup");
    assert_eq!(found(&first[0]).existing, None);
    let added = library
        .add_from_lookup(&first, &LookupAddOptions::default())
        .expect("add");
    let AddedFromLookup::Created(original) = &added[0] else {
        panic!("{added:?}")
    };

    // The same DOI in another spelling.
    let again = library
        .lookup(&client, "https://doi.org/10.1038/NATURE12373")
        .await
        .expect("lookup");
    assert_eq!(
        found(&again[0]).existing,
        Some((
            original.key.clone(),
            DuplicateReason::Doi("10.1038/nature12373".into())
        ))
    );
    let added = library
        .add_from_lookup(&again, &LookupAddOptions::default())
        .expect("add");
    match &added[0] {
        AddedFromLookup::Existing { item, .. } => assert_eq!(item.key, original.key),
        other => panic!("{other:?}"),
    }
    assert_eq!(crate::support::all_keys(&library).len(), 1);

    // Merging fills the existing item in; keeping adds a second one.
    let merged = library
        .add_from_lookup(
            &again,
            &LookupAddOptions {
                on_duplicate: OnDuplicate::Merge,
                ..Default::default()
            },
        )
        .expect("merge");
    assert!(matches!(&merged[0], AddedFromLookup::Merged(item) if item.key == original.key));
    let kept = library
        .add_from_lookup(
            &again,
            &LookupAddOptions {
                on_duplicate: OnDuplicate::Keep,
                ..Default::default()
            },
        )
        .expect("keep");
    assert!(matches!(&kept[0], AddedFromLookup::Created(item) if item.key != original.key));
    assert_eq!(crate::support::all_keys(&library).len(), 2);
}

/// A one- or two-page PDF with `lines` of text on page 1 and `info` in its
/// document information dictionary.
fn write_pdf(path: &Path, lines: &[&str], info: &[(&str, &str)]) {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut operations = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 11.into()]),
        Operation::new("Td", vec![72.into(), 760.into()]),
        Operation::new("TL", vec![14.into()]),
    ];
    for line in lines {
        operations.push(Operation::new("Tj", vec![Object::string_literal(*line)]));
        operations.push(Operation::new("T*", vec![]));
    }
    operations.push(Operation::new("ET", vec![]));
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        content.encode().expect("content"),
    ));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    if !info.is_empty() {
        let mut dict = lopdf::Dictionary::new();
        for (key, value) in info {
            dict.set(key.as_bytes().to_vec(), Object::string_literal(*value));
        }
        let info_id = doc.add_object(dict);
        doc.trailer.set("Info", info_id);
    }
    doc.save(path).expect("save pdf");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_with_a_doi_on_its_first_page_is_filed_under_the_article() {
    let services = Services::start();
    let library = new_library();
    let pdf = library.dir.path().join("kucsko2013.pdf");
    write_pdf(
        &pdf,
        &[
            "LETTER",
            "Nanometre-scale thermometry in a living cell",
            "Nature 500, 54-58 (2013) doi:10.1038/nature12373",
        ],
        &[("Producer", "Typesetter 1.0")],
    );
    let clues = shelfmark_core::lookup::read_pdf_clues(&pdf).expect("clues");
    assert_eq!(
        clues.identifiers,
        vec![Identifier::Doi("10.1038/nature12373".into())]
    );
    let attached = library
        .attach_pdf_finding_metadata(&client(&services), &pdf)
        .await
        .expect("attach");
    let Some(AddedFromLookup::Created(parent)) = &attached.parent else {
        panic!("{:?}", attached.parent)
    };
    assert_eq!(
        parent.title(),
        Some("Nanometre-scale thermometry in a living cell")
    );
    assert_eq!(attached.attachment.parent_item.as_ref(), Some(&parent.key));
    assert_eq!(
        attached.attachment.field("contentType"),
        Some("application/pdf")
    );

    // The same PDF again goes under the item the library now has.
    let again = library
        .attach_pdf_finding_metadata(&client(&services), &pdf)
        .await
        .expect("attach");
    assert!(
        matches!(&again.parent, Some(AddedFromLookup::Existing { item, .. }) if item.key == parent.key)
    );
    assert_eq!(
        library
            .children(parent.key.as_str())
            .expect("children")
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_with_an_arxiv_id_in_its_metadata_only() {
    let services = Services::start();
    let library = new_library();
    let pdf = library.dir.path().join("preprint.pdf");
    write_pdf(
        &pdf,
        &["Attention Is All You Need", "Ashish Vaswani, Noam Shazeer"],
        &[
            ("Title", "Attention Is All You Need"),
            ("Keywords", "arXiv:1706.03762v5"),
        ],
    );
    let attached = library
        .attach_pdf_finding_metadata(&client(&services), &pdf)
        .await
        .expect("attach");
    assert_eq!(
        attached.identifier,
        Some(Identifier::Arxiv("1706.03762v5".into()))
    );
    let parent = attached
        .parent
        .as_ref()
        .and_then(AddedFromLookup::item)
        .expect("parent");
    assert_eq!(parent.item_type, "preprint");
    assert_eq!(attached.attachment.parent_item.as_ref(), Some(&parent.key));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_with_neither_stays_a_standalone_attachment_with_its_title() {
    let services = Services::start();
    let library = new_library();
    let pdf = library.dir.path().join("scan-0001.pdf");
    write_pdf(
        &pdf,
        &["Meeting notes", "Page 12 of 40, 2019"],
        &[("Title", "Notes from the spring meeting")],
    );
    let attached = library
        .attach_pdf_finding_metadata(&client(&services), &pdf)
        .await
        .expect("attach");
    assert_eq!(attached.parent, None);
    assert_eq!(attached.attachment.parent_item, None);
    assert_eq!(
        attached.attachment.title(),
        Some("Notes from the spring meeting")
    );
    assert!(services.seen().is_empty(), "no identifier, no request");
}
