//! The rules, loaded from `rules.toml` (embedded in the binary) into documented checks.

use std::sync::LazyLock;

use launchguard_core::{CheckDef, Severity};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::validate::Validator;

const RULES_TOML: &str = include_str!("../rules.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    title: String,
    severity: Severity,
    #[serde(default)]
    keywords: Vec<String>,
    anchor: Option<String>,
    regex: Option<String>,
    validator: Option<String>,
    derived_from: Option<String>,
    #[serde(default)]
    generic: bool,
    assignment: Option<RawAssignment>,
    #[serde(default)]
    prefix: String,
    what: String,
    why: String,
    fix: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssignment {
    names: Vec<String>,
    operators: String,
    #[serde(default)]
    ignore_case: bool,
    #[serde(default)]
    adjacent: bool,
}

/// The bytes an [`Assignment`] may name as operators: the block pass in [`crate::runs`] marks
/// exactly these.
pub const OPERATORS: [u8; 2] = *b"=:";

/// For rules that match `name = value` (an assignment `password=`, a cookie `session=`, a URL
/// scheme `postgres:`): the rule examines a line where one of `names` ends right before one of
/// `operators`. Found from each operator backwards, so that field names that merely contain a
/// keyword (`token_type`, `session_id`) cost nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub names: Vec<Vec<u8>>,
    pub operators: Vec<u8>,
    /// ASCII case is ignored in names (`PASSWORD=`, `Api_Key:`).
    pub ignore_case: bool,
    /// The operator follows the name at once (`session=`); otherwise a quote (possibly
    /// JSON-escaped) and spaces may stand between, as in `"password" : "..."`.
    pub adjacent: bool,
}

/// How a rule without keywords finds its candidate lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Every occurrence of this byte (found with SIMD `memchr`).
    Byte(u8),
    /// Runs of 13 to 19 digits, optionally separated by spaces or dashes.
    Digits,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub check: &'static CheckDef,
    pub keywords: Vec<String>,
    pub anchor: Option<Anchor>,
    /// `None` for rules only reached by classification (`derived_from`).
    pub regex: Option<Regex>,
    pub validator: Option<Validator>,
    pub derived_from: Option<String>,
    /// Yields to specific rules on overlapping text.
    pub generic: bool,
    /// Names that mark a line for this rule where an operator follows them.
    pub assignment: Option<Assignment>,
    /// The public type prefix reports may show.
    pub prefix: String,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
}

impl Rule {
    pub fn id(&self) -> &'static str {
        self.check.id
    }
}

/// The rule's docs with one example that matches and one that does not (fake values).
fn with_examples(what: &str, examples: &[String], negatives: &[String]) -> String {
    let mut text = what.to_owned();
    if let Some(example) = examples.first() {
        text.push_str(&format!(" Reported: `{example}`."));
    }
    if let Some(negative) = negatives.first() {
        text.push_str(&format!(" Not reported: `{negative}`."));
    }
    text
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Parses and compiles rules; every mistake is an error naming the rule.
pub fn parse(text: &str) -> Result<Vec<Rule>, String> {
    let file: RuleFile = toml::from_str(text).map_err(|e| format!("rules: {e}"))?;
    let ids: Vec<String> = file.rule.iter().map(|r| r.id.clone()).collect();
    file.rule
        .into_iter()
        .map(|raw| {
            let regex = raw
                .regex
                .as_deref()
                .map(|pattern| {
                    // ASCII classes and word boundaries: secrets are ASCII, and Unicode `\b` makes
                    // the fast lazy DFA fall back to slower engines.
                    RegexBuilder::new(pattern)
                        .unicode(false)
                        .build()
                        .map_err(|e| format!("rule {}: {e}", raw.id))
                })
                .transpose()?;
            if regex.is_none() && raw.derived_from.is_none() {
                return Err(format!(
                    "rule {} has neither a regex nor derived_from",
                    raw.id
                ));
            }
            let anchor = match raw.anchor.as_deref() {
                None => None,
                Some("digits") => Some(Anchor::Digits),
                Some(byte) if byte.len() == 1 => Some(Anchor::Byte(byte.as_bytes()[0])),
                Some(other) => {
                    return Err(format!(
                        "rule {}: anchor `{other}` is not one byte or \"digits\"",
                        raw.id
                    ));
                }
            };
            if regex.is_some()
                && raw.keywords.is_empty()
                && anchor.is_none()
                && raw.assignment.is_none()
            {
                return Err(format!(
                    "rule {} needs keywords, an assignment or an anchor",
                    raw.id
                ));
            }
            if let Some(parent) = &raw.derived_from
                && !ids.contains(parent)
            {
                return Err(format!(
                    "rule {} derives from unknown rule {parent}",
                    raw.id
                ));
            }
            let assignment = raw
                .assignment
                .map(|a| {
                    // Names are compared as words padded with zeros: no NUL, space or empty name.
                    if a.names.is_empty()
                        || !a
                            .names
                            .iter()
                            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic()))
                    {
                        return Err(format!(
                            "rule {}: assignment names must be printable ASCII without spaces",
                            raw.id
                        ));
                    }
                    if a.operators.is_empty()
                        || !a.operators.bytes().all(|b| OPERATORS.contains(&b))
                    {
                        return Err(format!(
                            "rule {}: assignment operators `{}` are not some of \"=:\"",
                            raw.id, a.operators
                        ));
                    }
                    Ok(Assignment {
                        names: a.names.into_iter().map(String::into_bytes).collect(),
                        operators: a.operators.into_bytes(),
                        ignore_case: a.ignore_case,
                        adjacent: a.adjacent,
                    })
                })
                .transpose()?;
            let validator = raw
                .validator
                .as_deref()
                .map(|v| v.parse())
                .transpose()
                .map_err(|e| format!("rule {}: {e}", raw.id))?;
            let check: &'static CheckDef = Box::leak(Box::new(CheckDef {
                id: leak(raw.id),
                agent: "logs",
                title: leak(raw.title),
                severity: raw.severity,
                what: leak(with_examples(
                    &raw.what,
                    &raw.examples,
                    &raw.negative_examples,
                )),
                why: leak(raw.why),
                fix: leak(raw.fix),
                references: &[],
            }));
            Ok(Rule {
                check,
                keywords: raw.keywords,
                anchor,
                regex,
                validator,
                derived_from: raw.derived_from,
                generic: raw.generic,
                assignment,
                prefix: raw.prefix,
                examples: raw.examples,
                negative_examples: raw.negative_examples,
            })
        })
        .collect()
}

/// The built-in rules.
pub static RULES: LazyLock<Vec<Rule>> =
    LazyLock::new(|| parse(RULES_TOML).expect("the built-in rules parse (tested)"));

/// A file or input that could not be scanned, or only partly.
pub static UNSCANNED: CheckDef = CheckDef {
    id: "logs.unscanned",
    agent: "logs",
    title: "Log input not scanned (or only partly)",
    severity: Severity::High,
    what: "Reported, as `error`, for every input that could not be scanned in full: unreadable, binary, a symlink loop, \
           a truncated or corrupt gzip/zstd stream, or a decompression that passed the limit (a possible bomb). What \
           was read before the problem is still scanned and reported.",
    why: "A file that was not read is not a clean file. Scanners that skip large or odd files silently give a false \
          all-clear.",
    fix: "Make the file readable to the audit user, exclude it deliberately with an exclude glob, or repair the archive.",
    references: &[],
};

/// Every check of the logs agent: the rules, then `logs.unscanned`.
pub static CHECKS: LazyLock<Vec<&'static CheckDef>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|r| r.check)
        .chain(std::iter::once(&UNSCANNED))
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_rules_compile_and_name_every_required_id() {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id()).collect();
        for required in [
            "secrets.openai_key",
            "secrets.anthropic_key",
            "secrets.supabase_service_role",
            "secrets.supabase_secret_key",
            "secrets.supabase_anon_key",
            "secrets.pinecone_key",
            "secrets.aws_access_key",
            "secrets.aws_secret_key",
            "secrets.github_token",
            "secrets.stripe_key",
            "secrets.slack_token",
            "secrets.google_api_key",
            "secrets.private_key",
            "secrets.jwt",
            "secrets.db_url",
            "secrets.bearer_token",
            "secrets.session_cookie",
            "secrets.generic_assignment",
            "pii.email",
            "pii.card_number",
            "pii.phone",
        ] {
            assert!(ids.contains(&required), "{required} missing");
        }
        assert!(RULES.len() < 64, "rule masks are u64");
        let mut keywords: Vec<&str> = RULES
            .iter()
            .flat_map(|r| r.keywords.iter().map(String::as_str))
            .collect();
        keywords.sort_unstable();
        keywords.dedup();
        assert!(
            keywords.len() <= 32,
            "{} keywords: over 32 the SIMD keyword search slows to its fat mode (and over 64 to \
             a byte-at-a-time automaton)",
            keywords.len()
        );
        let names = RULES
            .iter()
            .filter_map(|r| r.assignment.as_ref())
            .map(|a| a.names.len())
            .sum::<usize>();
        assert!(
            names <= 64,
            "{names} assignment names: the name masks are u64"
        );
        for rule in RULES.iter() {
            assert!(
                !rule.examples.is_empty() && !rule.negative_examples.is_empty(),
                "{} needs examples both ways",
                rule.id()
            );
        }
    }

    #[test]
    fn bad_rule_files_are_refused_with_the_rule_named() {
        let base = "[[rule]]\nid = \"x.y\"\ntitle = \"t\"\nseverity = \"low\"\nwhat = \"w\"\nwhy = \"y\"\nfix = \"f\"\n";
        assert!(
            parse(&format!("{base}regex = \"(\"\n"))
                .unwrap_err()
                .contains("rule x.y")
        );
        assert!(parse(base).unwrap_err().contains("neither a regex"));
        assert!(
            parse(&format!("{base}regex = \"a\"\nvalidator = \"nope\"\n"))
                .unwrap_err()
                .contains("rule x.y")
        );
        assert!(
            parse(&format!("{base}derived_from = \"z.z\"\n"))
                .unwrap_err()
                .contains("unknown rule")
        );
        assert!(
            parse(&format!(
                "{base}regex = \"a\"\nassignment = {{ names = [\"pw\"], operators = \">\" }}\n"
            ))
            .unwrap_err()
            .contains("rule x.y: assignment operators `>`")
        );
        assert!(
            parse(&format!("{base}regex = \"a\"\n"))
                .unwrap_err()
                .contains("needs keywords, an assignment or an anchor")
        );
    }
}
