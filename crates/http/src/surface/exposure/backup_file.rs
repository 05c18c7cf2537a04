use launchguard_core::{CheckDef, Finding, Severity};
use launchguard_net::Response;

use super::{Exposure, judge_paths, looks_html};
use crate::surface::{Check, Examined};

pub(crate) static DEF: CheckDef = CheckDef {
    id: "exposure.backup_file",
    agent: "http",
    title: "A backup or database dump is publicly downloadable",
    severity: Severity::High,
    what: "Requests `/backup.sql`, `/dump.sql`, `/db.sql`, `/backup.zip` and `/backup.tar.gz` and fails when a \
           real answer is what the name promises: an SQL dump (pg_dump or mysqldump header, or CREATE TABLE with \
           INSERT/COPY), or a zip, gzip or tar archive (by magic bytes).",
    why: "A dump is every tenant's data at once, with password hashes and API keys; an archive of the site \
          usually contains its configuration and secrets.",
    fix: "Delete the file from the web root, keep backups in private storage, and treat the data as leaked: \
          rotate credentials and assess notification duties.",
    references: &["https://cwe.mitre.org/data/definitions/530.html"],
};

pub(crate) const CHECK: Check = Check { def: &DEF, judge };

fn validate(response: &Response) -> Option<(String, Severity)> {
    let body = &response.body;
    let kind = if body.starts_with(b"PK\x03\x04") {
        "zip archive"
    } else if body.starts_with(b"\x1f\x8b") {
        "gzip archive"
    } else if body.len() > 262 && &body[257..262] == b"ustar" {
        "tar archive"
    } else if looks_html(response) {
        return None;
    } else {
        let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
        let dump_header =
            text.contains("-- PostgreSQL database dump") || text.contains("-- MySQL dump");
        let statements = text.contains("CREATE TABLE")
            && (text.contains("INSERT INTO") || text.contains("COPY "));
        if !(dump_header || statements) {
            return None;
        }
        "SQL dump"
    };
    Some((
        format!(
            "{kind}, {} bytes read{}",
            body.len(),
            if response.truncated {
                " (more not read)"
            } else {
                ""
            }
        ),
        if kind == "SQL dump" {
            Severity::Critical
        } else {
            Severity::High
        },
    ))
}

fn judge(x: &Examined<'_>) -> Vec<Finding> {
    judge_paths(&DEF, x, Exposure::Backup, validate)
}
