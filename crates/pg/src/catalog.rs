//! Everything the lints read, loaded from the system catalogs in one read-only transaction.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Client;

use crate::settings::Settings;

/// A table, view, materialized view or foreign table in an exposed schema.
#[derive(Debug, Clone)]
pub struct Relation {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    /// `r` table, `p` partitioned table, `v` view, `m` materialized view, `f` foreign table.
    pub kind: char,
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
    /// The single-column primary key, when there is one.
    pub primary_key: Option<String>,
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
}

impl Relation {
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            'r' => "table",
            'p' => "partitioned table",
            'v' => "view",
            'm' => "materialized view",
            'f' => "foreign table",
            _ => "relation",
        }
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
    /// `r` select, `a` insert, `w` update, `d` delete, `*` all.
    pub command: char,
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
    /// `i` immutable, `s` stable, `v` volatile.
    pub volatility: char,
    pub returns_set: bool,
    pub required_arguments: i16,
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
    /// Extensions installed in an exposed schema: (name, schema).
    pub exposed_extensions: Vec<(String, String)>,
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

fn err(what: &str, e: tokio_postgres::Error) -> String {
    format!("reading {what} failed: {}", crate::describe_db_error(&e))
}

/// The exposed schemas: configured, else the authenticator's `pgrst.db_schemas`, else `public`.
pub async fn exposed_schemas(
    client: &Client,
    settings: &Settings,
) -> Result<(Vec<String>, String), String> {
    if let Some(schemas) = &settings.exposed_schemas {
        return Ok((
            schemas.clone(),
            "configured in [postgres].exposed_schemas".to_owned(),
        ));
    }
    let rows = client
        .query(
            "select unnest(s.setconfig) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole \
             where r.rolname = $1 and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))",
            &[&settings.authenticator_role],
        )
        .await
        .map_err(|e| err("role settings", e))?;
    for row in rows {
        let setting: String = row.get(0);
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
select c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
  pg_get_userbyid(c.relowner)::text,
  (select pn.nspname || '.' || pc.relname from pg_inherits i join pg_class pc on pc.oid = i.inhparent
     join pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid limit 1),
  coalesce((select pc.relrowsecurity from pg_inherits i join pg_class pc on pc.oid = i.inhparent
     where i.inhrelid = c.oid limit 1), false),
  coalesce(c.reloptions && array['security_invoker=true','security_invoker=on','security_invoker=1','security_invoker=yes'], false),
  has_table_privilege($2, c.oid, 'SELECT') or has_table_privilege($3, c.oid, 'SELECT'),
  has_table_privilege($2, c.oid, 'INSERT,UPDATE,DELETE') or has_table_privilege($3, c.oid, 'INSERT,UPDATE,DELETE')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in ('r','p','v','m','f')
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname";

const COLUMNS: &str = "
select a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod),
  a.attgenerated <> '' or a.attidentity = 'a',
  coalesce(pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname),
    case when pg_get_expr(d.adbin, d.adrelid) like 'nextval(%' then pg_get_expr(d.adbin, d.adrelid) end),
  has_column_privilege($2, a.attrelid, a.attnum, 'SELECT') or has_column_privilege($3, a.attrelid, a.attnum, 'SELECT')
from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = any($1) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum";

const PRIMARY_KEYS: &str = "
select i.indrelid::int8, array_agg(a.attname::text order by a.attnum)
from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
where i.indisprimary and i.indrelid = any($1) group by i.indrelid";

const POLICIES: &str = "
select p.polrelid::int8, p.polname::text, p.polcmd::text, p.polpermissive,
  array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end from unnest(p.polroles) r),
  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
from pg_policy p where p.polrelid = any($1) order by p.polrelid, p.polname";

const VIEW_READS: &str = "
select distinct r.ev_class::int8, d.refobjid::int8, n.nspname::text, c.relname::text, c.relrowsecurity,
  c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text
from pg_rewrite r
join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
join pg_class c on c.oid = d.refobjid join pg_namespace n on n.oid = c.relnamespace
where r.ev_class = any($1) and d.refobjid <> r.ev_class and c.relkind in ('r','p','v','m','f')";

const FUNCTIONS: &str = "
select n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), p.prosecdef,
  p.provolatile::text, p.proretset, (p.pronargs - p.pronargdefaults)::int2,
  coalesce(array_to_string(p.proconfig, ',') like '%search_path=%', false),
  has_function_privilege($1, p.oid, 'EXECUTE') or has_function_privilege($2, p.oid, 'EXECUTE'),
  coalesce(p.prosrc, ''), pg_get_userbyid(p.proowner)::text,
  exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'),
  exists (select 1 from pg_type t join pg_attribute a on a.attrelid = t.typrelid
          where t.oid = p.prorettype and a.attname = $3 and not a.attisdropped)
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where p.prokind = 'f' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
order by n.nspname, p.proname";

const ROLES: &str =
    "select rolname::text, rolsuper, rolbypassrls from pg_roles where rolname = any($1)";

const BYPASS_REACHABLE: &str = "
with recursive reach(root, role) as (
  select r.oid, r.oid from pg_roles r where r.rolname = any($1)
  union
  select reach.root, m.roleid from reach join pg_auth_members m on m.member = reach.role
)
select pg_get_userbyid(reach.root)::text, r.rolname::text from reach join pg_roles r on r.oid = reach.role
where r.rolsuper or r.rolbypassrls";

const EXTENSIONS: &str = "
select e.extname::text, n.nspname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace
where n.nspname = any($1) and e.extname <> 'plpgsql' order by 1";

/// Loads the catalog. Runs inside the caller's read-only transaction.
pub async fn load(client: &Client, settings: &Settings) -> Result<Catalog, String> {
    let (exposed_schemas, schemas_source) = exposed_schemas(client, settings).await?;
    let (anon, auth) = (&settings.anon_role, &settings.authenticated_role);
    let mut relations: Vec<Relation> = client
        .query(RELATIONS, &[&exposed_schemas, anon, auth])
        .await
        .map_err(|e| err("relations", e))?
        .iter()
        .map(|row| Relation {
            oid: row.get(0),
            schema: row.get(1),
            name: row.get(2),
            kind: row.get::<_, String>(3).chars().next().unwrap_or('r'),
            rls: row.get(4),
            force_rls: row.get(5),
            owner: row.get(6),
            parent: row.get(7),
            parent_rls: row.get(8),
            security_invoker: row.get(9),
            api_can_read: row.get(10),
            api_can_write: row.get(11),
            columns: Vec::new(),
            primary_key: None,
            reads: Vec::new(),
        })
        .collect();
    let oids: Vec<i64> = relations.iter().map(|r| r.oid).collect();
    let oid_params: Vec<u32> = oids.iter().map(|o| *o as u32).collect();
    for row in client
        .query(COLUMNS, &[&oid_params, anon, auth])
        .await
        .map_err(|e| err("columns", e))?
    {
        let oid: i64 = row.get(0);
        if let Some(relation) = relations.iter_mut().find(|r| r.oid == oid) {
            relation.columns.push(Column {
                name: row.get(1),
                type_name: row.get(2),
                generated: row.get(3),
                sequence: row.get(4),
                api_can_read: row.get(5),
            });
        }
    }
    for row in client
        .query(PRIMARY_KEYS, &[&oid_params])
        .await
        .map_err(|e| err("primary keys", e))?
    {
        let oid: i64 = row.get(0);
        let columns: Vec<String> = row.get(1);
        if let (Some(relation), [single]) = (
            relations.iter_mut().find(|r| r.oid == oid),
            columns.as_slice(),
        ) {
            relation.primary_key = Some(single.clone());
        }
    }
    let mut referenced = BTreeMap::new();
    for row in client
        .query(VIEW_READS, &[&oid_params])
        .await
        .map_err(|e| err("view dependencies", e))?
    {
        let view: i64 = row.get(0);
        let read: i64 = row.get(1);
        if let Some(relation) = relations.iter_mut().find(|r| r.oid == view) {
            relation.reads.push(read);
        }
        referenced.insert(
            read,
            Referenced {
                schema: row.get(2),
                name: row.get(3),
                rls: row.get(4),
                force_rls: row.get(5),
                owner: row.get(6),
            },
        );
    }
    let policies = client
        .query(POLICIES, &[&oid_params])
        .await
        .map_err(|e| err("policies", e))?
        .iter()
        .map(|row| Policy {
            relation: row.get(0),
            name: row.get(1),
            command: row.get::<_, String>(2).chars().next().unwrap_or('*'),
            permissive: row.get(3),
            roles: row.get(4),
            using: row.get(5),
            check: row.get(6),
        })
        .collect();
    let functions = client
        .query(FUNCTIONS, &[anon, auth, &settings.tenant_column])
        .await
        .map_err(|e| err("functions", e))?
        .iter()
        .map(|row| Function {
            schema: row.get(0),
            name: row.get(1),
            arguments: row.get(2),
            security_definer: row.get(3),
            volatility: row.get::<_, String>(4).chars().next().unwrap_or('v'),
            returns_set: row.get(5),
            required_arguments: row.get(6),
            fixed_search_path: row.get(7),
            api_can_execute: row.get(8),
            body: row.get(9),
            owner: row.get(10),
            extension_member: row.get(11),
            returns_tenant_rows: row.get(12),
        })
        .collect();
    let mut role_names: Vec<String> = settings.api_roles();
    role_names.extend(relations.iter().map(|r| r.owner.clone()));
    role_names.extend(referenced.values().map(|r| r.owner.clone()));
    role_names.sort();
    role_names.dedup();
    let roles = client
        .query(ROLES, &[&role_names])
        .await
        .map_err(|e| err("roles", e))?
        .iter()
        .map(|row| {
            (
                row.get::<_, String>(0),
                RoleInfo {
                    superuser: row.get(1),
                    bypass_rls: row.get(2),
                },
            )
        })
        .collect();
    let mut bypass_reachable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in client
        .query(BYPASS_REACHABLE, &[&settings.roles_that_must_not_bypass()])
        .await
        .map_err(|e| err("role memberships", e))?
    {
        bypass_reachable
            .entry(row.get(0))
            .or_default()
            .insert(row.get(1));
    }
    let exposed_extensions = client
        .query(EXTENSIONS, &[&exposed_schemas])
        .await
        .map_err(|e| err("extensions", e))?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
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
