use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;
use crate::observe::show;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.caa.no_iodef",
    agent: "dns",
    title: "The CAA set has no iodef contact",
    severity: Severity::Info,
    what: "Fails when the apex's CAA set exists but has no `iodef` record. Skipped when there is no CAA at \
           all (dns.caa.missing reports that).",
    why: "`iodef` tells CAs where to report a refused certificate request: the earliest sign that someone \
          tried to get a certificate for the product's names.",
    fix: "Add `example.com. CAA 0 iodef \"mailto:security@example.com\"`.",
    references: &["https://www.rfc-editor.org/rfc/rfc8659#section-4.4"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    let set = match j.need(&CHECK, &j.view.caa[0]) {
        Ok(set) => set,
        Err(finding) => return *finding,
    };
    if set.records.is_empty() {
        return j.skipped(&CHECK, "no CAA set (see dns.caa.missing)");
    }
    let owner = show(&set.records[0].owner);
    match set.records.iter().find(|c| c.tag == "iodef") {
        Some(iodef) => j.pass(&CHECK, format!("iodef {} at {owner}", iodef.value)),
        None => j.fail(
            &CHECK,
            format!("the CAA set at {owner} has no iodef record"),
        ),
    }
}
