//! The one redaction pass over what a peer or a file controls, before it reaches a report, a log
//! or an error: remembered credentials (values of the environment variables a configuration names)
//! and every secret the rules find are replaced by their redacted form.

use std::borrow::Cow;
use std::sync::LazyLock;

use launchguard_core::redact::hide_credentials;
use launchguard_core::{EvidenceValue, Finding};

use crate::engine::Scanner;

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

/// `text` with remembered credentials and every secret the rules find (not personal data, which
/// evidence names on purpose: an e-mail in a certificate subject) replaced by `<redacted form>`.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let hidden = hide_credentials(text);
    let hits = SCANNER.scan_all(hidden.as_bytes());
    let mut secrets: Vec<_> = hits
        .into_iter()
        .filter(|h| SCANNER.rules()[h.rule].id().starts_with("secrets."))
        .collect();
    if secrets.is_empty() {
        return hidden;
    }
    secrets.sort_by_key(|h| (h.mask.start, std::cmp::Reverse(h.mask.end)));
    let bytes = hidden.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut position = 0;
    for hit in &secrets {
        if hit.mask.start < position {
            continue;
        }
        out.extend_from_slice(&bytes[position..hit.mask.start]);
        out.extend_from_slice(format!("<{}>", hit.redacted).as_bytes());
        position = hit.mask.end;
    }
    out.extend_from_slice(&bytes[position..]);
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn redact_in_place(text: &mut String) {
    if let Cow::Owned(redacted) = redact_text(text) {
        *text = redacted;
    }
}

fn redact_value(value: &mut EvidenceValue) {
    match value {
        EvidenceValue::Text(text) => redact_in_place(text),
        EvidenceValue::List(items) => items.iter_mut().for_each(redact_value),
        EvidenceValue::Redacted(_)
        | EvidenceValue::Bool(_)
        | EvidenceValue::Integer(_)
        | EvidenceValue::Number(_) => {}
    }
}

/// Redacts every text of a finding that a peer or a file may have written: the message, the
/// target's name and display (a file name, a table name) and every evidence text. The fingerprint
/// was taken before, from what the agent saw, and stays.
pub fn redact_finding(finding: &mut Finding) {
    redact_in_place(&mut finding.message);
    redact_in_place(&mut finding.target.id);
    redact_in_place(&mut finding.target.display);
    finding.evidence.values_mut().for_each(redact_value);
}

#[cfg(test)]
mod tests {
    use launchguard_core::{CheckDef, Severity, Target, TargetKind};

    use super::*;

    static DEF: CheckDef = CheckDef {
        id: "health.verbose",
        agent: "health",
        title: "t",
        severity: Severity::Medium,
        what: "w",
        why: "y",
        fix: "f",
        references: &[],
    };

    const AWS: &str = "AKIAZ7Q2XMPL4RT6VW3Y";

    #[test]
    fn secrets_in_every_text_of_a_finding_are_redacted() {
        let mut finding = Finding::fail(
            &DEF,
            Target::new("t", TargetKind::Url, format!("file-{AWS}.log")),
            format!("echoed {AWS}"),
        )
        .with_evidence("examples", vec![format!("\"key\":\"{AWS}\""), "ok".into()])
        .with_evidence("count", 2u64);
        redact_finding(&mut finding);
        let json = serde_json::to_string(&finding).unwrap();
        assert!(!json.contains(AWS), "{json}");
        assert!(json.contains("redacted"), "{json}");
        assert!(json.contains("\"ok\""), "{json}");
    }

    #[test]
    fn personal_data_and_plain_text_stay() {
        assert_eq!(
            redact_text("CN=admin, emailAddress=ops@example.com"),
            "CN=admin, emailAddress=ops@example.com"
        );
        assert!(matches!(redact_text("nginx/1.25.3"), Cow::Borrowed(_)));
    }
}
