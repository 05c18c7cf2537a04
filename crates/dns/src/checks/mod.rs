//! The DNS checks: one file each, with its documentation and its judge; one table.
//!
//! Every judge reads the [`DomainView`] of one domain and concludes one finding for it.

mod axfr_open;
mod caa_issuer_mismatch;
mod caa_missing;
mod caa_no_iodef;
mod dangling_a;
mod dangling_cname;
mod delegation_lame;
mod dmarc_missing;
mod dmarc_weak;
mod dnssec_expiring;
mod dnssec_invalid;
mod dnssec_unsigned;
mod mta_sts_missing;
mod mx_cname;
mod ns_dangling;
mod ns_inconsistent;
mod ns_single;
mod open_resolver;
mod resolve_failed;
mod soa_timers;
mod spf_missing;
mod spf_multiple;
mod spf_permissive;
mod spf_softfail;
mod spf_too_many_lookups;
mod takeover_candidate;
mod ttl_huge;
mod ttl_zero;
mod wildcard_dangling;
mod wildcard_unexpected;

use std::collections::BTreeMap;

use launchguard_core::{CheckDef, Finding};

pub use caa_issuer_mismatch::{CHECK as CAA_ISSUER_MISMATCH, RUNNER_DECIDES};

use crate::inventory::Inventory;
use crate::observe::{DomainView, Got, Part, ServerView};

/// What a judge reads: the view of one domain and the configuration it is judged against.
pub(crate) struct Judging<'a> {
    pub view: &'a DomainView,
    pub inventory: &'a Inventory,
    pub issuer_caa_domains: &'a BTreeMap<String, String>,
}

impl Judging<'_> {
    pub fn pass(&self, def: &CheckDef, message: impl Into<String>) -> Finding {
        Finding::pass(def, self.view.domain.target.clone(), message)
    }
    pub fn fail(&self, def: &CheckDef, message: impl Into<String>) -> Finding {
        Finding::fail(def, self.view.domain.target.clone(), message)
    }
    pub fn error(&self, def: &CheckDef, reason: impl Into<String>) -> Finding {
        Finding::error(def, self.view.domain.target.clone(), reason)
    }
    pub fn skipped(&self, def: &CheckDef, reason: impl Into<String>) -> Finding {
        Finding::skipped(def, self.view.domain.target.clone(), reason)
    }
    /// The value, or the finding that says it could not be had.
    pub fn need<'v, T>(&self, def: &CheckDef, got: &'v Got<T>) -> Result<&'v T, Box<Finding>> {
        got.as_ref()
            .map_err(|reason| Box::new(self.error(def, format!("not verified: {reason}"))))
    }
}

impl Judging<'_> {
    /// The nameserver addresses asked, or the finding that says why there are none.
    pub fn servers(&self, def: &CheckDef) -> Result<&[ServerView], Box<Finding>> {
        let names = self.need(def, &self.view.ns_names)?;
        if self.view.servers.is_empty() {
            let listed: Vec<String> = names.iter().map(|n| n.chain.describe()).collect();
            return Err(Box::new(self.error(
                def,
                format!(
                    "not verified: no nameserver address to ask (NS: {})",
                    if listed.is_empty() {
                        "none".to_owned()
                    } else {
                        listed.join("; ")
                    }
                ),
            )));
        }
        Ok(&self.view.servers)
    }
}

type Judge = fn(&Judging<'_>) -> Finding;

/// Every check: its definition, its judge, and the parts of the view it reads (whose foreign
/// records its finding reports).
pub(crate) static JUDGES: &[(&CheckDef, Judge, &[Part])] = &[
    (&resolve_failed::CHECK, resolve_failed::judge, &[Part::Soa]),
    (&caa_missing::CHECK, caa_missing::judge, &[Part::Caa]),
    (
        &caa_issuer_mismatch::CHECK,
        caa_issuer_mismatch::judge,
        &[Part::Caa],
    ),
    (&caa_no_iodef::CHECK, caa_no_iodef::judge, &[Part::Caa]),
    (&spf_missing::CHECK, spf_missing::judge, &[Part::Spf]),
    (&spf_multiple::CHECK, spf_multiple::judge, &[Part::Spf]),
    (&spf_permissive::CHECK, spf_permissive::judge, &[Part::Spf]),
    (&spf_softfail::CHECK, spf_softfail::judge, &[Part::Spf]),
    (
        &spf_too_many_lookups::CHECK,
        spf_too_many_lookups::judge,
        &[Part::Spf],
    ),
    (&dmarc_missing::CHECK, dmarc_missing::judge, &[Part::Dmarc]),
    (&dmarc_weak::CHECK, dmarc_weak::judge, &[Part::Dmarc]),
    (
        &mta_sts_missing::CHECK,
        mta_sts_missing::judge,
        &[Part::Mx, Part::MtaSts],
    ),
    (&mx_cname::CHECK, mx_cname::judge, &[Part::Mx]),
    (
        &dangling_cname::CHECK,
        dangling_cname::judge,
        &[Part::Names],
    ),
    (&dangling_a::CHECK, dangling_a::judge, &[Part::Names]),
    (
        &takeover_candidate::CHECK,
        takeover_candidate::judge,
        &[Part::Names],
    ),
    (
        &wildcard_dangling::CHECK,
        wildcard_dangling::judge,
        &[Part::Names],
    ),
    (
        &wildcard_unexpected::CHECK,
        wildcard_unexpected::judge,
        &[Part::Names],
    ),
    (&ns_single::CHECK, ns_single::judge, &[Part::Ns]),
    (&ns_dangling::CHECK, ns_dangling::judge, &[Part::Ns]),
    (
        &delegation_lame::CHECK,
        delegation_lame::judge,
        &[Part::Ns, Part::Servers],
    ),
    (
        &ns_inconsistent::CHECK,
        ns_inconsistent::judge,
        &[Part::Ns, Part::Servers],
    ),
    (
        &axfr_open::CHECK,
        axfr_open::judge,
        &[Part::Ns, Part::Servers],
    ),
    (
        &open_resolver::CHECK,
        open_resolver::judge,
        &[Part::Ns, Part::Servers],
    ),
    (&dnssec_invalid::CHECK, dnssec_invalid::judge, &[]),
    (&dnssec_unsigned::CHECK, dnssec_unsigned::judge, &[]),
    (
        &dnssec_expiring::CHECK,
        dnssec_expiring::judge,
        &[Part::Signatures],
    ),
    (&ttl_zero::CHECK, ttl_zero::judge, &[Part::Ttls]),
    (&ttl_huge::CHECK, ttl_huge::judge, &[Part::Ttls]),
    (
        &soa_timers::CHECK,
        soa_timers::judge,
        &[Part::Ns, Part::Servers],
    ),
];

/// Every check's finding for the view; a finding whose parts of the view came with records of
/// other names, left out, says how many and which in `foreign_records_dropped` and
/// `foreign_records`.
pub(crate) fn judge_every(j: &Judging<'_>) -> Vec<Finding> {
    JUDGES
        .iter()
        .map(|(_, judge, reads)| {
            let finding = judge(j);
            let foreign: Vec<_> = j
                .view
                .foreign
                .iter()
                .filter(|(part, _)| reads.contains(part))
                .map(|(_, foreign)| foreign)
                .collect();
            if foreign.is_empty() {
                return finding;
            }
            let count: usize = foreign.iter().map(|f| f.count).sum();
            finding
                .with_evidence(
                    "foreign_records_dropped",
                    u64::try_from(count).unwrap_or(u64::MAX),
                )
                .with_evidence(
                    "foreign_records",
                    foreign.iter().map(|f| f.describe()).collect::<Vec<_>>(),
                )
        })
        .collect()
}
