use launchguard_core::{CheckDef, Severity};

use super::{Attempt, FunctionCase, Step};
use crate::catalog::Function;
use crate::sql::{literal, qualified};

pub static CHECK: CheckDef = CheckDef {
    id: "tenant.cross_read_via_function",
    agent: "postgres",
    title: "A function returns another tenant's rows",
    severity: Severity::Critical,
    what: "Calls every exposed, API-executable, STABLE or IMMUTABLE set-returning function whose rows carry the \
           tenant column, as tenant A's user in a read-only transaction that rolls back, and fails when rows of \
           tenant B come back. Required arguments get neutral values: text arguments an empty string, then `%`, then \
           NULL; every other argument NULL. VOLATILE functions are never called; VARIADIC and polymorphic ones are \
           listed as not attempted. Explained by fn.security_definer_exposed when the function is a definer.",
    why: "RPC functions are part of the API (/rest/v1/rpc/<name>); one that runs as its owner returns every \
          tenant's rows to any caller, often for an empty search.",
    fix: "Make the function SECURITY INVOKER so the caller's RLS applies, or filter by the caller's tenant inside it.",
    references: &[
        "https://supabase.com/docs/guides/database/functions#security-definer-vs-invoker",
    ],
};

/// Types whose neutral values are text (`''`, `'%'`), not only NULL.
const TEXT_TYPES: [&str; 4] = ["text", "character varying", "character", "citext"];

/// Calls the function as A's user with each set of neutral arguments and counts B's rows among
/// what it returns.
pub(super) fn judge(case: &FunctionCase<'_>) -> Step {
    let function = case.function;
    if function.variadic {
        return Step::NotAttempted("takes a VARIADIC argument: no neutral call".to_owned());
    }
    let required = &function.argument_types
        [..(function.required_arguments.max(0) as usize).min(function.argument_types.len())];
    if let Some(polymorphic) = required.iter().find(|t| t.starts_with("any")) {
        return Step::NotAttempted(format!(
            "takes a polymorphic argument ({polymorphic}): no neutral call"
        ));
    }
    let attempts = neutral_calls(required)
        .into_iter()
        .map(|arguments| {
            let shown = arguments.join(", ");
            let attempt = Attempt::new(
                case.as_a,
                sql(function, &arguments, case.tenant_column),
                vec![case.b.id.clone()],
            );
            if arguments.is_empty() {
                attempt
            } else {
                attempt.variant(format!("called with ({shown})"))
            }
        })
        .collect();
    Step::Attempts(attempts)
}

/// The argument lists to call with: one per neutral text value when a text argument is
/// required, else one (all NULL, or no argument at all).
fn neutral_calls(required: &[String]) -> Vec<Vec<String>> {
    let has_text = required.iter().any(|t| TEXT_TYPES.contains(&t.as_str()));
    let text_values: &[&str] = if has_text {
        &["''", "'%'", "NULL"]
    } else {
        &["NULL"]
    };
    text_values
        .iter()
        .map(|text| {
            required
                .iter()
                .map(|type_name| {
                    let value = if TEXT_TYPES.contains(&type_name.as_str()) {
                        text
                    } else {
                        "NULL"
                    };
                    format!("{value}::{type_name}")
                })
                .collect()
        })
        .collect()
}

/// Counts rows of the tenant `$1` among the first 1000 the call returns.
fn sql(function: &Function, arguments: &[String], tenant_column: &str) -> String {
    format!(
        "select count(*) from (select to_jsonb(x) as j from {}({}) x limit 1000) s where s.j ->> {} = $1",
        qualified(&function.schema, &function.name),
        arguments.join(", "),
        literal(tenant_column)
    )
}

#[cfg(test)]
mod tests {
    use super::neutral_calls;

    #[test]
    fn neutral_arguments_cover_empty_wildcard_and_null() {
        assert_eq!(neutral_calls(&[]), vec![Vec::<String>::new()]);
        assert_eq!(
            neutral_calls(&["uuid".into(), "text".into()]),
            vec![
                vec!["NULL::uuid".to_owned(), "''::text".to_owned()],
                vec!["NULL::uuid".to_owned(), "'%'::text".to_owned()],
                vec!["NULL::uuid".to_owned(), "NULL::text".to_owned()],
            ]
        );
        assert_eq!(
            neutral_calls(&["integer".into()]),
            vec![vec!["NULL::integer".to_owned()]]
        );
    }
}
