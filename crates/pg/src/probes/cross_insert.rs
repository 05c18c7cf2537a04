use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::{Catalog, Relation};
use crate::settings::Settings;
use crate::sql::{ident, literal, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_insert",
    agent: "postgres",
    title: "A tenant's user inserts a row into another tenant",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, inserts a copy of one of tenant B's rows without \
           RETURNING (as PostgREST does with `Prefer: return=minimal`), in a transaction that always rolls back. The \
           copy keeps B's tenant but, as an attacker's own insert would, carries A's user id in the columns that \
           reference [postgres].users_table or that policies compare to auth.uid(), and fresh values in its uuid or \
           text primary-key columns. Fails when RLS lets it through, including when a constraint rejects the row \
           after the policy check passed. Keys drawn from a sequence are not attempted unless \
           [postgres].allow_sequence_inserts, because a rolled-back insert still advances the sequence; the findings \
           then list the sequences that moved.",
    why: "Inserting into another tenant plants data the victim tenant will trust.",
    fix: "Make the INSERT policy's WITH CHECK pin the caller's tenant (rls.check_not_tenant_scoped names it).",
    references: &[
        "https://postgrest.org/en/stable/references/api/preferences.html#return-representation",
    ],
};

/// Inserts, as A's user, a copy of B's sample row: A's user id where the user is named, fresh
/// keys.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let Some(row) = case.sample_b.as_ref().map(|s| &s.row_json) else {
        return Step::NotApplicable;
    };
    if !case.writes {
        return Step::NotApplicable;
    }
    let relation = case.probed.relation;
    let users = user_columns(case.catalog, case.settings, relation);
    match plan(
        relation,
        &case.probed.tenant_column.name,
        &users,
        case.settings.allow_sequence_inserts,
    ) {
        Ok(plan) => {
            let mut params = vec![row.clone()];
            if !users.is_empty() {
                params.push(case.settings.user_id(case.a).to_owned());
            }
            let mut attempt = Attempt::new(case.as_a, plan.sql, params);
            attempt.advances = plan.advances;
            Step::attempt(attempt)
        }
        Err(not_insertable) => Step::NotAttempted(not_insertable.to_string()),
    }
}

/// Columns that name the acting user: a foreign key to the users table, or compared to
/// `auth.uid()` by a policy of the relation. Only uuid and text columns (a user id fits them).
fn user_columns<'r>(
    catalog: &Catalog,
    settings: &Settings,
    relation: &'r Relation,
) -> Vec<&'r str> {
    let expressions: Vec<&str> = catalog
        .policies_of(relation.oid)
        .flat_map(|p| [p.using.as_deref(), p.check.as_deref()])
        .flatten()
        .collect();
    relation
        .columns
        .iter()
        .filter(|c| c.name != settings.tenant_column && !c.generated)
        .filter(|c| matches!(c.type_name.as_str(), "uuid" | "text" | "character varying"))
        .filter(|c| {
            c.references.as_deref() == Some(settings.users_table.as_str())
                || expressions.iter().any(|e| compares_to_uid(e, &c.name))
        })
        .map(|c| c.name.as_str())
        .collect()
}

/// Whether `expression` (as `pg_get_expr` prints it) compares `column` with `auth.uid()`, on
/// either side, bare or wrapped in `(SELECT auth.uid() ...)` and casts.
fn compares_to_uid(expression: &str, column: &str) -> bool {
    let column = regex::escape(column);
    let uid = r"\(*\s*(?:SELECT\s+)?auth\.uid\(\)(?:\s+AS\s+\w+)?\s*\)*(?:::[\w ]+)?";
    let named = format!(r#"(?:\w+\.)?(?:{column}|"{column}")(?:::[\w ]+)?"#);
    let pattern = format!(r"(?:^|[\s(]){named}\s*=\s*{uid}|{uid}\s*=\s*\(*{named}(?:$|[\s)])");
    regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(expression))
}

/// How to insert a copy of a sample row.
struct Plan {
    sql: String,
    /// The sequences the insert advances, to report.
    advances: Vec<String>,
}

/// Why a copy of a row is not inserted.
#[derive(Debug, thiserror::Error)]
enum NotInsertable {
    #[error(
        "column {column} is filled from a sequence ({sequence}); an insert would advance it even when rolled back, so it \
         is not attempted ([postgres].allow_sequence_inserts)"
    )]
    Sequence { column: String, sequence: String },
}

/// Builds `insert into T (cols) select cols from jsonb_populate_record(null::T, <the copy>)`,
/// where `$1` is the sample row as JSON and `$2` the acting user's id (only when there are
/// `user_columns`).
fn plan(
    relation: &Relation,
    tenant_column: &str,
    user_columns: &[&str],
    allow_sequence_inserts: bool,
) -> Result<Plan, NotInsertable> {
    let table = qualified(&relation.schema, &relation.name);
    let mut advances = Vec::new();
    let mut row = "$1::text::jsonb".to_owned();
    let mut columns = Vec::new();
    for column in &relation.columns {
        let is_key = relation.primary_key.contains(&column.name);
        // Left out, the column takes its default: a generated value, or the next key of its
        // sequence (a copied key would only collide).
        let drawn = column.generated || (is_key && column.sequence.is_some());
        if drawn {
            if let Some(sequence) = &column.sequence {
                if !allow_sequence_inserts {
                    return Err(NotInsertable::Sequence {
                        column: column.name.clone(),
                        sequence: sequence.clone(),
                    });
                }
                advances.push(sequence.clone());
            }
            continue;
        }
        columns.push(ident(&column.name));
        let name = literal(&column.name);
        if user_columns.contains(&column.name.as_str()) {
            row = format!("jsonb_set({row}, array[{name}], to_jsonb($2::text))");
        } else if is_key && column.name != tenant_column {
            // Other key columns keep B's value: a duplicate is still rejected only after RLS.
            let fresh = match column.type_name.as_str() {
                "uuid" => Some("to_jsonb(gen_random_uuid())"),
                "text" | "character varying" => {
                    Some("to_jsonb('launchguard-probe-' || gen_random_uuid()::text)")
                }
                _ => None,
            };
            if let Some(fresh) = fresh {
                row = format!("jsonb_set({row}, array[{name}], {fresh})");
            }
        }
    }
    let list = columns.join(", ");
    Ok(Plan {
        sql: format!(
            "insert into {table} ({list}) select {list} from jsonb_populate_record(null::{table}, {row})"
        ),
        advances,
    })
}

#[cfg(test)]
mod tests {
    use super::compares_to_uid;

    #[test]
    fn finds_columns_compared_to_the_user_id() {
        assert!(compares_to_uid("(author_id = auth.uid())", "author_id"));
        assert!(compares_to_uid("(auth.uid() = author_id)", "author_id"));
        assert!(compares_to_uid(
            "(owner = ( SELECT auth.uid() AS uid))",
            "owner"
        ));
        assert!(compares_to_uid(
            "((tenant_id = current_tenant()) AND (c.user_id = (auth.uid())::text))",
            "user_id"
        ));
        assert!(!compares_to_uid("(auth.uid() IS NOT NULL)", "author_id"));
        assert!(!compares_to_uid("(co_author_id = auth.uid())", "author_id"));
        assert!(!compares_to_uid("(author_id = other_id)", "author_id"));
    }
}
