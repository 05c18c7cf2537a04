use hickory_proto::op::ResponseCode;
use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.open_resolver",
    agent: "dns",
    title: "A nameserver resolves names for anyone (open resolver)",
    severity: Severity::High,
    what: "Asks every nameserver address, with recursion desired, for `example.com`, a name outside the \
           zone. Fails when it answers with recursion available, not authoritatively, and with a result \
           (an answer or NXDOMAIN) instead of a refusal.",
    why: "An authoritative server that also recurses for the internet is used for DNS amplification \
          attacks and is exposed to cache poisoning that would redirect the product's own names.",
    fix: "Disable recursion on authoritative servers (`recursion no;`, Knot does not recurse), or restrict \
          it to internal clients.",
    references: &["https://www.rfc-editor.org/rfc/rfc5358"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let servers = match j.servers(&CHECK) {
        Ok(servers) => servers,
        Err(finding) => return *finding,
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    for server in servers {
        match &server.recursion {
            Ok(answer) => {
                let resolved = answer.rcode == ResponseCode::NXDomain
                    || (answer.rcode == ResponseCode::NoError && !answer.answers.is_empty());
                if answer.recursion_available && !answer.authoritative && resolved {
                    open.push(format!(
                        "{} resolved example.com ({}, {} answer records)",
                        server.address,
                        answer.rcode,
                        answer.answers.len()
                    ));
                }
            }
            Err(reason) => unknown.push(format!("{}: {reason}", server.address)),
        }
    }
    if !open.is_empty() {
        return j
            .fail(&CHECK, format!("open resolver: {}", open.join("; ")))
            .with_evidence("servers", open);
    }
    if !unknown.is_empty() {
        return j.error(&CHECK, format!("not verified: {}", unknown.join("; ")));
    }
    j.pass(&CHECK, "no nameserver recurses for outside names")
}
