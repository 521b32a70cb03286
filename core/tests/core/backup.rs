//! Backup archives and restore; the cloud-folder guard.

use std::io::{Read, Write};

use crate::support::{article, new_library};
use shelfmark_core::{Error, Library, OpenOptions, restore};

fn library_with_attachments() -> crate::support::TestLibrary {
    let lib = new_library();
    for i in 0..20 {
        lib.create_item(article(&format!("Paper {i}"), "Author", "2001"))
            .expect("create");
    }
    let dir = lib.attachments_dir().join("ABCD2345");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("paper.pdf"), b"%PDF-1.7 not really a pdf").expect("write");
    std::fs::write(lib.attachments_dir().join("notes.txt"), "σημειώσεις").expect("write");
    lib
}

#[test]
fn backup_then_restore_gives_the_same_library_and_files() {
    let lib = library_with_attachments();
    let archive = lib.dir.path().join("papers.shelfmark-backup");
    let report = lib.backup(&archive).expect("backup");
    assert_eq!(report.attachments, 2);
    assert!(archive.exists());

    let target = lib.dir.path().join("restored/papers.shelfmark");
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    let restored = restore(&archive, &target, &OpenOptions::default()).expect("restore");
    let original = crate::support::all_keys(&lib);
    assert_eq!(crate::support::all_keys(&restored), original);
    for key in &original {
        assert_eq!(
            restored.get_item(key).expect("get"),
            lib.get_item(key).expect("get")
        );
    }
    assert_eq!(
        std::fs::read(restored.attachments_dir().join("ABCD2345/paper.pdf")).expect("read"),
        b"%PDF-1.7 not really a pdf"
    );
    assert_eq!(
        std::fs::read_to_string(restored.attachments_dir().join("notes.txt")).expect("read"),
        "σημειώσεις"
    );
    // Refuses to overwrite.
    let err = restore(&archive, &target, &OpenOptions::default()).expect_err("exists");
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
}

#[test]
fn backup_is_consistent_while_the_library_is_written() {
    let lib = library_with_attachments();
    let writer = lib.library.clone();
    let handle = std::thread::spawn(move || {
        for i in 0..200 {
            writer
                .create_item(article(&format!("During {i}"), "Busy", "2020"))
                .expect("write");
        }
    });
    let archive = lib.dir.path().join("during.backup");
    lib.backup(&archive).expect("backup while writing");
    handle.join().expect("writer");
    let target = lib.dir.path().join("during.shelfmark");
    let restored = restore(&archive, &target, &OpenOptions::default()).expect("restore");
    let n = crate::support::all_keys(&restored).len();
    assert!(
        (20..=220).contains(&n),
        "a consistent snapshot, got {n} items"
    );
}

fn gunzip(archive: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(archive).expect("open"))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

fn gzip_to(bytes: &[u8], path: &std::path::Path) {
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(path).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(bytes).expect("write");
    enc.finish().expect("finish");
}

#[test]
fn damaged_archives_are_refused_and_nothing_is_created() {
    let lib = library_with_attachments();
    let archive = lib.dir.path().join("good.backup");
    lib.backup(&archive).expect("backup");
    let good = std::fs::read(&archive).expect("read");

    // Truncated file.
    let truncated = lib.dir.path().join("truncated.backup");
    std::fs::write(&truncated, &good[..good.len() / 2]).expect("write");
    // Not an archive at all.
    let garbage = lib.dir.path().join("garbage.backup");
    std::fs::write(&garbage, b"this is not a backup").expect("write");
    // A valid gzip/tar whose attachment bytes were altered: only the manifest
    // checksum can tell.
    let mut tar_bytes = gunzip(&archive);
    let needle = b"not really a pdf";
    let at = tar_bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("attachment bytes in the tar");
    tar_bytes[at] = b'N';
    let tampered = lib.dir.path().join("tampered.backup");
    gzip_to(&tar_bytes, &tampered);

    for (bad, expect) in [
        (&truncated, ""),
        (&garbage, "not a backup"),
        (&tampered, "checksum"),
    ] {
        let target = lib.dir.path().join("never.shelfmark");
        let err = restore(bad, &target, &OpenOptions::default()).expect_err("damaged");
        assert!(
            matches!(err, Error::DamagedArchive { .. }),
            "{}: {err}",
            bad.display()
        );
        assert!(err.to_string().contains(expect), "{err}");
        assert!(!target.exists(), "nothing restored from {}", bad.display());
        assert!(!lib.dir.path().join("never.data").exists());
    }
    let leftovers: Vec<_> = std::fs::read_dir(lib.dir.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".shelfmark-restore")
        })
        .collect();
    assert!(leftovers.is_empty(), "work folders cleaned up");
}

#[test]
fn cloud_folders_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dropbox = dir.path().join("Dropbox/papers");
    std::fs::create_dir_all(&dropbox).expect("mkdir");
    let path = dropbox.join("lib.shelfmark");
    let err = Library::create(&path).expect_err("refused");
    assert!(matches!(err, Error::CloudFolder { .. }), "{err}");
    assert!(
        err.to_string().contains("Dropbox") && err.to_string().contains("corrupt"),
        "{err}"
    );
    assert!(!path.exists(), "nothing created");
    let allowed = OpenOptions {
        allow_cloud_folder: true,
    };
    drop(Library::create_with(&path, &allowed).expect("created when allowed"));
    assert!(matches!(
        Library::open(&path),
        Err(Error::CloudFolder { .. })
    ));
    Library::open_with(&path, &allowed).expect("opens when allowed");
}
