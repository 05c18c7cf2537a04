use std::sync::LazyLock;

use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;
use regex::Regex;

use super::{Exposure, judge_paths, looks_html};
use crate::surface::judge::listed;
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.dotenv",
    agent: "http",
    title: "An environment file (.env) is publicly readable",
    severity: Severity::High,
    what: "Requests `/.env`, `/.env.local`, `/.env.production`, `/.env.production.local`, `/.env.development`, \
           `/.env.bak` and `/api/.env`, and fails when a real answer (2xx, not the soft-404 page, not HTML) holds \
           at least two `NAME=value` lines in any dialect (`export NAME=`, `NAME = value`, quoted values, \
           comments), or one `NEXT_PUBLIC_*`, `SUPABASE_*`, `DATABASE_URL` or `OPENAI_*` line. The evidence lists \
           variable names only, never values; critical when a name says secret, key, token or password (the \
           values themselves are reported by exposure.secret).",
    why: "An .env file holds the deployment's credentials: the Supabase service-role key, the database URL, \
          the OpenAI key. Bots request /.env on every site within hours of it going live.",
    fix: "Never deploy .env files into the web root (check the Dockerfile's COPY and the static export \
          directory), block dotfiles at the web server, and rotate every credential the file held.",
    references: &["https://cwe.mitre.org/data/definitions/538.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=")
        .expect("built-in pattern compiles")
});

const TELLING: &[&str] = &[
    "NEXT_PUBLIC_",
    "SUPABASE_",
    "DATABASE_URL",
    "OPENAI_",
    "VITE_",
];
const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "KEY",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "DATABASE_URL",
    "SERVICE_ROLE",
];

pub(crate) fn validate(response: &Response) -> Option<(String, Severity)> {
    if looks_html(response) {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let names: Vec<String> = ASSIGNMENT
        .captures_iter(&text)
        .map(|c| c[1].to_owned())
        .collect();
    let telling = names
        .iter()
        .any(|n| TELLING.iter().any(|t| n.starts_with(t)));
    if names.len() < 2 && !telling {
        return None;
    }
    let secret = names.iter().any(|n| {
        SECRET_WORDS
            .iter()
            .any(|w| n.to_ascii_uppercase().contains(w))
    });
    Some((
        format!("{} variable(s): {}", names.len(), listed(&names, 8)),
        if secret {
            Severity::Critical
        } else {
            Severity::High
        },
    ))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_paths(&DEF, x, Exposure::Dotenv, validate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Response {
        Response {
            status: 200,
            headers: vec![("content-type".into(), "application/octet-stream".into())],
            body: text.as_bytes().to_vec(),
            truncated: false,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn every_dialect_is_recognised_and_values_never_shown() {
        let (detail, severity) = validate(&body(
            "# prod\nexport DB_HOST=10.0.0.1\nSUPABASE_SERVICE_ROLE_KEY = \"eyJhbGciOi\"\n",
        ))
        .unwrap();
        assert_eq!(severity, Severity::Critical);
        assert!(detail.contains("DB_HOST") && detail.contains("SUPABASE_SERVICE_ROLE_KEY"));
        assert!(!detail.contains("10.0.0.1") && !detail.contains("eyJ"));
        assert_eq!(
            validate(&body("NEXT_PUBLIC_SITE=x\n")).unwrap().1,
            Severity::High
        );
        assert!(validate(&body("A=1\n")).is_none());
        assert!(validate(&body("<!doctype html><p>A=1\nB=2</p>")).is_none());
    }
}
