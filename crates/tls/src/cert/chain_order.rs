use launchguard_core::{CheckDef, Finding, Severity};

use super::{about_chain, chain, name};
use crate::observe::Observation;

pub static CHECK: CheckDef = CheckDef {
    id: "tls.cert.chain_order",
    agent: "tls",
    title: "Chain sent out of order",
    severity: Severity::Low,
    what: "Fails when a presented certificate is not issued by the one that follows it: the chain is \
           reversed, shuffled or carries unrelated certificates.",
    why: "TLS requires each certificate to certify the one before it. Browsers tolerate disorder, but \
          strict clients (older Java, embedded devices, some API libraries) reject the chain.",
    fix: "Send the leaf first, then each intermediate in order up to (not necessarily including) the root.",
    references: &["https://www.rfc-editor.org/rfc/rfc8446#section-4.4.2"],
};

pub(crate) fn judge(obs: &Observation) -> Finding {
    let chain = match chain(&CHECK, obs) {
        Ok(chain) => chain,
        Err(finding) => return *finding,
    };
    let target = obs.host.target.clone();
    let breaks: Vec<String> = chain
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| !pair[0].issued_by(&pair[1]))
        .map(|(i, pair)| {
            format!(
                "{} is not issued by the next certificate {}",
                name(i, &pair[0]),
                name(i + 1, &pair[1])
            )
        })
        .collect();
    let finding = if breaks.is_empty() {
        Finding::pass(
            &CHECK,
            target,
            format!("{} certificate(s) in order", chain.len()),
        )
    } else {
        Finding::fail(&CHECK, target, breaks.join("; "))
    };
    about_chain(finding, obs, chain)
}

#[cfg(test)]
mod tests {
    use launchguard_core::Status;

    use super::*;
    use crate::observe::test_support::observation;
    use launchguard_lab::tls::{Authority, LeafSpec};

    #[test]
    fn leaf_intermediate_root_is_in_order_and_anything_else_is_not() {
        let root = Authority::root("order root");
        let intermediate = root.intermediate("order intermediate");
        let leaf = intermediate
            .issue(&LeafSpec::for_names(&["example.com"]))
            .cert;
        let ordered = [leaf.clone(), intermediate.cert.clone(), root.cert.clone()];
        assert_eq!(
            judge(&observation("example.com", &ordered)).status,
            Status::Pass
        );
        let shuffled = [leaf, root.cert.clone(), intermediate.cert.clone()];
        let finding = judge(&observation("example.com", &shuffled));
        assert_eq!(finding.status, Status::Fail);
        assert!(finding.message.contains("#0"), "{}", finding.message);
    }
}
