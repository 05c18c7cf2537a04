use launchguard_core::{CheckDef, Finding, Severity};

use super::Judging;

pub static CHECK: CheckDef = CheckDef {
    id: "dns.spf.too_many_lookups",
    agent: "dns",
    title: "SPF needs more than 10 DNS lookups",
    severity: Severity::High,
    what: "Counts the terms that cost a DNS lookup (include, a, mx, ptr, exists, redirect) in the apex's SPF \
           record and, recursively, in every record it includes or redirects to. Fails above 10. An include \
           loop, or an included name without exactly one SPF record, is an error that names it.",
    why: "RFC 7208 section 4.6.4: receivers stop at 10 lookups with a permanent error, so SPF fails for all \
          mail, legitimate mail included, and DMARC falls back on DKIM alone.",
    fix: "Remove includes of services no longer used, replace includes with the `ip4:`/`ip6:` ranges they \
          resolve to where the provider allows it, or move senders to subdomains with their own SPF.",
    references: &["https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4"],
};

pub(crate) fn judge(j: &Judging<'_>) -> Finding {
    match &j.view.spf {
        Ok(records) if records.is_empty() => {
            return j.skipped(&CHECK, "no SPF record (see dns.spf.missing)");
        }
        Ok(records) if records.len() > 1 => {
            return j.skipped(&CHECK, "several SPF records (see dns.spf.multiple)");
        }
        _ => {}
    }
    let count = match j.need(&CHECK, &j.view.spf_count) {
        Ok(count) => count,
        Err(finding) => return *finding,
    };
    let finding = if count.lookups > 10 {
        j.fail(
            &CHECK,
            format!(
                "SPF needs more than 10 DNS lookups ({} counted before stopping)",
                count.lookups
            ),
        )
    } else {
        j.pass(&CHECK, format!("SPF needs {} DNS lookups", count.lookups))
    };
    finding
        .with_evidence("lookups", count.lookups as u64)
        .with_evidence("expanded", count.expanded.clone())
}
