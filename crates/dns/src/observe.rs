//! What the agent sees of one domain, gathered once: answers through the resolver (what users
//! see), answers from each nameserver asked directly (what the zone's servers serve), and the
//! validator's verdict. The checks judge this view offline.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use launchguard_core::Scope;
use time::OffsetDateTime;

use crate::config::Domain;
use crate::dnssec::{self, Validation};
use crate::email::{self, is_spf};
use crate::wire::{Answer, BrokenChain, MAX_CNAMES, Transfer, Wire};

/// A result, or why it could not be had.
pub type Got<T> = Result<T, String>;

/// Foreign records listed per question in the evidence; the rest are counted.
const FOREIGN_LISTED: usize = 10;
/// SPF expansion stops once this many lookups were counted: the limit is 10, and a record that
/// exceeds it is judged without fetching the rest.
const SPF_COUNT_STOP: usize = 11;

/// How a name's resolution ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Addresses(Vec<IpAddr>),
    /// The last name of the chain does not exist.
    NxDomain,
    /// The last name exists but has no address.
    NoData,
    /// The chain comes back to a name it passed.
    Loop,
}

/// A name followed through its CNAMEs.
#[derive(Debug, Clone)]
pub struct Chain {
    pub name: Name,
    /// The name as reports show it: random probe labels appear as `*.<base>`, so that messages
    /// and fingerprints stay the same from run to run.
    pub shown: String,
    /// The CNAME targets, in order.
    pub cnames: Vec<Name>,
    pub end: Got<End>,
}

impl Chain {
    /// Where the chain points: the last CNAME target, or the name itself.
    pub fn last(&self) -> &Name {
        self.cnames.last().unwrap_or(&self.name)
    }

    /// A CNAME chain whose end does not resolve.
    pub fn dangles(&self) -> bool {
        !self.cnames.is_empty() && matches!(self.end, Ok(End::NxDomain | End::NoData))
    }

    pub fn describe(&self) -> String {
        let mut text = self.shown.clone();
        for target in &self.cnames {
            text.push_str(" -> ");
            text.push_str(&show(target));
        }
        match &self.end {
            Ok(End::Addresses(addresses)) => {
                let list: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
                text.push_str(&format!(" = {}", list.join(", ")));
            }
            Ok(End::NxDomain) => text.push_str(" (NXDOMAIN)"),
            Ok(End::NoData) => text.push_str(" (no address)"),
            Ok(End::Loop) => text.push_str(" (loop)"),
            Err(reason) => text.push_str(&format!(" (not resolved: {reason})")),
        }
        text
    }
}

/// A name as people write it: lowercase, without the final dot.
pub fn show(name: &Name) -> String {
    let text = name.to_ascii();
    text.trim_end_matches('.').to_ascii_lowercase()
}

/// One CAA record, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caa {
    pub owner: Name,
    pub critical: bool,
    pub tag: String,
    pub value: String,
}

/// What an `issue` or `issuewild` value authorises (RFC 8659 section 4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// The CA whose issuer domain this is, lowercase.
    Domain(String),
    /// No CA: the value names no issuer domain (`;`).
    NoCa,
    /// A value that is not an issuer domain (a separator, a list, a control character, a
    /// space that is not SP or HTAB): CAs read it as naming no one, so it authorises no CA.
    Malformed,
}

impl Caa {
    /// The issuer this record's value names, read as a CA reads it: the text before the first
    /// `;`, SP and HTAB trimmed, must be `label *("." label)`, each label letters, digits and
    /// inner hyphens. Only meaningful for `issue` and `issuewild`.
    pub fn issuer(&self) -> Issuer {
        issuer_of(&self.value)
    }
}

/// [`Caa::issuer`] of a value as written.
pub fn issuer_of(value: &str) -> Issuer {
    let domain = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim_matches([' ', '\t']);
    if domain.is_empty() {
        return Issuer::NoCa;
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if domain.len() <= 253 && domain.split('.').all(label_ok) {
        Issuer::Domain(domain.to_ascii_lowercase())
    } else {
        Issuer::Malformed
    }
}

/// The CAA records among `records`, as found at `owner`.
pub fn caa_records(owner: &Name, records: &[Record]) -> Vec<Caa> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::CAA(caa) => Some(Caa {
                owner: owner.clone(),
                critical: caa.issuer_critical,
                tag: caa.tag.to_ascii_lowercase(),
                value: String::from_utf8_lossy(&caa.value).into_owned(),
            }),
            _ => None,
        })
        .collect()
}

/// The CAA set that governs one name (RFC 8659 tree climbing).
#[derive(Debug, Clone)]
pub struct CaaSet {
    /// The name the set was looked up for.
    pub name: Name,
    /// The records of the closest name (the name or an ancestor) that has any; empty if none.
    pub records: Vec<Caa>,
    /// The names asked, nearest first.
    pub climbed: Vec<Name>,
}

/// A DMARC record and where it was found.
#[derive(Debug, Clone)]
pub struct DmarcFound {
    pub at: Name,
    pub text: String,
    /// Found at the organisational domain rather than the domain itself.
    pub inherited: bool,
}

/// The SPF lookup count, expanded through include and redirect.
#[derive(Debug, Clone)]
pub struct SpfCount {
    pub lookups: usize,
    /// The records expanded, as `name: lookups here`.
    pub expanded: Vec<String>,
}

/// What one nameserver address said.
#[derive(Debug, Clone)]
pub struct ServerView {
    pub address: SocketAddr,
    /// The NS names that lead to this address.
    pub names: Vec<Name>,
    pub soa: Got<Answer>,
    pub ns: Got<Answer>,
    pub transfer: Got<Transfer>,
    /// The answer to a recursive question about a name outside the zone.
    pub recursion: Got<Answer>,
}

/// One NS name and what its name resolved to.
#[derive(Debug, Clone)]
pub struct NsName {
    pub name: Name,
    pub chain: Chain,
}

/// The parts of a view, by the questions that gathered them: records dropped from an answer
/// are reported by the checks that read the part its question belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The apex SOA through the resolver.
    Soa,
    Caa,
    /// The apex TXT and every record SPF includes.
    Spf,
    Dmarc,
    /// The MX set and whether each exchange is a CNAME.
    Mx,
    MtaSts,
    /// The apex, the hosts and the random probes, followed through their CNAMEs.
    Names,
    /// The NS set and the addresses of its names.
    Ns,
    /// Each nameserver asked directly (SOA, NS, the recursion probe).
    Servers,
    Signatures,
    Ttls,
}

/// One answer's records that other names own, left out: a broken or hostile server put them in
/// the answer to a question about another name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// The question, as `name TYPE`.
    pub asked: String,
    /// How many records were left out.
    pub count: usize,
    /// The first [`FOREIGN_LISTED`] of them, as `owner TYPE`.
    pub listed: Vec<String>,
}

impl Foreign {
    /// The records of `answer` left out as foreign, if any.
    pub fn of(name: &Name, rtype: RecordType, answer: &Answer) -> Option<Foreign> {
        (!answer.foreign.is_empty()).then(|| Foreign {
            asked: format!("{} {rtype}", show(name)),
            count: answer.foreign.len(),
            listed: answer
                .foreign
                .iter()
                .take(FOREIGN_LISTED)
                .map(|r| format!("{} {}", show(&r.name), r.record_type()))
                .collect(),
        })
    }

    /// `asked: owner TYPE, ...`, with the records not listed counted.
    pub fn describe(&self) -> String {
        let mut text = format!("{}: {}", self.asked, self.listed.join(", "));
        if self.count > self.listed.len() {
            text.push_str(&format!(" and {} more", self.count - self.listed.len()));
        }
        text
    }
}

/// Everything the checks judge about one domain.
#[derive(Debug, Clone)]
pub struct DomainView {
    pub domain: Domain,
    pub apex_soa: Got<Answer>,
    pub caa: Vec<Got<CaaSet>>,
    pub spf: Got<Vec<String>>,
    pub spf_count: Got<SpfCount>,
    pub dmarc: Got<Option<DmarcFound>>,
    pub mx: Got<Vec<Name>>,
    /// MX exchanges and the CNAME each is (if any).
    pub mx_cnames: Got<Vec<(Name, Name)>>,
    pub mta_sts: Got<Option<String>>,
    /// The apex and the configured hosts, followed.
    pub names: Vec<Chain>,
    /// Random labels under the tenant wildcard's base.
    pub wildcard_probes: Vec<Chain>,
    /// A random label under the apex (where no wildcard is declared, it must not resolve).
    pub apex_probe: Option<Chain>,
    pub ns_names: Got<Vec<NsName>>,
    pub servers: Vec<ServerView>,
    /// Every nameserver was asked at `[dns].nameserver_override`, not at its own addresses.
    pub nameserver_overridden: bool,
    pub dnssec: Got<Validation>,
    /// Earliest signature expiration served, with the type it covers.
    pub signatures: Got<Vec<(RecordType, OffsetDateTime)>>,
    /// TTLs as the zone's first answering server serves them.
    pub ttls: Got<Vec<(Name, RecordType, u32)>>,
    /// Records left out of the answers because another name owns them, by the part of the view
    /// whose question they came with.
    pub foreign: Vec<(Part, Foreign)>,
    pub now: OffsetDateTime,
}

impl DomainView {
    /// A view of `domain` in which nothing was observed: every part is `Err(reason)` (the CAA
    /// of the apex included), no name was followed, no server asked. For views built by hand
    /// from hostile answers (the fuzz targets, the property tests and the bad-input corpus),
    /// which then fill in what they observed.
    pub fn unobserved(domain: Domain, reason: &str) -> DomainView {
        fn not<T>(reason: &str) -> Got<T> {
            Err(reason.to_owned())
        }
        DomainView {
            apex_soa: not(reason),
            caa: vec![not(reason)],
            spf: not(reason),
            spf_count: not(reason),
            dmarc: not(reason),
            mx: not(reason),
            mx_cnames: not(reason),
            mta_sts: not(reason),
            names: Vec::new(),
            wildcard_probes: Vec::new(),
            apex_probe: None,
            ns_names: not(reason),
            servers: Vec::new(),
            nameserver_overridden: false,
            dnssec: not(reason),
            signatures: not(reason),
            ttls: not(reason),
            foreign: Vec::new(),
            now: OffsetDateTime::now_utc(),
            domain,
        }
    }
}

/// Asks through the resolver and the nameservers, about one domain.
pub struct Observer<'a> {
    pub wire: Wire<'a>,
    pub scope: Arc<Scope>,
    pub resolver: SocketAddr,
    pub nameserver_override: Option<SocketAddr>,
    pub nameserver_port: u16,
    pub trust_anchor: Option<&'a std::path::Path>,
    /// Foreign records of the answers since the last [`Observer::file_foreign`].
    pub foreign: Mutex<Vec<Foreign>>,
}

fn random_label() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("lg-probe-{:016x}", hasher.finish())
}

/// The TXT records among `records`, each one's strings joined (RFC 7208 section 3.3), as text.
pub fn txt_strings(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect()
}

/// Why the CNAME chain from `name` in `answer` was given up, in the words of [`Chain::describe`].
fn broken_chain_reason(name: &Name, rtype: RecordType, answer: &Answer) -> Option<String> {
    let reason = match answer.broken_chain? {
        BrokenChain::Loop => {
            let mut path = vec![show(name)];
            path.extend(answer.cnames.iter().map(show));
            format!("CNAME loop: {}", path.join(" -> "))
        }
        BrokenChain::TooLong => format!("the CNAME chain is longer than {MAX_CNAMES} names"),
    };
    Some(format!("{} {rtype}: {reason}", show(name)))
}

impl Observer<'_> {
    /// Keeps what `answer` left out as foreign, for the evidence.
    fn note_foreign(&self, name: &Name, rtype: RecordType, answer: &Answer) {
        if let Some(foreign) = Foreign::of(name, rtype, answer) {
            self.foreign
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(foreign);
        }
    }

    /// Files the foreign records noted since the last call under `part`.
    fn file_foreign(&self, part: Part, into: &mut Vec<(Part, Foreign)>) {
        let noted =
            std::mem::take(&mut *self.foreign.lock().unwrap_or_else(PoisonError::into_inner));
        into.extend(noted.into_iter().map(|foreign| (part, foreign)));
    }

    /// A question asked of one nameserver directly, its foreign records noted.
    async fn ask_server(
        &self,
        server: SocketAddr,
        name: &Name,
        rtype: RecordType,
        recursion: bool,
        dnssec: bool,
    ) -> Got<Answer> {
        let answer = self
            .wire
            .ask(server, name, rtype, recursion, dnssec)
            .await
            .map_err(|e| e.to_string())?;
        self.note_foreign(name, rtype, &answer);
        Ok(answer)
    }

    /// A question through the resolver; NXDOMAIN and NODATA are answers, anything else is not,
    /// and neither is a CNAME chain that loops or does not end.
    async fn resolve(&self, name: &Name, rtype: RecordType) -> Got<Answer> {
        let answer = self.resolve_chain(name, rtype).await?;
        match broken_chain_reason(name, rtype, &answer) {
            Some(reason) => Err(reason),
            None => Ok(answer),
        }
    }

    /// [`Observer::resolve`], leaving a broken CNAME chain for the caller to judge.
    async fn resolve_chain(&self, name: &Name, rtype: RecordType) -> Got<Answer> {
        let answer = self
            .wire
            .ask(self.resolver, name, rtype, true, false)
            .await
            .map_err(|e| format!("{} {rtype}: {e}", show(name)))?;
        self.note_foreign(name, rtype, &answer);
        match answer.rcode {
            ResponseCode::NoError | ResponseCode::NXDomain => Ok(answer),
            other => Err(format!(
                "the resolver answered {other} for {} {rtype}",
                show(name)
            )),
        }
    }

    async fn txt(&self, name: &Name) -> Got<Vec<String>> {
        let answer = self.resolve(name, RecordType::TXT).await?;
        Ok(txt_strings(&answer.answers))
    }

    /// Follows `name` through its CNAMEs to addresses, asking again where the resolver stopped
    /// (an authoritative-only server does not chase out of its zone).
    pub async fn chase(&self, name: &Name) -> Chain {
        let mut chain = Chain {
            name: name.clone(),
            shown: show(name),
            cnames: Vec::new(),
            end: Ok(End::NoData),
        };
        let mut seen: HashSet<Name> = HashSet::from([name.to_lowercase()]);
        let mut current = name.clone();
        for _ in 0..MAX_CNAMES {
            let answer = match self.resolve_chain(&current, RecordType::A).await {
                Ok(answer) => answer,
                Err(reason) => {
                    chain.end = Err(reason);
                    return chain;
                }
            };
            for target in &answer.cnames {
                chain.cnames.push(target.clone());
                if !seen.insert(target.to_lowercase()) {
                    chain.end = Ok(End::Loop);
                    return chain;
                }
            }
            // A loop within the answer came back to a name seen above; only length is left.
            if answer.broken_chain == Some(BrokenChain::TooLong) || chain.cnames.len() > MAX_CNAMES
            {
                chain.end = Err(format!("the CNAME chain is longer than {MAX_CNAMES} names"));
                return chain;
            }
            let advanced = !answer.cnames.is_empty();
            if let Some(last) = answer.cnames.last() {
                current = last.clone();
            }
            let mut addresses: Vec<IpAddr> = answer
                .answers
                .iter()
                .filter(|r| r.name.to_lowercase() == current.to_lowercase())
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    _ => None,
                })
                .collect();
            if advanced && addresses.is_empty() && answer.rcode == ResponseCode::NoError {
                continue;
            }
            if answer.rcode == ResponseCode::NXDomain && addresses.is_empty() {
                chain.end = Ok(End::NxDomain);
                return chain;
            }
            match self.resolve(&current, RecordType::AAAA).await {
                Ok(v6) => addresses.extend(v6.answers.iter().filter_map(|r| match &r.data {
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })),
                Err(reason) if addresses.is_empty() => {
                    chain.end = Err(reason);
                    return chain;
                }
                Err(_) => {}
            }
            chain.end = Ok(if addresses.is_empty() {
                End::NoData
            } else {
                End::Addresses(addresses)
            });
            return chain;
        }
        chain.end = Err(format!("the CNAME chain is longer than {MAX_CNAMES} names"));
        chain
    }

    async fn caa(&self, name: &Name) -> Got<CaaSet> {
        let mut set = CaaSet {
            name: name.clone(),
            records: Vec::new(),
            climbed: Vec::new(),
        };
        let mut current = name.clone();
        loop {
            set.climbed.push(current.clone());
            let answer = self.resolve(&current, RecordType::CAA).await?;
            set.records = caa_records(&current, &answer.answers);
            if !set.records.is_empty() {
                return Ok(set);
            }
            let parent = current.base_name();
            if parent.is_root() || is_public_suffix(&parent) {
                return Ok(set);
            }
            current = parent;
        }
    }

    async fn spf_count(&self, apex: &Name, record: &str) -> Got<SpfCount> {
        let mut count = SpfCount {
            lookups: 0,
            expanded: Vec::new(),
        };
        // Depth-first through include and redirect, with the path kept to name a loop.
        let mut stack: Vec<(String, Vec<String>)> = Vec::new();
        let first = email::parse_spf(record);
        count.lookups += first.lookup_terms;
        count
            .expanded
            .push(format!("{}: {}", show(apex), first.lookup_terms));
        let root_path = vec![show(apex)];
        for target in first.includes.iter().chain(first.redirect.iter()).rev() {
            stack.push((target.clone(), root_path.clone()));
        }
        while let Some((target, path)) = stack.pop() {
            if count.lookups >= SPF_COUNT_STOP {
                break;
            }
            if path.iter().any(|p| p.eq_ignore_ascii_case(&target)) {
                return Err(format!(
                    "SPF include loop: {} -> {target}",
                    path.join(" -> ")
                ));
            }
            let name =
                Name::from_ascii(format!("{}.", target.trim_end_matches('.'))).map_err(|_| {
                    format!(
                        "SPF names `{}`, which is not a domain name",
                        target.escape_debug()
                    )
                })?;
            let records: Vec<String> = self
                .txt(&name)
                .await?
                .into_iter()
                .filter(|t| is_spf(t))
                .collect();
            let [text] = records.as_slice() else {
                return Err(format!(
                    "{target} (included by {}) has {} SPF records instead of one: a permanent error for receivers",
                    path.last().map(String::as_str).unwrap_or_default(),
                    records.len()
                ));
            };
            let spf = email::parse_spf(text);
            count.lookups += spf.lookup_terms;
            count
                .expanded
                .push(format!("{target}: {}", spf.lookup_terms));
            let mut next_path = path.clone();
            next_path.push(target.clone());
            for next in spf.includes.iter().chain(spf.redirect.iter()).rev() {
                stack.push((next.clone(), next_path.clone()));
            }
        }
        Ok(count)
    }

    async fn dmarc(&self, apex: &Name) -> Got<Option<DmarcFound>> {
        let own = Name::from_ascii("_dmarc")
            .and_then(|label| label.append_name(apex))
            .map_err(|e| format!("cannot form the DMARC name: {e}"))?;
        if let Some(text) = self
            .txt(&own)
            .await?
            .into_iter()
            .find(|t| email::is_dmarc(t))
        {
            return Ok(Some(DmarcFound {
                at: own,
                text,
                inherited: false,
            }));
        }
        let Some(organisational) = organisational_domain(apex) else {
            return Ok(None);
        };
        if organisational == *apex {
            return Ok(None);
        }
        let at = Name::from_ascii("_dmarc")
            .and_then(|label| label.append_name(&organisational))
            .map_err(|e| format!("cannot form the DMARC name: {e}"))?;
        Ok(self
            .txt(&at)
            .await?
            .into_iter()
            .find(|t| email::is_dmarc(t))
            .map(|text| DmarcFound {
                at,
                text,
                inherited: true,
            }))
    }

    async fn mx(&self, apex: &Name) -> (Got<Vec<Name>>, Got<Vec<(Name, Name)>>) {
        let exchanges: Vec<Name> = match self.resolve(apex, RecordType::MX).await {
            Ok(answer) => answer
                .answers
                .iter()
                .filter_map(|r| match &r.data {
                    RData::MX(mx) if !mx.exchange.is_root() => Some(mx.exchange.clone()),
                    _ => None,
                })
                .collect(),
            Err(reason) => return (Err(reason.clone()), Err(reason)),
        };
        let mut cnames = Vec::new();
        for exchange in &exchanges {
            match self.resolve(exchange, RecordType::CNAME).await {
                Ok(answer) => {
                    if let Some(target) = answer.answers.iter().find_map(|r| match &r.data {
                        RData::CNAME(t) => Some(t.0.clone()),
                        _ => None,
                    }) {
                        cnames.push((exchange.clone(), target));
                    }
                }
                Err(reason) => return (Ok(exchanges), Err(reason)),
            }
        }
        (Ok(exchanges), Ok(cnames))
    }

    async fn server(&self, address: SocketAddr, names: Vec<Name>, apex: &Name) -> ServerView {
        let soa = self
            .ask_server(address, apex, RecordType::SOA, false, false)
            .await;
        // A server that never answered is not asked three more times.
        let silent = matches!(&soa, Err(reason) if reason.contains("did not answer"));
        let skipped = format!("not asked: {address} did not answer the SOA question");
        let ns = if silent {
            Err(skipped.clone())
        } else {
            self.ask_server(address, apex, RecordType::NS, false, false)
                .await
        };
        let transfer = if silent {
            Err(skipped.clone())
        } else {
            self.wire
                .transfer(address, apex)
                .await
                .map_err(|e| e.to_string())
        };
        let recursion = if silent {
            Err(skipped.clone())
        } else {
            let outside = Name::from_ascii("example.com.").expect("a valid name");
            self.ask_server(address, &outside, RecordType::A, true, false)
                .await
        };
        ServerView {
            address,
            names,
            soa,
            ns,
            transfer,
            recursion,
        }
    }

    pub async fn observe(&self, domain: &Domain) -> DomainView {
        let apex = &domain.apex;
        let mut foreign = Vec::new();
        let apex_soa = self.resolve(apex, RecordType::SOA).await;
        self.file_foreign(Part::Soa, &mut foreign);
        let mut caa_names = vec![apex.clone()];
        caa_names.extend(domain.hosts.iter().cloned());
        caa_names.extend(domain.wildcard_base.iter().cloned());
        let mut caa = Vec::new();
        for name in &caa_names {
            caa.push(self.caa(name).await);
        }
        self.file_foreign(Part::Caa, &mut foreign);
        let spf = self
            .txt(apex)
            .await
            .map(|all| all.into_iter().filter(|t| is_spf(t)).collect::<Vec<_>>());
        let spf_count = match &spf {
            Ok(records) if records.len() == 1 => self.spf_count(apex, &records[0]).await,
            Ok(records) => Err(format!(
                "{} SPF records at the apex; the lookups are counted on exactly one",
                records.len()
            )),
            Err(reason) => Err(reason.clone()),
        };
        self.file_foreign(Part::Spf, &mut foreign);
        let dmarc = self.dmarc(apex).await;
        self.file_foreign(Part::Dmarc, &mut foreign);
        let (mx, mx_cnames) = self.mx(apex).await;
        self.file_foreign(Part::Mx, &mut foreign);
        let mta_sts = match Name::from_ascii("_mta-sts").and_then(|l| l.append_name(apex)) {
            Ok(name) => self.txt(&name).await.map(|records| {
                records
                    .into_iter()
                    .find(|t| t.to_ascii_lowercase().starts_with("v=stsv1"))
            }),
            Err(e) => Err(format!("cannot form the MTA-STS name: {e}")),
        };
        self.file_foreign(Part::MtaSts, &mut foreign);
        let mut names = vec![self.chase(apex).await];
        for host in &domain.hosts {
            names.push(self.chase(host).await);
        }
        let mut wildcard_probes = Vec::new();
        if let Some(base) = &domain.wildcard_base {
            for _ in 0..2 {
                if let Ok(probe) =
                    Name::from_ascii(random_label()).and_then(|l| l.append_name(base))
                {
                    let mut chain = self.chase(&probe).await;
                    chain.shown = format!("*.{}", show(base));
                    wildcard_probes.push(chain);
                }
            }
        }
        let apex_probe = if domain.wildcard_base.as_ref() == Some(apex) {
            None
        } else {
            match Name::from_ascii(random_label()).and_then(|l| l.append_name(apex)) {
                Ok(probe) => {
                    let mut chain = self.chase(&probe).await;
                    chain.shown = format!("*.{}", show(apex));
                    Some(chain)
                }
                Err(_) => None,
            }
        };
        self.file_foreign(Part::Names, &mut foreign);
        let ns_names = match self.resolve(apex, RecordType::NS).await {
            Ok(answer) => {
                let mut list = Vec::new();
                for record in &answer.answers {
                    if let RData::NS(ns) = &record.data {
                        let chain = self.chase(&ns.0).await;
                        list.push(NsName {
                            name: ns.0.clone(),
                            chain,
                        });
                    }
                }
                Ok(list)
            }
            Err(reason) => Err(reason),
        };
        self.file_foreign(Part::Ns, &mut foreign);
        let mut servers: Vec<ServerView> = Vec::new();
        if let Ok(list) = &ns_names {
            let mut by_address: Vec<(SocketAddr, Vec<Name>)> = Vec::new();
            for ns in list {
                let addresses: Vec<SocketAddr> = match (self.nameserver_override, &ns.chain.end) {
                    (Some(address), _) => vec![address],
                    (None, Ok(End::Addresses(ips))) => ips
                        .iter()
                        .map(|ip| SocketAddr::new(*ip, self.nameserver_port))
                        .collect(),
                    _ => Vec::new(),
                };
                for address in addresses {
                    match by_address.iter_mut().find(|(a, _)| *a == address) {
                        Some((_, names)) => names.push(ns.name.clone()),
                        None => by_address.push((address, vec![ns.name.clone()])),
                    }
                }
            }
            for (address, names) in by_address {
                servers.push(self.server(address, names, apex).await);
            }
        }
        self.file_foreign(Part::Servers, &mut foreign);
        let first_authoritative = servers
            .iter()
            .find(
                |s| matches!(&s.soa, Ok(a) if a.authoritative && a.rcode == ResponseCode::NoError),
            )
            .map(|s| s.address);
        let dnssec = match dnssec::validating_resolver(
            Arc::clone(&self.scope),
            self.resolver,
            self.trust_anchor,
            self.wire.timeout,
        ) {
            Ok(resolver) => dnssec::validate(&resolver, apex, self.wire.timeout * 4).await,
            Err(reason) => Err(reason),
        };
        let (signatures, ttls) = match first_authoritative {
            Some(server) => {
                let signatures = self.signatures(server, apex).await;
                self.file_foreign(Part::Signatures, &mut foreign);
                let ttls = self.ttls(server, domain).await;
                self.file_foreign(Part::Ttls, &mut foreign);
                (signatures, ttls)
            }
            None => {
                let why = match (&ns_names, servers.first()) {
                    (Err(reason), _) => reason.clone(),
                    (
                        Ok(_),
                        Some(ServerView {
                            soa: Err(reason), ..
                        }),
                    ) => reason.clone(),
                    (Ok(_), Some(_)) => "no answer carried the AA bit".to_owned(),
                    (Ok(_), None) => "no nameserver address to ask".to_owned(),
                };
                let reason = format!(
                    "no nameserver of the zone gave an authoritative answer to ask ({why})"
                );
                (Err(reason.clone()), Err(reason))
            }
        };
        DomainView {
            domain: domain.clone(),
            apex_soa,
            caa,
            spf,
            spf_count,
            dmarc,
            mx,
            mx_cnames,
            mta_sts,
            names,
            wildcard_probes,
            apex_probe,
            ns_names,
            servers,
            nameserver_overridden: self.nameserver_override.is_some(),
            dnssec,
            signatures,
            ttls,
            foreign,
            now: OffsetDateTime::now_utc(),
        }
    }

    async fn signatures(
        &self,
        server: SocketAddr,
        apex: &Name,
    ) -> Got<Vec<(RecordType, OffsetDateTime)>> {
        let mut found = Vec::new();
        for rtype in [RecordType::SOA, RecordType::DNSKEY] {
            let answer = self.ask_server(server, apex, rtype, false, true).await?;
            for record in &answer.answers {
                if let RData::DNSSEC(hickory_proto::dnssec::rdata::DNSSECRData::RRSIG(sig)) =
                    &record.data
                {
                    let input = sig.input();
                    let expires =
                        OffsetDateTime::from_unix_timestamp(i64::from(input.sig_expiration.get()))
                            .map_err(|e| format!("a signature expiration out of range: {e}"))?;
                    found.push((input.type_covered, expires));
                }
            }
        }
        Ok(found)
    }

    async fn ttls(&self, server: SocketAddr, domain: &Domain) -> Got<Vec<(Name, RecordType, u32)>> {
        let mut ttls = Vec::new();
        let mut asked: Vec<(Name, RecordType)> = vec![
            (domain.apex.clone(), RecordType::SOA),
            (domain.apex.clone(), RecordType::NS),
            (domain.apex.clone(), RecordType::A),
            (domain.apex.clone(), RecordType::MX),
        ];
        asked.extend(domain.hosts.iter().map(|h| (h.clone(), RecordType::A)));
        let mut seen = BTreeSet::new();
        for (name, rtype) in asked {
            let answer = self.ask_server(server, &name, rtype, false, false).await?;
            for record in &answer.answers {
                let key = (show(&record.name), record.record_type());
                if seen.insert(key) {
                    ttls.push((record.name.clone(), record.record_type(), record.ttl));
                }
            }
        }
        Ok(ttls)
    }
}

fn is_public_suffix(name: &Name) -> bool {
    let text = show(name);
    psl::suffix(text.as_bytes()).is_some_and(|suffix| suffix.as_bytes() == text.as_bytes())
}

/// The registrable domain of `name` (RFC 7489 organisational domain), by the public suffix list.
pub fn organisational_domain(name: &Name) -> Option<Name> {
    let text = show(name);
    let domain = psl::domain(text.as_bytes())?;
    let domain = std::str::from_utf8(domain.as_bytes()).ok()?;
    Name::from_ascii(format!("{domain}.")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issuer_is_read_as_a_ca_reads_it() {
        let domain = |d: &str| Issuer::Domain(d.to_owned());
        assert_eq!(issuer_of("letsencrypt.org"), domain("letsencrypt.org"));
        assert_eq!(
            issuer_of(" \tLetsEncrypt.org ; validationmethods=dns-01"),
            domain("letsencrypt.org")
        );
        assert_eq!(issuer_of(";"), Issuer::NoCa);
        assert_eq!(issuer_of(""), Issuer::NoCa);
        for lookalike in [
            "evil.example|issue=letsencrypt.org",
            "evil.example,letsencrypt.org",
            "letsencrypt.org\u{2028}",
            "letsencrypt.org\n",
            "\u{a0}letsencrypt.org",
            "letsencrypt.org.",
            "-letsencrypt.org",
            "lets encrypt.org",
            "letsencrypt..org",
        ] {
            assert_eq!(issuer_of(lookalike), Issuer::Malformed, "{lookalike:?}");
        }
    }
}
