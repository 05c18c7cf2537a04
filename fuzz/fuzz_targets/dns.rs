#![no_main]
//! DNS answers of arbitrary bytes as the DNS agent reads them, and the SPF, DMARC and CAA records
//! they carry judged by its checks (CAA correlated with a Let's Encrypt certificate): no panic,
//! printable reasons, clean reports, and no check passing what the records do not say.

use hickory_proto::rr::{Name, RData, RecordType};
use launchguard_core::{Finding, Status, Target, TargetKind};
use launchguard_dns::email::{is_dmarc, is_spf, parse_spf};
use launchguard_dns::observe::{CaaSet, DmarcFound, DomainView, caa_records, txt_strings};
use libfuzzer_sys::fuzz_target;

/// The message ID of the question the bytes answer (the first two bytes are set to it, so
/// that the parser goes past the ID check).
const ID: u16 = 0x1234;

fn view(apex: &Name) -> DomainView {
    DomainView::unobserved(
        launchguard_dns::Domain {
            apex: apex.clone(),
            hosts: Vec::new(),
            wildcard_base: None,
            target: Target::new("dns:fuzz.lab.test", TargetKind::Host, "fuzz.lab.test"),
        },
        "not observed: a fuzz target",
    )
}

fn status(findings: &[Finding], check: &str) -> Status {
    findings
        .iter()
        .find(|f| f.check.as_str() == check)
        .map(|f| f.status)
        .expect("every check reports")
}

fuzz_target!(|data: &[u8]| {
    let apex = Name::from_ascii("fuzz.lab.test.").expect("a valid name");
    let mut bytes = data.to_vec();
    if bytes.len() >= 2 {
        bytes[..2].copy_from_slice(&ID.to_be_bytes());
    }
    let answer = match launchguard_dns::wire::parse_reply(&bytes, ID, &apex, RecordType::TXT) {
        Ok(answer) => answer,
        Err(reason) => return launchguard_fuzz::assert_clean("DNS reply error", &reason),
    };
    let texts = txt_strings(&answer.answers);
    let mut view = view(&apex);
    view.spf = Ok(texts.iter().filter(|t| is_spf(t)).cloned().collect());
    view.dmarc = Ok(texts.iter().find(|t| is_dmarc(t)).map(|text| DmarcFound {
        at: apex.clone(),
        text: text.clone(),
        inherited: false,
    }));
    let caa = caa_records(&apex, &answer.answers);
    view.caa = vec![Ok(CaaSet {
        name: apex.clone(),
        records: caa.clone(),
        climbed: vec![apex.clone()],
    })];
    view.mx = Ok(answer
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::MX(mx) => Some(mx.exchange.clone()),
            _ => None,
        })
        .collect());
    view.mx_cnames = Ok(Vec::new());
    let mut findings = launchguard_dns::judge_view(&view);
    findings.push(
        Finding::pass(
            launchguard_tls::CHECKS[0],
            Target::new("tls:www", TargetKind::Host, "www.fuzz.lab.test:443"),
            "seen",
        )
        .with_evidence(
            "chain",
            vec!["#0 subject=CN=www.fuzz.lab.test; issuer=CN=R3, O=Let's Encrypt; sans=[www.fuzz.lab.test]; not_before=x"],
        ),
    );
    launchguard::correlate::caa_against_certificates(&mut findings);

    // SPF: one record whose first `all` authorises everyone never passes.
    if let [record] = view.spf.as_deref().unwrap_or_default()
        && matches!(
            parse_spf(record).all,
            Some(launchguard_dns::email::AllQualifier::Pass)
        )
    {
        assert_eq!(
            status(&findings, "dns.spf.permissive"),
            Status::Fail,
            "{record:?}"
        );
    }
    // CAA: a pass needs an issue value naming letsencrypt.org as a CA reads it.
    if status(&findings, "dns.caa.issuer_mismatch") == Status::Pass && !caa.is_empty() {
        assert!(
            caa.iter().any(|c| c.tag == "issue"
                && c.value
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim_matches([' ', '\t'])
                    .eq_ignore_ascii_case("letsencrypt.org")),
            "{caa:?}"
        );
    }
    launchguard_fuzz::render_findings(findings);
});
