//! Saved searches evaluated live: a search's conditions become one SQL
//! condition on the candidate row `i`, built afresh on every query, so an
//! item that starts to match shows up without the search being saved again.

use rusqlite::{Connection, OptionalExtension, params};
use shelfmark_protocol::schema::schema;
use shelfmark_protocol::{ObjectKey, SavedSearchData};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::library::{Library, LibraryId};
use crate::search::conditions::{Condition, Field, Op, Operand, interval_start, parse_conditions};
use crate::search::filter::collection_members_sql;
use crate::search::index::{LAST_FIRST_START, NAME_END, NAME_START};
use crate::search::list::ItemListQuery;
use crate::search::sql::{Params, join_terms};
use crate::search::summary::{ItemSummary, Page};

/// A saved search as SQL.
pub(crate) struct CompiledSearch {
    pub sql: String,
    /// The search has a `deleted` condition, so it decides about the trash
    /// itself.
    pub mentions_trash: bool,
}

/// Compiles the saved search `key` of library `lib`; `lib_param` is the
/// placeholder already bound to the library id.
pub(crate) fn compile_saved_search(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
    lib_param: &str,
    params: &mut Params,
) -> Result<CompiledSearch> {
    let search =
        load_saved_search(conn, lib, key)?.ok_or_else(|| Error::not_found("saved search", key))?;
    let mut compiler = Compiler {
        conn,
        lib,
        lib_param,
        params,
        stack: vec![key.clone()],
        now: OffsetDateTime::now_utc(),
        use_trigrams: true,
    };
    let conditions = parse_conditions(&search.conditions)?;
    let sql = compiler.search(&conditions)?;
    Ok(CompiledSearch {
        sql,
        mentions_trash: conditions.iter().any(|c| c.field == Field::Deleted),
    })
}

fn load_saved_search(
    conn: &Connection,
    lib: LibraryId,
    key: &ObjectKey,
) -> Result<Option<SavedSearchData>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT data FROM saved_searches WHERE library_id = ?1 AND key = ?2",
            params![lib.0, key.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| {
        let value: serde_json::Value = serde_json::from_str(&j)?;
        SavedSearchData::from_json_value(value).map_err(|e| Error::Corrupt(e.to_string()))
    })
    .transpose()
}

struct Compiler<'a> {
    conn: &'a Connection,
    lib: LibraryId,
    lib_param: &'a str,
    params: &'a mut Params,
    /// Saved searches being compiled, outermost first, to refuse cycles.
    stack: Vec<ObjectKey>,
    /// One "now" for every `isInTheLast` of the query.
    now: OffsetDateTime,
    /// Look values of text conditions up in the trigram indexes before
    /// comparing (off only to check that both ways find the same).
    use_trigrams: bool,
}

/// Distinct three-character runs of a condition's value looked up at most:
/// any of them narrows the items down to those holding it; more runs
/// narrow further but cost a lookup each.
const MAX_TRIGRAMS: usize = 16;

/// The FTS5 query finding the rows of a trigram index (`tokenize =
/// 'trigram'`) that hold every three-character run of `value`: each row
/// holding `value` among them, and perhaps others, which the caller then
/// compares in full. `None` for values of fewer than three characters,
/// which no trigram index can look up.
pub(crate) fn trigram_query(value: &str) -> Option<String> {
    let chars: Vec<char> = value.chars().collect();
    let mut runs: Vec<String> = Vec::new();
    for window in chars.windows(3) {
        let run: String = window.iter().collect();
        if !runs.contains(&run) {
            runs.push(run);
        }
        if runs.len() == MAX_TRIGRAMS {
            break;
        }
    }
    if runs.is_empty() {
        return None;
    }
    let terms: Vec<String> = runs
        .iter()
        .map(|run| format!("\"{}\"", run.replace('"', "\"\"")))
        .collect();
    Some(terms.join(" AND "))
}

/// A positive text comparison of the SQL expression `hay` (folded text)
/// with the bound, folded `needle`.
fn text_test(op: Op, hay: &str, needle: &str) -> String {
    match op {
        Op::Is | Op::IsNot => format!("{hay} = {needle}"),
        Op::BeginsWith => format!("instr({hay}, {needle}) = 1"),
        _ => format!("instr({hay}, {needle}) > 0"),
    }
}

/// Negates `positive` for the negative operators; NULL (nothing to compare)
/// counts as not matching.
fn polarity(op: Op, positive: String) -> String {
    if op.is_negative() {
        format!("NOT coalesce(({positive}), 0)")
    } else {
        positive
    }
}

/// A comparison of a date or timestamp column with a date prefix
/// (`YYYY[-MM[-DD]]`), binding the bounds it needs: the prefix itself, or
/// the prefix followed by `~`, which sorts after every digit and dash.
/// Written as ranges so that the indexed date columns are searched, not
/// scanned.
fn date_test(params: &mut Params, op: Op, column: &str, prefix: &str) -> String {
    let mut low = || params.bind(prefix.to_owned());
    match op {
        Op::Is | Op::IsNot => {
            let low = low();
            let high = params.bind(format!("{prefix}~"));
            format!("{column} >= {low} AND {column} < {high}")
        }
        Op::IsBefore | Op::IsLessThan => format!("{column} > '' AND {column} < {}", low()),
        _ => format!("{column} >= {}", params.bind(format!("{prefix}~"))),
    }
}

impl Compiler<'_> {
    fn search(&mut self, conditions: &[Condition]) -> Result<String> {
        let any = conditions
            .iter()
            .any(|c| c.field == Field::JoinMode && c.op == Op::Any);
        let recursive = conditions
            .iter()
            .any(|c| c.field == Field::Recursive && c.op == Op::True);
        let mut terms = Vec::new();
        for c in conditions.iter().filter(|c| !c.field.is_setting()) {
            terms.push(self.condition(c, recursive)?);
        }
        Ok(join_terms(&terms, any))
    }

    fn bind_text(&mut self, s: &str) -> String {
        self.params.bind(s.to_owned())
    }

    /// A subquery of the ids of the items whose text in trigram index
    /// `table` may hold `value`: those whose indexed text holds every
    /// three-character run of it, and those in the full-text backlog, whose
    /// rows are not indexed yet. The caller compares the text in full.
    /// `None` for values too short to look up.
    fn trigram_candidates(&mut self, table: &str, value: &str) -> Option<String> {
        if !self.use_trigrams {
            return None;
        }
        let query = self.bind_text(&trigram_query(value)?);
        Some(format!(
            "SELECT rowid FROM {table} WHERE {table} MATCH {query}
             UNION ALL SELECT item_id FROM fulltext_backlog"
        ))
    }

    fn condition(&mut self, c: &Condition, recursive: bool) -> Result<String> {
        let op = c.op;
        let lib = self.lib_param.to_owned();
        Ok(match (&c.field, &c.operand) {
            (Field::Title, Operand::Text(t)) => {
                // The ids of matching titles, read from the title index (and,
                // for children listed in the trash, from the trash's rows),
                // once for the whole query.
                let n = self.bind_text(t);
                let test = text_test(op, "sort_title", &n);
                let matching = match self.trigram_candidates("item_title_trigrams", t) {
                    // Few rows hold every run of the value: those, by id.
                    Some(candidates) => format!(
                        "SELECT id FROM items
                          WHERE id IN ({candidates}) AND library_id = {lib}
                            AND (parent_key IS NULL OR in_trash = 1) AND {test}"
                    ),
                    None => format!(
                        "SELECT id FROM items INDEXED BY items_top_title
                          WHERE library_id = {lib} AND parent_key IS NULL AND {test}
                         UNION ALL
                         SELECT id FROM items INDEXED BY items_state
                          WHERE library_id = {lib} AND parent_key IS NOT NULL AND in_trash = 1
                            AND {test}"
                    ),
                };
                polarity(op, format!("i.id IN ({matching})"))
            }
            (Field::Creator, Operand::Text(t)) => {
                // A creator matches by last name, "First Last" or "Last,
                // First", read from the names folded when the item was
                // written (see `CreatorText` for the markers).
                // Both texts are in the trigram index, so the value's runs
                // narrow the rows compared for every operator.
                let candidates = self
                    .trigram_candidates("item_creator_trigrams", t)
                    .map_or(String::new(), |c| format!("t.item_id IN ({c}) AND "));
                let test = match op {
                    Op::Contains | Op::DoesNotContain => {
                        format!("instr(t.matching, {}) > 0", self.bind_text(t))
                    }
                    Op::BeginsWith => {
                        let start = self.bind_text(&format!("{NAME_START}{t}"));
                        format!("instr(t.names, {start}) > 0")
                    }
                    _ => [NAME_START, LAST_FIRST_START]
                        .map(|marker| {
                            let name = self.bind_text(&format!("{marker}{t}{NAME_END}"));
                            format!("instr(t.names, {name}) > 0")
                        })
                        .join(" OR "),
                };
                polarity(
                    op,
                    format!(
                        "i.id IN (SELECT item_id FROM item_creator_text t
                                   WHERE {candidates}({test}))"
                    ),
                )
            }
            (Field::Tag, Operand::Text(t)) => {
                let n = self.bind_text(t);
                // Each distinct tag is folded once, not once per item; they
                // are read by skipping from one to the next in the tag
                // index rather than reading every item's tags.
                polarity(
                    op,
                    format!(
                        "i.id IN (SELECT item_id FROM item_tags WHERE tag IN (
                            WITH RECURSIVE distinct_tags(tag) AS (
                                SELECT min(tag) FROM item_tags
                                UNION ALL
                                SELECT (SELECT min(tag) FROM item_tags WHERE tag > d.tag)
                                  FROM distinct_tags d WHERE d.tag IS NOT NULL)
                            SELECT tag FROM distinct_tags WHERE tag IS NOT NULL AND {}))",
                        text_test(op, "fold(tag)", &n)
                    ),
                )
            }
            (Field::Note, Operand::Text(t)) => {
                // The ids of matching notes and of their parents, gathered
                // once for the whole query from the notes' text folded when
                // they were written (their place through the compact
                // `items_tree` index).
                let candidates = self
                    .trigram_candidates("item_note_trigrams", t)
                    .map_or(String::new(), |c| format!("t.item_id IN ({c}) AND "));
                let n = self.bind_text(t);
                let test = format!("{candidates}{}", text_test(op, "t.text", &n));
                polarity(
                    op,
                    format!(
                        "i.id IN (
                            SELECT CASE WHEN n.parent_key IS NULL OR p.in_trash < n.in_trash
                                        THEN n.id ELSE p.id END
                              FROM item_note_text t
                              JOIN items n INDEXED BY items_tree ON n.id = t.item_id
                              LEFT JOIN items pk ON pk.library_id = n.library_id
                                                AND pk.key = n.parent_key
                              LEFT JOIN items p INDEXED BY items_tree ON p.id = pk.id
                             WHERE n.item_type = 'note' AND n.library_id = {lib} AND {test})"
                    ),
                )
            }
            (Field::AnnotationText | Field::AnnotationComment, Operand::Text(t)) => {
                let n = self.bind_text(t);
                let name = if c.field == Field::AnnotationText {
                    "annotationText"
                } else {
                    "annotationComment"
                };
                // Annotations sit under attachments, which sit under the item
                // or are the item: the ids of both, for matching annotations
                // not trashed apart from them.
                let test = text_test(op, &format!("fold(json_extract(a.data, '$.{name}'))"), &n);
                polarity(
                    op,
                    format!(
                        "i.id IN (
                            SELECT parent.id
                              FROM items a INDEXED BY items_tree
                              JOIN items pk ON pk.library_id = a.library_id AND pk.key = a.parent_key
                              JOIN items att INDEXED BY items_tree ON att.id = pk.id
                              LEFT JOIN items gk ON gk.library_id = att.library_id
                                                AND gk.key = att.parent_key
                              JOIN items parent INDEXED BY items_tree
                                ON parent.id IN (att.id, gk.id)
                             WHERE a.item_type = 'annotation' AND a.library_id = {lib}
                               AND a.in_trash <= parent.in_trash AND {test})"
                    ),
                )
            }
            (Field::Text(name) | Field::Count(name), Operand::Text(t)) => {
                let n = self.bind_text(t);
                let names = self.field_names(name);
                polarity(
                    op,
                    format!(
                        "EXISTS (SELECT 1 FROM json_each(i.data) f WHERE f.key IN ({names}) AND {})",
                        text_test(op, "fold(f.value)", &n)
                    ),
                )
            }
            (Field::Count(name), Operand::Number(x)) => {
                let x = self.params.bind(*x);
                let names = self.field_names(name);
                let cmp = if op == Op::IsLessThan { "<" } else { ">" };
                format!(
                    "EXISTS (SELECT 1 FROM json_each(i.data) f
                      WHERE f.key IN ({names}) AND f.value GLOB '[0-9]*'
                        AND CAST(f.value AS INTEGER) {cmp} {x})"
                )
            }
            (Field::ItemType, Operand::Text(t)) => {
                let t = self.bind_text(t);
                if op == Op::Is {
                    format!("i.item_type = {t}")
                } else {
                    format!("i.item_type <> {t}")
                }
            }
            (Field::Year, Operand::Number(y)) => {
                let test = date_test(self.params, op, "i.sort_date", &format!("{y:04}"));
                polarity(op, test)
            }
            (Field::Date, operand) => self.date_condition(op, "i.sort_date", operand, true),
            (Field::DateAdded, operand) => self.date_condition(op, "i.date_added", operand, false),
            (Field::DateModified, operand) => {
                self.date_condition(op, "i.date_modified", operand, false)
            }
            (Field::Timestamp(name), operand) => {
                let column = format!("coalesce(json_extract(i.data, '$.{name}'), '')");
                self.date_condition(op, &column, operand, false)
            }
            (Field::Collection, Operand::Key(key)) => {
                let members = collection_members_sql(key, recursive, &lib, self.params);
                if op == Op::Is {
                    format!("i.id IN ({members})")
                } else {
                    format!("i.id NOT IN ({members})")
                }
            }
            (Field::SavedSearch, Operand::Key(key)) => {
                let inner = self.nested_search(key)?;
                if op == Op::Is {
                    format!("coalesce(({inner}), 0)")
                } else {
                    format!("NOT coalesce(({inner}), 0)")
                }
            }
            (Field::Deleted, _) => {
                format!("i.in_trash = {}", if op == Op::True { 1 } else { 0 })
            }
            (Field::Unfiled, _) => {
                let test = "EXISTS (SELECT 1 FROM collection_items ci WHERE ci.item_id = i.id)";
                if op == Op::True {
                    format!("NOT {test}")
                } else {
                    test.to_owned()
                }
            }
            (field, operand) => {
                return Err(Error::invalid(format!(
                    "search condition on {field:?} cannot compare with {operand:?}"
                )));
            }
        })
    }

    /// A field and, when it is a base field, the fields mapped to it, as a
    /// list of bound parameters.
    fn field_names(&mut self, name: &str) -> String {
        let mut names = vec![name.to_owned()];
        names.extend(schema().fields_with_base(name).iter().cloned());
        names
            .into_iter()
            .map(|n| self.params.bind(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A date condition on `column`; `day_precision` columns hold
    /// `YYYY-MM-DD` (the item's date), the others full timestamps.
    fn date_condition(
        &mut self,
        op: Op,
        column: &str,
        operand: &Operand,
        day_precision: bool,
    ) -> String {
        match operand {
            Operand::Interval(count, unit) => {
                let mut start = interval_start(self.now, *count, *unit);
                if day_precision {
                    start.truncate(10);
                }
                let start = self.params.bind(start);
                format!("{column} >= {start}")
            }
            Operand::Date(value) => polarity(op, date_test(self.params, op, column, value)),
            _ => "0".to_owned(),
        }
    }

    /// Another saved search used as a condition. One that no longer exists
    /// finds nothing; one that leads back to a search being compiled is
    /// refused.
    fn nested_search(&mut self, key: &ObjectKey) -> Result<String> {
        if let Some(pos) = self.stack.iter().position(|k| k == key) {
            let path: Vec<&str> = self.stack[pos..]
                .iter()
                .chain(std::iter::once(key))
                .map(ObjectKey::as_str)
                .collect();
            return Err(Error::invalid(format!(
                "saved searches refer to each other in a loop: {}",
                path.join(" → ")
            )));
        }
        let Some(search) = load_saved_search(self.conn, self.lib, key)? else {
            return Ok("0".to_owned());
        };
        let conditions = parse_conditions(&search.conditions)?;
        self.stack.push(key.clone());
        let sql = self.search(&conditions);
        self.stack.pop();
        sql
    }
}

impl Library {
    /// The items a saved search finds now, listed as `query` says (its
    /// filter's `saved_search` is set to `key`).
    pub fn saved_search_items(
        &self,
        key: &str,
        query: &ItemListQuery,
    ) -> Result<Page<ItemSummary>> {
        let mut query = query.clone();
        query.filter.saved_search = Some(key.to_owned());
        self.list_items(&query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::WriteTx;
    use crate::search::conditions::validate_conditions;
    use crate::store::items::{BaseCopy, FulltextNow, write_item};
    use shelfmark_protocol::{Creator, ItemData, SearchCondition};

    /// A fixed-seed generator, so that a failure can be replayed.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
        fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
            list[self.below(list.len())]
        }
    }

    const LAST: &[&str] = &[
        "Müller", "Muller", "Smith", "Smithson", "Ång", "O'Brien", "Lee",
    ];
    const FIRST: &[&str] = &["Hans", "Jane", "Anne-Marie", "J.", "Zoë", ""];
    const WORDS: &[&str] = &[
        "climate",
        "Über",
        "analysis",
        "<i>ana</i>lysis",
        "change",
        "smith",
        "lee",
        "ice",
    ];

    fn words(rng: &mut Lcg, n: usize) -> String {
        (0..n)
            .map(|_| rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Items with creators, titles and notes drawn from a few overlapping
    /// names and words, some in the trash, some of them written as a large
    /// download writes them (their full text and trigram rows waiting in
    /// the backlog).
    fn generated_library(dir: &std::path::Path) -> Library {
        let lib = Library::create(dir.join("trigrams.shelfmark")).expect("create");
        let mut rng = Lcg(7);
        let mut parents = Vec::new();
        let mut items = Vec::new();
        for _ in 0..300 {
            let mut item = ItemData::new("book");
            let count = 1 + rng.below(4);
            let title = words(&mut rng, count);
            item.set_field("title", &title);
            for _ in 0..rng.below(4) {
                let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
                item.creators.push(Creator::person("author", first, last));
            }
            item.deleted = rng.below(10) == 0;
            parents.push(item.key.clone());
            items.push(item);
        }
        for _ in 0..150 {
            let mut note = ItemData::new("note");
            let count = 1 + rng.below(6);
            let html = format!("<p>{}</p>", words(&mut rng, count));
            note.set_field("note", &html);
            if rng.below(4) > 0 {
                note.parent_item = Some(parents[rng.below(parents.len())].clone());
            }
            note.deleted = rng.below(8) == 0;
            items.push(note);
        }
        lib.create_items(items).expect("create items");
        // A few items as a large download leaves them before its backlog
        // is indexed.
        lib.db
            .write(|tx: &mut WriteTx<'_>| {
                for _ in 0..20 {
                    let mut item = ItemData::new("book");
                    item.set_field("title", words(&mut rng, 2));
                    item.creators
                        .push(Creator::person("author", rng.pick(FIRST), rng.pick(LAST)));
                    write_item(
                        tx,
                        lib.id,
                        &item,
                        None,
                        true,
                        &[],
                        BaseCopy::SameAsData,
                        FulltextNow::QuickOnly,
                    )?;
                }
                Ok(())
            })
            .expect("backlog items");
        lib
    }

    /// The ids of the items of `lib` that `conditions` find, compiled with
    /// or without the trigram indexes.
    fn found(lib: &Library, conditions: &[SearchCondition], use_trigrams: bool) -> Vec<i64> {
        lib.db
            .read(|conn| {
                let mut params = Params::default();
                let lib_param = params.bind(lib.id.0);
                let mut compiler = Compiler {
                    conn,
                    lib: lib.id,
                    lib_param: &lib_param,
                    params: &mut params,
                    stack: Vec::new(),
                    now: OffsetDateTime::now_utc(),
                    use_trigrams,
                };
                let sql = compiler.search(&parse_conditions(conditions)?)?;
                let ids = conn
                    .prepare(&format!(
                        "SELECT i.id FROM items i WHERE i.library_id = {lib_param} AND ({sql})
                         ORDER BY i.id"
                    ))?
                    .query_map(params.as_params(), |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()?;
                Ok(ids)
            })
            .expect("search")
    }

    #[test]
    fn trigram_lookups_find_what_comparing_every_item_finds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lib = generated_library(dir.path());
        let values = [
            "muller",
            "müller",
            "smith",
            "smith, j",
            "hans muller",
            "h",
            "le",
            "lee",
            "ang",
            "o'brien",
            "\"",
            "ana",
            "analysis",
            "ice",
            "climate change",
            "über",
            "zzz",
        ];
        let mut nonempty = 0;
        for field in ["title", "creator", "note"] {
            for op in ["contains", "doesNotContain", "is", "isNot", "beginsWith"] {
                for value in values {
                    let conditions = [SearchCondition::new(field, op, value)];
                    if validate_conditions(&conditions).is_err() {
                        continue;
                    }
                    let with = found(&lib, &conditions, true);
                    let without = found(&lib, &conditions, false);
                    assert_eq!(with, without, "{field} {op} {value:?}");
                    nonempty += usize::from(!with.is_empty());
                }
            }
        }
        assert!(nonempty > 40, "the values find items: {nonempty}");
    }

    #[test]
    fn trigram_queries_quote_every_run() {
        assert_eq!(trigram_query("ab"), None);
        assert_eq!(trigram_query("abc").as_deref(), Some("\"abc\""));
        assert_eq!(
            trigram_query("a\"bcb\"").as_deref(),
            Some("\"a\"\"b\" AND \"\"\"bc\" AND \"bcb\" AND \"cb\"\"\"")
        );
        assert_eq!(trigram_query("aaaa").as_deref(), Some("\"aaa\""));
    }
}
