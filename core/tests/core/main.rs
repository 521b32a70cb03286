//! The core's integration tests: one test binary with a module per
//! capability, sharing the helpers in [`support`]. One module's tests run
//! with `cargo test -p shelfmark-core --test core <module>::`
//! (`sync_robustness::`, say).

mod support;

mod backup;
mod children;
mod cite;
mod collections;
mod duplicates;
mod files_local;
mod files_sync;
mod formats_bibtex;
mod formats_endnote;
mod formats_json;
mod formats_ris;
mod formats_robustness;
mod formats_roundtrip;
mod formats_scale;
mod import_export;
mod items_edit;
mod library_file;
mod list;
mod lookup;
mod saved_search;
mod saved_search_storage;
mod search;
mod sync_accounts;
mod sync_conflicts_list;
mod sync_devices;
mod sync_faults;
mod sync_groups;
mod sync_live;
mod sync_paging;
mod sync_reset;
mod sync_robustness;
mod sync_schedule;
mod trash;
