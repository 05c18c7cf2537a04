use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;
use hickory_proto::op::ResponseCode;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.resolve.failed",
    agent: "dns",
    title: "The domain does not resolve",
    severity: Severity::Critical,
    what: "Asks the configured resolver for the apex's SOA record. Fails when the answer is NXDOMAIN or \
           another error code (SERVFAIL, REFUSED), which is what users' resolvers see, or when the name \
           has no SOA (it is not a zone apex); errors when the resolver cannot be reached at all.",
    why: "A domain that does not resolve takes the whole product offline: every hostname, every tenant \
          subdomain and every e-mail below it. SERVFAIL is also what validating resolvers return for broken \
          DNSSEC.",
    fix: "Check the delegation at the registrar (the NS records and any DS record), that the zone is loaded \
          on every nameserver, and that its signatures are valid.",
    references: &["https://www.rfc-editor.org/rfc/rfc1035"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let apex = show(&j.view.domain.apex);
    match &j.view.apex_soa {
        Ok(answer) if answer.rcode == ResponseCode::NoError && !answer.answers.is_empty() => {
            j.pass(&CHECK, format!("{apex} resolves (SOA)"))
        }
        Ok(answer) if answer.rcode == ResponseCode::NoError => j
            .fail(
                &CHECK,
                format!("{apex} has no SOA record: it is not the apex of a zone"),
            )
            .with_evidence("rcode", answer.rcode.to_string()),
        Ok(answer) => j
            .fail(
                &CHECK,
                format!("the resolver answered {} for {apex} SOA", answer.rcode),
            )
            .with_evidence("rcode", answer.rcode.to_string()),
        Err(reason) if reason.contains("the resolver answered") => j
            .fail(&CHECK, reason.clone())
            .with_evidence("answer", reason.as_str()),
        Err(reason) => j.error(&CHECK, format!("not verified: {reason}")),
    }
}
