//! `launchguard.toml`: `[scope]`, which core owns, plus one section per registered agent, which
//! each agent crate owns (its type, its validation, its docs).
//!
//! The loader parses the document once with spans, hands each agent its own section (see
//! [`AgentKind::configure`]) and turns every mistake into a [`ConfigError`] that names the file,
//! line and column. Credentials never appear in the file: keys that need one take the *name* of an
//! environment variable, read through an [`Environment`].

use std::collections::BTreeMap;
use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::ops::Range;
use std::path::{Path, PathBuf};

use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::agent::{AgentKind, ConfiguredAgent};
use crate::scope::Scope;

/// `[scope]`: the allowlist and the limits every agent runs under.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Hosts that may be contacted: exact names (`app.example.com`), every subdomain of a domain
    /// (`*.example.com`, which does not include `example.com` itself) or IP addresses. Anything
    /// else is never contacted, redirects included.
    #[schemars(with = "Vec<String>")]
    pub hosts: Vec<Spanned<String>>,
    /// Most requests any one host receives in a run.
    #[serde(default = "default_requests_per_host")]
    pub requests_per_host: NonZeroU32,
    /// TCP connect timeout, in milliseconds.
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: NonZeroU64,
    /// Whole-request timeout (connect, TLS, headers and body), in milliseconds.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: NonZeroU64,
    /// How long one agent may run, in seconds; what it has not finished by then is reported as
    /// `error`.
    #[serde(default = "default_agent_deadline_secs")]
    pub agent_deadline_secs: NonZeroU64,
}

fn default_requests_per_host() -> NonZeroU32 {
    NonZeroU32::new(200).expect("non-zero")
}
fn default_connect_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(5_000).expect("non-zero")
}
fn default_request_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(10_000).expect("non-zero")
}
fn default_agent_deadline_secs() -> NonZeroU64 {
    NonZeroU64::new(300).expect("non-zero")
}

/// The environment variables agents read credentials from, with overrides (the demo lab hands
/// its database URL in without touching the process environment).
#[derive(Clone, Default)]
pub struct Environment {
    overrides: BTreeMap<String, String>,
}

/// Why a variable named in the configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvVarError {
    #[error("environment variable {0} is not set")]
    NotSet(String),
    #[error("environment variable {0} is not valid UTF-8")]
    NotUnicode(String),
}

impl Environment {
    /// The process environment, without overrides.
    pub fn process() -> Self {
        Environment::default()
    }

    /// `name` reads as `value`, whatever the process environment holds.
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.insert(name.into(), value.into());
        self
    }

    /// The value of `name`. Variables a configuration names hold credentials: every value read
    /// is remembered so that reports, logs and errors never show it (see
    /// [`crate::redact::hide_credentials`]).
    pub fn var(&self, name: &str) -> Result<String, EnvVarError> {
        if let Some(value) = self.overrides.get(name) {
            crate::redact::register_credential(value);
            return Ok(value.clone());
        }
        match std::env::var(name) {
            Ok(value) => {
                crate::redact::register_credential(&value);
                Ok(value)
            }
            Err(std::env::VarError::NotPresent) => Err(EnvVarError::NotSet(name.to_owned())),
            Err(std::env::VarError::NotUnicode(_)) => Err(EnvVarError::NotUnicode(name.to_owned())),
        }
    }
}

impl fmt::Debug for Environment {
    // Values are credentials: only the names of overridden variables are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environment")
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A mistake in one section, at a byte span of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub span: Range<usize>,
    pub message: String,
}

impl Invalid {
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Invalid {
            span,
            message: message.into(),
        }
    }

    /// A mistake in the value written at `value`.
    pub fn at<T>(value: &Spanned<T>, message: impl Into<String>) -> Self {
        Invalid::new(value.span(), message)
    }
}

/// What an agent's validation may know about the file its section came from.
#[derive(Debug)]
pub struct SectionContext<'a> {
    name: &'static str,
    text: &'a str,
    base_dir: &'a Path,
    header: Range<usize>,
    env: &'a Environment,
}

impl<'a> SectionContext<'a> {
    /// The section's name, as written in brackets.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A mistake about the section as a whole, pointed at its header.
    pub fn invalid(&self, message: impl Into<String>) -> Invalid {
        Invalid::new(self.header.clone(), message)
    }

    /// The 1-based line of a byte offset (from a [`Spanned`] value): findings point at the line
    /// that declared their target.
    pub fn line_of(&self, offset: usize) -> u32 {
        line_of(self.text, offset)
    }

    /// A path as written in the file, resolved against the file's directory: every path of every
    /// section means the same thing.
    pub fn path(&self, written: &Path) -> PathBuf {
        self.base_dir.join(written)
    }

    /// Where agents read credentials named in the file.
    pub fn env(&self) -> &'a Environment {
        self.env
    }
}

/// A configuration file that parsed and validated, with one configured agent per section.
pub struct LoadedConfig {
    pub path: PathBuf,
    /// `sha256:` of the file's bytes, recorded in reports.
    pub digest: String,
    pub scope: ScopeConfig,
    /// The configured agents, in registration order.
    pub agents: Vec<ConfiguredAgent>,
    text: String,
}

impl fmt::Debug for LoadedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedConfig")
            .field("path", &self.path)
            .field("digest", &self.digest)
            .field("scope", &self.scope)
            .field(
                "agents",
                &self.agents.iter().map(|a| a.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Longest stretch of a line shown under an error: a hostile or minified file must not flood the
/// terminal.
const SNIPPET_CHARS: usize = 120;
/// Longest message kept from the TOML parser (it may quote the offending key).
const MESSAGE_CHARS: usize = 400;

impl LoadedConfig {
    /// Reads, parses and validates a configuration file for the registered agents `kinds`.
    pub fn load(
        path: &Path,
        kinds: &[&'static dyn AgentKind],
        env: &Environment,
    ) -> Result<Self, ConfigError> {
        let file = std::fs::File::open(path).map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the configuration: {e}"))
        })?;
        let metadata = file.metadata().map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the configuration: {e}"))
        })?;
        if !metadata.is_file() {
            return Err(ConfigError::whole_file(
                path,
                "the configuration is not a regular file",
            ));
        }
        if metadata.len() > MAX_CONFIG_BYTES {
            return Err(ConfigError::whole_file(
                path,
                format!(
                    "the configuration is {} bytes; a launchguard.toml is at most {MAX_CONFIG_BYTES}",
                    metadata.len()
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| {
            ConfigError::whole_file(path, format!("cannot read the configuration: {e}"))
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ConfigError::whole_file(path, "the configuration is not valid UTF-8"))?;
        LoadedConfig::parse(path, &text, kinds, env)
    }

    /// Parses and validates configuration text; `path` is used in messages and to resolve the
    /// relative paths the file names.
    pub fn parse(
        path: &Path,
        text: &str,
        kinds: &[&'static dyn AgentKind],
        env: &Environment,
    ) -> Result<Self, ConfigError> {
        let shown = path.display().to_string();
        let fail = |span: Option<Range<usize>>, message: &str| {
            ConfigError::at(&shown, text, span, message)
        };
        let document = DeTable::parse(text).map_err(|e| fail(e.span(), e.message()))?;
        let mut sections: Vec<(Spanned<_>, Spanned<DeValue<'_>>)> =
            document.into_inner().into_iter().collect();
        sections.sort_by_key(|(key, _)| key.span().start);
        let base_dir = path.parent().unwrap_or(Path::new("."));
        let mut scope = None;
        let mut agents = Vec::new();
        for (key, value) in sections {
            let header = key.span();
            let name: &str = key.get_ref();
            if name == "scope" {
                let parsed = ScopeConfig::deserialize(ValueDeserializer::from(value))
                    .map_err(|e| fail(e.span().or(Some(header.clone())), e.message()))?;
                validate_scope(&parsed).map_err(|e| fail(Some(e.span), &e.message))?;
                scope = Some(parsed);
                continue;
            }
            let Some(kind) = kinds.iter().find(|k| k.name() == name) else {
                let known: Vec<&str> = std::iter::once("scope")
                    .chain(kinds.iter().map(|k| k.name()))
                    .collect();
                return Err(fail(Some(header), &unknown_section(name, &known)));
            };
            let cx = SectionContext {
                name: kind.name(),
                text,
                base_dir,
                header: header.clone(),
                env,
            };
            let agent = kind
                .configure(value, &cx)
                .map_err(|e| fail(Some(e.span), &e.message))?;
            agents.push(ConfiguredAgent::new(kind.name(), kind.checks(), agent));
        }
        let scope = scope.ok_or_else(|| {
            fail(
                None,
                "missing field `scope`: add a [scope] section naming the hosts launchguard may contact",
            )
        })?;
        agents.sort_by_key(|configured| {
            kinds
                .iter()
                .position(|k| k.name() == configured.name())
                .unwrap_or(usize::MAX)
        });
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(text.as_bytes())));
        Ok(LoadedConfig {
            path: path.to_owned(),
            digest,
            scope,
            agents,
            text: text.to_owned(),
        })
    }

    /// The 1-based line of a byte offset (from a [`Spanned`] value) in the file.
    pub fn line_of(&self, offset: usize) -> u32 {
        line_of(&self.text, offset)
    }

    /// The configured agent of section `name`, if the file has that section.
    pub fn agent(&self, name: &str) -> Option<&ConfiguredAgent> {
        self.agents.iter().find(|a| a.name() == name)
    }
}

/// Largest configuration file read: a launchguard.toml is a few kilobytes.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

fn unknown_section(name: &str, known: &[&str]) -> String {
    let listed = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut message = format!(
        "unknown section `{}`, expected one of {listed}",
        shorten(name, 60)
    );
    if let Some(close) = known.iter().find(|k| edit_distance(k, name) <= 2) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    message
}

/// Levenshtein distance, for "did you mean" hints on short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().take(64).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().take(64).enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The configuration's JSON Schema: `[scope]` and every registered agent's section, for editors
/// and for the generated reference.
pub fn config_schema(kinds: &[&'static dyn AgentKind]) -> Schema {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut properties = serde_json::Map::new();
    properties.insert(
        "scope".into(),
        generator.subschema_for::<ScopeConfig>().to_value(),
    );
    for kind in kinds {
        properties.insert(
            kind.name().into(),
            kind.config_schema(&mut generator).to_value(),
        );
    }
    let definitions = generator.take_definitions(true);
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "launchguard.toml",
        "description": "launchguard's configuration: [scope] and one section per agent.",
        "type": "object",
        "properties": properties,
        "required": ["scope"],
        "additionalProperties": false,
        "$defs": definitions,
    });
    Schema::try_from(schema).expect("an object is a schema")
}

fn validate_scope(scope: &ScopeConfig) -> Result<(), Invalid> {
    if scope.hosts.is_empty() {
        return Err(Invalid::new(
            0..0,
            "[scope].hosts is empty: name the hosts launchguard may contact",
        ));
    }
    for host in &scope.hosts {
        Scope::validate_pattern(host.get_ref()).map_err(|e| Invalid::at(host, e.to_string()))?;
    }
    Ok(())
}

/// A short, stable name for a target (`api`, `ai-engine`): lowercase letters, digits, `-`, `_`.
pub fn target_name(name: &Spanned<String>, what: &str) -> Result<(), Invalid> {
    let valid = name
        .get_ref()
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .get_ref()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(Invalid::at(
            name,
            format!(
                "{what} `{}` must be lowercase letters, digits, `-` or `_`",
                shorten(name.get_ref(), 60)
            ),
        ))
    }
}

/// Names of targets must be unique within a section: they identify findings across weeks.
pub fn unique_names<'n>(
    names: impl IntoIterator<Item = &'n Spanned<String>>,
    what: &str,
) -> Result<(), Invalid> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        target_name(name, what)?;
        if !seen.insert(name.get_ref().as_str()) {
            return Err(Invalid::at(
                name,
                format!("{what} `{}` is used twice", name.get_ref()),
            ));
        }
    }
    Ok(())
}

/// The name of an environment variable (A-Z, 0-9, `_`), never a credential itself.
pub fn env_var_name(variable: &Spanned<String>) -> Result<(), Invalid> {
    let name = variable.get_ref();
    let valid = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(())
    } else {
        // The text may be a pasted credential: never echo it.
        Err(Invalid::at(
            variable,
            "this is not an environment variable name (A-Z, 0-9, `_`); put the value in a variable and name the variable here — the value itself never goes in the file",
        ))
    }
}

/// `headers_from_env` as written (header name to the variable holding its value), checked: HTTP
/// header names, and names of variables rather than credentials.
pub fn headers_from_env(
    headers: &BTreeMap<String, Spanned<String>>,
) -> Result<Vec<(String, String)>, Invalid> {
    let mut checked = Vec::new();
    for (header, variable) in headers {
        let valid_name = !header.is_empty()
            && header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name {
            return Err(Invalid::at(
                variable,
                format!("`{}` is not an HTTP header name", header.escape_debug()),
            ));
        }
        env_var_name(variable)?;
        checked.push((header.clone(), variable.get_ref().clone()));
    }
    Ok(checked)
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let kept: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{kept}…")
    } else {
        kept
    }
}

/// A configuration error, located in the file where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    /// 1-based line and column.
    pub location: Option<(usize, usize)>,
    pub message: String,
    /// The offending line (or the part of it around the error), the column of the caret in it and
    /// the width to underline, for display.
    snippet: Option<(String, usize, usize)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if let (Some((line, _)), Some((text, column, width))) = (self.location, &self.snippet) {
            let gutter = line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}",
                "",
                "",
                " ".repeat(column - 1),
                "^".repeat(*width)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// An error at `span` (byte offsets) of `text`, the contents of the file at `path`. The message
    /// and the line shown are shortened and stripped of control characters: both may quote the
    /// file, which may be hostile.
    pub fn at(
        path: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let located = span.map(|span| {
            let start = floor_char_boundary(text, span.start);
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = text[..start].matches('\n').count() + 1;
            let column = text[line_start..start].chars().count() + 1;
            let end = floor_char_boundary(text, span.end.clamp(start, line_end));
            let width = text[start..end].chars().count().max(1);
            (
                (line, column),
                snippet(&text[line_start..line_end], column, width),
            )
        });
        ConfigError {
            path: path.to_owned(),
            location: located.as_ref().map(|(loc, _)| *loc),
            message: printable(&shorten(message.into().trim(), MESSAGE_CHARS)),
            snippet: located.map(|(_, snippet)| snippet),
        }
    }

    /// An error about the file as a whole (unreadable, not UTF-8).
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.display().to_string(),
            location: None,
            message: message.into(),
            snippet: None,
        }
    }
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> u32 {
    let line = text[..offset.min(text.len())].matches('\n').count() + 1;
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// The part of `line` shown under an error at `column` (1-based, in characters), with the caret's
/// column in what is shown and the width to underline.
fn snippet(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let line = line.trim_end();
    let total = line.chars().count();
    let skip = column.saturating_sub(SNIPPET_CHARS / 3 + 1);
    let shown: String = line.chars().skip(skip).take(SNIPPET_CHARS).collect();
    let mut text = printable(&shown);
    let mut caret = column - skip;
    if skip > 0 {
        text.insert(0, '…');
        caret += 1;
    }
    if skip + SNIPPET_CHARS < total {
        text.push('…');
    }
    let width = width
        .min(text.chars().count().saturating_sub(caret - 1))
        .max(1);
    (text, caret, width)
}

/// Hostile characters ([`crate::text::is_hostile`]) but line breaks replaced one for one (the
/// caret stays aligned).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if crate::text::is_hostile(c) && c != '\n' {
                '?'
            } else {
                c
            }
        })
        .collect()
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::agent::{Agent, AgentContext, AgentFuture, AgentSpec, Registration};
    use crate::check::CheckDef;
    use crate::finding::Target;

    /// A section with one list of named URLs, as an agent crate would declare it.
    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct ProbeConfig {
        #[serde(default = "default_retries")]
        retries: u32,
        sites: Vec<Site>,
    }

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Site {
        #[schemars(with = "String")]
        name: Spanned<String>,
        #[schemars(with = "Option<String>")]
        token_env: Option<Spanned<String>>,
        file: Option<PathBuf>,
    }

    fn default_retries() -> u32 {
        2
    }

    #[derive(Clone)]
    struct Probe {
        retries: u32,
        files: Vec<PathBuf>,
        lines: Vec<u32>,
        token: Option<Result<String, EnvVarError>>,
    }

    impl Agent for Probe {
        fn targets(&self) -> Vec<Target> {
            Vec::new()
        }
        fn run<'a>(&'a self, _: &'a AgentContext) -> AgentFuture<'a> {
            Box::pin(async {})
        }
    }

    struct ProbeSpec;
    /// Every agent built so far, as validation left it.
    static PROBED: std::sync::Mutex<Vec<Probe>> = std::sync::Mutex::new(Vec::new());

    impl AgentSpec for ProbeSpec {
        const NAME: &'static str = "probe";
        const ABOUT: &'static str = "a test agent";
        const GUIDE: &'static str = "";
        const STARTER: &'static str = "";
        type Config = ProbeConfig;
        type Validated = Probe;
        fn checks() -> &'static [&'static CheckDef] {
            &[]
        }
        fn validate(config: ProbeConfig, cx: &SectionContext<'_>) -> Result<Probe, Invalid> {
            if config.sites.is_empty() {
                return Err(cx.invalid("[probe] has no sites"));
            }
            unique_names(config.sites.iter().map(|s| &s.name), "site name")?;
            let mut token = None;
            for site in &config.sites {
                if let Some(variable) = &site.token_env {
                    env_var_name(variable)?;
                    token = Some(cx.env().var(variable.get_ref()));
                }
            }
            Ok(Probe {
                retries: config.retries,
                files: config
                    .sites
                    .iter()
                    .filter_map(|s| s.file.as_deref().map(|f| cx.path(f)))
                    .collect(),
                lines: config
                    .sites
                    .iter()
                    .map(|s| cx.line_of(s.name.span().start))
                    .collect(),
                token,
            })
        }
        fn build(probe: Probe) -> Arc<dyn Agent> {
            PROBED.lock().unwrap().push(probe.clone());
            Arc::new(probe)
        }
    }

    static PROBE: Registration<ProbeSpec> = Registration::new();
    const KINDS: &[&dyn AgentKind] = &[&PROBE];

    fn parse_with(text: &str, env: &Environment) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::parse(Path::new("/srv/audit/launchguard.toml"), text, KINDS, env)
    }

    fn parse(text: &str) -> Result<LoadedConfig, ConfigError> {
        parse_with(text, &Environment::process())
    }

    const GOOD: &str = r#"
[scope]
hosts = ["127.0.0.1", "*.example.com"]

[probe]
[[probe.sites]]
name = "api"
file = "ca.pem"
"#;

    #[test]
    fn errors_show_no_hostile_character_of_the_file() {
        // The first is what the config fuzz target found: a bidi mark (U+061C) in a snippet.
        for hostile in [
            "\u{61c}",
            "\u{2028}",
            "\u{2029}",
            "\u{fffe}",
            "\u{202e}",
            "\u{1b}]0;x\u{7}",
        ] {
            for text in [
                format!(")\u{b}[[={hostile}"),
                format!("[scope]\nhosts = [\"a\"]\n{hostile} = 1\n"),
                format!("[scope]\nhosts = [\"a\"]\nrequests_per_host = \"{hostile}\"\n"),
            ] {
                let error = parse(&text).unwrap_err().to_string();
                assert!(
                    !error
                        .chars()
                        .any(|c| crate::text::is_hostile(c) && c != '\n'),
                    "{error:?}"
                );
            }
        }
    }

    #[test]
    fn a_good_config_loads_with_defaults_a_digest_and_its_agents() {
        let loaded = parse(GOOD).unwrap();
        let scope = &loaded.scope;
        assert_eq!(scope.requests_per_host.get(), 200);
        assert_eq!(scope.request_timeout_ms.get(), 10_000);
        assert!(loaded.digest.starts_with("sha256:"));
        assert_eq!(
            loaded.agents.iter().map(|a| a.name()).collect::<Vec<_>>(),
            ["probe"]
        );
        assert!(loaded.agent("probe").is_some() && loaded.agent("tls").is_none());
        let probed = PROBED.lock().unwrap();
        let built = probed
            .iter()
            .find(|p| p.files.iter().any(|f| f.ends_with("ca.pem")))
            .expect("the agent was built");
        assert_eq!(built.retries, 2);
        // Paths are relative to the configuration file, in every section.
        assert_eq!(built.files, [PathBuf::from("/srv/audit/ca.pem")]);
        assert_eq!(built.lines, [7]);
    }

    #[test]
    fn credentials_come_from_the_environment_or_its_overrides() {
        let text = GOOD.replace("file = \"ca.pem\"", "token_env = \"LG_TEST_UNSET_TOKEN\"");
        parse(&text).unwrap();
        let env = Environment::process().with_var("LG_TEST_SET_TOKEN", "s3cret-value");
        parse_with(&text.replace("UNSET", "SET"), &env).unwrap();
        let probed = PROBED.lock().unwrap();
        assert!(
            probed
                .iter()
                .any(|p| p.token == Some(Err(EnvVarError::NotSet("LG_TEST_UNSET_TOKEN".into()))))
        );
        assert!(
            probed
                .iter()
                .any(|p| p.token == Some(Ok("s3cret-value".into())))
        );
        assert!(!format!("{env:?}").contains("s3cret"), "{env:?}");
    }

    #[test]
    fn unknown_keys_name_line_and_column() {
        let text = GOOD.replace("name = \"api\"", "name = \"api\"\nretry = 3");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.location, Some((8, 1)), "{err}");
        assert!(err.message.contains("unknown field `retry`"), "{err}");
        let shown = err.to_string();
        assert!(
            shown.starts_with("/srv/audit/launchguard.toml:8:1: unknown field"),
            "{shown}"
        );
        assert!(shown.contains("8 | retry = 3"), "{shown}");
    }

    #[test]
    fn unknown_sections_are_errors_with_a_suggestion() {
        let err = parse(&format!("{GOOD}\n[probes]\nhosts = []\n")).unwrap_err();
        assert!(err.message.contains("unknown section `probes`"), "{err}");
        assert!(err.message.contains("did you mean `probe`?"), "{err}");
        assert_eq!(err.location.map(|l| l.0), Some(10), "{err}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let cases = [
            (
                GOOD.replace("\"*.example.com\"", "\"https://x.example.com\""),
                3,
                "not a host name",
            ),
            (
                GOOD.replace("[scope]\n", "[scope]\nrequest_timeout_ms = 0\n"),
                3,
                "nonzero",
            ),
            (
                GOOD.replace("name = \"api\"", "name = \"API Gateway\""),
                7,
                "lowercase",
            ),
            (
                format!("{GOOD}[[probe.sites]]\nname = \"api\"\n"),
                10,
                "twice",
            ),
            (
                GOOD.replace("file = \"ca.pem\"", "token_env = \"Bearer abc123\""),
                8,
                "not an environment variable name",
            ),
            (
                GOOD.replace("retries", "x").replace(
                    "[[probe.sites]]\nname = \"api\"\nfile = \"ca.pem\"\n",
                    "sites = []\n",
                ),
                5,
                "no sites",
            ),
        ];
        for (text, line, needle) in cases {
            let err = parse(&text).unwrap_err();
            assert_eq!(err.location.map(|l| l.0), Some(line), "{err}");
            assert!(
                err.to_string().contains(needle),
                "expected {needle:?} in: {err}"
            );
        }
    }

    #[test]
    fn a_pasted_credential_is_never_echoed() {
        let text = GOOD.replace(
            "file = \"ca.pem\"",
            "token_env = \"sk-live-abcdef0123456789\"",
        );
        let err = parse(&text).unwrap_err().to_string();
        let message = err.lines().next().unwrap();
        assert!(!message.contains("sk-live"), "{message}");
    }

    #[test]
    fn long_lines_and_control_characters_are_not_echoed_whole() {
        let junk = "x".repeat(5_000_000);
        let text = format!("{GOOD}\x1b]0;owned\x07{junk} = 1\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.len() < 2_000, "{} bytes", err.len());
        assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
        let err = parse(&format!("{GOOD}\n[probe\u{202e}x]\n")).unwrap_err();
        assert!(!err.to_string().contains('\u{202e}'), "{err}");
    }

    #[test]
    fn syntax_errors_and_empty_or_missing_scope_are_reported() {
        let err = parse("[scope\nhosts = []").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(1), "{err}");
        let err = parse("[scope]\nhosts = []\n").unwrap_err();
        assert!(err.message.contains("[scope].hosts is empty"), "{err}");
        let err = parse("").unwrap_err();
        assert!(err.message.contains("missing field `scope`"), "{err}");
    }

    #[test]
    fn the_schema_holds_scope_and_every_section() {
        let schema = config_schema(KINDS).to_value();
        assert!(schema["properties"]["scope"].is_object(), "{schema}");
        assert!(schema["properties"]["probe"].is_object(), "{schema}");
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("tls", "tlss"), 1);
        assert_eq!(edit_distance("health", "heatlh"), 2);
        assert_eq!(edit_distance("postgres", "logs"), 5);
    }
}
