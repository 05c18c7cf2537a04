use launchguard_core::{CheckDef, Severity};

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

/// How to insert a copy of a sample row, or why not.
pub struct Plan {
    pub sql: String,
    /// The sequence the insert advances, to report.
    pub advances: Option<String>,
}

/// Builds `insert into T (cols) select cols from jsonb_populate_record(null::T, <row with a fresh key>)`.
pub fn plan(relation: &Relation, key: &str, allow_sequence_inserts: bool) -> Result<Plan, String> {
    let key_column = relation.column(key).ok_or("the key column is missing")?;
    let table = qualified(&relation.schema, &relation.name);
    let mut advances = None;
    let row = if let Some(sequence) = &key_column.sequence {
        if !allow_sequence_inserts {
            return Err(format!(
                "key {key} comes from a sequence ({sequence}); an insert would advance it even when rolled back, so it is \
                 not attempted ([postgres].allow_sequence_inserts)"
            ));
        }
        advances = Some(sequence.clone());
        "$1::text::jsonb".to_owned()
    } else {
        let fresh = match key_column.type_name.as_str() {
            "uuid" => "to_jsonb(gen_random_uuid())".to_owned(),
            "text" | "character varying" => {
                "to_jsonb('launchguard-probe-' || gen_random_uuid()::text)".to_owned()
            }
            other => return Err(format!("cannot make a fresh key of type {other}")),
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
