//! Notes, attachment links and annotations.

use anyhow::Result;
use serde_json::Value;
use shelfmark_core::protocol::{ItemData, LinkMode};
use shelfmark_core::{Library, NewAnnotation, NewAttachment};

use crate::args::{AnnotateArgs, AttachmentCommand, JsonOut, NoteCommand};
use crate::{input, output};

fn print_created(out: JsonOut, item: &ItemData) {
    if out.json {
        output::json(&item.to_json_value());
    } else {
        println!("{}", item.key);
    }
}

pub fn note(library: &Library, cmd: NoteCommand) -> Result<()> {
    match cmd {
        NoteCommand::Add {
            item,
            text,
            html,
            out,
        } => {
            let body = if html {
                text
            } else {
                input::text_to_note_html(&text)
            };
            let note = library.add_note(Some(&item), &body)?;
            print_created(out, &note);
        }
    }
    Ok(())
}

pub fn attachment(library: &Library, cmd: AttachmentCommand) -> Result<()> {
    match cmd {
        AttachmentCommand::Link {
            item,
            target,
            title,
            content_type,
            out,
        } => {
            let is_url = target.starts_with("http://") || target.starts_with("https://");
            let attachment = if is_url {
                NewAttachment {
                    url: Some(target.clone()),
                    title: Some(title.unwrap_or_else(|| target.clone())),
                    content_type,
                    ..NewAttachment::new(LinkMode::LinkedUrl)
                }
            } else {
                let path = std::path::Path::new(&target);
                let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| target.clone());
                NewAttachment {
                    path: Some(absolute.display().to_string()),
                    title: Some(title.unwrap_or(name)),
                    content_type: content_type.or_else(|| guess_content_type(&target)),
                    ..NewAttachment::new(LinkMode::LinkedFile)
                }
            };
            let created = library.add_attachment(Some(&item), attachment)?;
            print_created(out, &created);
        }
    }
    Ok(())
}

/// The content type a linked file's extension suggests.
fn guess_content_type(path: &str) -> Option<String> {
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    let t = match ext.as_str() {
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => return None,
    };
    Some(t.to_owned())
}

pub fn annotate(library: &Library, args: AnnotateArgs) -> Result<()> {
    if args.list {
        let annotations = library.annotations(&args.attachment)?;
        if args.out.json {
            output::json(&Value::Array(
                annotations.iter().map(ItemData::to_json_value).collect(),
            ));
        } else {
            for a in &annotations {
                output::child_line(a, "");
            }
        }
        return Ok(());
    }
    let annotation = NewAnnotation {
        annotation_type: args.annotation_type,
        text: args.text,
        comment: args.comment,
        color: args.color,
        page_label: args.page_label,
        sort_index: args.sort_index,
        position: args.position,
    };
    let created = library.add_annotation(&args.attachment, annotation)?;
    print_created(args.out, &created);
    Ok(())
}
