use launchguard_core::{CheckDef, Severity};

use super::{Attempt, PairCase, Step};
use crate::catalog::Relation;
use crate::sql::{ident, literal, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_insert",
    agent: "postgres",
    title: "A tenant's user inserts a row into another tenant",
    severity: Severity::Critical,
    what: "With [postgres].allow_writes, as tenant A's user, inserts a copy of one of tenant B's rows with a fresh \
           key and without RETURNING (as PostgREST does with `Prefer: return=minimal`), in a transaction that \
           always rolls back. Fails when RLS lets it through, including when a constraint rejects the row after the \
           policy check passed. Tables whose key comes from a sequence are skipped unless \
           [postgres].allow_sequence_inserts, because a rolled-back insert still advances the sequence; the \
           findings then list the sequences that moved.",
    why: "Inserting into another tenant plants data the victim tenant will trust.",
    fix: "Make the INSERT policy's WITH CHECK pin the caller's tenant (rls.check_not_tenant_scoped names it).",
    references: &[
        "https://postgrest.org/en/stable/references/api/preferences.html#return-representation",
    ],
};

/// Inserts, as A's user, a copy of B's sample row with a fresh key.
pub(super) fn judge(case: &PairCase<'_>) -> Step {
    let (Some(key), Some(row)) = (
        case.write_key,
        case.sample_b.as_ref().and_then(|s| s.row_json.as_ref()),
    ) else {
        return Step::NotApplicable;
    };
    match plan(
        case.probed.relation,
        key,
        case.settings.allow_sequence_inserts,
    ) {
        Ok(plan) => {
            let mut attempt = Attempt::new(case.as_a, plan.sql, vec![row.clone()]);
            attempt.advances = plan.advances;
            Step::Attempt(attempt)
        }
        Err(not_insertable) => Step::NotAttempted(not_insertable.to_string()),
    }
}

/// How to insert a copy of a sample row.
struct Plan {
    sql: String,
    /// The sequence the insert advances, to report.
    advances: Option<String>,
}

/// Why a copy of a row is not inserted.
#[derive(Debug, thiserror::Error)]
enum NotInsertable {
    #[error("the key column is missing")]
    KeyColumnMissing,
    #[error(
        "key {key} comes from a sequence ({sequence}); an insert would advance it even when rolled back, so it is \
         not attempted ([postgres].allow_sequence_inserts)"
    )]
    SequenceKey { key: String, sequence: String },
    #[error("cannot make a fresh key of type {type_name}")]
    NoFreshKey { type_name: String },
}

/// Builds `insert into T (cols) select cols from jsonb_populate_record(null::T, <row with a fresh key>)`.
fn plan(
    relation: &Relation,
    key: &str,
    allow_sequence_inserts: bool,
) -> Result<Plan, NotInsertable> {
    let key_column = relation
        .column(key)
        .ok_or(NotInsertable::KeyColumnMissing)?;
    let table = qualified(&relation.schema, &relation.name);
    let mut advances = None;
    let row = if let Some(sequence) = &key_column.sequence {
        if !allow_sequence_inserts {
            return Err(NotInsertable::SequenceKey {
                key: key.to_owned(),
                sequence: sequence.clone(),
            });
        }
        advances = Some(sequence.clone());
        "$1::text::jsonb".to_owned()
    } else {
        let fresh = match key_column.type_name.as_str() {
            "uuid" => "to_jsonb(gen_random_uuid())".to_owned(),
            "text" | "character varying" => {
                "to_jsonb('launchguard-probe-' || gen_random_uuid()::text)".to_owned()
            }
            other => {
                return Err(NotInsertable::NoFreshKey {
                    type_name: other.to_owned(),
                });
            }
        };
        format!(
            "jsonb_set($1::text::jsonb, array[{}], {fresh})",
            literal(key)
        )
    };
    let columns: Vec<String> = relation
        .columns
        .iter()
        .filter(|c| !c.generated)
        .filter(|c| advances.is_none() || c.name != key)
        .map(|c| ident(&c.name))
        .collect();
    let list = columns.join(", ");
    Ok(Plan {
        sql: format!(
            "insert into {table} ({list}) select {list} from jsonb_populate_record(null::{table}, {row})"
        ),
        advances,
    })
}
