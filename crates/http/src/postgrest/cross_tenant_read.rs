use launchguard_core::{CheckDef, Finding, Severity};

use super::Observed;

pub static CHECK: CheckDef = CheckDef {
    id: "postgrest.cross_tenant_read",
    agent: "postgrest",
    title: "One tenant's JWT reads another tenant's rows",
    severity: Severity::Critical,
    what: "With each account's JWT, reads each table selecting every other tenant (`<tenant_column>=eq.<B>`, \
           or unfiltered when the table has no tenant column), `limit` rows. Fails when the answer has the other \
           tenant's canary or rows with its tenant id. `error` when a read got no usable answer, or the reading \
           account failed its positive control, and no leak was seen.",
    why: "This is the tenant-isolation breach itself, through the API the browser talks to: a policy such as \
          `USING (true)` for `authenticated`, or one keyed on a user-editable claim, lets every customer read \
          every other customer's rows.",
    fix: "Scope the table's policies by the tenant from a trusted claim (`app_metadata` or a lookup table), e.g. \
          `using (tenant_id = (auth.jwt() -> 'app_metadata' ->> 'tenant_id'))`, for SELECT and for every write \
          command.",
    references: &["https://supabase.com/docs/guides/database/postgres/row-level-security"],
};

pub(crate) fn judge(observed: &Observed<'_>, t: usize) -> Finding {
    let table = &observed.tables[t];
    let target = table.target.clone();
    let agent = observed.agent;
    let column = &agent.tenant_column;
    let mut unanswered = Vec::new();
    let mut total = 0;
    for read in observed.reads.iter().filter(|r| r.table == t) {
        let Some(reader) = read.reader else { continue };
        let victims: Vec<usize> = match read.selected {
            Some(selected) if selected == reader => continue,
            Some(selected) => vec![selected],
            None => (0..agent.accounts.len()).filter(|v| *v != reader).collect(),
        };
        total += 1;
        let answer = match &read.reply.result {
            Ok(answer) if answer.status < 500 => answer,
            Ok(answer) => {
                unanswered.push(format!("HTTP {}", answer.status));
                continue;
            }
            Err(e) => {
                unanswered.push(e.clone());
                continue;
            }
        };
        if answer.status == 400 {
            unanswered.push(format!(
                "HTTP 400 (is `{column}` a column of {}?)",
                table.name
            ));
        }
        for victim in victims {
            let account = &agent.accounts[victim];
            let seen = answer.sighting(&account.canaries);
            let rows = answer.rows_of(column, &account.tenant_id);
            if seen.is_none() && rows == 0 {
                continue;
            }
            let mut f = Finding::fail(
                &CHECK,
                target,
                format!(
                    "{}'s JWT read {}'s rows from {}",
                    agent.accounts[reader].name, account.name, table.name
                ),
            )
            .with_evidence("request", read.reply.request.as_str())
            .with_evidence("http_status", answer.status)
            .with_evidence("victim_rows", rows as u64);
            if let Some(seen) = seen {
                f = seen.evidence(&account.canaries, f);
            }
            return f;
        }
    }
    if let Some(first) = unanswered.first() {
        return Finding::error(
            &CHECK,
            target,
            format!(
                "inconclusive: {} of {total} reads had no usable answer (first: {first})",
                unanswered.len()
            ),
        );
    }
    let blind = observed.blind_accounts();
    if !blind.is_empty() {
        return Finding::error(
            &CHECK,
            target,
            format!(
                "inconclusive: the positive control failed for {} (see postgrest.control_failed)",
                blind.join(", ")
            ),
        );
    }
    Finding::pass(
        &CHECK,
        target,
        format!("none of {total} cross-tenant reads returned another tenant's rows"),
    )
    .with_evidence("requests", total as u64)
}
