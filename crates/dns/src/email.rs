//! SPF (RFC 7208) and DMARC (RFC 7489) records, parsed into what the checks judge.

/// The `all` mechanism of an SPF record and its qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllQualifier {
    Pass,
    Neutral,
    SoftFail,
    Fail,
}

/// One SPF record, reduced to what the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spf {
    /// The first `all` mechanism's qualifier: receivers stop there.
    pub all: Option<AllQualifier>,
    /// Targets of `include:` mechanisms.
    pub includes: Vec<String>,
    /// The `redirect=` modifier's target.
    pub redirect: Option<String>,
    /// Terms that cost a DNS lookup here (RFC 7208 4.6.4): include, a, mx, ptr, exists, redirect.
    pub lookup_terms: usize,
}

/// Whether a TXT string is an SPF record (`v=spf1` followed by a space or nothing).
pub fn is_spf(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower == "v=spf1" || lower.starts_with("v=spf1 ")
}

pub fn parse_spf(text: &str) -> Spf {
    let mut spf = Spf {
        all: None,
        includes: Vec::new(),
        redirect: None,
        lookup_terms: 0,
    };
    for term in text.split_ascii_whitespace().skip(1) {
        let lower = term.to_ascii_lowercase();
        if let Some(target) = lower.strip_prefix("redirect=") {
            spf.redirect = Some(target.to_owned());
            spf.lookup_terms += 1;
            continue;
        }
        let (qualifier, mechanism) = match lower.chars().next() {
            Some('+') => (AllQualifier::Pass, &lower[1..]),
            Some('-') => (AllQualifier::Fail, &lower[1..]),
            Some('~') => (AllQualifier::SoftFail, &lower[1..]),
            Some('?') => (AllQualifier::Neutral, &lower[1..]),
            _ => (AllQualifier::Pass, lower.as_str()),
        };
        let name = mechanism.split([':', '/', '=']).next().unwrap_or(mechanism);
        match name {
            // Receivers stop at the first `all`: terms after it are never evaluated.
            "all" => spf.all = spf.all.or(Some(qualifier)),
            "include" => {
                spf.lookup_terms += 1;
                if let Some((_, target)) = mechanism.split_once(':') {
                    spf.includes.push(target.to_owned());
                }
            }
            "a" | "mx" | "ptr" | "exists" => spf.lookup_terms += 1,
            _ => {}
        }
    }
    spf
}

/// A DMARC record's policy tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    /// `p=`, lowercase, as first given; `None` when missing (the record is then invalid).
    pub policy: Option<String>,
    /// `sp=`, the policy for subdomains, lowercase, as first given.
    pub subdomain_policy: Option<String>,
    /// Every value of a policy tag (`p`, `sp`) given more than once with different values, as
    /// `(tag, values)`: receivers differ on which one counts, so the record says both.
    pub conflicting: Vec<(&'static str, Vec<String>)>,
}

pub fn is_dmarc(text: &str) -> bool {
    text.trim_start()
        .to_ascii_lowercase()
        .replace(' ', "")
        .starts_with("v=dmarc1;")
        || text.trim().eq_ignore_ascii_case("v=DMARC1")
}

pub fn parse_dmarc(text: &str) -> Dmarc {
    let mut given: [(&'static str, Vec<String>); 2] = [("p", Vec::new()), ("sp", Vec::new())];
    for tag in text.split(';') {
        let Some((key, value)) = tag.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().to_ascii_lowercase();
        if let Some((_, values)) = given.iter_mut().find(|(name, _)| *name == key)
            && !values.contains(&value)
        {
            values.push(value);
        }
    }
    let [(_, policies), (_, subdomain_policies)] = &given;
    Dmarc {
        policy: policies.first().cloned(),
        subdomain_policy: subdomain_policies.first().cloned(),
        conflicting: given
            .iter()
            .filter(|(_, values)| values.len() > 1)
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_terms_and_qualifiers() {
        let spf = parse_spf(
            "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx a:mail.example.com ~all",
        );
        assert_eq!(spf.all, Some(AllQualifier::SoftFail));
        assert_eq!(spf.includes, vec!["_spf.example.net"]);
        assert_eq!(spf.lookup_terms, 3);
        assert_eq!(parse_spf("v=spf1 +all").all, Some(AllQualifier::Pass));
        assert_eq!(parse_spf("v=spf1 all").all, Some(AllQualifier::Pass));
        assert_eq!(parse_spf("v=spf1 ?all").all, Some(AllQualifier::Neutral));
        assert_eq!(parse_spf("v=spf1 -ALL").all, Some(AllQualifier::Fail));
        let redirected = parse_spf("v=spf1 redirect=_spf.example.org");
        assert_eq!(redirected.redirect.as_deref(), Some("_spf.example.org"));
        assert_eq!(redirected.all, None);
        assert!(is_spf("v=spf1 -all") && is_spf("V=SPF1") && !is_spf("v=spf10 -all"));
        assert_eq!(parse_spf("v=spf1 +all -all").all, Some(AllQualifier::Pass));
        assert_eq!(
            parse_spf("v=spf1 ~all all").all,
            Some(AllQualifier::SoftFail)
        );
    }

    #[test]
    fn dmarc_policies() {
        let d = parse_dmarc("v=DMARC1; p=none; sp=reject; rua=mailto:d@example.com");
        assert_eq!(d.policy.as_deref(), Some("none"));
        assert_eq!(d.subdomain_policy.as_deref(), Some("reject"));
        assert!(is_dmarc("v=DMARC1; p=reject") && is_dmarc("v = DMARC1 ;p=none"));
        assert!(!is_dmarc("v=spf1 -all"));
        let twice = parse_dmarc("v=DMARC1; p=none; p=reject; sp=reject; sp=REJECT");
        assert_eq!(twice.policy.as_deref(), Some("none"));
        assert_eq!(
            twice.conflicting,
            vec![("p", vec!["none".to_owned(), "reject".to_owned()])]
        );
    }
}
