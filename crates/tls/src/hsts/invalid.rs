use launchguard_core::{CheckDef, EvidenceValue, Finding, Severity};

use super::parse;
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "hsts.invalid",
    agent: "tls",
    title: "HSTS header invalid",
    severity: Severity::Medium,
    what: "Parses the Strict-Transport-Security header with hstspreload's rules and fails when there are \
           several headers (response.multiple_headers), when max-age is missing, quoted, non-numeric or too \
           large (header.parse.* errors). Warnings (unknown or repeated directives) are listed as evidence.",
    why: "Browsers ignore an HSTS header they cannot parse: the site believes it is protected and is not.",
    fix: "Send exactly one header, e.g. `Strict-Transport-Security: max-age=31536000; includeSubDomains`, \
          with max-age as plain digits. Check that a proxy or framework does not add a second one.",
    references: &[
        "https://www.rfc-editor.org/rfc/rfc6797#section-6.1",
        "https://github.com/chromium/hstspreload",
    ],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let target = obs.host.target.clone();
    let response = match &obs.https {
        Err(reason) => {
            return Finding::error(
                &CHECK,
                target,
                format!("not verified: no HTTPS response: {reason}"),
            );
        }
        Ok(response) => response,
    };
    let header = response.sts.join(" | ");
    let finding = match response.sts.as_slice() {
        [] => {
            return Finding::skipped(
                &CHECK,
                target,
                "not evaluated: no HSTS header (see hsts.missing)",
            );
        }
        [_, _, ..] => Finding::fail(
            &CHECK,
            target,
            format!("{} Strict-Transport-Security headers", response.sts.len()),
        )
        .with_evidence(
            "codes",
            vec![EvidenceValue::from("response.multiple_headers")],
        ),
        [one] => {
            let hsts = parse::parse(one);
            let mut codes: Vec<&str> = hsts.errors.clone();
            if hsts.errors.is_empty() && hsts.max_age.is_none() {
                codes.push("header.preloadable.max_age.missing");
            }
            let finding = if codes.is_empty() {
                Finding::pass(&CHECK, target, "one well-formed header")
            } else {
                Finding::fail(
                    &CHECK,
                    target,
                    format!("browsers ignore this header: {}", codes.join(", ")),
                )
            };
            finding
                .with_evidence(
                    "codes",
                    codes
                        .into_iter()
                        .map(EvidenceValue::from)
                        .collect::<Vec<_>>(),
                )
                .with_evidence(
                    "warnings",
                    hsts.warnings
                        .into_iter()
                        .map(EvidenceValue::from)
                        .collect::<Vec<_>>(),
                )
        }
    };
    finding.with_evidence("header", header)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::with_https;

    #[test]
    fn several_headers_quoted_or_missing_max_age_are_invalid() {
        assert_eq!(
            judge(&with_https(&["max-age=31536000"])).status,
            Status::Pass
        );
        assert_eq!(
            judge(&with_https(&["max-age=1", "max-age=2"])).status,
            Status::Fail
        );
        assert_eq!(judge(&with_https(&["max-age=\"1\""])).status, Status::Fail);
        assert_eq!(
            judge(&with_https(&["includeSubDomains"])).status,
            Status::Fail
        );
        assert_eq!(judge(&with_https(&[])).status, Status::Skipped);
    }
}
