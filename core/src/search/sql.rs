//! Building SQL text with numbered parameters, so that fragments may be
//! combined in any order and one parameter list serves every statement built
//! from them.

use rusqlite::types::Value;

/// Parameters of a statement under construction; fragments refer to them as
/// `?N`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params {
    values: Vec<Value>,
}

impl Params {
    /// Adds a parameter and returns its placeholder. Bind only what the
    /// fragment uses: a statement refuses parameters it does not use.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("?{}", self.values.len())
    }

    pub(crate) fn as_params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, Value>> {
        rusqlite::params_from_iter(self.values.iter())
    }
}

/// Joins boolean SQL terms with `AND`/`OR`; no terms means true.
pub(crate) fn join_terms(terms: &[String], any: bool) -> String {
    if terms.is_empty() {
        return "1".to_owned();
    }
    let op = if any { " OR " } else { " AND " };
    let parts: Vec<String> = terms.iter().map(|t| format!("({t})")).collect();
    parts.join(op)
}
