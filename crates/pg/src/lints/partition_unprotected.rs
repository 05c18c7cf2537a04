use launchguard_core::{CheckDef, Severity};

use super::{Violation, exposed_tables};
use crate::catalog::Catalog;
use crate::settings::Settings;

pub static CHECK: CheckDef = CheckDef {
    id: "rls.partition_unprotected",
    agent: "postgres",
    title: "Partition or child table without RLS under a protected parent",
    severity: Severity::Critical,
    what: "Fails for a partition or inheritance child in an exposed schema, reachable by the API roles, without RLS \
           while its parent has RLS. splinter reports it as a plain rls_disabled_in_public (0013) without the cause.",
    why: "A parent's policies apply only to queries on the parent. The partition is an ordinary table: querying it \
          by name returns every tenant's rows.",
    fix: "ENABLE ROW LEVEL SECURITY and add the same policies on every partition (and on partitions created later), \
          or revoke the API roles' privileges on the partitions.",
    references: &["https://www.postgresql.org/docs/current/ddl-partitioning.html"],
};

pub(crate) fn lint(catalog: &Catalog, _: &Settings) -> Vec<Violation> {
    exposed_tables(catalog)
        .filter(|r| !r.rls && r.parent_rls && (r.api_can_read || r.api_can_write))
        .map(|r| {
            let parent = r.parent.clone().unwrap_or_default();
            Violation::on(r, format!("{} has no RLS but its parent {parent} does; querying it directly skips the parent's policies", r.qualified_name()))
                .with("parent", parent)
        })
        .collect()
}
