//! Quoting: every identifier and literal that reaches SQL text goes through here; and how a
//! database error reads.

use std::sync::Arc;

/// A database error, kept whole and shown as the one line of [`crate::describe_db_error`] (never
/// the connection string). Cheap to clone, so that one failure can explain several checks.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", crate::describe_db_error(.0))]
pub struct DbError(Arc<tokio_postgres::Error>);

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
        DbError(Arc::new(error))
    }
}

/// `"name"`, with embedded quotes doubled: safe for any table name (spaces, quotes, unicode,
/// keywords).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `'text'`, with embedded quotes doubled (standard_conforming_strings is on since PostgreSQL 9.1).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("select"), "\"select\"");
        assert_eq!(
            qualified("public", "Order Items \"x\""),
            "\"public\".\"Order Items \"\"x\"\"\""
        );
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(ident("täble"), "\"täble\"");
    }
}
