//! One module per group of commands; `run` opens the library and dispatches.

mod children;
mod cite;
mod files;
mod items;
mod library_file;
mod lookup;
mod organise;
mod sync;
mod transfer;

use std::path::Path;

use anyhow::{Context, Result};
use shelfmark_core::{Library, OpenOptions};
use tokio::runtime::Runtime;

use crate::args::{Cli, Command};

fn options(cli: &Cli) -> OpenOptions {
    OpenOptions {
        allow_cloud_folder: cli.allow_cloud_folder,
    }
}

fn open(path: &Path, options: &OpenOptions) -> Result<Library> {
    Library::open_with(path, options).with_context(|| {
        format!(
            "cannot open the library {} (set --library or SHELFMARK_LIBRARY)",
            path.display()
        )
    })
}

/// Runs one command; the core's async work runs on `runtime`.
pub fn run(cli: Cli, runtime: &Runtime) -> Result<()> {
    let options = options(&cli);
    // Opened only by the commands that work on an existing library.
    let library = || open(&cli.library, &options);
    match cli.command {
        Command::Init(out) => items::init(&cli.library, &options, out),
        Command::RestoreBackup { archive, to, out } => {
            library_file::restore_backup(&archive, &to, &options, out)
        }
        Command::Restore {
            targets,
            to: Some(to),
            out,
        } => library_file::restore_backup_old_form(&targets, &to, &options, out),
        Command::Add(args) if args.ids.is_some() => lookup::add_by_id(&library()?, args, runtime),
        Command::Add(args) => items::add(&library()?, args),
        Command::Show { key, out } => items::show(&library()?, &key, out),
        Command::Edit(args) => items::edit(&library()?, args),
        Command::List(args) => items::list(&library()?, args),
        Command::Search(args) => items::search(&library()?, args),
        Command::Trash { keys, out } => items::trash(&library()?, &keys, out),
        Command::Restore { targets, out, .. } => items::restore(&library()?, &targets, out),
        Command::EmptyTrash(out) => items::empty_trash(&library()?, out),
        Command::Tags(out) => items::tags(&library()?, out),
        Command::Collection(cmd) => organise::collection(&library()?, cmd),
        Command::SavedSearch(cmd) => organise::saved_search(&library()?, cmd),
        Command::Note(cmd) => children::note(&library()?, cmd),
        Command::Attachment(cmd) => children::attachment(&library()?, cmd),
        Command::Attach {
            find_metadata: Some(pdf),
            out,
            ..
        } => lookup::attach_finding_metadata(&library()?, &pdf, out, runtime),
        Command::Attach {
            item: Some(item),
            file: Some(file),
            out,
            ..
        } => files::attach(&library()?, &item, &file, out),
        Command::Attach { .. } => {
            anyhow::bail!("give the item and the file, or --find-metadata PDF")
        }
        Command::Files(cmd) => files::files(&library()?, cmd, runtime),
        Command::Annotate(args) => children::annotate(&library()?, args),
        Command::Import(args) => transfer::import(&library()?, args),
        Command::Export(args) => transfer::export(&library()?, args),
        Command::Cite(args) => cite::cite(&library()?, args),
        Command::Styles(args) => cite::styles(&library()?, args),
        Command::Duplicates(args) => library_file::duplicates(&library()?, args),
        Command::Backup { file, out } => library_file::backup(&library()?, &file, out),
        Command::Sync(args) => sync::sync(&library()?, args, runtime),
        Command::Conflicts(out) => sync::conflicts(&library()?, out),
        Command::Resolve(args) => sync::resolve(&library()?, args),
        Command::ConflictHistory(args) => sync::history(&library()?, args),
        Command::ResetSync(args) => sync::reset(&library()?, args, runtime),
    }
}
