//! `launchguard checks`, `explain` and `init`, and the generated `docs/checks.md`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use launchguard_core::{CheckDef, Registry};

use crate::agents;
use crate::cli::ReportFormat;
use crate::report::{EXIT_OK, write_atomically};
use crate::usage;

fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

pub fn checks(format: ReportFormat) -> anyhow::Result<i32> {
    use ReportFormat as F;
    let format = format.require("checks", &[F::Terminal, F::Json, F::Markdown])?;
    let registry = agents::registry();
    let text = match format {
        ReportFormat::Terminal => text_catalog(&registry),
        ReportFormat::Json => {
            let checks: Vec<&CheckDef> = registry.iter().collect();
            format!("{}\n", serde_json::to_string_pretty(&checks)?)
        }
        _ => markdown_catalog(&registry),
    };
    print(&text)?;
    Ok(EXIT_OK)
}

fn text_catalog(registry: &Registry) -> String {
    let width = registry.iter().map(|d| d.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for def in registry.iter() {
        let _ = writeln!(
            out,
            "{:width$}  {:8}  {:8}  {}",
            def.id,
            def.severity.as_str(),
            def.agent,
            def.title
        );
    }
    let _ = writeln!(
        out,
        "\n{} checks. `launchguard explain ID` prints one check's docs.",
        registry.len()
    );
    out
}

fn explanation(def: &CheckDef) -> String {
    let mut out = format!(
        "{} — {}\nseverity: {} · agent: {}\n\nWhat it checks\n  {}\n\nWhy it matters\n  {}\n\nHow to fix\n  {}\n",
        def.id, def.title, def.severity, def.agent, def.what, def.why, def.fix
    );
    if !def.references.is_empty() {
        out.push_str("\nReferences\n");
        for reference in def.references {
            let _ = writeln!(out, "  {reference}");
        }
    }
    out
}

pub fn explain(id: &str) -> anyhow::Result<i32> {
    let registry = agents::registry();
    match registry.get(id) {
        Some(def) => {
            print(&explanation(def))?;
            Ok(EXIT_OK)
        }
        None => {
            let near: Vec<&str> = registry
                .iter()
                .map(|d| d.id)
                .filter(|c| c.contains(id) || id.contains(c))
                .collect();
            let hint = if near.is_empty() {
                "see `launchguard checks`".to_owned()
            } else {
                format!("did you mean: {}?", near.join(", "))
            };
            Err(usage(format!("no check `{id}`; {hint}")))
        }
    }
}

/// `docs/checks.md`, generated from the registry; a test keeps the checked-in copy current.
pub fn markdown_catalog(registry: &Registry) -> String {
    let mut out = String::from(
        "# Checks\n\n<!-- Generated from the check registry by `scripts/generate-docs.sh`; do not edit. -->\n\n\
         Every check launchguard runs, with its stable ID and default severity. `launchguard checks` prints \
         this list and `launchguard explain ID` one entry.\n\n| ID | Severity | Agent | Title |\n|---|---|---|---|\n",
    );
    for def in registry.iter() {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            def.id,
            def.id.replace('.', ""),
            def.severity,
            def.agent,
            def.title
        );
    }
    for def in registry.iter() {
        let _ = write!(
            out,
            "\n## {}\n\n**{}** · severity `{}` · agent `{}`\n\n**What it checks.** {}\n\n**Why it matters.** {}\n\n**How to fix.** {}\n",
            def.id, def.title, def.severity, def.agent, def.what, def.why, def.fix
        );
        if !def.references.is_empty() {
            out.push_str("\n**References.**\n");
            for reference in def.references {
                let _ = writeln!(out, "- <{reference}>");
            }
        }
    }
    out
}

pub fn init(path: &Path, force: bool) -> anyhow::Result<i32> {
    if path.exists() && !force {
        return Err(usage(format!(
            "{} exists; use --force to overwrite it",
            path.display()
        )));
    }
    write_atomically(path, agents::starter_config().as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "wrote {}: it contacts nothing until you edit [scope] and uncomment the agent sections; then run `launchguard audit --config {}`",
        path.display(),
        path.display()
    );
    Ok(EXIT_OK)
}
