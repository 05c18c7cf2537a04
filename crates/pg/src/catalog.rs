//! Everything the lints read, loaded from the system catalogs in one read-only transaction.
//! Every query names its columns, and each row is read by those names into a typed struct.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use crate::settings::Settings;
use crate::sql::DbError;

/// What `pg_class.relkind` says a relation is (only the kinds the queries select).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
}

impl RelationKind {
    fn from_relkind(code: &str) -> Option<Self> {
        Some(match code {
            "r" => RelationKind::Table,
            "p" => RelationKind::PartitionedTable,
            "v" => RelationKind::View,
            "m" => RelationKind::MaterializedView,
            "f" => RelationKind::ForeignTable,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::PartitionedTable => "partitioned table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized view",
            RelationKind::ForeignTable => "foreign table",
        }
    }

    /// A table or partitioned table: it stores rows of its own, and policies and writes apply to
    /// it directly.
    pub fn is_table(self) -> bool {
        matches!(self, RelationKind::Table | RelationKind::PartitionedTable)
    }
}

/// The command a policy applies to (`pg_policy.polcmd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyCommand {
    Select,
    Insert,
    Update,
    Delete,
    All,
}

impl PolicyCommand {
    fn from_polcmd(code: &str) -> Option<Self> {
        Some(match code {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            "*" => PolicyCommand::All,
            _ => return None,
        })
    }

    /// The SQL keyword.
    pub fn name(self) -> &'static str {
        match self {
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
            PolicyCommand::All => "ALL",
        }
    }
}

/// A function's volatility (`pg_proc.provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

impl Volatility {
    fn from_provolatile(code: &str) -> Option<Self> {
        Some(match code {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            "v" => Volatility::Volatile,
            _ => return None,
        })
    }
}

/// A table, view, materialized view or foreign table in an exposed schema.
#[derive(Debug, Clone)]
pub struct Relation {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
    pub rls: bool,
    pub force_rls: bool,
    pub owner: String,
    /// `schema.name` of the parent, for partitions and inheritance children.
    pub parent: Option<String>,
    pub parent_rls: bool,
    pub security_invoker: bool,
    pub api_can_read: bool,
    pub api_can_write: bool,
    pub columns: Vec<Column>,
    /// The primary key's columns (none, one or several).
    pub primary_key: Vec<String>,
    /// Relations this view or materialized view reads (by oid).
    pub reads: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    /// Generated or identity-always: cannot be inserted.
    pub generated: bool,
    /// Its default draws from a sequence (`nextval(...)`), or it is an identity column.
    pub sequence: Option<String>,
    pub api_can_read: bool,
    /// `schema.table` this column references by a single-column foreign key.
    pub references: Option<String>,
}

impl Relation {
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A relation outside the exposed schemas that an exposed view reads (`auth.users`).
#[derive(Debug, Clone)]
pub struct Referenced {
    pub schema: String,
    pub name: String,
    pub rls: bool,
    pub force_rls: bool,
    pub owner: String,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub relation: i64,
    pub name: String,
    pub command: PolicyCommand,
    pub permissive: bool,
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub check: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub schema: String,
    pub name: String,
    pub arguments: String,
    pub security_definer: bool,
    pub volatility: Volatility,
    pub returns_set: bool,
    pub required_arguments: i16,
    /// The input arguments' types, in order (`format_type` spelling).
    pub argument_types: Vec<String>,
    /// Takes a VARIADIC argument.
    pub variadic: bool,
    pub fixed_search_path: bool,
    pub api_can_execute: bool,
    pub body: String,
    pub owner: String,
    pub extension_member: bool,
    /// Its result rows have the tenant column.
    pub returns_tenant_rows: bool,
}

impl Function {
    pub fn signature(&self) -> String {
        format!("{}.{}({})", self.schema, self.name, self.arguments)
    }
}

#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub superuser: bool,
    pub bypass_rls: bool,
}

/// An extension installed in an exposed schema.
#[derive(Debug, Clone)]
pub struct Extension {
    pub name: String,
    pub schema: String,
}

/// The catalog as the lints see it.
#[derive(Debug, Default)]
pub struct Catalog {
    pub exposed_schemas: Vec<String>,
    /// Where `exposed_schemas` came from.
    pub schemas_source: String,
    pub relations: Vec<Relation>,
    pub referenced: BTreeMap<i64, Referenced>,
    pub policies: Vec<Policy>,
    pub functions: Vec<Function>,
    pub roles: BTreeMap<String, RoleInfo>,
    /// For each API role: the superuser or BYPASSRLS roles it is, or can become.
    pub bypass_reachable: BTreeMap<String, BTreeSet<String>>,
    pub exposed_extensions: Vec<Extension>,
}

impl Catalog {
    pub fn relation(&self, oid: i64) -> Option<&Relation> {
        self.relations.iter().find(|r| r.oid == oid)
    }

    pub fn policies_of(&self, oid: i64) -> impl Iterator<Item = &Policy> {
        self.policies.iter().filter(move |p| p.relation == oid)
    }

    pub fn is_exposed_schema(&self, schema: &str) -> bool {
        self.exposed_schemas.iter().any(|s| s == schema)
    }
}

/// Why the catalog could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("reading {what} failed: {error}")]
    Query { what: &'static str, error: DbError },
    #[error("reading {what} failed: unexpected {column} `{value}`")]
    Value {
        what: &'static str,
        column: &'static str,
        value: String,
    },
}

/// Why one row could not be read into its struct.
#[derive(Debug)]
enum RowError {
    Column(tokio_postgres::Error),
    Value { column: &'static str, value: String },
}

impl From<tokio_postgres::Error> for RowError {
    fn from(error: tokio_postgres::Error) -> Self {
        RowError::Column(error)
    }
}

impl RowError {
    fn reading(self, what: &'static str) -> CatalogError {
        match self {
            RowError::Column(error) => CatalogError::Query {
                what,
                error: error.into(),
            },
            RowError::Value { column, value } => CatalogError::Value {
                what,
                column,
                value,
            },
        }
    }
}

/// A struct read from one catalog row, by column name.
trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self, RowError>;
}

/// Reads a one-letter catalog code (`relkind`, `polcmd`, `provolatile`) into its enum.
fn code<T>(row: &Row, column: &'static str, parse: fn(&str) -> Option<T>) -> Result<T, RowError> {
    let value: String = row.try_get(column)?;
    parse(&value).ok_or(RowError::Value { column, value })
}

/// Runs one catalog query and reads every row; `what` names it in errors.
async fn read<T: FromRow>(
    client: &Client,
    what: &'static str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<T>, CatalogError> {
    let rows = client
        .query(sql, params)
        .await
        .map_err(|e| RowError::Column(e).reading(what))?;
    rows.iter()
        .map(|row| T::from_row(row).map_err(|e| e.reading(what)))
        .collect()
}

/// A role setting (`pgrst.db_schemas=...`).
struct RoleSetting {
    setting: String,
}

impl FromRow for RoleSetting {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(RoleSetting {
            setting: row.try_get("setting")?,
        })
    }
}

/// The exposed schemas: configured, else the authenticator's `pgrst.db_schemas`, else `public`.
pub async fn exposed_schemas(
    client: &Client,
    settings: &Settings,
) -> Result<(Vec<String>, String), CatalogError> {
    if let Some(schemas) = &settings.exposed_schemas {
        return Ok((
            schemas.clone(),
            "configured in [postgres].exposed_schemas".to_owned(),
        ));
    }
    let role_settings: Vec<RoleSetting> = read(
        client,
        "role settings",
        "select unnest(s.setconfig) as setting from pg_db_role_setting s join pg_roles r on r.oid = s.setrole \
         where r.rolname = $1 and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))",
        &[&settings.authenticator_role],
    )
    .await?;
    for RoleSetting { setting } in role_settings {
        if let Some(value) = setting.strip_prefix("pgrst.db_schemas=") {
            let schemas: Vec<String> = value
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_owned())
                .filter(|s| !s.is_empty())
                .collect();
            if !schemas.is_empty() {
                return Ok((
                    schemas,
                    format!("pgrst.db_schemas of role {}", settings.authenticator_role),
                ));
            }
        }
    }
    Ok((
        vec!["public".to_owned()],
        "default (no [postgres].exposed_schemas, no pgrst.db_schemas)".to_owned(),
    ))
}

const RELATIONS: &str = "
select c.oid::int8 as oid, n.nspname::text as schema, c.relname::text as name, c.relkind::text as kind,
  c.relrowsecurity as rls, c.relforcerowsecurity as force_rls, pg_get_userbyid(c.relowner)::text as owner,
  (select pn.nspname || '.' || pc.relname from pg_inherits i join pg_class pc on pc.oid = i.inhparent
     join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid limit 1) as parent,
  coalesce((select pc.relrowsecurity from pg_inherits i join pg_class pc on pc.oid = i.inhparent
     where i.inhrelid = c.oid limit 1), false) as parent_rls,
  coalesce(c.reloptions && array['security_invoker=true','security_invoker=on','security_invoker=1','security_invoker=yes'], false)
    as security_invoker,
  has_table_privilege($2, c.oid, 'SELECT') or has_table_privilege($3, c.oid, 'SELECT') as api_can_read,
  has_table_privilege($2, c.oid, 'INSERT,UPDATE,DELETE') or has_table_privilege($3, c.oid, 'INSERT,UPDATE,DELETE')
    as api_can_write
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in ('r','p','v','m','f')
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname";

impl FromRow for Relation {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(Relation {
            oid: row.try_get("oid")?,
            schema: row.try_get("schema")?,
            name: row.try_get("name")?,
            kind: code(row, "kind", RelationKind::from_relkind)?,
            rls: row.try_get("rls")?,
            force_rls: row.try_get("force_rls")?,
            owner: row.try_get("owner")?,
            parent: row.try_get("parent")?,
            parent_rls: row.try_get("parent_rls")?,
            security_invoker: row.try_get("security_invoker")?,
            api_can_read: row.try_get("api_can_read")?,
            api_can_write: row.try_get("api_can_write")?,
            columns: Vec::new(),
            primary_key: Vec::new(),
            reads: Vec::new(),
        })
    }
}

const COLUMNS: &str = "
select a.attrelid::int8 as relation, a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type_name,
  a.attgenerated <> '' or a.attidentity = 'a' as generated,
  coalesce(pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname),
    case when pg_get_expr(d.adbin, d.adrelid) like 'nextval(%' then pg_get_expr(d.adbin, d.adrelid) end) as sequence,
  has_column_privilege($2, a.attrelid, a.attnum, 'SELECT') or has_column_privilege($3, a.attrelid, a.attnum, 'SELECT')
    as api_can_read,
  (select fn.nspname || '.' || fc.relname from pg_constraint f join pg_class fc on fc.oid = f.confrelid
     join pg_namespace fn on fn.oid = fc.relnamespace
   where f.conrelid = a.attrelid and f.contype = 'f' and f.conkey = array[a.attnum] limit 1) as foreign_table
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = any($1) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum";

/// A column and the relation it belongs to.
struct ColumnRow {
    relation: i64,
    column: Column,
}

impl FromRow for ColumnRow {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(ColumnRow {
            relation: row.try_get("relation")?,
            column: Column {
                name: row.try_get("name")?,
                type_name: row.try_get("type_name")?,
                generated: row.try_get("generated")?,
                sequence: row.try_get("sequence")?,
                api_can_read: row.try_get("api_can_read")?,
                references: row.try_get("foreign_table")?,
            },
        })
    }
}

const PRIMARY_KEYS: &str = "
select i.indrelid::int8 as relation, array_agg(a.attname::text order by a.attnum) as columns
from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
where i.indisprimary and i.indrelid = any($1) group by i.indrelid";

struct PrimaryKeyRow {
    relation: i64,
    columns: Vec<String>,
}

impl FromRow for PrimaryKeyRow {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(PrimaryKeyRow {
            relation: row.try_get("relation")?,
            columns: row.try_get("columns")?,
        })
    }
}

const POLICIES: &str = "
select p.polrelid::int8 as relation, p.polname::text as name, p.polcmd::text as command,
  p.polpermissive as permissive,
  array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end from unnest(p.polroles) r) as roles,
  pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
from pg_policy p where p.polrelid = any($1) order by p.polrelid, p.polname";

impl FromRow for Policy {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(Policy {
            relation: row.try_get("relation")?,
            name: row.try_get("name")?,
            command: code(row, "command", PolicyCommand::from_polcmd)?,
            permissive: row.try_get("permissive")?,
            roles: row.try_get("roles")?,
            using: row.try_get("using")?,
            check: row.try_get("check")?,
        })
    }
}

const VIEW_READS: &str = "
select distinct r.ev_class::int8 as view, d.refobjid::int8 as read, n.nspname::text as schema,
  c.relname::text as name, c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
  pg_get_userbyid(c.relowner)::text as owner
from pg_rewrite r
join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
join pg_class c on c.oid = d.refobjid join pg_namespace n on n.oid = c.relnamespace
where r.ev_class = any($1) and d.refobjid <> r.ev_class and c.relkind in ('r','p','v','m','f')";

/// A relation that a view reads.
struct ViewReadRow {
    view: i64,
    read: i64,
    referenced: Referenced,
}

impl FromRow for ViewReadRow {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(ViewReadRow {
            view: row.try_get("view")?,
            read: row.try_get("read")?,
            referenced: Referenced {
                schema: row.try_get("schema")?,
                name: row.try_get("name")?,
                rls: row.try_get("rls")?,
                force_rls: row.try_get("force_rls")?,
                owner: row.try_get("owner")?,
            },
        })
    }
}

const FUNCTIONS: &str = "
select n.nspname::text as schema, p.proname::text as name, pg_get_function_identity_arguments(p.oid) as arguments,
  p.prosecdef as security_definer, p.provolatile::text as volatility, p.proretset as returns_set,
  (p.pronargs - p.pronargdefaults)::int2 as required_arguments,
  array(select format_type(t, null) from unnest(p.proargtypes) with ordinality as a(t, i) order by i) as argument_types,
  p.provariadic <> 0 as variadic,
  coalesce(array_to_string(p.proconfig, ',') like '%search_path=%', false) as fixed_search_path,
  has_function_privilege($1, p.oid, 'EXECUTE') or has_function_privilege($2, p.oid, 'EXECUTE') as api_can_execute,
  coalesce(p.prosrc, '') as body, pg_get_userbyid(p.proowner)::text as owner,
  exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    as extension_member,
  exists (select 1 from pg_type t join pg_attribute a on a.attrelid = t.typrelid
          where t.oid = p.prorettype and a.attname = $3 and not a.attisdropped)
    or exists (select 1 from unnest(p.proargnames, p.proargmodes) as o(name, mode)
               where o.name = $3 and o.mode in ('o', 'b', 't')) as returns_tenant_rows
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where p.prokind = 'f' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
order by n.nspname, p.proname";

impl FromRow for Function {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(Function {
            schema: row.try_get("schema")?,
            name: row.try_get("name")?,
            arguments: row.try_get("arguments")?,
            security_definer: row.try_get("security_definer")?,
            volatility: code(row, "volatility", Volatility::from_provolatile)?,
            returns_set: row.try_get("returns_set")?,
            required_arguments: row.try_get("required_arguments")?,
            argument_types: row.try_get("argument_types")?,
            variadic: row.try_get("variadic")?,
            fixed_search_path: row.try_get("fixed_search_path")?,
            api_can_execute: row.try_get("api_can_execute")?,
            body: row.try_get("body")?,
            owner: row.try_get("owner")?,
            extension_member: row.try_get("extension_member")?,
            returns_tenant_rows: row.try_get("returns_tenant_rows")?,
        })
    }
}

const ROLES: &str = "select rolname::text as name, rolsuper as superuser, rolbypassrls as bypass_rls \
                     from pg_roles where rolname = any($1)";

struct RoleRow {
    name: String,
    info: RoleInfo,
}

impl FromRow for RoleRow {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(RoleRow {
            name: row.try_get("name")?,
            info: RoleInfo {
                superuser: row.try_get("superuser")?,
                bypass_rls: row.try_get("bypass_rls")?,
            },
        })
    }
}

const BYPASS_REACHABLE: &str = "
with recursive reach(root, role) as (
  select r.oid, r.oid from pg_roles r where r.rolname = any($1)
  union
  select reach.root, m.roleid from reach join pg_auth_members m on m.member = reach.role
)
select pg_get_userbyid(reach.root)::text as role, r.rolname::text as bypass_role
from reach join pg_roles r on r.oid = reach.role
where r.rolsuper or r.rolbypassrls";

/// A superuser or BYPASSRLS role that an API role is or can become.
struct ReachableRow {
    role: String,
    bypass_role: String,
}

impl FromRow for ReachableRow {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(ReachableRow {
            role: row.try_get("role")?,
            bypass_role: row.try_get("bypass_role")?,
        })
    }
}

const EXTENSIONS: &str = "
select e.extname::text as name, n.nspname::text as schema
from pg_extension e join pg_namespace n on n.oid = e.extnamespace
where n.nspname = any($1) and e.extname <> 'plpgsql' order by 1";

impl FromRow for Extension {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(Extension {
            name: row.try_get("name")?,
            schema: row.try_get("schema")?,
        })
    }
}

/// Loads the catalog. Runs inside the caller's read-only transaction.
pub async fn load(client: &Client, settings: &Settings) -> Result<Catalog, CatalogError> {
    let (exposed_schemas, schemas_source) = exposed_schemas(client, settings).await?;
    let (anon, auth) = (&settings.anon_role, &settings.authenticated_role);
    let mut relations: Vec<Relation> = read(
        client,
        "relations",
        RELATIONS,
        &[&exposed_schemas, anon, auth],
    )
    .await?;
    let oid_params: Vec<u32> = relations.iter().map(|r| r.oid as u32).collect();
    let columns: Vec<ColumnRow> =
        read(client, "columns", COLUMNS, &[&oid_params, anon, auth]).await?;
    for ColumnRow { relation, column } in columns {
        if let Some(relation) = relations.iter_mut().find(|r| r.oid == relation) {
            relation.columns.push(column);
        }
    }
    let primary_keys: Vec<PrimaryKeyRow> =
        read(client, "primary keys", PRIMARY_KEYS, &[&oid_params]).await?;
    for PrimaryKeyRow { relation, columns } in primary_keys {
        if let Some(relation) = relations.iter_mut().find(|r| r.oid == relation) {
            relation.primary_key = columns;
        }
    }
    let view_reads: Vec<ViewReadRow> =
        read(client, "view dependencies", VIEW_READS, &[&oid_params]).await?;
    let mut referenced = BTreeMap::new();
    for ViewReadRow {
        view,
        read: oid,
        referenced: relation,
    } in view_reads
    {
        if let Some(viewing) = relations.iter_mut().find(|r| r.oid == view) {
            viewing.reads.push(oid);
        }
        referenced.insert(oid, relation);
    }
    let policies = read(client, "policies", POLICIES, &[&oid_params]).await?;
    let functions = read(
        client,
        "functions",
        FUNCTIONS,
        &[anon, auth, &settings.tenant_column],
    )
    .await?;
    let mut role_names: Vec<String> = settings.api_roles();
    role_names.extend(relations.iter().map(|r| r.owner.clone()));
    role_names.extend(referenced.values().map(|r| r.owner.clone()));
    role_names.sort();
    role_names.dedup();
    let roles = read::<RoleRow>(client, "roles", ROLES, &[&role_names])
        .await?
        .into_iter()
        .map(|RoleRow { name, info }| (name, info))
        .collect();
    let mut bypass_reachable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let reachable: Vec<ReachableRow> = read(
        client,
        "role memberships",
        BYPASS_REACHABLE,
        &[&settings.roles_that_must_not_bypass()],
    )
    .await?;
    for ReachableRow { role, bypass_role } in reachable {
        bypass_reachable
            .entry(role)
            .or_default()
            .insert(bypass_role);
    }
    let exposed_extensions = read(client, "extensions", EXTENSIONS, &[&exposed_schemas]).await?;
    relations.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    Ok(Catalog {
        exposed_schemas,
        schemas_source,
        relations,
        referenced,
        policies,
        functions,
        roles,
        bypass_reachable,
        exposed_extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_codes_become_kinds_and_unknown_codes_are_refused() {
        assert_eq!(
            RelationKind::from_relkind("p"),
            Some(RelationKind::PartitionedTable)
        );
        assert!(RelationKind::PartitionedTable.is_table());
        assert!(!RelationKind::MaterializedView.is_table());
        assert_eq!(RelationKind::from_relkind("S"), None);
        assert_eq!(
            PolicyCommand::from_polcmd("w").map(PolicyCommand::name),
            Some("UPDATE")
        );
        assert_eq!(Volatility::from_provolatile("x"), None);
        let refused = RowError::Value {
            column: "kind",
            value: "S".into(),
        }
        .reading("relations");
        assert_eq!(
            refused.to_string(),
            "reading relations failed: unexpected kind `S`"
        );
    }
}
