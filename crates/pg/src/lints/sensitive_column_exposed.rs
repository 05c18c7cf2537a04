use std::sync::LazyLock;

use launchguard_core::{CheckDef, Severity};
use regex::Regex;

use super::Violation;
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "grant.sensitive_column_exposed",
    agent: "postgres",
    title: "Secret-looking column readable by the API roles",
    severity: Severity::High,
    what: "Fails for a column of an exposed table or view whose name looks secret (password, secret, token, api_key, \
           private_key, ssn, card number...) and that anon or authenticated may SELECT, with or without RLS. \
           splinter 0023 (sensitive_columns_exposed) only looks at tables without RLS.",
    why: "RLS filters rows, not columns: every row a caller may legitimately see (its own tenant's, or public ones) \
          also hands over its secret columns, e.g. API keys of integrations readable by every member.",
    fix: "Revoke the table-level SELECT and GRANT SELECT on the non-secret columns only, move secrets to a table the \
          API cannot reach (or Vault), or serve them through a function that checks the caller's role.",
    references: &[
        "https://supabase.com/docs/guides/database/database-linter?lint=0023_sensitive_columns_exposed",
    ],
};

static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|_)(password|passwd|pwd|secret|secrets|token|tokens|api_?key|apikey|private_key|secret_key|access_key|ssn|social_security|credit_card|card_number|cvv|iban|otp|totp_secret|mfa_secret|refresh_token|access_token|session_token|hash)($|_)",
    )
    .expect("valid pattern")
});

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    let mut violations = Vec::new();
    for relation in &catalog.relations {
        for column in relation
            .columns
            .iter()
            .filter(|c| c.api_can_read && SENSITIVE.is_match(&c.name))
        {
            let mut v = Violation::on(
                relation,
                format!(
                    "column {}.{} looks secret and the API roles may read it",
                    relation.qualified_name(),
                    column.name
                ),
            )
            .with("column", column.name.as_str())
            .with("rls_enabled", relation.rls);
            v.stable_key = column.name.clone();
            violations.push(v);
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_looking_names() {
        for yes in [
            "api_key",
            "apikey",
            "password",
            "stripe_secret",
            "refresh_token",
            "password_hash",
            "ssn",
        ] {
            assert!(super::SENSITIVE.is_match(yes), "{yes}");
        }
        for no in [
            "name",
            "tokenizer_model",
            "keyboard",
            "description",
            "tenant_id",
        ] {
            assert!(!super::SENSITIVE.is_match(no), "{no}");
        }
    }
}
