//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "shelfmark",
    version,
    about = "Shelfmark: your reference library on the command line",
    long_about = "Shelfmark keeps references, notes, attachments and annotations in one library file \
                  and organises them in collections and saved searches."
)]
pub struct Cli {
    /// The library file to use.
    #[arg(
        long,
        global = true,
        env = "SHELFMARK_LIBRARY",
        default_value = "library.shelfmark"
    )]
    pub library: PathBuf,

    /// Open the library even inside a folder that a cloud file-sync client
    /// (Dropbox, OneDrive, iCloud Drive, Google Drive) manages. Such clients
    /// corrupt libraries that are in use; prefer a local folder.
    #[arg(long, global = true)]
    pub allow_cloud_folder: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new, empty library file.
    Init(JsonOut),
    /// Add an item: `add journalArticle title="…" date=2020 --author "Last, First"`.
    Add(AddArgs),
    /// Show one item with its notes, attachments and annotations.
    Show {
        key: String,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Change an item: `edit KEY title="…" --add-tag x`.
    Edit(EditArgs),
    /// List items, sorted and filtered.
    List(ListArgs),
    /// Search titles, creators and years (or everything with --everything).
    Search(SearchArgs),
    /// Move items (and their children) to the trash.
    Trash {
        #[arg(required = true)]
        keys: Vec<String>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Bring items back from the trash: `restore KEY…`.
    Restore {
        /// Item keys (the older `restore ARCHIVE --to PATH` still restores a backup).
        #[arg(required = true, value_name = "KEY…")]
        targets: Vec<String>,
        /// Older form of `restore-backup --to`.
        #[arg(long, value_name = "PATH", hide = true)]
        to: Option<std::path::PathBuf>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Create a library from a backup archive, verifying every checksum:
    /// `restore-backup ARCHIVE --to PATH`.
    RestoreBackup {
        /// The backup archive (written by `backup`).
        archive: std::path::PathBuf,
        /// Where to create the restored library (must not exist).
        #[arg(long, value_name = "PATH")]
        to: std::path::PathBuf,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Remove everything in the trash for good.
    EmptyTrash(JsonOut),
    /// Collections (EndNote groups and group sets).
    #[command(subcommand)]
    Collection(CollectionCommand),
    /// Saved searches (smart groups and combination groups).
    #[command(subcommand, name = "saved-search")]
    SavedSearch(SavedSearchCommand),
    /// Notes on items.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Attachment items (metadata: linked files and links).
    #[command(subcommand)]
    Attachment(AttachmentCommand),
    /// Add a file (PDF or any other) to an item: it is copied into the
    /// library's attachment store and uploaded at the next sync.
    ///
    /// `attach --find-metadata PDF` instead finds the reference the PDF is:
    /// the DOI or arXiv id in its metadata or first pages is looked up, the
    /// item added (or the library's own used) and the PDF attached to it;
    /// without one, the PDF is kept as a standalone attachment with its title.
    Attach {
        /// The item the file belongs to.
        #[arg(required_unless_present = "find_metadata")]
        item: Option<String>,
        #[arg(required_unless_present = "find_metadata")]
        file: Option<PathBuf>,
        #[arg(long = "find-metadata", value_name = "PDF", conflicts_with_all = ["item", "file"])]
        find_metadata: Option<PathBuf>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Attachment files: status, download, evict, policy, budget, open.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Annotate an attachment: `annotate KEY --type highlight --text "…" --page 4`.
    Annotate(AnnotateArgs),
    /// All tags in the library with how many items carry each.
    Tags(JsonOut),
    /// Import references from a file (RIS, BibTeX, BibLaTeX, CSL-JSON, EndNote XML,
    /// EndNote tagged, Zotero JSON); all or nothing.
    Import(ImportArgs),
    /// Export references (default: the whole library) to a file or stdout.
    Export(ExportArgs),
    /// Format citations or a bibliography for items with a citation style.
    Cite(CiteArgs),
    /// List the citation styles, or add one from a .csl file.
    Styles(StylesArgs),
    /// List groups of duplicate references, or merge one group.
    Duplicates(DuplicatesArgs),
    /// Write a backup archive: the database and every attachment file, with checksums.
    Backup {
        file: std::path::PathBuf,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Sync with an online library (the first sync binds this library to the
    /// account); `sync status`, `sync log`, `sync relink`.
    Sync(SyncArgs),
    /// List the sync conflicts waiting to be resolved.
    Conflicts(JsonOut),
    /// Resolve a sync conflict: `resolve KEY --keep local|remote`,
    /// `resolve KEY title="…"` (a value per conflicting field), or `resolve --all --keep …`.
    Resolve(ResolveArgs),
    /// Conflicts resolved so far, with the version not chosen; `--restore ID` brings it back.
    ConflictHistory(ConflictHistoryArgs),
    /// Reset the sync after writing a backup: `--mode upload` makes the online
    /// library equal this one, `download` this one equal the online one
    /// (local-only items go to the trash), `merge` joins both without
    /// duplicates. Needs `--yes`.
    ResetSync(ResetSyncArgs),
}

#[derive(Args, Debug)]
pub struct ResetSyncArgs {
    /// upload, download or merge.
    #[arg(long, value_parser = ["upload", "download", "merge"])]
    pub mode: String,
    /// Go ahead (without it, only says what the reset would do).
    #[arg(long)]
    pub yes: bool,
    /// Read the API key from standard input instead of using the kept one.
    #[arg(long)]
    pub key_stdin: bool,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub action: Option<SyncAction>,
    /// The server's address (needed on the first sync), e.g. https://api.zotero.org.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The user id the API key must belong to.
    #[arg(long, value_name = "ID")]
    pub user: Option<u64>,
    /// Read the API key from standard input (it is then kept in the system
    /// keychain, or in ~/.config/shelfmark/credentials where there is none).
    #[arg(long, conflicts_with = "email")]
    pub key_stdin: bool,
    /// Sign in with this e-mail address (or user name) and your password:
    /// the server makes a key for this computer, kept like one given with
    /// --key-stdin. The password is asked for on the terminal.
    #[arg(long, value_name = "ADDRESS", requires = "server")]
    pub email: Option<String>,
    /// Read the password from standard input instead of asking (scripts).
    #[arg(long, requires = "email")]
    pub password_stdin: bool,
    /// The name this computer's key gets on the server's "Devices and keys"
    /// page [default: "Shelfmark CLI on <host name>"].
    #[arg(long, value_name = "NAME", requires = "email")]
    pub device_name: Option<String>,
    /// Go ahead with deletions larger than max(10 items, 10 %) of a library
    /// (also confirms the ones a previous sync held back).
    #[arg(long)]
    pub confirm_deletions: bool,
    /// Keep running and sync automatically (on start, every --interval, a few
    /// seconds after changes) until Ctrl-C, which syncs once more and stops.
    #[arg(long)]
    pub auto: bool,
    /// Seconds between automatic syncs.
    #[arg(long, value_name = "SECONDS", default_value_t = 900, requires = "auto")]
    pub interval: u64,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Subcommand, Debug)]
pub enum SyncAction {
    /// The sync state of each library: account, unsynced changes, conflicts, last run.
    Status(JsonOut),
    /// The log of sync runs, newest first.
    Log {
        /// How many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Unbind this library from its account so that it can sync with another one.
    Relink(JsonOut),
    /// Sign out: revoke this computer's key on the server, forget it here,
    /// and unbind the library (everything in it stays).
    SignOut(JsonOut),
}

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// The object in conflict.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub key: Option<String>,
    /// FIELD=VALUE for each conflicting field (instead of --keep).
    #[arg(conflicts_with = "keep")]
    pub values: Vec<String>,
    /// Keep the local or the remote values.
    #[arg(long, value_parser = ["local", "remote"])]
    pub keep: Option<String>,
    /// Resolve every conflict the same way (needs --keep).
    #[arg(long, requires = "keep")]
    pub all: bool,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct ConflictHistoryArgs {
    /// Bring back the version not chosen of this history entry.
    #[arg(long, value_name = "ID")]
    pub restore: Option<i64>,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    pub file: std::path::PathBuf,
    /// ris, bibtex, biblatex, csljson, endnote-xml, endnote-tagged or zotero-json
    /// (guessed from the content when omitted).
    #[arg(long)]
    pub format: Option<String>,
    /// Put the imported references in this collection (key or name).
    #[arg(long)]
    pub collection: Option<String>,
    /// What to do with a reference already in the library: skip it, merge
    /// the new details into it, or keep both.
    #[arg(long = "on-duplicate", default_value = "skip", value_parser = ["skip", "merge", "keep"])]
    pub on_duplicate: String,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Only these items.
    #[arg(conflicts_with_all = ["collection", "saved_search"])]
    pub keys: Vec<String>,
    /// ris, bibtex, biblatex, csljson, endnote-xml, endnote-tagged or zotero-json
    /// (default: from the -o file's extension, else ris).
    #[arg(long)]
    pub format: Option<String>,
    /// The items of this collection (key or name).
    #[arg(long, conflicts_with = "saved_search")]
    pub collection: Option<String>,
    /// With --collection: include sub-collections.
    #[arg(long, requires = "collection")]
    pub recursive: bool,
    /// The items this saved search finds (key or name).
    #[arg(long = "search", value_name = "SAVED_SEARCH")]
    pub saved_search: Option<String>,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct CiteArgs {
    #[arg(required = true)]
    pub keys: Vec<String>,
    /// Style id (see `shelfmark styles`): apa, chicago-author-date, ieee, mla,
    /// vancouver, harvard, nature, or one you added.
    #[arg(long, default_value = "apa")]
    pub style: String,
    /// A bibliography (reference list) instead of an in-text citation.
    #[arg(long)]
    pub bibliography: bool,
    /// HTML instead of plain text.
    #[arg(long)]
    pub html: bool,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct StylesArgs {
    /// Add a CSL style file (it is checked first; a broken file is refused).
    #[arg(long, value_name = "FILE.csl")]
    pub add: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct DuplicatesArgs {
    /// Merge the group with this number (as listed) into one item.
    #[arg(long, value_name = "GROUP")]
    pub merge: Option<usize>,
    /// With --merge: the item to keep (default: the oldest in the group).
    #[arg(long, requires = "merge")]
    pub keep: Option<String>,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug, Clone, Copy, Default)]
pub struct JsonOut {
    /// Print machine-readable JSON (objects as the Web API's item JSON).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Item type (journalArticle, book, bookSection, thesis, …).
    #[arg(value_name = "TYPE")]
    pub item_type: Option<String>,
    /// Fields as FIELD=VALUE.
    #[arg(value_name = "FIELD=VALUE")]
    pub fields: Vec<String>,
    /// An author as "Last, First" or a single name (repeatable).
    #[arg(long = "author", value_name = "NAME")]
    pub authors: Vec<String>,
    /// A creator of another role as ROLE:"Last, First" (repeatable).
    #[arg(long = "creator", value_name = "ROLE:NAME")]
    pub creators: Vec<String>,
    /// A tag (repeatable).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Put the item in this collection (key or name; repeatable).
    #[arg(long = "collection")]
    pub collections: Vec<String>,
    /// Read item data (one object or an array) from FILE ("-" for stdin)
    /// instead; without FILE, print the new item as JSON.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub json: Option<String>,
    /// Look references up by identifier instead: DOIs, ISBNs, PubMed ids,
    /// PMCIDs and arXiv ids, several at once or inside a pasted reference
    /// list ("-" reads them from stdin). The services asked can be pointed
    /// elsewhere with SHELFMARK_LOOKUP_<SERVICE>_URL.
    #[arg(long = "id", value_name = "IDS", conflicts_with_all = ["item_type", "fields", "authors", "creators"])]
    pub ids: Option<String>,
    /// With --id: what to do with a reference already in the library: skip
    /// it (and show the library's item), merge the details found into it,
    /// or keep both.
    #[arg(long = "on-duplicate", default_value = "skip", value_parser = ["skip", "merge", "keep"])]
    pub on_duplicate: String,
    /// With --id: show what was found and add nothing.
    #[arg(long, requires = "ids")]
    pub preview: bool,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    pub key: String,
    /// Fields as FIELD=VALUE (an empty value clears the field).
    #[arg(value_name = "FIELD=VALUE")]
    pub fields: Vec<String>,
    /// Replace the creators with these authors ("Last, First"; repeatable).
    #[arg(long = "author", value_name = "NAME")]
    pub authors: Vec<String>,
    /// Replace the creators with these ROLE:"Last, First" (repeatable).
    #[arg(long = "creator", value_name = "ROLE:NAME")]
    pub creators: Vec<String>,
    #[arg(long = "add-tag")]
    pub add_tags: Vec<String>,
    #[arg(long = "remove-tag")]
    pub remove_tags: Vec<String>,
    /// Mark as related to another item (both ways).
    #[arg(long = "relate", value_name = "KEY")]
    pub relate: Vec<String>,
    /// Remove a relation to another item.
    #[arg(long = "unrelate", value_name = "KEY")]
    pub unrelate: Vec<String>,
    /// Change the item type (fields the new type lacks move to Extra).
    #[arg(long = "type", value_name = "TYPE")]
    pub item_type: Option<String>,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug, Clone)]
pub struct FilterArgs {
    /// Only items in this collection (key or name).
    #[arg(long)]
    pub collection: Option<String>,
    /// Include items of sub-collections.
    #[arg(long)]
    pub recursive: bool,
    /// Only items matching this saved search (key or name).
    #[arg(long = "search", value_name = "SAVED_SEARCH")]
    pub saved_search: Option<String>,
    /// Only items with this tag (repeatable: all must match).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Only items of this type.
    #[arg(long = "type", value_name = "TYPE")]
    pub item_type: Option<String>,
    /// List the trash instead of the library.
    #[arg(long)]
    pub trash: bool,
    /// Only items in sync conflict (the "Sync Conflicts" list).
    #[arg(long)]
    pub conflicts: bool,
}

#[derive(Args, Debug)]
pub struct PageArgs {
    /// Rows to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Rows to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Sort by title, creator, date, dateAdded, dateModified or itemType.
    #[arg(long, default_value = "title")]
    pub sort: String,
    /// Sort in descending order.
    #[arg(long)]
    pub desc: bool,
    #[command(flatten)]
    pub page: PageArgs,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    pub query: String,
    /// Search every field, notes and annotations, not only title, creators and year.
    #[arg(long)]
    pub everything: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    #[command(flatten)]
    pub page: PageArgs,
    #[command(flatten)]
    pub out: JsonOut,
}

#[derive(Subcommand, Debug)]
pub enum CollectionCommand {
    /// Create a collection, optionally inside another.
    Create {
        name: String,
        #[arg(long)]
        parent: Option<String>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Rename a collection.
    Rename {
        collection: String,
        name: String,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Move a collection under another, or to the top with --top.
    Move {
        collection: String,
        #[arg(long, conflicts_with = "top", required_unless_present = "top")]
        parent: Option<String>,
        #[arg(long)]
        top: bool,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Move a collection and its sub-collections to the trash (items stay).
    Delete {
        collection: String,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Add items to a collection.
    Add {
        collection: String,
        #[arg(required = true)]
        keys: Vec<String>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Remove items from a collection (they stay in the library).
    Remove {
        collection: String,
        #[arg(required = true)]
        keys: Vec<String>,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Show the collection tree with item counts.
    List(JsonOut),
}

#[derive(Subcommand, Debug)]
pub enum SavedSearchCommand {
    /// Save a search: conditions as FIELD:OPERATOR:VALUE, all must match unless --any.
    Create {
        name: String,
        #[arg(required = true, value_name = "FIELD:OPERATOR:VALUE")]
        conditions: Vec<String>,
        /// Match items meeting any condition instead of all.
        #[arg(long)]
        any: bool,
        #[command(flatten)]
        out: JsonOut,
    },
    /// List saved searches.
    List(JsonOut),
    /// Move a saved search to the trash.
    Delete {
        search: String,
        #[command(flatten)]
        out: JsonOut,
    },
}

#[derive(Subcommand, Debug)]
pub enum NoteCommand {
    /// Add a note to an item (plain text, or HTML with --html).
    Add {
        item: String,
        text: String,
        #[arg(long)]
        html: bool,
        #[command(flatten)]
        out: JsonOut,
    },
}

#[derive(Subcommand, Debug)]
pub enum AttachmentCommand {
    /// Attach a link to a file on this computer, or to a web page.
    Link {
        item: String,
        /// A file path, or a URL (http/https).
        target: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long = "content-type")]
        content_type: Option<String>,
        #[command(flatten)]
        out: JsonOut,
    },
}

/// Which attachments a files command covers.
#[derive(Args, Debug)]
pub struct FileSelection {
    /// Attachment keys (or items, for their attachments).
    pub keys: Vec<String>,
    /// The attachments of the items in this collection.
    #[arg(long, value_name = "KEY", conflicts_with_all = ["keys", "all"])]
    pub collection: Option<String>,
    /// Every attachment in the library.
    #[arg(long, conflicts_with = "keys")]
    pub all: bool,
}

#[derive(Subcommand, Debug)]
pub enum FilesCommand {
    /// Where attachment files stand: `files status [ITEM|--all] [--json]`.
    Status {
        #[command(flatten)]
        select: FileSelection,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Download files now: `files download KEY…|--collection KEY|--all`.
    Download {
        #[command(flatten)]
        select: FileSelection,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Remove downloaded files from this device (the metadata stays; files
    /// modified here or waiting for upload are kept).
    Evict {
        #[command(flatten)]
        select: FileSelection,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Which files sync downloads: `files policy on-demand|all|collections KEY…`.
    Policy {
        #[arg(value_parser = ["on-demand", "all", "collections"])]
        mode: Option<String>,
        /// Collections kept offline (with `collections`).
        collections: Vec<String>,
        /// Download at sync time only on an unmetered network.
        #[arg(long, conflicts_with = "any_network")]
        unmetered_only: bool,
        /// Download at sync time on any network.
        #[arg(long)]
        any_network: bool,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Most space downloaded files may take, e.g. `500MB`, `2GB`, or `none`.
    Budget {
        size: String,
        #[command(flatten)]
        out: JsonOut,
    },
    /// Print the path of a downloaded file (downloading it first if needed).
    Open { key: String },
    /// Let failed uploads (a full storage included) try again at the next sync.
    Retry(JsonOut),
}

#[derive(Args, Debug)]
pub struct AnnotateArgs {
    /// The attachment (PDF, EPUB or web page) to annotate.
    pub attachment: String,
    /// highlight, underline, note, image, ink or text.
    #[arg(long = "type", default_value = "highlight")]
    pub annotation_type: String,
    /// The highlighted or underlined text.
    #[arg(long)]
    pub text: Option<String>,
    #[arg(long)]
    pub comment: Option<String>,
    /// Colour as #rrggbb.
    #[arg(long)]
    pub color: Option<String>,
    /// Page label as printed on the page.
    #[arg(long = "page")]
    pub page_label: Option<String>,
    /// Position on the page as JSON, e.g. {"pageIndex":3,"rects":[[10,20,200,40]]}.
    #[arg(long)]
    pub position: Option<String>,
    /// Sort index (PDF: ppppp|oooooo|ttttt).
    #[arg(long = "sort-index")]
    pub sort_index: Option<String>,
    /// List the attachment's annotations instead of adding one.
    #[arg(long)]
    pub list: bool,
    #[command(flatten)]
    pub out: JsonOut,
}
