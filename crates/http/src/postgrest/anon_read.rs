use launchguard_core::{CheckDef, Finding, Severity};

use super::Observed;

pub static CHECK: CheckDef = CheckDef {
    id: "postgrest.anon_read",
    agent: "postgrest",
    title: "Tenant rows readable with the anon key",
    severity: Severity::Critical,
    what: "Reads each table with only the anon key (`apikey` and `Authorization: Bearer <anon key>`), `limit` \
           rows. Fails when the answer has a tenant's canary or rows carrying the tenant column. Rows of tables \
           without tenant data (plans, public catalogues) pass. A 5xx, a non-JSON 200 or no answer is `error`.",
    why: "The anon key ships in every browser bundle: a table readable with it is readable by anyone on the \
          internet, usually because RLS is off or a policy admits `anon`.",
    fix: "Enable row-level security on the table (`alter table ... enable row level security`), revoke SELECT \
          from anon where anonymous access is not intended, and write policies for `authenticated` scoped by \
          the tenant from the JWT.",
    references: &[
        "https://supabase.com/docs/guides/database/postgres/row-level-security",
        "https://docs.postgrest.org/en/stable/references/auth.html",
    ],
};

pub(crate) fn judge(observed: &Observed<'_>, t: usize) -> Finding {
    let table = &observed.tables[t];
    let target = table.target.clone();
    let Some(read) = observed
        .reads
        .iter()
        .find(|r| r.table == t && r.reader.is_none())
    else {
        return Finding::error(&CHECK, target, "no anonymous read was made");
    };
    let answer = match &read.reply.result {
        Ok(answer) => answer,
        Err(e) => return Finding::error(&CHECK, target, format!("inconclusive: {e}")),
    };
    let column = &observed.agent.tenant_column;
    let finding = |f: Finding| {
        f.with_evidence("request", read.reply.request.as_str())
            .with_evidence("http_status", answer.status)
    };
    for account in &observed.agent.accounts {
        if let Some(seen) = answer.sighting(&account.canaries) {
            let f = Finding::fail(
                &CHECK,
                target,
                format!(
                    "the anon key read {}'s data (its canary) from {}",
                    account.name, table.name
                ),
            );
            return seen.evidence(&account.canaries, finding(f));
        }
    }
    let tenant_rows = answer.tenant_rows(column);
    if tenant_rows > 0 {
        return finding(Finding::fail(
            &CHECK,
            target,
            format!(
                "the anon key read {tenant_rows} rows carrying `{column}` from {}",
                table.name
            ),
        ))
        .with_evidence("tenant_rows", tenant_rows as u64);
    }
    if answer.status >= 500 || (answer.status == 200 && answer.rows.is_none()) {
        return finding(Finding::error(
            &CHECK,
            target,
            format!(
                "inconclusive: HTTP {} without a JSON array of rows",
                answer.status
            ),
        ));
    }
    let rows = answer.rows.as_ref().map_or(0, Vec::len);
    finding(Finding::pass(
        &CHECK,
        target,
        format!(
            "HTTP {}, {rows} rows, none of them tenant data",
            answer.status
        ),
    ))
    .with_evidence("rows", rows as u64)
}
