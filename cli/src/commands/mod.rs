//! One module per group of commands; `run` opens the library and dispatches.

mod children;
mod items;
mod organise;

use anyhow::{Context, Result};
use shelfmark_core::Library;

use crate::args::{Cli, Command};

fn open(cli: &Cli) -> Result<Library> {
    Library::open(&cli.library).with_context(|| {
        format!(
            "cannot open the library {} (set --library or SHELFMARK_LIBRARY)",
            cli.library.display()
        )
    })
}

pub fn run(cli: Cli) -> Result<()> {
    if let Command::Init(out) = &cli.command {
        return items::init(&cli.library, *out);
    }
    let library = open(&cli)?;
    match cli.command {
        Command::Init(_) => Ok(()),
        Command::Add(args) => items::add(&library, args),
        Command::Show { key, out } => items::show(&library, &key, out),
        Command::Edit(args) => items::edit(&library, args),
        Command::List(args) => items::list(&library, args),
        Command::Search(args) => items::search(&library, args),
        Command::Trash { keys, out } => items::trash(&library, &keys, out),
        Command::Restore { keys, out } => items::restore(&library, &keys, out),
        Command::EmptyTrash(out) => items::empty_trash(&library, out),
        Command::Tags(out) => items::tags(&library, out),
        Command::Collection(cmd) => organise::collection(&library, cmd),
        Command::SavedSearch(cmd) => organise::saved_search(&library, cmd),
        Command::Note(cmd) => children::note(&library, cmd),
        Command::Attachment(cmd) => children::attachment(&library, cmd),
        Command::Annotate(args) => children::annotate(&library, args),
    }
}
