//! The Web API's write rules, as pure planners over a store [`Snapshot`]:
//! version preconditions (412/428/404), POST-as-PATCH merging, validation
//! (400/413), references (409), unchanged detection, and the write report.
//! One planner serves items, collections and saved searches through [`Kind`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};
use shelfmark_protocol::{
    CollectionData, ItemData, ObjectKey, SavedSearchData, ValidationError, validate_collection,
    validate_item, validate_saved_search,
};

use super::{LibCtx, parse_body};
use crate::error::{ApiError, ApiResult};
use crate::store::{Changes, Snapshot, WriteToken};
use shelfmark_protocol::headers;

/// Where a write request's time went, in the order it was spent, for its
/// `Server-Timing` header: what an operator (and the load benchmark) reads
/// to see whether reading the body, checking the objects, the store's
/// transaction or the answer is slow.
#[derive(Debug)]
pub struct WriteTiming {
    mark: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl WriteTiming {
    /// Starts timing at the request's first phase.
    pub fn start() -> Self {
        Self {
            mark: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Ends the phase `name`: the time since the previous one ended.
    pub fn lap(&mut self, name: &'static str) -> Duration {
        let now = Instant::now();
        let spent = now - self.mark;
        self.mark = now;
        self.phases.push((name, spent));
        spent
    }

    /// Splits `part` (measured inside the last phase) out of it, under its
    /// own name, before it.
    pub fn split_last(&mut self, part: &'static str, spent: Duration) {
        if let Some((_, last)) = self.phases.last_mut() {
            let part_spent = spent.min(*last);
            *last -= part_spent;
            let at = self.phases.len() - 1;
            self.phases.insert(at, (part, part_spent));
        }
    }

    /// The `Server-Timing` header's value: `name;dur=milliseconds`, each
    /// phase in order.
    pub fn header_value(&self) -> HeaderValue {
        let text = self
            .phases
            .iter()
            .map(|(name, d)| format!("{name};dur={:.3}", d.as_secs_f64() * 1000.0))
            .collect::<Vec<_>>()
            .join(", ");
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// Why one object of a write was refused: its code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u16,
    pub message: String,
}

/// A failed object; its message never carries a control character the
/// client sent (they are written as escapes).
fn failure(code: u16, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: crate::error::printable(&message.into()),
    }
}

fn invalid(e: &ValidationError) -> Failure {
    failure(if e.is_too_long() { 413 } else { 400 }, e.to_string())
}

/// The objects a write can see, updated as objects are accepted so that a
/// later object may refer to an earlier one (a child after its parent).
#[derive(Debug, Clone, Default)]
pub struct World {
    pub items: HashMap<ObjectKey, ItemData>,
    pub collections: HashMap<ObjectKey, CollectionData>,
    pub searches: HashMap<ObjectKey, SavedSearchData>,
    /// Whether the caller's key may see (and so write) notes.
    pub notes_allowed: bool,
}

impl World {
    /// The snapshot's objects.
    pub fn of(snapshot: &Snapshot) -> Self {
        Self {
            items: snapshot.items.clone(),
            collections: snapshot.collections.clone(),
            searches: snapshot.searches.clone(),
            notes_allowed: true,
        }
    }
}

/// An object kind that is written through the Web API's object rules.
pub trait Kind: 'static {
    type Data: Clone + PartialEq + Send + Sync + std::fmt::Debug + 'static;
    /// "Item", "Collection" or "Search", for messages.
    const NAME: &'static str;
    fn from_json(value: Value) -> Result<Self::Data, ValidationError>;
    fn to_json(data: &Self::Data) -> Value;
    fn key(data: &Self::Data) -> &ObjectKey;
    fn version(data: &Self::Data) -> u64;
    fn set_version(data: &mut Self::Data, version: u64);
    /// The objects of this kind a snapshot holds.
    fn stored(snapshot: &Snapshot) -> &HashMap<ObjectKey, Self::Data>;
    /// The objects of this kind a write sees.
    fn seen(world: &World) -> &HashMap<ObjectKey, Self::Data>;
    /// The objects of this kind a write sees, to add to.
    fn seen_mut(world: &mut World) -> &mut HashMap<ObjectKey, Self::Data>;
    /// The list of changes objects of this kind are saved through.
    fn saved(changes: &mut Changes) -> &mut Vec<Self::Data>;
    /// Validates and checks references; fills in what the server sets.
    /// `explicit` is the object as sent.
    fn check(
        data: &mut Self::Data,
        old: Option<&Self::Data>,
        explicit: &Map<String, Value>,
        world: &World,
        now: &str,
    ) -> Result<(), Failure>;
    /// Marks a changed object as modified now, unless the client said when.
    fn touch(_data: &mut Self::Data, _explicit: &Map<String, Value>, _now: &str) {}
    /// Ignores what a no-op write may differ in (the modification time).
    fn same(a: &Self::Data, b: &Self::Data) -> bool {
        a == b
    }
    /// The object with this key, as the write sees it.
    fn get<'a>(world: &'a World, key: &ObjectKey) -> Option<&'a Self::Data> {
        Self::seen(world).get(key)
    }
    /// Lets later objects of the write see this one.
    fn put(world: &mut World, data: Self::Data) {
        Self::seen_mut(world).insert(Self::key(&data).clone(), data);
    }
    /// Saves the object with the write.
    fn record(changes: &mut Changes, data: Self::Data) {
        Self::saved(changes).push(data);
    }
}

/// The accessors every kind shares: each data type carries `key` and
/// `version`, converts to JSON the same way, and lives in a map of its own
/// (named `$field`) in snapshots, worlds and changes.
macro_rules! shared_accessors {
    ($data:ty, $field:ident) => {
        type Data = $data;
        fn to_json(data: &$data) -> Value {
            data.to_json_value()
        }
        fn key(data: &$data) -> &ObjectKey {
            &data.key
        }
        fn version(data: &$data) -> u64 {
            data.version
        }
        fn set_version(data: &mut $data, version: u64) {
            data.version = version;
        }
        fn stored(snapshot: &Snapshot) -> &HashMap<ObjectKey, $data> {
            &snapshot.$field
        }
        fn seen(world: &World) -> &HashMap<ObjectKey, $data> {
            &world.$field
        }
        fn seen_mut(world: &mut World) -> &mut HashMap<ObjectKey, $data> {
            &mut world.$field
        }
        fn saved(changes: &mut Changes) -> &mut Vec<$data> {
            &mut changes.$field
        }
    };
}

/// Some Zotero clients (pyzotero 1.6's `attachment_simple`) send an
/// attachment's local path as its `filename`; only the last component is a
/// file name, and only that is kept. A name that is nothing but a path (or
/// `..`) is left for validation to refuse.
fn keep_file_name_only(item: &mut ItemData) {
    let Some(name) = item.field("filename") else {
        return;
    };
    if !name.contains(['/', '\\']) {
        return;
    }
    let last = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_owned();
    if !last.is_empty() && last != "." && last != ".." {
        item.set_field("filename", last);
    }
}

/// Items.
#[derive(Debug)]
pub struct Items;
/// Collections.
#[derive(Debug)]
pub struct Collections;
/// Saved searches.
#[derive(Debug)]
pub struct Searches;

impl Kind for Items {
    shared_accessors!(ItemData, items);
    const NAME: &'static str = "Item";
    fn from_json(value: Value) -> Result<ItemData, ValidationError> {
        let mut item = ItemData::from_json_value(value)?;
        keep_file_name_only(&mut item);
        Ok(item)
    }
    fn check(
        item: &mut ItemData,
        old: Option<&ItemData>,
        explicit: &Map<String, Value>,
        world: &World,
        now: &str,
    ) -> Result<(), Failure> {
        if !world.notes_allowed && (item.is_note() || old.is_some_and(ItemData::is_note)) {
            return Err(failure(403, "Notes access denied"));
        }
        super::text::check_item(item).map_err(|m| failure(400, m))?;
        validate_item(item).map_err(|e| invalid(&e))?;
        if let Some(parent_key) = &item.parent_item {
            let Some(parent) = world.items.get(parent_key) else {
                return Err(failure(409, format!("Parent item {parent_key} not found")));
            };
            if item.is_annotation() {
                if !parent.is_attachment() {
                    return Err(failure(
                        409,
                        format!("Parent item {parent_key} of an annotation must be an attachment"),
                    ));
                }
            } else if !parent.is_regular() {
                return Err(failure(
                    409,
                    format!("Parent item {parent_key} cannot be a note or attachment"),
                ));
            }
        }
        for coll in &item.collections {
            if !world.collections.contains_key(coll) {
                return Err(failure(409, format!("Collection {coll} not found")));
            }
        }
        if let Some(old) = old {
            if explicit.contains_key("dateAdded")
                && item.date_added.is_some()
                && old.date_added.is_some()
                && item.date_added != old.date_added
            {
                return Err(failure(
                    400,
                    "'dateAdded' cannot be modified for existing items",
                ));
            }
            if item.date_added.is_none() {
                item.date_added.clone_from(&old.date_added);
            }
            if old.is_annotation() && item.field("annotationType") != old.field("annotationType") {
                return Err(failure(400, "'annotationType' cannot be changed"));
            }
        }
        if item.date_added.is_none() {
            item.date_added = Some(now.to_owned());
        }
        if item.date_modified.is_none() {
            item.date_modified = old
                .and_then(|o| o.date_modified.clone())
                .or_else(|| Some(now.to_owned()));
        }
        Ok(())
    }
    fn touch(item: &mut ItemData, explicit: &Map<String, Value>, now: &str) {
        if !explicit.contains_key("dateModified") {
            item.date_modified = Some(now.to_owned());
        }
    }
    fn same(a: &ItemData, b: &ItemData) -> bool {
        let mut a = a.clone();
        a.date_modified.clone_from(&b.date_modified);
        &a == b
    }
}

impl Kind for Collections {
    shared_accessors!(CollectionData, collections);
    const NAME: &'static str = "Collection";
    fn from_json(value: Value) -> Result<CollectionData, ValidationError> {
        CollectionData::from_json_value(value)
    }
    fn check(
        coll: &mut CollectionData,
        _old: Option<&CollectionData>,
        _explicit: &Map<String, Value>,
        world: &World,
        _now: &str,
    ) -> Result<(), Failure> {
        super::text::check_collection(coll).map_err(|m| failure(400, m))?;
        validate_collection(coll).map_err(|e| invalid(&e))?;
        let mut parent = coll.parent_collection.clone();
        let mut steps = 0;
        while let Some(key) = parent {
            if key == coll.key {
                return Err(failure(
                    400,
                    "'parentCollection' would make a cycle of collections",
                ));
            }
            let Some(p) = world.collections.get(&key) else {
                return Err(failure(409, format!("Parent collection {key} not found")));
            };
            parent = p.parent_collection.clone();
            steps += 1;
            if steps > 10_000 {
                return Err(failure(400, "'parentCollection' nesting is too deep"));
            }
        }
        Ok(())
    }
}

impl Kind for Searches {
    shared_accessors!(SavedSearchData, searches);
    const NAME: &'static str = "Search";
    fn from_json(value: Value) -> Result<SavedSearchData, ValidationError> {
        SavedSearchData::from_json_value(value)
    }
    fn check(
        search: &mut SavedSearchData,
        _old: Option<&SavedSearchData>,
        _explicit: &Map<String, Value>,
        _world: &World,
        _now: &str,
    ) -> Result<(), Failure> {
        super::text::check_search(search).map_err(|m| failure(400, m))?;
        validate_saved_search(search).map_err(|e| invalid(&e))
    }
}

/// How the version of a write is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// A batch POST: the library-level header (already checked) or each
    /// object's own `version`.
    Batch { library_header: bool },
    /// A single-object write: the object's version from the header or body.
    Single { version: Option<u64> },
}

/// Whether omitted properties keep their stored values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST and PATCH: omitted properties are kept.
    Merge,
    /// PUT: the object is replaced.
    Replace,
}

/// What became of one object.
#[derive(Debug, Clone)]
pub enum Outcome<D> {
    Saved(D),
    Unchanged(ObjectKey),
}

/// The object itself when a whole envelope was sent (`{key, version, data}`).
fn unwrap_envelope(map: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(data)) = map.get("data")
        && (map.contains_key("links") || map.contains_key("library") || map.contains_key("meta"))
    {
        return data.clone();
    }
    map
}

fn json_version(map: &Map<String, Value>) -> Result<Option<u64>, Failure> {
    match map.get("version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| failure(400, "'version' must be a non-negative integer")),
    }
}

/// Refuses a write that says "new" (version 0) for an object that exists,
/// or names a version older than the stored one.
fn check_stale<K: Kind>(old: &K::Data, version: Option<u64>) -> Result<(), Failure> {
    match version {
        Some(0) => Err(failure(
            412,
            format!("{} {} already exists", K::NAME, K::key(old)),
        )),
        Some(v) if K::version(old) > v => Err(failure(
            412,
            format!(
                "{} has been modified since specified version (expected {v}, found {})",
                K::NAME,
                K::version(old)
            ),
        )),
        _ => Ok(()),
    }
}

/// Applies one object to the world. `url_key` is the key in the URL of a
/// single-object write.
pub fn apply_one<K: Kind>(
    world: &mut World,
    raw: Value,
    url_key: Option<&ObjectKey>,
    precondition: Precondition,
    mode: Mode,
    next_version: u64,
    now: &str,
) -> Result<Outcome<K::Data>, (Option<String>, Failure)> {
    let Value::Object(map) = raw else {
        return Err((
            None,
            failure(400, format!("{} must be a JSON object", K::NAME)),
        ));
    };
    let map = unwrap_envelope(map);
    let key_text = match map.get("key") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err((None, failure(400, "'key' must be a string"))),
    };
    let key = match (&key_text, url_key) {
        (Some(text), _) => Some(ObjectKey::parse(text).map_err(|_| {
            (
                Some(text.clone()),
                failure(400, format!("Invalid key '{text}'")),
            )
        })?),
        (None, Some(k)) => Some(k.clone()),
        (None, None) => None,
    };
    if let (Some(k), Some(url)) = (&key, url_key)
        && k != url
    {
        return Err((
            key_text,
            failure(400, format!("Key '{k}' does not match the URL ('{url}')")),
        ));
    }
    let shown_key = key.as_ref().map(ToString::to_string);
    let fail = |f: Failure| (shown_key.clone(), f);
    let body_version = json_version(&map).map_err(fail)?;
    let existing = key.as_ref().and_then(|k| K::get(world, k)).cloned();

    match (precondition, &existing) {
        (Precondition::Batch { library_header }, Some(old)) => {
            if body_version.is_none() && !library_header {
                return Err(fail(failure(
                    428,
                    format!("{} version not provided", K::NAME),
                )));
            }
            check_stale::<K>(old, body_version).map_err(fail)?;
        }
        (Precondition::Batch { .. }, None) => {
            if let (Some(v), Some(k)) = (body_version, &key)
                && v > 0
            {
                return Err(fail(failure(404, format!("{} {k} doesn't exist", K::NAME))));
            }
        }
        (Precondition::Single { version }, Some(old)) => {
            if version.is_none() {
                return Err(fail(failure(
                    428,
                    "If-Unmodified-Since-Version not provided",
                )));
            }
            check_stale::<K>(old, version).map_err(fail)?;
        }
        (Precondition::Single { version }, None) => {
            let missing = match mode {
                Mode::Merge => version != Some(0),
                Mode::Replace => version.is_some_and(|v| v > 0),
            };
            if missing {
                return Err(fail(failure(404, format!("{} doesn't exist", K::NAME))));
            }
        }
    }

    let explicit = map.clone();
    let merged = match (&existing, mode) {
        (Some(old), Mode::Merge) => {
            let mut base = match K::to_json(old) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            for (k, v) in map {
                base.insert(k, v);
            }
            base
        }
        _ => map,
    };
    let mut merged = merged;
    if let Some(k) = &key {
        merged.insert("key".into(), Value::String(k.to_string()));
    }
    let mut data = K::from_json(Value::Object(merged)).map_err(|e| fail(invalid(&e)))?;
    K::check(&mut data, existing.as_ref(), &explicit, world, now).map_err(fail)?;
    if let Some(old) = &existing {
        K::set_version(&mut data, K::version(old));
        if K::same(&data, old) {
            return Ok(Outcome::Unchanged(K::key(old).clone()));
        }
    }
    K::touch(&mut data, &explicit, now);
    K::set_version(&mut data, next_version);
    K::put(world, data.clone());
    Ok(Outcome::Saved(data))
}

/// The result of a batch POST before envelopes are built.
#[derive(Debug, Clone)]
pub struct BatchResult<D> {
    pub saved: Vec<(usize, D)>,
    pub unchanged: Vec<(usize, ObjectKey)>,
    pub failed: Vec<(usize, Option<String>, Failure)>,
}

/// What a batch POST brings.
#[derive(Debug, Clone)]
pub struct BatchInput {
    pub objects: Vec<Value>,
    /// Whether the key may write notes.
    pub notes_allowed: bool,
    pub library_header: Option<u64>,
    pub write_token: Option<WriteToken>,
    pub now: String,
}

/// Request-level checks of a batch: the library version header and the
/// write token.
fn batch_precondition(snapshot: &Snapshot, input: &BatchInput) -> Result<(), ApiError> {
    if let Some(expected) = input.library_header
        && snapshot.library_version > expected
    {
        return Err(ApiError::precondition_failed(
            format!(
                "Library has been modified since specified version (expected {expected}, found {})",
                snapshot.library_version
            ),
            snapshot.library_version,
        ));
    }
    if input.write_token.is_some() && snapshot.write_token_used {
        return Err(ApiError::precondition_failed(
            "Write token already used",
            snapshot.library_version,
        ));
    }
    Ok(())
}

/// Plans a batch POST of objects of one kind.
pub fn plan_batch<K: Kind>(
    snapshot: &Snapshot,
    input: &BatchInput,
) -> (Option<Changes>, Result<BatchResult<K::Data>, ApiError>) {
    if let Err(e) = batch_precondition(snapshot, input) {
        return (None, Err(e));
    }
    let mut world = World::of(snapshot);
    world.notes_allowed = input.notes_allowed;
    let mut result = BatchResult {
        saved: Vec::new(),
        unchanged: Vec::new(),
        failed: Vec::new(),
    };
    let precondition = Precondition::Batch {
        library_header: input.library_header.is_some(),
    };
    // A key may appear twice in one batch; the last write wins in storage.
    let mut latest: HashMap<ObjectKey, K::Data> = HashMap::new();
    let mut order: Vec<ObjectKey> = Vec::new();
    for (index, raw) in input.objects.iter().enumerate() {
        match apply_one::<K>(
            &mut world,
            raw.clone(),
            None,
            precondition,
            Mode::Merge,
            snapshot.next_version(),
            &input.now,
        ) {
            Ok(Outcome::Saved(data)) => {
                let key = K::key(&data).clone();
                if latest.insert(key.clone(), data.clone()).is_none() {
                    order.push(key);
                }
                result.saved.push((index, data));
            }
            Ok(Outcome::Unchanged(key)) => result.unchanged.push((index, key)),
            Err((key, f)) => result.failed.push((index, key, f)),
        }
    }
    let mut changes = Changes::default();
    for key in order {
        if let Some(data) = latest.remove(&key) {
            K::record(&mut changes, data);
        }
    }
    changes.record_write_token = input.write_token.clone();
    (Some(changes), Ok(result))
}

/// The write report: `successful`, `success`, `unchanged` and `failed`, each
/// keyed by the object's index in the request as a string, written
/// compactly. `envelopes` are the saved objects' envelopes, in the order of
/// `result.saved`.
pub fn report<D>(
    result: &BatchResult<D>,
    envelopes: &[Vec<u8>],
    key_of: impl Fn(&D) -> String,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(envelopes.iter().map(Vec::len).sum::<usize>() + 256);
    out.extend_from_slice(b"{\"successful\":");
    let saved_indexes = result.saved.iter().map(|(i, _)| *i);
    indexed_object(&mut out, saved_indexes.zip(envelopes), |out, envelope| {
        out.extend_from_slice(envelope);
    });
    out.extend_from_slice(b",\"success\":");
    let saved = result.saved.iter().map(|(i, data)| (*i, data));
    indexed_object(&mut out, saved, |out, data| push_json(out, &key_of(data)));
    out.extend_from_slice(b",\"unchanged\":");
    let unchanged = result.unchanged.iter().map(|(i, key)| (*i, key));
    indexed_object(&mut out, unchanged, |out, key| push_json(out, key.as_str()));
    out.extend_from_slice(b",\"failed\":");
    let failed = result.failed.iter().map(|(i, key, f)| (*i, (key, f)));
    indexed_object(&mut out, failed, |out, (key, failure)| {
        let mut entry = Map::new();
        if let Some(k) = key {
            entry.insert("key".into(), Value::String(k.clone()));
        }
        entry.insert("code".into(), json!(failure.code));
        entry.insert("message".into(), Value::String(failure.message.clone()));
        push_json(out, &entry);
    });
    out.push(b'}');
    out
}

/// A JSON object keyed by each entry's index in the request, as a string.
fn indexed_object<T>(
    out: &mut Vec<u8>,
    entries: impl IntoIterator<Item = (usize, T)>,
    mut value: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'{');
    for (n, (index, entry)) in entries.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        push_json(out, &index.to_string());
        out.push(b':');
        value(out, entry);
    }
    out.push(b'}');
}

fn push_json(out: &mut Vec<u8>, value: &(impl serde::Serialize + ?Sized)) {
    // Writing into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The version a single-object write is checked against: header and body
/// must agree when both are sent.
pub fn single_version(header: Option<u64>, body: &Value) -> Result<Option<u64>, ApiError> {
    let body_version = match body.get("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| ApiError::bad_request("'version' must be a non-negative integer"))?,
        ),
    };
    match (header, body_version) {
        (Some(h), Some(b)) if h != b => Err(ApiError::bad_request(format!(
            "If-Unmodified-Since-Version ({h}) does not match the object's version ({b})"
        ))),
        (h, b) => Ok(h.or(b)),
    }
}

/// Turns a single object's failure into the request's answer. A 412 carries
/// the object's current version.
pub fn single_failure(f: Failure, object_version: u64) -> ApiError {
    let status = StatusCode::from_u16(f.code).unwrap_or(StatusCode::BAD_REQUEST);
    if status == StatusCode::PRECONDITION_FAILED {
        ApiError::precondition_failed(f.message, object_version)
    } else {
        ApiError::new(status, f.message)
    }
}

/// Plans a single-object PUT or PATCH.
pub fn plan_single<K: Kind>(
    snapshot: &Snapshot,
    key: &ObjectKey,
    body: Value,
    version: Option<u64>,
    mode: Mode,
    now: &str,
    notes_allowed: bool,
) -> (Option<Changes>, Result<Option<K::Data>, ApiError>) {
    let mut world = World::of(snapshot);
    world.notes_allowed = notes_allowed;
    let current = K::get(&world, key).map(K::version).unwrap_or(0);
    match apply_one::<K>(
        &mut world,
        body,
        Some(key),
        Precondition::Single { version },
        mode,
        snapshot.next_version(),
        now,
    ) {
        Ok(Outcome::Saved(data)) => {
            let mut changes = Changes::default();
            K::record(&mut changes, data.clone());
            (Some(changes), Ok(Some(data)))
        }
        Ok(Outcome::Unchanged(_)) => (None, Ok(None)),
        Err((_, f)) => (None, Err(single_failure(f, current))),
    }
}

/// Every item below `roots` (children, and annotations of attachments).
pub fn descendants(items: &HashMap<ObjectKey, ItemData>, roots: &[ObjectKey]) -> Vec<ObjectKey> {
    let mut out: Vec<ObjectKey> = Vec::new();
    let mut frontier: Vec<ObjectKey> = roots.to_vec();
    while let Some(parent) = frontier.pop() {
        for item in items.values() {
            if item.parent_item.as_ref() == Some(&parent) && !out.contains(&item.key) {
                out.push(item.key.clone());
                frontier.push(item.key.clone());
            }
        }
    }
    out
}

/// Reads a batch body: a JSON array of at most `max` objects.
pub fn batch_body(body: &[u8], max: usize) -> ApiResult<Vec<Value>> {
    match parse_body(body)? {
        Value::Array(list) if list.len() > max => Err(ApiError::too_large(format!(
            "Only {max} objects can be saved in a single request"
        ))),
        Value::Array(list) => Ok(list),
        _ => Err(ApiError::bad_request("Uploaded data must be a JSON array")),
    }
}

/// The `Zotero-Write-Token` of a request, if any.
pub fn write_token(ctx: &LibCtx, headers: &HeaderMap) -> ApiResult<Option<WriteToken>> {
    let Some(value) = headers.get(headers::WRITE_TOKEN) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| ApiError::bad_request("Invalid Zotero-Write-Token"))?;
    let key_id = ctx.caller.as_ref().map_or(0, |c| c.key.id);
    Ok(Some(WriteToken {
        key_id,
        token: token.to_owned(),
    }))
}

/// The library-level `If-Unmodified-Since-Version` check of a multi-object write.
pub fn library_precondition(expected: Option<u64>, current: u64) -> Result<(), ApiError> {
    match expected {
        Some(e) if current > e => Err(ApiError::precondition_failed(
            format!(
                "Library has been modified since specified version (expected {e}, found {current})"
            ),
            current,
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_report_keys_each_kind_of_outcome_by_request_index() {
        let key = |k: &str| ObjectKey::parse(k).expect("key");
        let result = BatchResult {
            saved: vec![(0, "ABCD2345".to_owned()), (2, "BCDE3456".to_owned())],
            unchanged: vec![(1, key("CDEF4567"))],
            failed: vec![(
                3,
                Some("DEFG5678".to_owned()),
                Failure {
                    code: 412,
                    message: "Item has been modified since \"version\" 3".to_owned(),
                },
            )],
        };
        let envelopes = vec![
            br#"{"key":"ABCD2345"}"#.to_vec(),
            br#"{"key":"BCDE3456"}"#.to_vec(),
        ];
        let body = report(&result, &envelopes, Clone::clone);
        let written: Value = serde_json::from_slice(&body).expect("a JSON object");
        assert_eq!(
            written,
            json!({
                "successful": {"0": {"key": "ABCD2345"}, "2": {"key": "BCDE3456"}},
                "success": {"0": "ABCD2345", "2": "BCDE3456"},
                "unchanged": {"1": "CDEF4567"},
                "failed": {"3": {
                    "key": "DEFG5678",
                    "code": 412,
                    "message": "Item has been modified since \"version\" 3"
                }},
            })
        );
        let empty: BatchResult<String> = BatchResult {
            saved: Vec::new(),
            unchanged: Vec::new(),
            failed: Vec::new(),
        };
        assert_eq!(
            String::from_utf8(report(&empty, &[], Clone::clone)).expect("text"),
            r#"{"successful":{},"success":{},"unchanged":{},"failed":{}}"#
        );
    }

    #[test]
    fn write_timing_names_each_phase_in_order_with_its_milliseconds() {
        let mut timing = WriteTiming::start();
        timing.lap("parse");
        std::thread::sleep(Duration::from_millis(3));
        timing.lap("store");
        timing.split_last("validate", Duration::from_millis(1));
        timing.lap("answer");
        let value = timing.header_value();
        let text = value.to_str().expect("ASCII");
        let phases: Vec<(&str, f64)> = text
            .split(", ")
            .map(|p| {
                let (name, dur) = p.split_once(";dur=").expect("name;dur=");
                (name, dur.parse().expect("milliseconds"))
            })
            .collect();
        let names: Vec<&str> = phases.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["parse", "validate", "store", "answer"]);
        assert!((phases[1].1 - 1.0).abs() < 1e-9, "{text}");
        assert!(phases[2].1 >= 1.9, "{text}");
    }

    fn snapshot_with(items: Vec<ItemData>, version: u64) -> Snapshot {
        Snapshot {
            library_version: version,
            items: items.into_iter().map(|i| (i.key.clone(), i)).collect(),
            ..Snapshot::default()
        }
    }

    fn input(objects: Vec<Value>, header: Option<u64>) -> BatchInput {
        BatchInput {
            objects,
            notes_allowed: true,
            library_header: header,
            write_token: None,
            now: "2024-01-01T00:00:00Z".into(),
        }
    }

    fn book(key: &str, version: u64, title: &str) -> ItemData {
        let mut b = ItemData::new("book");
        b.key = ObjectKey::parse(key).expect("key");
        b.version = version;
        b.set_field("title", title);
        b.date_added = Some("2023-01-01T00:00:00Z".into());
        b.date_modified = Some("2023-01-01T00:00:00Z".into());
        b
    }

    #[test]
    fn batch_reports_each_outcome_by_index() {
        let snap = snapshot_with(vec![book("AAAA2222", 3, "Old")], 5);
        let objects = vec![
            json!({"itemType": "book", "title": "New"}),
            json!({"key": "AAAA2222", "version": 3, "title": "Old"}),
            json!({"itemType": "book", "notAField": "x"}),
            json!({"key": "AAAA2222", "version": 2, "title": "Stale"}),
            json!({"key": "BBBB3333", "version": 4, "itemType": "book"}),
            json!({"key": "AAAA2222", "title": "No version"}),
            json!({"itemType": "note", "parentItem": "CCCC4444", "note": "x"}),
        ];
        let (changes, result) = plan_batch::<Items>(&snap, &input(objects, None));
        let result = result.expect("not rejected");
        assert_eq!(result.saved.len(), 1);
        assert_eq!(result.saved[0].0, 0);
        assert_eq!(result.saved[0].1.version, 6);
        assert_eq!(
            result.unchanged,
            vec![(1, ObjectKey::parse("AAAA2222").expect("key"))]
        );
        let codes: Vec<(usize, u16)> = result.failed.iter().map(|(i, _, f)| (*i, f.code)).collect();
        assert_eq!(
            codes,
            vec![(2, 400), (3, 412), (4, 404), (5, 428), (6, 409)]
        );
        assert!(result.failed[0].2.message.contains("notAField"));
        assert_eq!(changes.expect("changes").items.len(), 1);
    }

    #[test]
    fn stale_library_header_rejects_the_whole_batch() {
        let snap = snapshot_with(vec![], 9);
        let (changes, result) =
            plan_batch::<Items>(&snap, &input(vec![json!({"itemType": "book"})], Some(8)));
        assert!(changes.is_none());
        let err = result.expect_err("412");
        assert_eq!(err.status, StatusCode::PRECONDITION_FAILED);
    }

    #[test]
    fn children_may_follow_parents_in_one_batch() {
        let snap = snapshot_with(vec![], 0);
        let objects = vec![
            json!({"key": "PPPP2222", "itemType": "book", "title": "Parent"}),
            json!({"itemType": "note", "parentItem": "PPPP2222", "note": "<p>hi</p>"}),
        ];
        let (_, result) = plan_batch::<Items>(&snap, &input(objects, None));
        let result = result.expect("ok");
        assert_eq!(result.saved.len(), 2, "{:?}", result.failed);
    }

    #[test]
    fn single_version_mismatch_is_400() {
        assert!(single_version(Some(3), &json!({"version": 4})).is_err());
        assert_eq!(
            single_version(Some(3), &json!({"version": 3})).expect("ok"),
            Some(3)
        );
        assert_eq!(single_version(None, &json!({})).expect("ok"), None);
    }

    #[test]
    fn patch_merges_and_put_replaces() {
        let mut old = book("AAAA2222", 3, "Old");
        old.set_field("publisher", "Pub");
        let snap = snapshot_with(vec![old], 3);
        let key = ObjectKey::parse("AAAA2222").expect("key");
        let (_, patched) = plan_single::<Items>(
            &snap,
            &key,
            json!({"title": "New"}),
            Some(3),
            Mode::Merge,
            "2024-01-01T00:00:00Z",
            true,
        );
        let patched = patched.expect("ok").expect("changed");
        assert_eq!(patched.field("publisher"), Some("Pub"));
        assert_eq!(patched.date_added.as_deref(), Some("2023-01-01T00:00:00Z"));
        assert_eq!(
            patched.date_modified.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        let (_, put) = plan_single::<Items>(
            &snap,
            &key,
            json!({"itemType": "book", "title": "New"}),
            Some(3),
            Mode::Replace,
            "2024-01-01T00:00:00Z",
            true,
        );
        assert_eq!(put.expect("ok").expect("changed").field("publisher"), None);
        let (_, stale) = plan_single::<Items>(
            &snap,
            &key,
            json!({"title": "x"}),
            Some(2),
            Mode::Merge,
            "2024-01-01T00:00:00Z",
            true,
        );
        let err = stale.expect_err("412");
        assert_eq!(err.status, StatusCode::PRECONDITION_FAILED);
        let (_, none) = plan_single::<Items>(
            &snap,
            &key,
            json!({"title": "x"}),
            None,
            Mode::Merge,
            "2024-01-01T00:00:00Z",
            true,
        );
        assert_eq!(
            none.expect_err("428").status,
            StatusCode::PRECONDITION_REQUIRED
        );
    }
}
