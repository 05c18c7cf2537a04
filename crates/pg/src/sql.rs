//! Quoting: every identifier and literal that reaches SQL text goes through here.

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
