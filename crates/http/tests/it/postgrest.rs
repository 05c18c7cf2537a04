//! The PostgREST agent against the lab's PostgREST-compatible gateway over a real PostgreSQL: the
//! JWTs are verified, and each request runs under `SET LOCAL ROLE` with `request.jwt.claims`, so
//! the RLS being probed is PostgreSQL's own.

use launchguard_core::Status;
use launchguard_core::config::Environment;
use launchguard_http::postgrest::AGENT;
use launchguard_lab::postgrest::{PostgrestLab, TENANTS};

use crate::support::{Run, config_error, run};

fn admin_url() -> String {
    std::env::var("LAUNCHGUARD_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn section(lab: &PostgrestLab, extra: &str) -> String {
    let accounts: String = TENANTS
        .iter()
        .map(|(tenant, canary)| {
            format!(
                "\n[[postgrest.accounts]]\nname = \"{tenant}\"\ntenant_id = \"{tenant}\"\njwt_env = \"LG_PGRST_{}_JWT\"\ncanaries = [\"{canary}\"]\n",
                tenant.to_ascii_uppercase()
            )
        })
        .collect();
    format!(
        "[scope]\nhosts = [\"127.0.0.1\"]\n\n[postgrest]\nname = \"lab\"\nurl = \"http://{}/\"\nanon_key_env = \"LG_PGRST_ANON\"\n{extra}\n{accounts}",
        lab.addr
    )
}

fn env(lab: &PostgrestLab) -> Environment {
    let mut env = Environment::process().with_var("LG_PGRST_ANON", lab.anon_key.clone());
    for ((tenant, _), token) in TENANTS.iter().zip(&lab.tenant_tokens) {
        env = env.with_var(
            format!("LG_PGRST_{}_JWT", tenant.to_ascii_uppercase()),
            token.clone(),
        );
    }
    env
}

async fn audit(lab: &PostgrestLab, extra: &str, env: &Environment) -> Run {
    run(&AGENT, &section(lab, extra), env, &["127.0.0.1"], 1_000).await
}

fn table(name: &str) -> String {
    format!("postgrest:lab/{name}")
}

#[tokio::test]
async fn the_leaky_tables_fail_and_the_correct_ones_pass() {
    let lab = PostgrestLab::start(&admin_url()).await.unwrap();
    let run = audit(&lab, "", &env(&lab)).await;
    let outcome = |check: &str, name: &str| run.status(check, &table(name));
    assert_eq!(
        run.status("postgrest.control_failed", "postgrest:lab"),
        Status::Pass
    );
    assert_eq!(outcome("postgrest.anon_read", "profiles"), Status::Fail);
    for name in ["notes", "projects", "plans"] {
        assert_eq!(outcome("postgrest.anon_read", name), Status::Pass, "{name}");
    }
    assert_eq!(
        outcome("postgrest.cross_tenant_read", "projects"),
        Status::Fail
    );
    assert_eq!(
        outcome("postgrest.cross_tenant_read", "profiles"),
        Status::Fail
    );
    assert_eq!(
        outcome("postgrest.cross_tenant_read", "notes"),
        Status::Pass
    );
    assert_eq!(
        outcome("postgrest.cross_tenant_read", "plans"),
        Status::Pass
    );
    for name in ["notes", "projects", "profiles", "plans"] {
        assert_eq!(
            outcome("postgrest.cross_tenant_write", name),
            Status::Skipped,
            "writes are off by default"
        );
    }
    let leak = run.get("postgrest.cross_tenant_read", &table("projects"));
    assert!(leak.evidence.contains_key("canary_offset"), "{leak:#?}");
    let json = serde_json::to_string(&run.findings).unwrap();
    assert!(!json.contains(&lab.anon_key) && !json.contains(&lab.tenant_tokens[0]));
    for (_, canary) in TENANTS {
        assert!(!json.contains(canary), "a canary reached the findings");
    }
    assert!(!json.contains("roadmap"), "row data reached the findings");
    // 1 root + 4 tables x (1 anon + 4 account pairs), or 2 reads for the table without tenants.
    assert_eq!(lab.requests(), 1 + 3 * 5 + 3);
    lab.drop().await;
}

#[tokio::test]
async fn writes_only_with_allow_writes_and_always_rolled_back() {
    let lab = PostgrestLab::start(&admin_url()).await.unwrap();
    let probes = "allow_writes = true\n\n[[postgrest.write_probes]]\ntable = \"notes\"\nrow = { body = \"launchguard probe\" }\n\n[[postgrest.write_probes]]\ntable = \"projects\"\nrow = { name = \"launchguard probe\" }\n";
    let run = audit(&lab, probes, &env(&lab)).await;
    let write = run.get("postgrest.cross_tenant_write", &table("projects"));
    assert_eq!(write.status, Status::Fail, "{write:#?}");
    assert!(write.message.contains("rolled back"), "{}", write.message);
    assert_eq!(
        run.status("postgrest.cross_tenant_write", &table("notes")),
        Status::Pass
    );
    assert_eq!(
        run.status("postgrest.cross_tenant_write", &table("plans")),
        Status::Skipped
    );
    for (tenant, _) in TENANTS {
        assert_eq!(
            lab.count("projects", tenant).await.unwrap(),
            1,
            "nothing was committed"
        );
        assert_eq!(lab.count("notes", tenant).await.unwrap(), 1);
    }
    lab.drop().await;
}

#[tokio::test]
async fn a_bad_jwt_fails_the_control_and_nothing_passes_on_it() {
    let lab = PostgrestLab::start(&admin_url()).await.unwrap();
    let env = env(&lab).with_var(
        "LG_PGRST_ACME_JWT",
        "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYXV0aGVudGljYXRlZCJ9.forged",
    );
    let run = audit(&lab, "tables = [\"notes\", \"plans\"]", &env).await;
    let control = run.get("postgrest.control_failed", "postgrest:lab");
    assert_eq!(control.status, Status::Error, "{control:#?}");
    assert!(control.message.contains("acme"), "{}", control.message);
    assert_eq!(
        run.status("postgrest.cross_tenant_read", &table("notes")),
        Status::Error
    );
    lab.drop().await;
}

#[test]
fn bad_configurations_are_refused() {
    let base = "[scope]\nhosts = [\"127.0.0.1\"]\n[postgrest]\nname = \"lab\"\nurl = \"http://127.0.0.1:1/\"\nanon_key_env = \"ANON\"\n";
    let account = |name: &str, canary: &str| {
        format!(
            "[[postgrest.accounts]]\nname = \"{name}\"\ntenant_id = \"{name}\"\njwt_env = \"JWT\"\ncanaries = [\"{canary}\"]\n"
        )
    };
    let two = format!(
        "{}{}",
        account("a", "lg-canary-aaaa"),
        account("b", "lg-canary-bbbb")
    );
    for (config, needle) in [
        (
            format!("{base}{}", account("a", "lg-canary-aaaa")),
            "two or more",
        ),
        (
            format!(
                "{base}{}{}",
                account("a", "lg-canary-aaaa"),
                account("b", "lg-canary-aaaa")
            ),
            "overlaps",
        ),
        (
            format!("{base}{two}").replace("1/\"", "1/rest\""),
            "ending in `/`",
        ),
        (
            format!("{base}tables = [\"notes; drop\"]\n{two}"),
            "letters, digits",
        ),
        (
            format!(
                "{base}{two}[[postgrest.write_probes]]\ntable = \"notes\"\nrow = {{ tenant_id = \"x\" }}\n"
            ),
            "leave `tenant_id` out",
        ),
    ] {
        let error = config_error(&AGENT, &config);
        assert!(error.contains(needle), "{needle:?} not in {error}");
    }
}
