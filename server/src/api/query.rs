//! Reading list filters from query parameters: `since`, `itemKey`, `tag`,
//! `itemType`, `q`/`qmode`, `sort`/`direction`, `includeTrashed`, `format`.

use shelfmark_protocol::ObjectKey;
use shelfmark_protocol::limits::WRITE_BATCH_MAX;
use shelfmark_protocol::schema::schema;

use super::Params;
use super::export::ExportFormat;
use crate::error::{ApiError, ApiResult};
use crate::store::{AnyOf, ItemQuery, ItemScope, QMode, SortField};

/// The answer format of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Keys,
    Versions,
    /// A formatted bibliography (items only).
    Bib,
    /// An export file format (items only).
    Export(ExportFormat),
    /// An Atom feed or entry (items only), its `content` read apart.
    Atom,
}

impl Format {
    /// Reads `format` of an item request: by default `json`, or `atom` when
    /// `content` is given (as the Web API does).
    pub fn from_params(params: &Params) -> ApiResult<Self> {
        let default = if params.get("content").is_some() {
            "atom"
        } else {
            "json"
        };
        match params.get("format").filter(|f| !f.is_empty()).unwrap_or(default) {
            "json" => Ok(Self::Json),
            "atom" => Ok(Self::Atom),
            "keys" => Ok(Self::Keys),
            "versions" => Ok(Self::Versions),
            "bib" => Ok(Self::Bib),
            other => ExportFormat::parse(other).map(Self::Export).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid 'format' value '{other}': expected json, atom, keys, versions, bib or an export format ({})",
                    ExportFormat::names()
                ))
            }),
        }
    }

    /// Reads `format` and `include` of a collection or search request: their
    /// data, keys or versions.
    pub fn for_objects(params: &Params) -> ApiResult<Self> {
        if let Some(include) = params.get("include") {
            for part in include.split(',').map(str::trim) {
                if !matches!(part, "" | "data") {
                    return Err(ApiError::bad_request(format!(
                        "Invalid 'include' value '{part}': collections and searches provide 'data' only"
                    )));
                }
            }
        }
        match Self::from_params(params)? {
            Self::Bib | Self::Export(_) | Self::Atom => Err(ApiError::bad_request(format!(
                "Invalid 'format' value '{}': Atom and formatted references are available for items only",
                params
                    .get("format")
                    .filter(|f| !f.is_empty())
                    .unwrap_or("atom")
            ))),
            format => Ok(format),
        }
    }
}

/// `a || b || -c` → any of a, b or not c.
pub fn any_of(value: &str) -> AnyOf {
    AnyOf(
        value
            .split("||")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| match v.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (rest.to_owned(), true),
                _ => (v.to_owned(), false),
            })
            .collect(),
    )
}

/// A comma-separated list of object keys (at most 50).
pub fn key_list(params: &Params, name: &str) -> ApiResult<Option<Vec<ObjectKey>>> {
    let Some(value) = params.get(name) else {
        return Ok(None);
    };
    let keys = value
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            ObjectKey::parse(k)
                .map_err(|_| ApiError::bad_request(format!("Invalid '{name}' value '{k}'")))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if keys.len() > WRITE_BATCH_MAX {
        return Err(ApiError::bad_request(format!(
            "Cannot specify more than {WRITE_BATCH_MAX} keys in '{name}'"
        )));
    }
    Ok(Some(keys))
}

/// An item query for `scope` from the request's parameters (paging not set).
pub fn item_query(params: &Params, scope: ItemScope, hide_notes: bool) -> ApiResult<ItemQuery> {
    let qmode = match params.get("qmode").unwrap_or("titleCreatorYear") {
        "titleCreatorYear" | "" => QMode::TitleCreatorYear,
        "everything" => QMode::Everything,
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid 'qmode' value '{other}'"
            )));
        }
    };
    let sort = match params.get("sort").unwrap_or("dateModified") {
        "dateModified" | "" => SortField::DateModified,
        "dateAdded" => SortField::DateAdded,
        "title" => SortField::Title,
        "creator" => SortField::Creator,
        "itemType" => SortField::ItemType,
        "date" => SortField::Date,
        other if schema().is_field(other) => SortField::Field(other.to_owned()),
        other => {
            return Err(ApiError::bad_request(format!(
                "Invalid 'sort' value '{other}'"
            )));
        }
    };
    let descending = match params.get("direction") {
        None | Some("") => matches!(sort, SortField::DateModified | SortField::DateAdded),
        Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid 'direction' value '{other}'"
            )));
        }
    };
    Ok(ItemQuery {
        scope,
        since: params.number("since")?,
        keys: key_list(params, "itemKey")?,
        include_trashed: params.flag("includeTrashed"),
        item_types: params.all("itemType").into_iter().map(any_of).collect(),
        tags: params
            .all("tag")
            .into_iter()
            .map(any_of)
            .filter(|a| !a.0.is_empty())
            .collect(),
        q: params.get("q").map(str::to_owned).filter(|q| !q.is_empty()),
        qmode,
        hide_notes,
        sort,
        descending,
        start: 0,
        limit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_expressions() {
        assert_eq!(
            any_of("a || b || -c").0,
            vec![("a".into(), false), ("b".into(), false), ("c".into(), true)]
        );
        assert_eq!(any_of("-").0, vec![("-".into(), false)]);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let err = item_query(&Params::parse(Some("sort=nonsense")), ItemScope::All, false)
            .expect_err("bad sort");
        assert!(err.message.contains("sort"));
        let err =
            key_list(&Params::parse(Some("itemKey=ABCD2345,bad")), "itemKey").expect_err("bad key");
        assert!(err.message.contains("bad"));
        let q = item_query(
            &Params::parse(Some("tag=a&tag=-b&itemType=book&since=4&sort=title")),
            ItemScope::Top,
            false,
        )
        .expect("query");
        assert_eq!(q.tags.len(), 2);
        assert_eq!(q.since, Some(4));
        assert!(!q.descending);
    }
}
