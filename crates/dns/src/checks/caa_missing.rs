use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.caa.missing",
    agent: "dns",
    title: "No CAA record restricts which CAs may issue certificates",
    severity: Severity::Medium,
    what: "Looks up CAA for the apex, climbing towards the public suffix as CAs do (RFC 8659 section 3). \
           Fails when no name on the way has a CAA record.",
    why: "Without CAA, every publicly trusted CA may issue a certificate for the domain and its tenant \
          subdomains; a CA tricked through a weak domain validation issues one to an attacker. CAA limits \
          issuance to the CAs the product uses.",
    fix: "Publish CAA at the apex for the CAs in use, e.g. `example.com. CAA 0 issue \"letsencrypt.org\"`, \
          add `issuewild` if wildcard certificates come from another CA, and `iodef` for reports.",
    references: &["https://www.rfc-editor.org/rfc/rfc8659"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let set = match j.need(&CHECK, &j.view.caa[0]) {
        Ok(set) => set,
        Err(finding) => return *finding,
    };
    let climbed: Vec<String> = set.climbed.iter().map(show).collect();
    if set.records.is_empty() {
        j.fail(&CHECK, format!("no CAA record at {}", climbed.join(" or ")))
            .with_evidence("names_asked", climbed)
    } else {
        j.pass(
            &CHECK,
            format!("CAA published at {}", show(&set.records[0].owner)),
        )
        .with_evidence(
            "caa",
            set.records
                .iter()
                .map(|c| format!("{} {} \"{}\"", u8::from(c.critical) * 128, c.tag, c.value))
                .collect::<Vec<_>>(),
        )
    }
}
