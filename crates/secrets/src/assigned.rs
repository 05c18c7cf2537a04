//! Rules found from an operator backwards: a name (`password`, `session`, `postgres`) that ends
//! right before `=` or `:`, as the rules' [`Assignment`]s describe.
//!
//! Dense logs are full of fields that merely contain such a name (`token_type`, `session_id`,
//! `api_key_id`): searching for the names themselves finds each of those and then has to look
//! past it. Starting from the operators, which the block pass in [`crate::runs`] marks anyway,
//! most are dismissed by the byte before them.

use crate::rules::{Assignment, OPERATORS, Rule};

/// One name of one rule.
struct Name {
    bytes: Box<[u8]>,
    rule_bit: u64,
    ignore_case: bool,
    /// The name's last (up to) eight bytes as the top bytes of a little-endian word, lower-cased
    /// when case is ignored; `tail_mask` covers them.
    tail: u64,
    tail_mask: u64,
    /// 0x20 in each tail byte that is a letter whose case is ignored: OR-ing it in lower-cases
    /// exactly the ASCII capitals there (no other byte becomes a lower-case letter).
    fold: u64,
}

impl Name {
    fn new(bytes: &[u8], rule_bit: u64, ignore_case: bool) -> Name {
        let (mut tail, mut fold) = ([0u8; 8], [0u8; 8]);
        let kept = bytes.len().min(8);
        for (i, &b) in bytes[bytes.len() - kept..].iter().enumerate() {
            let folds = ignore_case && b.is_ascii_alphabetic();
            tail[8 - kept + i] = if folds { b.to_ascii_lowercase() } else { b };
            fold[8 - kept + i] = if folds { 0x20 } else { 0 };
        }
        Name {
            bytes: bytes.into(),
            rule_bit,
            ignore_case,
            tail: u64::from_le_bytes(tail),
            tail_mask: u64::MAX << (8 * (8 - kept)),
            fold: u64::from_le_bytes(fold),
        }
    }

    /// Whether the name is written right before `end`, given `word`, the eight bytes before
    /// `end` (zero-padded in front).
    #[inline]
    fn ends_at(&self, data: &[u8], end: usize, word: u64) -> bool {
        if (word | self.fold) & self.tail_mask != self.tail {
            return false;
        }
        // Names longer than the word: the rest, rarely reached.
        self.bytes.len() <= 8
            || end.checked_sub(self.bytes.len()).is_some_and(|start| {
                let written = &data[start..end];
                if self.ignore_case {
                    written.eq_ignore_ascii_case(&self.bytes)
                } else {
                    written == &*self.bytes
                }
            })
    }
}

/// Every rule's assignment names, indexed for the backward look (bit `i` stands for `names[i]`).
pub struct AssignedNames {
    names: Vec<Name>,
    /// Names by their last byte, and by the byte before it (either case for names that ignore
    /// it; names of one byte are under every byte).
    by_last_byte: [u64; 256],
    by_second_last_byte: [u64; 256],
    /// Names by operator (in the order of [`OPERATORS`]) whose operator follows them at once, and
    /// those that may have a quote or spaces between.
    adjacent_by_operator: [u64; OPERATORS.len()],
    spaced_by_operator: [u64; OPERATORS.len()],
}

impl AssignedNames {
    /// Panics on more than 64 names in all (the rules' test keeps them under).
    pub fn new(rules: &[Rule]) -> AssignedNames {
        let mut index = AssignedNames {
            names: Vec::new(),
            by_last_byte: [0; 256],
            by_second_last_byte: [0; 256],
            adjacent_by_operator: [0; OPERATORS.len()],
            spaced_by_operator: [0; OPERATORS.len()],
        };
        for (rule, assignment) in rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.assignment.as_ref()?)))
        {
            for name in &assignment.names {
                index.add(1 << rule, name, assignment);
            }
        }
        index
    }

    fn add(&mut self, rule_bit: u64, name: &[u8], assignment: &Assignment) {
        let bit = 1u64
            .checked_shl(u32::try_from(self.names.len()).unwrap_or(u32::MAX))
            .expect("at most 64 assignment names");
        let index = |table: &mut [u64; 256], byte: u8| {
            table[usize::from(byte)] |= bit;
            if assignment.ignore_case {
                table[usize::from(byte.to_ascii_lowercase())] |= bit;
                table[usize::from(byte.to_ascii_uppercase())] |= bit;
            }
        };
        match name {
            [.., second, last] => {
                index(&mut self.by_last_byte, *last);
                index(&mut self.by_second_last_byte, *second);
            }
            [last] => {
                index(&mut self.by_last_byte, *last);
                self.by_second_last_byte
                    .iter_mut()
                    .for_each(|names| *names |= bit);
            }
            [] => unreachable!("names are not empty (checked when parsed)"),
        }
        let by_operator = if assignment.adjacent {
            &mut self.adjacent_by_operator
        } else {
            &mut self.spaced_by_operator
        };
        for (i, operator) in OPERATORS.iter().enumerate() {
            if assignment.operators.contains(operator) {
                by_operator[i] |= bit;
            }
        }
        self.names
            .push(Name::new(name, rule_bit, assignment.ignore_case));
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Calls `found(name_start, rule_bit)` for each name that ends before the operator at
    /// `data[at]`, one of [`OPERATORS`].
    #[inline(always)]
    pub fn before(&self, data: &[u8], at: usize, mut found: impl FnMut(usize, u64)) {
        // Most operators are dismissed by a few table lookups, without a branch that depends on
        // the text: in JSON a quote stands between a name and its operator, elsewhere not.
        let [third, second, last] = match at.checked_sub(3) {
            Some(start) => [data[start], data[start + 1], data[start + 2]],
            None => {
                let mut bytes = [0u8; 3];
                bytes[3 - at..].copy_from_slice(&data[..at]);
                bytes
            }
        };
        let operator = usize::from(data[at] == OPERATORS[1]);
        let quoted = last == b'"' || last == b'\'';
        let (spaced_last, spaced_second) = if quoted {
            (second, third)
        } else {
            (last, second)
        };
        let adjacent = self.adjacent_by_operator[operator]
            & self.by_last_byte[usize::from(last)]
            & self.by_second_last_byte[usize::from(second)];
        let spaced = self.spaced_by_operator[operator]
            & self.by_last_byte[usize::from(spaced_last)]
            & self.by_second_last_byte[usize::from(spaced_second)];
        if adjacent | spaced != 0 {
            self.confirm(data, at, adjacent, &mut found);
            self.confirm(data, at - usize::from(quoted), spaced, &mut found);
        }
        // Spaces, or an escaped quote (JSON inside a JSON string), between name and operator.
        if matches!(last, b' ' | b'\t' | b'\r' | 0x0b | 0x0c) || (quoted && second == b'\\') {
            self.before_spaces(data, at, self.spaced_by_operator[operator], &mut found);
        }
    }

    #[inline(never)]
    fn before_spaces(
        &self,
        data: &[u8],
        at: usize,
        candidates: u64,
        found: &mut impl FnMut(usize, u64),
    ) {
        let mut end = at;
        while end > 0 && matches!(data[end - 1], b' ' | b'\t' | b'\r' | 0x0b | 0x0c) {
            end -= 1;
        }
        if end > 0 && matches!(data[end - 1], b'"' | b'\'') {
            end -= 1;
            if end > 0 && data[end - 1] == b'\\' {
                end -= 1;
            }
        }
        let Some(last) = end.checked_sub(1) else {
            return;
        };
        let spaced = candidates & self.by_last_byte[usize::from(data[last])];
        if spaced != 0 {
            self.confirm(data, end, spaced, found);
        }
    }

    /// Calls `found` for those of `candidates` written right before `end`.
    #[cold]
    #[inline(never)]
    fn confirm(
        &self,
        data: &[u8],
        end: usize,
        mut candidates: u64,
        found: &mut impl FnMut(usize, u64),
    ) {
        let word = match data[..end].last_chunk::<8>() {
            Some(word) => u64::from_le_bytes(*word),
            None => {
                let mut word = [0u8; 8];
                word[8 - end..].copy_from_slice(&data[..end]);
                u64::from_le_bytes(word)
            }
        };
        while candidates != 0 {
            let name = &self.names[candidates.trailing_zeros() as usize];
            candidates &= candidates - 1;
            if name.ends_at(data, end, word) {
                found(end - name.bytes.len(), name.rule_bit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    /// The rules whose names stand before the operators of `text`, with the names as written.
    fn named(text: &str) -> Vec<(&'static str, &str)> {
        let names = AssignedNames::new(&RULES);
        let mut out = Vec::new();
        for at in (0..text.len()).filter(|&i| OPERATORS.contains(&text.as_bytes()[i])) {
            names.before(text.as_bytes(), at, |start, bit| {
                let rule = RULES[bit.trailing_zeros() as usize].id();
                out.push((rule, text[start..at].trim_end_matches([' ', '"', '\\'])));
            });
        }
        out
    }

    #[test]
    fn assignments_are_found_and_fields_that_only_contain_a_name_are_not() {
        let generic = "secrets.generic_assignment";
        assert_eq!(named("db.password=x"), [(generic, "password")]);
        assert_eq!(named(r#"{"client_secret" : "x"}"#), [(generic, "secret")]);
        assert_eq!(named("PASSWORD = x"), [(generic, "PASSWORD")]);
        assert_eq!(named("Pwd=x"), [(generic, "Pwd")]);
        assert_eq!(
            named(r#"{"body":"{\"api_key\":\"x\"}"}"#),
            [(generic, "api_key")],
            "JSON-escaped quotes"
        );
        for field in [
            r#"{"token_type":"access","api_key_id":"key_1","session_id":"abc"}"#,
            "session token expired",
            "ts=2026-11-01T10:00:00Z tokens=3 passwords: 2",
            "=:=:",
        ] {
            assert_eq!(named(field), [], "{field}");
        }
    }

    #[test]
    fn cookies_and_url_schemes_want_the_operator_at_once_and_in_case() {
        let (session, db) = ("secrets.session_cookie", "secrets.db_url");
        assert_eq!(
            named("Cookie: theme=dark; sessionid=abc; PHPSESSID=x"),
            [(session, "sessionid"), (session, "PHPSESSID")]
        );
        assert_eq!(
            named("sb-abc-auth-token=x"),
            [
                (session, "-auth-token"),
                ("secrets.generic_assignment", "token")
            ]
        );
        // A cookie is `name=value`: code assigning a session object is not one.
        assert_eq!(named("    session = store.get_session(tenant_id=t)"), []);
        assert_eq!(named("Session=x PHPSessid=x"), []);
        assert_eq!(
            named("postgresql://a mongodb+srv://b redis:x https://c POSTGRES://d"),
            [(db, "postgresql"), (db, "mongodb+srv"), (db, "redis")]
        );
    }
}
