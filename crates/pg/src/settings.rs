//! `[postgres]` after validation: what the lints and probes read.

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub user_id: Option<String>,
}

/// Why the claims of a tenant's user could not be built from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("[postgres].claims_template is not JSON once filled in: {0}")]
    NotJson(String),
    #[error("[postgres].tamper_claim `{0}` does not lead through objects")]
    NotAnObjectPath(String),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub name: String,
    pub url_env: String,
    pub ca_file: Option<std::path::PathBuf>,
    pub exposed_schemas: Option<Vec<String>>,
    pub anon_role: String,
    pub authenticated_role: String,
    pub service_role: String,
    pub authenticator_role: String,
    pub backend_roles: Vec<String>,
    pub tenant_column: String,
    pub users_table: String,
    pub claims_template: String,
    pub tamper_claim: String,
    pub tenants: Vec<Tenant>,
    pub max_tenants: usize,
    pub probes: bool,
    pub allow_writes: bool,
    pub allow_sequence_inserts: bool,
    pub allow_superuser: bool,
}

impl Settings {
    /// Roles through which API requests reach the database.
    pub fn api_roles(&self) -> Vec<String> {
        let mut roles = vec![
            self.anon_role.clone(),
            self.authenticated_role.clone(),
            self.authenticator_role.clone(),
        ];
        roles.extend(self.backend_roles.iter().cloned());
        roles
    }

    /// Roles that must not be able to become a BYPASSRLS or superuser role. The authenticator is
    /// left out: becoming the service role is its job.
    pub fn roles_that_must_not_bypass(&self) -> Vec<String> {
        let mut roles = vec![self.anon_role.clone(), self.authenticated_role.clone()];
        roles.extend(self.backend_roles.iter().cloned());
        roles
    }

    /// The user id of `tenant`'s user: configured, else a fixed placeholder.
    pub fn user_id<'t>(&self, tenant: &'t Tenant) -> &'t str {
        tenant
            .user_id
            .as_deref()
            .unwrap_or("00000000-0000-4000-8000-000000000000")
    }

    /// The claims of a user of `tenant`. The user-editable claim carries the tenant too, as the
    /// application sets it at sign-up (policies that read it then admit the user), or
    /// `tampered_tenant` to see whether a policy trusts it. Fails when the template is not JSON.
    pub fn claims(
        &self,
        tenant: &Tenant,
        tampered_tenant: Option<&str>,
    ) -> Result<String, ClaimsError> {
        let filled = self
            .claims_template
            .replace("{tenant_id}", &tenant.id)
            .replace("{user_id}", self.user_id(tenant));
        let mut claims: serde_json::Value =
            serde_json::from_str(&filled).map_err(|e| ClaimsError::NotJson(e.to_string()))?;
        let editable = tampered_tenant.unwrap_or(&tenant.id);
        let mut node = &mut claims;
        let path: Vec<&str> = self.tamper_claim.split('.').collect();
        for (i, key) in path.iter().enumerate() {
            let object = node
                .as_object_mut()
                .ok_or_else(|| ClaimsError::NotAnObjectPath(self.tamper_claim.clone()))?;
            if i + 1 == path.len() {
                object.insert(
                    (*key).to_owned(),
                    serde_json::Value::String(editable.to_owned()),
                );
                break;
            }
            node = object
                .entry((*key).to_owned())
                .or_insert_with(|| serde_json::json!({}));
        }
        Ok(claims.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            name: "db".into(),
            url_env: "U".into(),
            ca_file: None,
            exposed_schemas: None,
            anon_role: "anon".into(),
            authenticated_role: "authenticated".into(),
            service_role: "service_role".into(),
            authenticator_role: "authenticator".into(),
            backend_roles: vec!["backend".into()],
            tenant_column: "tenant_id".into(),
            users_table: "auth.users".into(),
            claims_template: r#"{"sub":"{user_id}","app_metadata":{"tenant_id":"{tenant_id}"}}"#
                .into(),
            tamper_claim: "user_metadata.tenant_id".into(),
            tenants: vec![],
            max_tenants: 3,
            probes: true,
            allow_writes: false,
            allow_sequence_inserts: false,
            allow_superuser: false,
        }
    }

    #[test]
    fn claims_fill_the_template_and_tamper_the_editable_claim() {
        let tenant = Tenant {
            id: "A".into(),
            user_id: Some("u1".into()),
        };
        let plain: serde_json::Value =
            serde_json::from_str(&settings().claims(&tenant, None).unwrap()).unwrap();
        assert_eq!(plain["app_metadata"]["tenant_id"], "A");
        assert_eq!(plain["sub"], "u1");
        assert_eq!(
            plain["user_metadata"]["tenant_id"], "A",
            "the editable claim names the user's own tenant, as the application sets it"
        );
        let tampered: serde_json::Value =
            serde_json::from_str(&settings().claims(&tenant, Some("B")).unwrap()).unwrap();
        assert_eq!(tampered["user_metadata"]["tenant_id"], "B");
        assert_eq!(tampered["app_metadata"]["tenant_id"], "A");
    }

    #[test]
    fn a_template_that_is_not_json_is_an_error() {
        let mut s = settings();
        s.claims_template = "{tenant_id}".into();
        assert!(
            s.claims(
                &Tenant {
                    id: "A".into(),
                    user_id: None
                },
                None
            )
            .is_err()
        );
    }
}
