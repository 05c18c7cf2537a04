use launchguard_core::{CheckDef, Finding, Severity};

use super::Observed;

pub static CHECK: CheckDef = CheckDef {
    id: "postgrest.cross_tenant_write",
    agent: "postgrest",
    title: "One tenant's JWT writes rows into another tenant",
    severity: Severity::Critical,
    what: "Only with `allow_writes = true` (staging) and a `[[postgrest.write_probes]]` row for the table: each \
           account's JWT POSTs one row tagged with another tenant's id, with `Prefer: return=minimal, \
           tx=rollback`. Fails on a 2xx, and on a 409 from a constraint (PostgreSQL checks RLS WITH CHECK \
           before constraints, so the policy let the row through). 401/403 (RLS or grants refused it) pass. \
           Skipped without allow_writes or without a write probe for the table.",
    why: "A tenant that can insert rows into another tenant's data can plant invoices, messages or documents, \
          poison its AI context, or grant itself access; `return=minimal` defeats the SELECT policy that would \
          otherwise hide the problem.",
    fix: "Give INSERT and UPDATE policies a WITH CHECK that pins the tenant column to the tenant of the JWT (a \
          trusted claim), never `WITH CHECK (true)`.",
    references: &["https://docs.postgrest.org/en/stable/references/api/preferences.html"],
};

pub(crate) fn judge(observed: &Observed<'_>, t: usize) -> Finding {
    let table = &observed.tables[t];
    let target = table.target.clone();
    let agent = observed.agent;
    if !agent.allow_writes {
        return Finding::skipped(
            &CHECK,
            target,
            "allow_writes = false: write probes are for staging",
        );
    }
    let writes: Vec<_> = observed.writes.iter().filter(|w| w.table == t).collect();
    if writes.is_empty() {
        return Finding::skipped(
            &CHECK,
            target,
            format!("no [[postgrest.write_probes]] row for {}", table.name),
        );
    }
    let mut inconclusive = Vec::new();
    for write in &writes {
        let answer = match &write.reply.result {
            Ok(answer) => answer,
            Err(e) => {
                inconclusive.push(e.clone());
                continue;
            }
        };
        let constraint =
            answer.status == 409 && memchr::memmem::find(&answer.body, b"\"code\":\"23").is_some();
        if (200..300).contains(&answer.status) || constraint {
            let rolled_back = answer
                .preference_applied
                .as_deref()
                .is_some_and(|p| p.contains("tx=rollback"));
            let how = if constraint {
                "the policy let the row through and a constraint stopped it"
            } else if rolled_back {
                "the insert was accepted (and rolled back at our request)"
            } else {
                "the insert was accepted and COMMITTED: the server did not apply tx=rollback; delete the probe row"
            };
            return Finding::fail(
                &CHECK,
                target,
                format!(
                    "{}'s JWT wrote a row tagged {} into {}: {how}",
                    agent.accounts[write.writer].name,
                    agent.accounts[write.victim].name,
                    table.name
                ),
            )
            .with_evidence("request", write.reply.request.as_str())
            .with_evidence("http_status", answer.status)
            .with_evidence("rolled_back", rolled_back);
        }
        if !matches!(answer.status, 401 | 403) {
            inconclusive.push(format!("HTTP {}", answer.status));
        }
    }
    if let Some(first) = inconclusive.first() {
        return Finding::error(
            &CHECK,
            target,
            format!(
                "inconclusive: {} of {} writes were neither accepted nor refused (first: {first})",
                inconclusive.len(),
                writes.len()
            ),
        );
    }
    Finding::pass(
        &CHECK,
        target,
        format!("all {} cross-tenant inserts were refused", writes.len()),
    )
}
