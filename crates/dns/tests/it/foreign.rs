//! A server that puts records of other names in its answers: an SPF record, CAA records and a
//! DMARC policy owned by `evil.test` in answers about the audited domain. Only the records of the
//! name asked about (and of the names its CNAME chain in the answer reaches) count; the others are
//! left out and listed in the evidence. A CNAME chain in an answer that loops or does not end is
//! an `error` for the checks that needed its records.

use std::net::SocketAddr;

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, CAA, CNAME, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use launchguard_core::{Finding, Status};

use crate::hostile::{peer, response_to, section};
use crate::support::{audit, by_check};

fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("a valid name")
}

fn at(owner: &str, data: RData) -> Record {
    Record::from_rdata(name(owner), 300, data)
}

fn txt(text: &str) -> RData {
    RData::TXT(TXT::new(vec![text.to_owned()]))
}

fn issue(ca: &str) -> RData {
    RData::CAA(CAA::new_issue(false, Some(name(ca)), Vec::new()))
}

fn cname(target: &str) -> RData {
    RData::CNAME(CNAME(name(target)))
}

/// The records one question about `mixed.test` or `chains.test` gets, in answer order; `None`
/// for a name the zones do not hold.
fn records(asked: &str, rtype: RecordType) -> Option<Vec<Record>> {
    let zone = ["mixed.test.", "chains.test."]
        .into_iter()
        .find(|zone| asked == *zone || asked.ends_with(&format!(".{zone}")))?;
    let records = match (asked.strip_suffix(zone).unwrap_or(asked), rtype) {
        ("", RecordType::SOA) => vec![at(
            zone,
            RData::SOA(SOA::new(
                name(&format!("ns1.{zone}")),
                name(&format!("hostmaster.{zone}")),
                1,
                14_400,
                3_600,
                1_209_600,
                300,
            )),
        )],
        ("", RecordType::NS) => vec![at(zone, RData::NS(NS(name(&format!("ns1.{zone}")))))],
        ("ns1.", RecordType::A) => vec![at(asked, RData::A(A::new(127, 0, 0, 1)))],
        // mixed.test: its only SPF record and its only apex CAA record belong to evil.test.
        ("", RecordType::TXT) if zone == "mixed.test." => vec![
            at(zone, txt("site-verification=mixed")),
            at("evil.test.", txt("v=spf1 -all")),
        ],
        ("", RecordType::CAA) if zone == "mixed.test." => {
            vec![at("evil.test.", issue("letsencrypt.org"))]
        }
        // The tenants' CAA names Let's Encrypt; another name's record names another CA.
        ("tenants.", RecordType::CAA) => vec![
            at(asked, issue("letsencrypt.org")),
            at("tenants.evil.test.", issue("evil-ca.example")),
        ],
        // DMARC through a CNAME to a provider, after another domain's weaker policy; the CNAME's
        // owner in capitals, as a server may write it.
        ("_dmarc.", RecordType::TXT) if zone == "mixed.test." => vec![
            at("_dmarc.evil.test.", txt("v=DMARC1; p=none")),
            at("_DMARC.Mixed.Test.", cname("dmarc.provider.example.")),
            at("dmarc.provider.example.", txt("v=DMARC1; p=reject")),
        ],
        // chains.test: the apex's TXT behind nine CNAMEs, DMARC behind a CNAME loop.
        ("", RecordType::TXT) => {
            let mut chain = vec![at(zone, cname("c1.chains.test."))];
            for link in 1..9 {
                chain.push(at(
                    &format!("c{link}.chains.test."),
                    cname(&format!("c{}.chains.test.", link + 1)),
                ));
            }
            chain.push(at("c9.chains.test.", txt("v=spf1 -all")));
            chain
        }
        ("_dmarc.", RecordType::TXT) => vec![
            at(asked, cname("policy.chains.test.")),
            at("policy.chains.test.", cname("_dmarc.chains.test.")),
            at("policy.chains.test.", txt("v=DMARC1; p=reject")),
        ],
        _ => return None,
    };
    Some(records)
}

/// Answers from [`records`]: NXDOMAIN for other names in the zones, REFUSED outside them.
fn mixing_server(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut response = response_to(bytes)?;
    response.metadata.authoritative = true;
    let query = response.queries.first()?.clone();
    let asked = query.name().to_lowercase().to_ascii();
    match records(&asked, query.query_type()) {
        Some(answers) => {
            response.add_answers(answers);
        }
        None if asked.ends_with("mixed.test.") || asked.ends_with("chains.test.") => {
            response.metadata.response_code = ResponseCode::NXDomain;
        }
        None => response.metadata.response_code = ResponseCode::Refused,
    }
    response.to_vec().ok()
}

async fn audit_domain(domain: &str) -> Vec<Finding> {
    let server: SocketAddr = peer("127.0.0.1:0", mixing_server).await;
    let findings = audit(&section(server, 1_000, domain), 2_000, 60).await;
    by_check(&findings, domain);
    findings
}

fn finding<'a>(findings: &'a [Finding], check: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.check.as_str() == check)
        .unwrap_or_else(|| panic!("no {check}"))
}

fn evidence(finding: &Finding, key: &str) -> String {
    finding
        .evidence
        .get(key)
        .map(|value| value.to_string())
        .unwrap_or_else(|| panic!("{}: no {key} in {:?}", finding.check, finding.evidence))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spf_record_of_another_name_is_not_the_domains() {
    let findings = audit_domain("mixed.test").await;
    let missing = finding(&findings, "dns.spf.missing");
    assert_eq!(missing.status, Status::Fail, "{}", missing.message);
    assert_eq!(missing.message, "mixed.test has no SPF record");
    assert_eq!(evidence(missing, "foreign_records_dropped"), "1");
    assert_eq!(
        evidence(missing, "foreign_records"),
        "mixed.test TXT: evil.test TXT"
    );
    // A check that reads no answer about the apex's TXT does not report them.
    let dangling = finding(&findings, "dns.dangling_cname");
    assert!(
        !dangling.evidence.contains_key("foreign_records"),
        "{:?}",
        dangling.evidence
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caa_record_of_another_name_neither_authorises_nor_restricts() {
    let findings = audit_domain("mixed.test").await;
    let missing = finding(&findings, "dns.caa.missing");
    assert_eq!(missing.status, Status::Fail, "{}", missing.message);
    assert!(
        missing.message.contains("no CAA record at mixed.test"),
        "{}",
        missing.message
    );
    // The apex's twice (asked for the apex, then climbing from www), the tenants' once.
    assert_eq!(evidence(missing, "foreign_records_dropped"), "3");
    let listed = evidence(missing, "foreign_records");
    assert!(
        listed.contains("mixed.test CAA: evil.test CAA")
            && listed.contains("tenants.mixed.test CAA: tenants.evil.test CAA"),
        "{listed}"
    );
    let sets = evidence(finding(&findings, "dns.caa.issuer_mismatch"), "caa_sets");
    assert!(
        sets.contains("tenants.mixed.test|issue=letsencrypt.org")
            && !sets.contains("evil-ca")
            && sets.contains("mixed.test|any"),
        "{sets}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dmarc_record_is_found_through_its_cname_and_another_names_is_not() {
    let findings = audit_domain("mixed.test").await;
    let weak = finding(&findings, "dns.dmarc.weak");
    assert_eq!(weak.status, Status::Pass, "{}", weak.message);
    assert_eq!(weak.message, "DMARC p=reject at _dmarc.mixed.test");
    assert_eq!(evidence(weak, "dmarc"), "v=DMARC1; p=reject");
    assert_eq!(
        evidence(weak, "foreign_records"),
        "_dmarc.mixed.test TXT: _dmarc.evil.test TXT"
    );
    assert_eq!(finding(&findings, "dns.dmarc.missing").status, Status::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cname_chain_in_an_answer_that_loops_or_never_ends_is_an_error() {
    let findings = audit_domain("chains.test").await;
    let map = by_check(&findings, "chains.test");
    let (state, message) = &map["dns.spf.missing"];
    assert_eq!(*state, Status::Error, "{message}");
    assert!(
        message.contains("chains.test TXT: the CNAME chain is longer than 8 names"),
        "{message}"
    );
    let (state, message) = &map["dns.dmarc.missing"];
    assert_eq!(*state, Status::Error, "{message}");
    assert!(
        message
            .contains("CNAME loop: _dmarc.chains.test -> policy.chains.test -> _dmarc.chains.test"),
        "{message}"
    );
}
