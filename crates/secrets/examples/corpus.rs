//! The benchmark corpus: `corpus generate [--dense] SEED SIZE DIR` writes `corpus.log` (nginx access
//! lines, JSON-lines app logs, Python tracebacks) with planted secrets of every rule, raw and encoded
//! (JSON-escaped, percent-encoded, inside base64 blobs), and hard negatives, plus `corpus.key.json`
//! (the answer key) and `patterns.txt` (the rules' regexes, for ripgrep). `--dense` writes filler
//! where most lines carry UUIDs, tenant ids and fields named token, key or session, so the keyword
//! prefilter passes most lines on to the rules. `corpus score KEY REPORT` prints recall and
//! precision of a launchguard JSON report. Generated at benchmark time; never committed.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufWriter, Write};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// splitmix64: deterministic for a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URLSAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const HEX: &[u8] = b"0123456789abcdef";
const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

fn base62_crc(body: &str) -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = crc32fast::hash(body.as_bytes());
    let mut out = vec![b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out).unwrap()
}

fn jwt(rng: &mut Rng, payload: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload),
        rng.chars(URLSAFE, 43)
    )
}

fn card(rng: &mut Rng) -> String {
    loop {
        let mut digits: Vec<u32> = vec![4];
        digits.extend((0..14).map(|_| rng.below(10) as u32));
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == 0 {
                    let x = d * 2;
                    if x > 9 { x - 9 } else { x }
                } else {
                    *d
                }
            })
            .sum();
        digits.push((10 - sum % 10) % 10);
        let text: String = digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect();
        if digits.iter().collect::<HashSet<_>>().len() >= 4 {
            return text;
        }
    }
}

/// A random version-4 UUID.
fn uuid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-{}{}-{}",
        rng.chars(HEX, 8),
        rng.chars(HEX, 4),
        rng.chars(HEX, 3),
        rng.pick(&["8", "9", "a", "b"]),
        rng.chars(HEX, 3),
        rng.chars(HEX, 12)
    )
}

/// A UUID whose last two groups are 16 digits that pass the Luhn check: a card number by shape.
fn uuid_with_card_digits(rng: &mut Rng) -> String {
    let digits = loop {
        // The variant nibble of a version-4 UUID is 8, 9, a or b.
        let candidate = format!("{}{}", rng.pick(&["8", "9"]), rng.chars(b"0123456789", 15));
        if luhn_valid(&candidate) {
            break candidate;
        }
    };
    format!(
        "{}-{}-4{}{}-{}-{}",
        rng.chars(HEX, 8),
        rng.chars(HEX, 4),
        rng.chars(b"abcdef", 1),
        rng.chars(HEX, 2),
        &digits[..4],
        &digits[4..]
    )
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match (i % 2, d * 2) {
            (1, x) if x > 9 => x - 9,
            (1, x) => x,
            _ => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A secret of a specific rule, as it would be set in an environment file: (text, rule).
fn env_secret(rng: &mut Rng) -> (String, &'static str) {
    match rng.below(5) {
        0 => (
            format!(
                "OPENAI_API_KEY=sk-proj-{}T3BlbkFJ{}",
                rng.chars(URLSAFE, 58),
                rng.chars(URLSAFE, 58)
            ),
            "secrets.openai_key",
        ),
        1 => {
            let body = rng.chars(ALNUM, 30);
            (
                format!("GITHUB_TOKEN=ghp_{body}{}", base62_crc(&body)),
                "secrets.github_token",
            )
        }
        2 => (
            format!("STRIPE_SECRET_KEY=sk_live_51{}", rng.chars(ALNUM, 60)),
            "secrets.stripe_key",
        ),
        3 => (
            format!(
                "DATABASE_URL=postgresql://app:{}@db.internal:5432/prod",
                rng.chars(ALNUM, 20)
            ),
            "secrets.db_url",
        ),
        _ => (
            format!(
                "SUPABASE_SECRET_KEY=sb_secret_{}_{}",
                rng.chars(URLSAFE, 22),
                rng.chars(ALNUM, 8)
            ),
            "secrets.supabase_secret_key",
        ),
    }
}

/// One planted secret as a log line (or lines), with its rule and whether it is encoded.
fn plant(rng: &mut Rng, ts: &str) -> (Vec<String>, &'static str, bool) {
    let prefix = format!("{ts} [api-{}] ", rng.below(8));
    let json = |msg: String| {
        format!(
            r#"{{"ts":"{ts}","level":"debug","msg":{}}}"#,
            serde_json::to_string(&msg).unwrap()
        )
    };
    match rng.below(32) {
        26 => {
            // A whole environment file, base64-encoded into one JSON field.
            let (secret, rule) = env_secret(rng);
            let env = format!("LOG_LEVEL=info\nREGION=eu-west-1\n{secret}\nWORKERS=4\n");
            (
                vec![format!(
                    r#"{{"ts":"{ts}","level":"debug","msg":"container env","env_b64":"{}"}}"#,
                    STANDARD.encode(env)
                )],
                rule,
                true,
            )
        }
        27 => {
            // A Kubernetes secret's value: the key alone, base64-encoded.
            let (secret, rule) = env_secret(rng);
            let value = secret.split_once('=').unwrap().1;
            (
                vec![format!(
                    "{prefix}applied secret app-env data.{}: {}",
                    secret.split_once('=').unwrap().0,
                    STANDARD.encode(value)
                )],
                rule,
                true,
            )
        }
        28 => {
            // A webhook body logged as URL-safe base64 JSON.
            let (secret, rule) = env_secret(rng);
            let (name, value) = secret.split_once('=').unwrap();
            let body = format!(r#"{{"event":"deploy","config":{{"{name}":"{value}"}}}}"#);
            (
                vec![format!(
                    "10.4.0.{} - - [{ts}] \"POST /hooks/deploy?payload={} HTTP/1.1\" 202 0",
                    rng.below(255),
                    URL_SAFE_NO_PAD.encode(body)
                )],
                rule,
                true,
            )
        }
        29 => (
            vec![json(format!(
                "supabase client init url=https://{}.supabase.co apikey=sb_publishable_{}_{}",
                rng.chars(LOWER, 20),
                rng.chars(URLSAFE, 22),
                rng.chars(ALNUM, 8)
            ))],
            "secrets.supabase_publishable_key",
            false,
        ),
        30 => (
            vec![format!(
                r#"{{"ts":"{ts}","msg":"checkout config","stripe":{{"api_key":"pk_live_51{}"}}}}"#,
                rng.chars(ALNUM, 97)
            )],
            "secrets.stripe_publishable_key",
            false,
        ),
        31 => (
            vec![format!(
                "{prefix}charge card={} amount={} request={}",
                card(rng),
                rng.below(10_000),
                uuid(rng)
            )],
            "pii.card_number",
            false,
        ),
        0 => (
            vec![json(format!(
                "openai request Authorization: Bearer sk-proj-{}T3BlbkFJ{}",
                rng.chars(URLSAFE, 74),
                rng.chars(URLSAFE, 74)
            ))],
            "secrets.openai_key",
            false,
        ),
        1 => (
            vec![format!(
                "{prefix}anthropic x-api-key=sk-ant-api03-{}AA",
                rng.chars(URLSAFE, 93)
            )],
            "secrets.anthropic_key",
            false,
        ),
        2 => {
            let payload = format!(
                r#"{{"iss":"supabase","ref":"{}","role":"service_role","iat":1700000000,"exp":2100000000}}"#,
                rng.chars(LOWER, 20)
            );
            let token = jwt(rng, &payload);
            (
                vec![format!("{prefix}proxy apikey: {token}")],
                "secrets.supabase_service_role",
                false,
            )
        }
        3 => {
            let payload = format!(
                r#"{{"iss":"supabase","ref":"{}","role":"anon","iat":1700000000,"exp":2100000000}}"#,
                rng.chars(LOWER, 20)
            );
            let token = jwt(rng, &payload);
            (
                vec![json(format!("browser apikey {token}"))],
                "secrets.supabase_anon_key",
                false,
            )
        }
        4 => (
            vec![format!(
                "{prefix}supabase key=sb_secret_{}_{}",
                rng.chars(URLSAFE, 22),
                rng.chars(ALNUM, 8)
            )],
            "secrets.supabase_secret_key",
            false,
        ),
        5 => (
            vec![format!(
                "{prefix}SUPABASE_ACCESS_TOKEN=sbp_{}",
                rng.chars(HEX, 40)
            )],
            "secrets.supabase_access_token",
            false,
        ),
        6 => (
            vec![json(format!(
                "pinecone Api-Key: pcsk_{}_{}",
                rng.chars(ALNUM, 5),
                rng.chars(ALNUM, 63)
            ))],
            "secrets.pinecone_key",
            false,
        ),
        7 => (
            vec![format!(
                "{prefix}boto3 credentials AKIA{}",
                rng.chars(B32, 16)
            )],
            "secrets.aws_access_key",
            false,
        ),
        8 => {
            // JSON-escaped slashes: the encoded case gitleaks misses.
            let secret = format!(
                "{}/{}+{}",
                rng.chars(ALNUM, 13),
                rng.chars(ALNUM, 12),
                rng.chars(ALNUM, 13)
            );
            let line = format!(
                r#"{{"ts":"{ts}","creds":{{"aws_secret_access_key":"{}"}}}}"#,
                secret.replace('/', "\\/")
            );
            (vec![line], "secrets.aws_secret_key", true)
        }
        9 => {
            let body = rng.chars(ALNUM, 30);
            (
                vec![format!(
                    "10.1.{}.{} - - [{ts}] \"GET /hooks/deploy?token=ghp_{body}{} HTTP/1.1\" 200 2",
                    rng.below(255),
                    rng.below(255),
                    base62_crc(&body)
                )],
                "secrets.github_token",
                false,
            )
        }
        10 => (
            vec![format!(
                "{prefix}stripe.api_key=sk_live_51{}",
                rng.chars(ALNUM, 97)
            )],
            "secrets.stripe_key",
            false,
        ),
        11 => (
            vec![format!(
                "{prefix}slack xoxb-{}-{}-{}",
                1_000_000_000 + rng.below(8_999_999_999),
                1_000_000_000_000 + rng.below(8_999_999_999_999),
                rng.chars(ALNUM, 24)
            )],
            "secrets.slack_token",
            false,
        ),
        12 => (
            vec![json(format!("maps key=AIza{}", rng.chars(URLSAFE, 35)))],
            "secrets.google_api_key",
            false,
        ),
        13 => {
            let mut der = vec![0x30, 0x82, 0x02, 0x5c];
            der.extend((0..140).map(|_| rng.below(256) as u8));
            let body = STANDARD.encode(der);
            let mut lines = vec![format!(
                "{prefix}loaded key -----BEGIN RSA PRIVATE KEY-----"
            )];
            lines.extend(
                body.as_bytes()
                    .chunks(64)
                    .map(|row| format!("{prefix}{}", std::str::from_utf8(row).unwrap())),
            );
            lines.push(format!("{prefix}-----END RSA PRIVATE KEY-----"));
            (lines, "secrets.private_key", false)
        }
        14 => {
            let mut der = vec![0x30, 0x82, 0x01, 0x3a];
            der.extend((0..90).map(|_| rng.below(256) as u8));
            let pem = format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                STANDARD.encode(der)
            );
            (
                vec![format!(
                    r#"{{"ts":"{ts}","config":{{"private_key":{}}}}}"#,
                    serde_json::to_string(&pem).unwrap()
                )],
                "secrets.private_key",
                true,
            )
        }
        15 => {
            let payload = format!(
                r#"{{"sub":"user-{}","iat":1700000000,"exp":2100000000}}"#,
                rng.below(100_000)
            );
            let token = jwt(rng, &payload);
            (
                vec![format!(
                    "10.2.0.{} - - [{ts}] \"GET /api/me HTTP/1.1\" 200 512 \"-\" \"app\" auth=\"Bearer {token}\"",
                    rng.below(255)
                )],
                "secrets.jwt",
                false,
            )
        }
        16 => (
            vec![format!(
                "{prefix}OperationalError: could not connect postgresql://app:{}@db-{}.internal:5432/prod",
                rng.chars(ALNUM, 18),
                rng.below(9)
            )],
            "secrets.db_url",
            false,
        ),
        17 => {
            let url = format!(
                "postgres://svc:{}@db.internal:5432/app",
                rng.chars(ALNUM, 16)
            );
            let encoded: String = url
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            (
                vec![format!(
                    "10.3.0.{} - - [{ts}] \"GET /debug?dsn={encoded} HTTP/1.1\" 404 0",
                    rng.below(255)
                )],
                "secrets.db_url",
                true,
            )
        }
        18 => (
            vec![format!(
                "{prefix}upstream Authorization: Bearer {}",
                rng.chars(ALNUM, 40)
            )],
            "secrets.bearer_token",
            false,
        ),
        19 => (
            vec![format!(
                "{prefix}Authorization: Basic {}",
                STANDARD.encode(format!("svc-{}:{}", rng.below(100), rng.chars(ALNUM, 14)))
            )],
            "secrets.basic_auth",
            false,
        ),
        20 => (
            vec![format!("{prefix}Cookie: session={}", rng.chars(ALNUM, 32))],
            "secrets.session_cookie",
            false,
        ),
        21 => (
            vec![format!(
                "{prefix}settings db.password={}!{}#{}",
                rng.chars(ALNUM, 6),
                rng.chars(ALNUM, 5),
                rng.chars(ALNUM, 5)
            )],
            "secrets.generic_assignment",
            false,
        ),
        22 => (
            vec![json(format!(
                "signup {}.{}@customer-{}.io",
                rng.chars(LOWER, 6),
                rng.chars(LOWER, 7),
                rng.below(500)
            ))],
            "pii.email",
            false,
        ),
        23 => (
            vec![format!(
                "{prefix}charge card={} amount={}",
                card(rng),
                rng.below(10_000)
            )],
            "pii.card_number",
            false,
        ),
        24 => (
            vec![format!("{prefix}sms to +1415{:07}", rng.below(10_000_000))],
            "pii.phone",
            false,
        ),
        _ => (
            vec![format!(
                "{prefix}slack webhook https://hooks.slack.com/services/T{}/B{}/{}",
                rng.chars(B32, 9),
                rng.chars(B32, 9),
                rng.chars(ALNUM, 24)
            )],
            "secrets.slack_token",
            false,
        ),
    }
}

/// Look-alikes that must not be reported.
fn negative(rng: &mut Rng, ts: &str) -> String {
    let prefix = format!("{ts} [api-{}] ", rng.below(8));
    match rng.below(19) {
        9 => format!(
            "{prefix}connecting to postgresql://{}@db-{}.internal:5432/app sslmode=require",
            rng.pick(&["postgres", "app", "readonly"]),
            rng.chars(LOWER, 10)
        ),
        10 => format!(
            "{prefix}git fetch ssh://git@{}.com/org/app.git and https://ci-{}@git.internal/org/app.git",
            rng.chars(LOWER, 8),
            rng.chars(LOWER, 6)
        ),
        11 => format!(
            r#"{{"ts":"{ts}","msg":"oauth config","auth_token":"https://auth.tenant-{}.internal/oauth/token","client_secret":"vault://secret/data/app/{}"}}"#,
            rng.below(500),
            rng.chars(LOWER, 8)
        ),
        12 => format!(
            "{prefix}cache REDIS_URL=redis://default@cache-{}.internal:6379/0 secret=https://vault.internal:8200/v1/kv/{}",
            rng.chars(LOWER, 8),
            rng.chars(LOWER, 8)
        ),
        13 => format!(
            "{prefix}docs example token=eyJhbGciOiJIUzI1NiIs{}... Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}...",
            rng.chars(URLSAFE, 6),
            rng.chars(URLSAFE, 12)
        ),
        14 => format!(
            "{prefix}job={} trace={} done",
            uuid_with_card_digits(rng),
            uuid(rng)
        ),
        15 => format!(
            r#"{{"ts":"{ts}","request_id":"{}","tenant_id":"{}"}}"#,
            uuid_with_card_digits(rng),
            uuid_with_card_digits(rng)
        ),
        16 => format!(
            r#"{{"ts":"{ts}","msg":"prefs","blob":"{}"}}"#,
            STANDARD.encode(format!(
                r#"{{"theme":"dark","locale":"en-GB","tenant":"t-{}","session_ttl":3600,"note":"contact support via the help page"}}"#,
                rng.below(500)
            ))
        ),
        17 => format!(
            "{prefix}avatar upload data={}",
            STANDARD.encode((0..96).map(|_| rng.below(256) as u8).collect::<Vec<u8>>())
        ),
        18 => format!(
            "{prefix}smtp relay smtp://{}@smtp-{}.internal:587 and mailto:ops@example.com",
            rng.chars(LOWER, 7),
            rng.chars(LOWER, 5)
        ),
        0 => format!(
            "{prefix}request_id={:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.below(65536),
            rng.below(4096),
            rng.below(4096),
            rng.next() >> 16
        ),
        1 => format!("{prefix}sha256={}", rng.chars(HEX, 64)),
        2 => format!("{prefix}blob={}", rng.chars(B64, 60)),
        3 => format!(
            "{prefix}config api_key=${{API_KEY}} openai=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX password=changeme"
        ),
        4 => {
            let body = rng.chars(ALNUM, 30);
            let mut checksum = base62_crc(&body);
            checksum.replace_range(5..6, if checksum.ends_with('0') { "1" } else { "0" });
            format!("{prefix}GET /hooks/deploy?token=ghp_{body}{checksum}")
        }
        5 => format!("{prefix}example creds AKIAIOSFODNN7EXAMPLE"),
        6 => format!("{prefix}test charge card=4242424242424242 receipt noreply@example.com"),
        7 => format!("{prefix}db url postgresql://app:${{DB_PASSWORD}}@db.internal:5432/prod"),
        _ => format!("{prefix}Authorization: Bearer <token>"),
    }
}

fn filler(rng: &mut Rng, ts: &str, out: &mut Vec<String>) {
    match rng.below(10) {
        0..=4 => out.push(format!(
            "10.{}.{}.{} - - [{ts}] \"{} /api/v1/{}/{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"",
            rng.below(255), rng.below(255), rng.below(255),
            rng.pick(&["GET", "POST", "PUT", "DELETE"]), rng.pick(&["items", "orders", "chat", "documents", "tenants"]), rng.below(100_000),
            rng.pick(&["200", "201", "204", "304", "404", "500"]), rng.below(50_000)
        )),
        5..=8 => out.push(format!(
            r#"{{"ts":"{ts}","level":"{}","msg":"{}","tenant_id":"t-{}","duration_ms":{},"route":"/api/v1/{}"}}"#,
            rng.pick(&["info", "info", "warn", "debug"]), rng.pick(&["request completed", "cache miss", "embedding stored", "rate limited"]),
            rng.below(500), rng.below(5_000), rng.pick(&["chat", "search", "upload"])
        )),
        _ => {
            out.push(format!("{ts} [worker-{}] ERROR Traceback (most recent call last):", rng.below(4)));
            out.push(format!("  File \"/srv/app/{}.py\", line {}, in handle", rng.pick(&["tasks", "embed", "billing"]), rng.below(400)));
            out.push(format!("    result = client.{}(payload)", rng.pick(&["upsert", "create", "query"])));
            out.push(format!("TimeoutError: timed out after {} ms", rng.below(30_000)));
        }
    }
}

/// Filler where most lines hold UUIDs, tenant ids and fields named token, key or session.
fn dense_filler(rng: &mut Rng, ts: &str, out: &mut Vec<String>) {
    match rng.below(20) {
        0..=11 => {
            let (request, tenant, session) = (uuid(rng), uuid(rng), uuid(rng));
            let fields = match rng.below(4) {
                0 => format!(
                    r#""token_type":"access","token_expires_in":{},"session_id":"{session}""#,
                    rng.below(7200)
                ),
                1 => format!(
                    r#""cache_key":"session:{session}","key":"uploads/{tenant}/{}.pdf""#,
                    rng.chars(LOWER, 8)
                ),
                2 => format!(
                    r#""api_key_id":"key_{}","idempotency_key":"{}","session":"{session}""#,
                    rng.chars(HEX, 16),
                    uuid(rng)
                ),
                _ => format!(
                    r#""refresh_token_id":"{}","session_state":"active","secret_ref":"vault:kv/{}""#,
                    uuid(rng),
                    rng.chars(LOWER, 6)
                ),
            };
            out.push(format!(
                r#"{{"ts":"{ts}","level":"{}","service":"{}","request_id":"{request}","tenant_id":"{tenant}","user_id":"usr_{}",{fields},"msg":"{}","duration_ms":{},"status":{}}}"#,
                rng.pick(&["info", "info", "warn", "debug"]),
                rng.pick(&["api", "auth", "billing", "embed"]),
                rng.chars(HEX, 12),
                rng.pick(&["token refreshed", "session resumed", "key rotated on schedule", "request completed"]),
                rng.below(5_000),
                rng.pick(&["200", "201", "401", "404", "500"])
            ));
        }
        12..=16 => out.push(format!(
            "10.{}.{}.{} - - [{ts}] \"{} /api/v1/tenants/{}/sessions/{}?token_type=refresh&key_id={} HTTP/1.1\" {} {} \"-\" \"okhttp/4.12\"",
            rng.below(255), rng.below(255), rng.below(255),
            rng.pick(&["GET", "POST", "DELETE"]), uuid(rng), uuid(rng), rng.chars(HEX, 8),
            rng.pick(&["200", "204", "401", "404"]), rng.below(50_000)
        )),
        _ => {
            let tenant = uuid(rng);
            out.push(format!("{ts} [worker-{}] ERROR Traceback (most recent call last):", rng.below(4)));
            out.push(format!("  File \"/srv/app/auth/{}.py\", line {}, in refresh_token", rng.pick(&["session", "tokens", "keys"]), rng.below(400)));
            out.push(format!("    session = store.get_session(tenant_id=\"{tenant}\", key=cache_key)"));
            out.push(format!("TokenExpired: session token for tenant {tenant} expired {} s ago", rng.below(3600)));
        }
    }
}

fn generate(seed: u64, size: u64, dir: &std::path::Path, dense: bool) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(seed);
    let mut log = BufWriter::new(std::fs::File::create(dir.join("corpus.log"))?);
    let mut key = Vec::new();
    let mut negatives = Vec::new();
    let (mut written, mut line) = (0u64, 1u64);
    let mut lines = Vec::new();
    while written < size {
        lines.clear();
        let ts = format!(
            "2026-11-{:02}T{:02}:{:02}:{:02}Z",
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        );
        let roll = rng.below(1000);
        if roll < 2 {
            let (planted, rule, encoded) = plant(&mut rng, &ts);
            key.push(serde_json::json!({"line": line, "rule": rule, "encoded": encoded}));
            lines.extend(planted);
        } else if roll < 4 {
            negatives.push(line);
            lines.push(negative(&mut rng, &ts));
        } else if dense {
            dense_filler(&mut rng, &ts, &mut lines);
        } else {
            filler(&mut rng, &ts, &mut lines);
        }
        for text in &lines {
            writeln!(log, "{text}")?;
            written += text.len() as u64 + 1;
            line += 1;
        }
    }
    log.flush()?;
    std::fs::write(
        dir.join("corpus.key.json"),
        serde_json::to_string(&serde_json::json!({"planted": key, "negatives": negatives}))?,
    )?;
    let mut patterns = String::new();
    for rule in launchguard_secrets::RULES.iter() {
        if let Some(regex) = &rule.regex {
            let _ = writeln!(patterns, "{}", regex.as_str());
        }
    }
    std::fs::write(dir.join("patterns.txt"), patterns)
}

/// Recall (raw and encoded) and precision of a report against the key.
fn score(key: &std::path::Path, report: &std::path::Path) -> Result<(), String> {
    let read = |p: &std::path::Path| -> Result<serde_json::Value, String> {
        serde_json::from_str(&std::fs::read_to_string(p).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())
    };
    let (key, report) = (read(key)?, read(report)?);
    let found: HashSet<(String, u64)> = report["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .filter(|f| f["status"] == "fail")
        .filter_map(|f| {
            let line = f["target"]["display"]
                .as_str()?
                .rsplit_once(':')?
                .1
                .parse()
                .ok()?;
            Some((f["check"].as_str()?.to_owned(), line))
        })
        .collect();
    let planted: Vec<(String, u64, bool)> = key["planted"]
        .as_array()
        .ok_or("bad key")?
        .iter()
        .map(|p| {
            (
                p["rule"].as_str().unwrap_or("").to_owned(),
                p["line"].as_u64().unwrap_or(0),
                p["encoded"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    let mut tally: BTreeMap<bool, (u64, u64)> = BTreeMap::new();
    let mut missed: BTreeMap<String, u64> = BTreeMap::new();
    for (rule, line, encoded) in &planted {
        let entry = tally.entry(*encoded).or_default();
        entry.1 += 1;
        if found.contains(&(rule.clone(), *line)) {
            entry.0 += 1;
        } else {
            *missed.entry(rule.clone()).or_default() += 1;
        }
    }
    let expected: HashSet<(String, u64)> =
        planted.iter().map(|(r, l, _)| (r.clone(), *l)).collect();
    let negatives: HashSet<u64> = key["negatives"]
        .as_array()
        .ok_or("bad key")?
        .iter()
        .filter_map(|n| n.as_u64())
        .collect();
    let false_positives: Vec<&(String, u64)> =
        found.iter().filter(|f| !expected.contains(f)).collect();
    let on_negatives = false_positives
        .iter()
        .filter(|(_, line)| negatives.contains(line))
        .count();
    let (raw_hit, raw_all) = tally.get(&false).copied().unwrap_or_default();
    let (enc_hit, enc_all) = tally.get(&true).copied().unwrap_or_default();
    let pct = |a: u64, b: u64| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!(
        "recall raw: {raw_hit}/{raw_all} ({:.1}%, goal 100%)",
        pct(raw_hit, raw_all)
    );
    println!(
        "recall encoded: {enc_hit}/{enc_all} ({:.1}%, goal >= 95%)",
        pct(enc_hit, enc_all)
    );
    let tp = (raw_hit + enc_hit) as usize;
    println!(
        "precision: {tp}/{} ({:.2}%); false positives on the {} hard negatives: {on_negatives} (goal 0)",
        tp + false_positives.len(),
        pct(tp as u64, (tp + false_positives.len()) as u64),
        negatives.len()
    );
    if !missed.is_empty() {
        println!("missed by rule: {missed:?}");
    }
    if !false_positives.is_empty() {
        let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for (rule, _) in &false_positives {
            *by_rule.entry(rule.as_str()).or_default() += 1;
        }
        let mut sample: Vec<_> = false_positives.iter().map(|(_, line)| *line).collect();
        sample.sort_unstable();
        sample.truncate(5);
        println!("false positives by rule: {by_rule:?}; first lines: {sample:?}");
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", rest @ ..] if matches!(rest.len(), 3 | 4) => {
            let (dense, rest) = match rest {
                ["--dense", rest @ ..] => (true, rest),
                _ => (false, rest),
            };
            let parse = |s: &str| s.parse::<u64>().map_err(|e| format!("{s}: {e}"));
            match rest {
                [seed, size, dir] => parse(seed)
                    .and_then(|seed| parse(size).map(|size| (seed, size)))
                    .and_then(|(seed, size)| {
                        generate(seed, size, std::path::Path::new(dir), dense)
                            .map_err(|e| e.to_string())
                    }),
                _ => Err("usage: corpus generate [--dense] SEED SIZE DIR".to_owned()),
            }
        }
        ["score", key, report] => score(std::path::Path::new(key), std::path::Path::new(report)),
        _ => Err(
            "usage: corpus generate [--dense] SEED SIZE DIR | corpus score KEY REPORT".to_owned(),
        ),
    };
    if let Err(e) = result {
        eprintln!("corpus: {e}");
        std::process::exit(2);
    }
}
