//! SQL functions the search queries use, registered on every connection.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};

use crate::text::fold;

/// Registers `fold(text)`: lower-case, diacritics and markup removed (see
/// [`crate::text::fold`]), so that conditions compare as people read.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "fold",
        1,
        FunctionFlags::SQLITE_UTF8
            | FunctionFlags::SQLITE_DETERMINISTIC
            | FunctionFlags::SQLITE_INNOCUOUS,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Null => Value::Null,
                ValueRef::Text(t) => Value::Text(fold(&String::from_utf8_lossy(t))),
                ValueRef::Integer(n) => Value::Text(n.to_string()),
                ValueRef::Real(x) => Value::Text(x.to_string()),
                ValueRef::Blob(_) => Value::Null,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_in_sql() {
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        let folded: String = conn
            .query_row("SELECT fold('Müller <i>Über</i>')", [], |r| r.get(0))
            .expect("query");
        assert_eq!(folded, "muller uber");
        let null: Option<String> = conn
            .query_row("SELECT fold(NULL)", [], |r| r.get(0))
            .expect("query");
        assert_eq!(null, None);
        let number: String = conn
            .query_row("SELECT fold(42)", [], |r| r.get(0))
            .expect("query");
        assert_eq!(number, "42");
    }
}
