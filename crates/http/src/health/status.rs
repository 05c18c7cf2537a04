use launchguard_core::{CheckDef, Finding, Severity, Target};

use super::Answer;

pub static CHECK: CheckDef = CheckDef {
    id: "health.status",
    agent: "health",
    title: "Health endpoint answers with a non-2xx status",
    severity: Severity::High,
    what: "Fails when the health endpoint answers with a status outside 200-299. Redirects are not followed: a \
           3xx is a failure that names where it points, because load balancers and uptime monitors treat it as \
           unhealthy or follow it somewhere else.",
    why: "A non-2xx health answer means the service reports itself unhealthy (a 503 from a failing dependency), \
          the route is wrong (404), or the endpoint requires credentials the monitor does not have (401/403). \
          Orchestrators will restart or drain the service, and the readiness checklist is not met.",
    fix: "Find out why the service reports unhealthy (its body often says which dependency failed). Serve the \
          health route without redirects and without authentication, or configure the credential the endpoint \
          needs through headers_from_env.",
    references: &["https://datatracker.ietf.org/doc/html/draft-inadarei-api-health-check"],
};

pub(crate) fn judge(target: &Target, answer: &Answer) -> Finding {
    let finding = if (200..300).contains(&answer.status) {
        Finding::pass(&CHECK, target.clone(), format!("HTTP {}", answer.status))
    } else {
        let mut message = format!("{} answered HTTP {}", target.display, answer.status);
        if let Some(location) = &answer.location {
            message.push_str(&format!(" redirecting to {location} (not followed)"));
        }
        Finding::fail(&CHECK, target.clone(), message)
    };
    let finding = finding.with_evidence("http_status", answer.status);
    match &answer.location {
        Some(location) => finding.with_evidence("location", location.as_str()),
        None => finding,
    }
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::health::test_support::{answer, target};

    #[test]
    fn non_2xx_fails() {
        for code in [301, 401, 404, 500, 503] {
            assert_eq!(
                judge(&target(), &answer(code, 1, "")).status,
                Status::Fail,
                "{code}"
            );
        }
    }

    #[test]
    fn redirects_name_their_location() {
        let mut redirect = answer(302, 1, "");
        redirect.location = Some("https://login.example.com/".into());
        let finding = judge(&target(), &redirect);
        assert!(finding.message.contains("https://login.example.com/"));
    }

    #[test]
    fn success_codes_pass() {
        for code in [200, 204] {
            assert_eq!(
                judge(&target(), &answer(code, 1, "")).status,
                Status::Pass,
                "{code}"
            );
        }
    }
}
