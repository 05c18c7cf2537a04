//! The demo lab's logs: planted secrets in the shapes real logs carry them, and clean look-alikes.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use flate2::Compression;
use flate2::write::GzEncoder;

/// Every secret planted in the demo logs. Reports must never contain any of them; a test scans
/// every format for them.
pub const PLANTED_LOG_SECRETS: &[&str] = &[
    "sk-proj-LgDemoKey9x8c7v6b5n4m3a2s1d0fGhJkLqWeRtYuIoPzXcVbNm1234567890abcdEFGH",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImxnZGVtb3Byb2plY3RyZWYwMDAxIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMTAwMDAwMDAwfQ.LgDemoSignatureNotRealButLongEnough0123456789",
    "LgDemoDbPw-4f3e2d1c",
    "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",
    "sb_secret_LgDemoSupabaseSecret0123456789_ab",
    "5390734008127665",
    "maria.lgdemo@tenant-b.io",
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu",
];

fn app_jsonl() -> String {
    let [openai, service_role, db_password, _, sb_secret, ..] = PLANTED_LOG_SECRETS else {
        unreachable!()
    };
    [
        r#"{"ts":"2026-11-26T10:00:00Z","level":"info","msg":"request","path":"/api/v1/chat","tenant_id":"t-42"}"#.to_owned(),
        format!(r#"{{"ts":"2026-11-26T10:00:01Z","level":"debug","msg":"calling OpenAI","headers":{{"Authorization":"Bearer {openai}"}}}}"#),
        format!(
            r#"{{"ts":"2026-11-26T10:00:02Z","level":"error","msg":"Traceback (most recent call last):\n  File \"/srv/api/db.py\", line 12\nsqlalchemy.exc.OperationalError: postgresql://app:{db_password}@db.internal:5432/prod"}}"#
        ),
        format!(r#"{{"ts":"2026-11-26T10:00:03Z","level":"debug","msg":"supabase client","config":{{"key":"{sb_secret}"}}}}"#),
        format!(r#"{{"ts":"2026-11-26T10:00:04Z","level":"debug","msg":"proxy","apikey":"{service_role}"}}"#),
        format!(r#"{{"ts":"2026-11-26T10:00:05Z","level":"debug","msg":"calling OpenAI again","headers":{{"Authorization":"Bearer {openai}"}}}}"#),
        r#"{"ts":"2026-11-26T10:00:06Z","level":"info","msg":"config","openai_key":"sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","db":"postgresql://app:${DB_PASSWORD}@db.internal/prod"}"#.to_owned(),
    ]
    .join("\n")
        + "\n"
}

fn nginx_access() -> String {
    let github = PLANTED_LOG_SECRETS[3];
    let password = PLANTED_LOG_SECRETS[2];
    [
        r#"10.0.0.7 - - [26/Nov/2026:10:00:00 +0000] "GET /health HTTP/1.1" 200 15 "-" "kube-probe/1.30""#.to_owned(),
        format!(r#"10.0.0.7 - - [26/Nov/2026:10:00:01 +0000] "GET /hooks/deploy?token={github} HTTP/1.1" 200 2 "-" "curl/8.5""#),
        format!(
            r#"10.0.0.9 - - [26/Nov/2026:10:00:02 +0000] "GET /debug?dsn=postgres%3A%2F%2Fapp%3A{password}%40db.internal%3A5432%2Fprod HTTP/1.1" 404 0 "-" "Mozilla/5.0""#
        ),
        r#"10.0.0.9 - - [26/Nov/2026:10:00:03 +0000] "GET /hooks/deploy?token=ghp_LgDemoGithubTokenBody4k9Qz7Wx23jsSMn HTTP/1.1" 401 0 "-" "curl/8.5""#.to_owned(),
    ]
    .join("\n")
        + "\n"
}

fn worker_rotated() -> String {
    let [.., card, email, key_row] = PLANTED_LOG_SECRETS else {
        unreachable!()
    };
    [
        "2026-11-25T23:59:58Z [worker-3] INFO job started".to_owned(),
        format!("2026-11-25T23:59:59Z [worker-3] INFO charge for {email} card={card} amount=4900"),
        "2026-11-25T23:59:59Z [worker-3] DEBUG signing key: -----BEGIN RSA PRIVATE KEY-----".to_owned(),
        format!("2026-11-25T23:59:59Z [worker-3] DEBUG {key_row}"),
        "2026-11-25T23:59:59Z [worker-3] DEBUG KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm".to_owned(),
        "2026-11-25T23:59:59Z [worker-3] DEBUG -----END RSA PRIVATE KEY-----".to_owned(),
        "2026-11-26T00:00:00Z [worker-3] INFO test charge card=4242 4242 4242 4242 receipt to noreply@example.com".to_owned(),
    ]
    .join("\n")
        + "\n"
}

/// Writes the lab's logs into `dir`.
pub fn write(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join("app.jsonl"), app_jsonl())?;
    std::fs::write(dir.join("nginx-access.log"), nginx_access())?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(worker_rotated().as_bytes())?;
    std::fs::write(dir.join("worker.log.1.gz"), encoder.finish()?)?;
    std::fs::write(
        dir.join("clean.log"),
        "2026-11-26T10:00:00Z INFO user 42 signed in\n2026-11-26T10:00:01Z INFO password=******** api_key=${API_KEY}\n",
    )?;
    Ok(())
}
