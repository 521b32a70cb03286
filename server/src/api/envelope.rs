//! Item envelopes: the `key`, `version`, `library`, `links` and `meta`
//! around an item's `data`. Built from parsed items for single objects and
//! write reports; for JSON listings — where nearly all of a sync's bytes
//! go — written around each item's stored JSON text, which is read once for
//! the few values the envelope needs and never rebuilt.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value, json};
use shelfmark_protocol::dates::parse_date;
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{ItemData, ObjectKey};

use super::LibCtx;
use crate::error::{ApiError, ApiResult};
use crate::store::StoreError;
use crate::store::derive::{creator_summary, summarize_creators};

/// The envelope of a parsed item.
pub fn envelope(ctx: &LibCtx, item: &ItemData, num_children: Option<u64>) -> Value {
    let head = EnvelopeHead::of(item, num_children);
    let mut meta = Map::new();
    if let Some(summary) = head.creator_summary {
        meta.insert("creatorSummary".into(), Value::String(summary));
    }
    if let Some(date) = head.parsed_date {
        meta.insert("parsedDate".into(), Value::String(date));
    }
    if let Some(count) = head.num_children {
        meta.insert("numChildren".into(), json!(count));
    }
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!({"href": ctx.url(&format!("/items/{}", item.key)), "type": "application/json"}),
    );
    links.insert(
        "alternate".into(),
        json!({"href": ctx.url(&format!("/items/{}", item.key)), "type": "text/html"}),
    );
    if let Some(parent) = &item.parent_item {
        links.insert(
            "up".into(),
            json!({"href": ctx.url(&format!("/items/{parent}")), "type": "application/json"}),
        );
    }
    json!({
        "key": item.key.to_string(),
        "version": item.version,
        "library": ctx.library_json(),
        "links": links,
        "meta": meta,
        "data": item.to_json_value(),
    })
}

/// Envelopes for a list of parsed items, with their child counts.
pub async fn envelopes(ctx: &LibCtx, items: &[ItemData]) -> ApiResult<Vec<Value>> {
    let counts = regular_child_counts(ctx, items.iter()).await?;
    Ok(items
        .iter()
        .map(|item| envelope(ctx, item, counts.get(&item.key).copied()))
        .collect())
}

/// The child counts of the regular items among `items`.
async fn regular_child_counts(
    ctx: &LibCtx,
    items: impl Iterator<Item = &ItemData>,
) -> ApiResult<HashMap<ObjectKey, u64>> {
    let regular = items.filter(|i| i.is_regular()).map(|i| i.key.clone());
    child_counts(ctx, regular.collect()).await
}

async fn child_counts(ctx: &LibCtx, parents: Vec<ObjectKey>) -> ApiResult<HashMap<ObjectKey, u64>> {
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(ctx
        .state
        .store
        .child_counts(ctx.library.id, &parents)
        .await?
        .into_iter()
        .collect())
}

/// A JSON array of the envelopes of items given as their stored JSON text,
/// in order — the same envelopes [`envelope`] builds, written compactly.
pub async fn listing(ctx: &LibCtx, stored: &[String]) -> ApiResult<Vec<u8>> {
    let items = stored
        .iter()
        .map(|text| {
            serde_json::from_str::<EnvelopeFields<'_>>(text)
                .map_err(|e| ApiError::from(StoreError::Corrupt(format!("stored item JSON: {e}"))))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let mut regular = Vec::new();
    for item in items.iter().filter(|i| i.is_regular()) {
        regular.push(
            ObjectKey::parse(&item.key).map_err(|e| {
                ApiError::from(StoreError::Corrupt(format!("stored item key: {e}")))
            })?,
        );
    }
    let counts: HashMap<String, u64> = child_counts(ctx, regular)
        .await?
        .into_iter()
        .map(|(key, count)| (key.to_string(), count))
        .collect();

    let writer = EnvelopeWriter::new(ctx);
    let mut out = Vec::with_capacity(
        stored
            .iter()
            .map(|s| s.len() + writer.envelope_bytes())
            .sum::<usize>()
            + 2,
    );
    out.push(b'[');
    for (n, (item, text)) in items.iter().zip(stored).enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let head = EnvelopeHead {
            key: &item.key,
            version: item.version,
            parent: item.parent_item.as_deref(),
            creator_summary: item.creator_summary(),
            parsed_date: item.parsed_date(),
            num_children: item
                .is_regular()
                .then(|| counts.get(item.key.as_ref()).copied().unwrap_or(0)),
        };
        writer.write(&mut out, &head, text);
    }
    out.push(b']');
    Ok(out)
}

/// Envelopes of parsed items (a write report's), written as [`listing`]
/// writes them, in order.
pub async fn written(ctx: &LibCtx, items: &[&ItemData]) -> ApiResult<Vec<Vec<u8>>> {
    let counts = regular_child_counts(ctx, items.iter().copied()).await?;
    let writer = EnvelopeWriter::new(ctx);
    Ok(items
        .iter()
        .map(|item| {
            let data = item.to_json_text();
            let mut out = Vec::with_capacity(data.len() + writer.envelope_bytes());
            let head = EnvelopeHead::of(item, counts.get(&item.key).copied());
            writer.write(&mut out, &head, &data);
            out
        })
        .collect())
}

/// What an envelope says of an item besides its data.
struct EnvelopeHead<'a> {
    key: &'a str,
    version: u64,
    parent: Option<&'a str>,
    creator_summary: Option<String>,
    parsed_date: Option<String>,
    /// For regular items only.
    num_children: Option<u64>,
}

impl<'a> EnvelopeHead<'a> {
    /// A parsed item's, with its child count if it has children.
    fn of(item: &'a ItemData, num_children: Option<u64>) -> Self {
        Self {
            key: item.key.as_str(),
            version: item.version,
            parent: item.parent_item.as_ref().map(ObjectKey::as_str),
            creator_summary: creator_summary(item),
            parsed_date: item.base_field("date").and_then(|d| parse_date(d).iso()),
            num_children: item.is_regular().then(|| num_children.unwrap_or(0)),
        }
    }
}

/// Writes envelopes of one library: its `library` member and item URLs
/// made once.
struct EnvelopeWriter {
    library: String,
    items_url: String,
}

impl EnvelopeWriter {
    fn new(ctx: &LibCtx) -> Self {
        Self {
            library: ctx.library_json().to_string(),
            items_url: ctx.url("/items/"),
        }
    }

    /// About what an envelope adds to its data.
    fn envelope_bytes(&self) -> usize {
        400 + self.library.len() + 3 * self.items_url.len()
    }

    fn write(&self, out: &mut Vec<u8>, head: &EnvelopeHead<'_>, data: &str) {
        let items_url = &self.items_url;
        out.extend_from_slice(b"{\"key\":");
        push_string(out, head.key);
        out.extend_from_slice(format!(",\"version\":{},\"library\":", head.version).as_bytes());
        out.extend_from_slice(self.library.as_bytes());
        let href = format!("{items_url}{}", head.key);
        out.extend_from_slice(b",\"links\":{\"self\":{\"href\":");
        push_string(out, &href);
        out.extend_from_slice(b",\"type\":\"application/json\"},\"alternate\":{\"href\":");
        push_string(out, &href);
        out.extend_from_slice(b",\"type\":\"text/html\"}");
        if let Some(parent) = head.parent {
            out.extend_from_slice(b",\"up\":{\"href\":");
            push_string(out, &format!("{items_url}{parent}"));
            out.extend_from_slice(b",\"type\":\"application/json\"}");
        }
        out.extend_from_slice(b"},\"meta\":{");
        let mut meta = MetaWriter::new(out);
        if let Some(summary) = &head.creator_summary {
            meta.member("creatorSummary");
            push_string(meta.out, summary);
        }
        if let Some(date) = &head.parsed_date {
            meta.member("parsedDate");
            push_string(meta.out, date);
        }
        if let Some(count) = head.num_children {
            meta.member("numChildren");
            meta.out.extend_from_slice(count.to_string().as_bytes());
        }
        out.extend_from_slice(b"},\"data\":");
        out.extend_from_slice(data.as_bytes());
        out.push(b'}');
    }
}

/// Writes `"name":` members of an object, with commas between them.
struct MetaWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> MetaWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        Self { out, first: true }
    }

    fn member(&mut self, name: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        push_string(self.out, name);
        self.out.push(b':');
    }
}

/// Appends `text` as a JSON string.
fn push_string(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// What an envelope needs from an item's stored JSON: its identity, type,
/// parent, creators and date fields. Other values are skipped unread (but
/// checked to be well-formed), and strings are borrowed where they can be.
struct EnvelopeFields<'a> {
    key: Cow<'a, str>,
    version: u64,
    item_type: Cow<'a, str>,
    parent_item: Option<Cow<'a, str>>,
    /// Each creator's type and last (or single) name.
    creators: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Top-level string fields whose name contains "date" or "Date": one
    /// of them is the type's date field (`date`, `dateDecided`, …).
    dates: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl EnvelopeFields<'_> {
    fn is_regular(&self) -> bool {
        !matches!(&*self.item_type, "note" | "attachment" | "annotation")
    }

    fn creator_summary(&self) -> Option<String> {
        summarize_creators(
            &self.item_type,
            self.creators.iter().map(|(t, name)| (&**t, &**name)),
        )
    }

    /// `meta.parsedDate`: the type's date field (the base field `date` or
    /// the one mapped to it), as an ISO date when it can be read as one.
    fn parsed_date(&self) -> Option<String> {
        let field = |name: &str| {
            self.dates
                .iter()
                .find(|(n, value)| n == name && !value.is_empty())
                .map(|(_, value)| &**value)
        };
        let value = field("date").or_else(|| {
            let mapped = schema()
                .item_type(&self.item_type)?
                .field_for_base("date")?;
            field(mapped)
        })?;
        parse_date(value).iso()
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for EnvelopeFields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

struct FieldsVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for FieldsVisitor<'a> {
    type Value = EnvelopeFields<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item's JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let (mut key, mut version, mut item_type) = (None, None, None);
        let mut parent_item = None;
        let mut creators = Vec::new();
        let mut dates = Vec::new();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            match &*name {
                "key" => key = Some(map.next_value::<Text<'de>>()?.0),
                "version" => version = Some(map.next_value::<u64>()?),
                "itemType" => item_type = Some(map.next_value::<Text<'de>>()?.0),
                "parentItem" => parent_item = map.next_value::<Option<Text<'de>>>()?.map(|t| t.0),
                "creators" => {
                    creators = map
                        .next_value::<Vec<CreatorFields<'de>>>()?
                        .into_iter()
                        .map(|c| (c.creator_type, c.last_or_single))
                        .collect();
                }
                _ if name.contains("date") || name.contains("Date") => {
                    if let Some(Text(value)) = map.next_value::<Option<Text<'de>>>()? {
                        dates.push((name, value));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(EnvelopeFields {
            key: key.ok_or_else(|| de::Error::missing_field("key"))?,
            version: version.ok_or_else(|| de::Error::missing_field("version"))?,
            item_type: item_type.ok_or_else(|| de::Error::missing_field("itemType"))?,
            parent_item,
            creators,
            dates,
        })
    }
}

/// A creator's type and last (or single) name.
struct CreatorFields<'a> {
    creator_type: Cow<'a, str>,
    last_or_single: Cow<'a, str>,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for CreatorFields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(CreatorVisitor(std::marker::PhantomData))
    }
}

struct CreatorVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for CreatorVisitor<'a> {
    type Value = CreatorFields<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a creator's JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut creator_type = None;
        let (mut last, mut single) = (None, None);
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            match &*name {
                "creatorType" => creator_type = Some(map.next_value::<Text<'de>>()?.0),
                "lastName" => last = Some(map.next_value::<Text<'de>>()?.0),
                "name" => single = Some(map.next_value::<Text<'de>>()?.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(CreatorFields {
            creator_type: creator_type.ok_or_else(|| de::Error::missing_field("creatorType"))?,
            last_or_single: last.or(single).unwrap_or_default(),
        })
    }
}

/// A JSON string, borrowed from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(text)))
    }
}
