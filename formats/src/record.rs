//! Building one item from a record of any format: values placed in the
//! field the item type gives them, or kept in `extra`; creators given a role
//! the type has; notes and linked files made into children; the result
//! checked against the schema.

use shelfmark_protocol::schema::{ItemTypeDef, schema};
use shelfmark_protocol::{Creator, CreatorName, ItemData, Tag, limits, validate_item};

use super::text;
use super::{FormatError, ParsedRecord};

/// An item being read from one record.
#[derive(Debug)]
pub(crate) struct RecordBuilder {
    item: ItemData,
    def: &'static ItemTypeDef,
    extra: Vec<String>,
    to_extra: Vec<String>,
    children: Vec<ItemData>,
}

/// The creator type to use on `def` for a role a format names: the role
/// itself when the type has it, the type's main creator for `author`,
/// otherwise `contributor`.
pub(crate) fn creator_type_for(def: &ItemTypeDef, wanted: &str) -> String {
    if def.has_creator_type(wanted) {
        return wanted.to_owned();
    }
    let primary = def.primary_creator_type().unwrap_or("contributor");
    if wanted == "author" || !def.has_creator_type("contributor") {
        primary.to_owned()
    } else {
        "contributor".to_owned()
    }
}

fn type_def(name: &str) -> &'static ItemTypeDef {
    let s = schema();
    match s.item_type(name) {
        Some(def) if def.is_regular() => def,
        _ => s
            .item_type("document")
            .expect("the schema has the document item type"),
    }
}

impl RecordBuilder {
    /// A new item of `item_type`, or a document when the schema has no such
    /// regular type.
    pub fn new(item_type: &str) -> Self {
        let def = type_def(item_type);
        Self {
            item: ItemData::new(&def.name),
            def,
            extra: Vec::new(),
            to_extra: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn item_type(&self) -> &str {
        &self.def.name
    }

    /// The type's field playing the role of `base` (or `base` itself).
    pub fn field_for(&self, base: &str) -> Option<&'static str> {
        self.def.field_for_base(base)
    }

    pub fn has(&self, base: &str) -> bool {
        self.field_for(base).is_some()
    }

    /// The value of the field playing the role of `base`.
    pub fn get(&self, base: &str) -> Option<&str> {
        self.item.field(self.field_for(base)?)
    }

    /// Sets the field playing the role of `base`. A value the type has no
    /// field for, or a second different value, is kept in `extra`; `source`
    /// names where it came from (the format's tag).
    pub fn set(&mut self, base: &str, value: &str, source: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        match self.field_for(base) {
            Some(field) => match self.item.field(field) {
                None => self.item.set_field(field, value),
                Some(existing) if existing == value => {}
                Some(_) => self.keep_in_extra(
                    source,
                    value,
                    format!("{source}: a second value for {field}"),
                ),
            },
            None => {
                let why = format!("{source}: {base} is not a field of {}", self.def.name);
                self.keep_in_extra(base, value, why);
            }
        }
    }

    /// Sets the first of `bases` the type has; with none, keeps the value in
    /// `extra` under the first name.
    pub fn set_first(&mut self, bases: &[&str], value: &str, source: &str) {
        let chosen = bases
            .iter()
            .find(|b| self.has(b))
            .or(bases.first())
            .copied();
        if let Some(base) = chosen {
            self.set(base, value, source);
        }
    }

    /// Sets the field for `base` only if the type has it and it is empty.
    pub fn try_set(&mut self, base: &str, value: &str) -> bool {
        let value = value.trim();
        match self.field_for(base) {
            Some(field) if self.item.field(field).is_none() && !value.is_empty() => {
                self.item.set_field(field, value);
                true
            }
            _ => false,
        }
    }

    /// Keeps a value the format has but the model does not, as `key: value`.
    pub fn unknown(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.keep_in_extra(key, value, format!("{key}: not a known field"));
    }

    /// Keeps `key: value` in `extra`, reporting `why`.
    pub fn keep_in_extra(&mut self, key: &str, value: &str, why: String) {
        // Line breaks would split the value into several extra lines.
        let value = value.replace('\n', " ");
        self.extra.push(format!("{key}: {value}"));
        self.to_extra.push(why);
    }

    /// Adds free text for `extra`; lines `field: value` naming an empty field
    /// of this type fill that field instead.
    pub fn add_extra_text(&mut self, text: &str) {
        for line in text.lines() {
            let line = line.trim_end();
            if line.trim().is_empty() {
                continue;
            }
            if let Some((key, value)) = text::split_extra_line(line)
                && key != "extra"
                && self.def.has_field(key)
                && self.item.field(key).is_none()
                && !value.is_empty()
            {
                self.item.set_field(key, value);
                continue;
            }
            self.extra.push(line.to_owned());
        }
    }

    /// Adds a creator in the role a format names, mapped to one the type has.
    pub fn add_creator(&mut self, wanted: &str, creator_name: CreatorName) {
        let creator_name = match creator_name {
            CreatorName::TwoField { first, last } if last.trim().is_empty() => {
                CreatorName::Single {
                    name: first.trim().to_owned(),
                }
            }
            CreatorName::TwoField { first, last } => CreatorName::TwoField {
                first: first.trim().to_owned(),
                last: last.trim().to_owned(),
            },
            CreatorName::Single { name } => CreatorName::Single {
                name: name.trim().to_owned(),
            },
        };
        let creator = Creator {
            creator_type: creator_type_for(self.def, wanted),
            name: creator_name,
        };
        if creator.last_or_single().is_empty() {
            return;
        }
        let too_long = creator.first_name().len() > limits::CREATOR_NAME_MAX
            || creator.last_or_single().len() > limits::CREATOR_NAME_MAX;
        if too_long {
            let why = format!(
                "{wanted}: name longer than {} bytes",
                limits::CREATOR_NAME_MAX
            );
            self.keep_in_extra(wanted, &creator.display(), why);
            return;
        }
        self.item.creators.push(creator);
    }

    /// Adds a creator written `Last, First` (or one name without a comma).
    pub fn add_person(&mut self, wanted: &str, text: &str) {
        let text = text.trim().trim_end_matches(',').trim();
        if text.is_empty() {
            return;
        }
        self.add_creator(wanted, Creator::parse_display(wanted, text).name);
    }

    /// Adds a tag once; empty ones are ignored and over-long ones kept in
    /// `extra`.
    pub fn add_tag(&mut self, tag: &str) {
        let tag = tag.trim();
        if tag.is_empty() || self.item.tags.iter().any(|t| t.tag == tag) {
            return;
        }
        if tag.len() > limits::TAG_MAX {
            let why = format!("keyword longer than {} bytes", limits::TAG_MAX);
            self.keep_in_extra("keyword", tag, why);
            return;
        }
        self.item.tags.push(Tag::manual(tag));
    }

    /// Adds a child note from plain text (or HTML).
    pub fn add_note(&mut self, text: &str) {
        let html = text::note_html(text);
        if html.is_empty() {
            return;
        }
        let mut note = ItemData::new("note");
        note.parent_item = Some(self.item.key.clone());
        note.set_field("note", html);
        self.children.push(note);
    }

    /// Adds a child attachment linking to a file path (`file://` URLs are
    /// read as paths; EndNote's `internal-pdf://` paths are kept).
    pub fn add_linked_file(&mut self, path: &str) {
        let path = text::path_from_file_url(path.trim());
        if path.is_empty() || self.has_child_with("path", &path) {
            return;
        }
        let mut attachment = ItemData::new("attachment");
        attachment.parent_item = Some(self.item.key.clone());
        attachment.set_field("linkMode", "linked_file");
        attachment.set_field("title", text::file_name(&path));
        if let Some(ct) = text::content_type_for(&path) {
            attachment.set_field("contentType", ct);
        }
        attachment.set_field("path", path);
        self.children.push(attachment);
    }

    /// Adds a child attachment linking to a web page.
    pub fn add_linked_url(&mut self, url: &str) {
        let url = url.trim();
        if url.is_empty() || self.has_child_with("url", url) {
            return;
        }
        let mut attachment = ItemData::new("attachment");
        attachment.parent_item = Some(self.item.key.clone());
        attachment.set_field("linkMode", "linked_url");
        attachment.set_field("title", url);
        attachment.set_field("url", url);
        self.children.push(attachment);
    }

    fn has_child_with(&self, field: &str, value: &str) -> bool {
        self.children.iter().any(|c| c.field(field) == Some(value))
    }

    /// True when the record carried nothing but its type.
    pub fn is_empty(&self) -> bool {
        self.item.fields.is_empty()
            && self.item.creators.is_empty()
            && self.item.tags.is_empty()
            && self.children.is_empty()
            && self.extra.is_empty()
    }

    /// The finished item, checked against the schema; `record` and `line`
    /// place any error. Also returns what was kept in `extra`.
    pub fn finish(
        mut self,
        record: usize,
        line: Option<usize>,
    ) -> Result<(ParsedRecord, Vec<String>), FormatError> {
        if !self.extra.is_empty() {
            let mut extra = self.item.field("extra").unwrap_or("").to_owned();
            for l in &self.extra {
                if !extra.is_empty() {
                    extra.push('\n');
                }
                extra.push_str(l);
            }
            self.item.set_field("extra", extra);
        }
        let fail =
            |e: shelfmark_protocol::ValidationError| FormatError::new(record, line, e.to_string());
        validate_item(&self.item).map_err(fail)?;
        for child in &self.children {
            validate_item(child).map_err(fail)?;
        }
        Ok((
            ParsedRecord {
                item: self.item,
                children: self.children,
                line,
            },
            self.to_extra,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_fields_by_base_and_keeps_the_rest() {
        let mut b = RecordBuilder::new("thesis");
        b.set("publisher", "MIT", "PB");
        b.set("publisher", "Harvard", "PB");
        b.set("volume", "3", "VL");
        b.add_person("editor", "Smith, Ann");
        b.add_person("author", "Doe, Jo");
        let (record, to_extra) = b.finish(1, Some(1)).expect("valid");
        assert_eq!(record.item.field("university"), Some("MIT"));
        assert_eq!(record.item.field("extra"), Some("PB: Harvard\nvolume: 3"));
        assert_eq!(to_extra.len(), 2);
        assert_eq!(record.item.creators[0].creator_type, "contributor");
        assert_eq!(record.item.creators[1].creator_type, "author");
    }

    #[test]
    fn author_becomes_the_types_main_creator() {
        let mut b = RecordBuilder::new("film");
        b.add_person("author", "Kubrick, Stanley");
        let (record, _) = b.finish(1, None).expect("valid");
        assert_eq!(record.item.creators[0].creator_type, "director");
    }

    #[test]
    fn extra_text_fills_empty_fields() {
        let mut b = RecordBuilder::new("book");
        b.add_extra_text("archive: Bodleian\nfree text\nnotAField: x");
        let (record, _) = b.finish(1, None).expect("valid");
        assert_eq!(record.item.field("archive"), Some("Bodleian"));
        assert_eq!(record.item.field("extra"), Some("free text\nnotAField: x"));
    }

    #[test]
    fn children_point_at_the_parent() {
        let mut b = RecordBuilder::new("journalArticle");
        b.add_note("a & b");
        b.add_linked_file("file:///tmp/a%20b.pdf");
        let (record, _) = b.finish(1, None).expect("valid");
        assert_eq!(record.children.len(), 2);
        assert!(
            record
                .children
                .iter()
                .all(|c| c.parent_item.as_ref() == Some(&record.item.key))
        );
        assert_eq!(record.children[1].field("path"), Some("/tmp/a b.pdf"));
        assert_eq!(
            record.children[1].field("contentType"),
            Some("application/pdf")
        );
    }
}
