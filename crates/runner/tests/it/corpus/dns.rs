//! The DNS family of the bad-input corpus. Answers broken on the wire (every truncation and byte
//! flips of a valid answer, compression pointers that loop, counts that lie, answers to another
//! question or with another ID, oversized datagrams) and zones whose records carry hostile text
//! (SPF, DMARC, CAA, MX, CNAME, NS and SOA holding escapes, bidi, NUL and non-UTF-8). Each case is
//! one run of the real DNS agent against a real UDP and TCP peer on 127.0.0.1, and the report of
//! its findings, correlated with a certificate the tls agent saw, in every format.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, CAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Label, Name, RData, Record, RecordType};
use launchguard_core::config::{Environment, LoadedConfig};
use launchguard_core::{Finding, Scope, Status, Target, TargetKind, Timeouts, run_alone};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::runtime::Runtime;

use super::{Corpus, HOSTILE_STRINGS, mutations, rendered};

const APEX: &str = "corpus.lab.test.";
/// A UDP answer longer than this is replaced by a truncated one (TC), as servers do.
const UDP_ANSWER_CAP: usize = 4096;
/// Each question's wait in a case: a rejected answer costs this much, so it is short (an
/// answer late on a busy machine only turns a verdict into an error, which the corpus allows).
const CASE_QUERY_TIMEOUT_MS: u64 = 60;
/// Each question's wait when the clean zone is checked, which must give verdicts.
const CLEAN_QUERY_TIMEOUT_MS: u64 = 2_000;

/// Makes the bytes that answer one question (asked over UDP when the flag is set), or nothing.
type Answerer = Arc<dyn Fn(&Message, bool) -> Option<Vec<u8>> + Send + Sync>;

/// A DNS peer on 127.0.0.1, UDP and TCP on one port, answering each question with what the
/// current case's [`Answerer`] makes of it.
struct Peer {
    addr: SocketAddr,
    answerer: Arc<Mutex<Answerer>>,
}

impl Peer {
    fn start(runtime: &Runtime) -> Peer {
        let silent: Answerer = Arc::new(|_, _| None);
        let answerer = Arc::new(Mutex::new(silent));
        let addr = runtime.block_on(async {
            // UDP and TCP on one port: a port whose TCP side is taken is given up.
            let (udp, tcp, addr) = loop {
                let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let addr = udp.local_addr().unwrap();
                if let Ok(tcp) = TcpListener::bind(addr).await {
                    break (udp, tcp, addr);
                }
            };
            let current = answerer.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                while let Ok((n, from)) = udp.recv_from(&mut buffer).await {
                    let Ok(query) = Message::from_vec(&buffer[..n]) else {
                        continue;
                    };
                    let Some(answer) = answer_with(&current, &query, true) else {
                        continue;
                    };
                    let _ = udp.send_to(&answer, from).await;
                }
            });
            let current = answerer.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = tcp.accept().await {
                    tokio::spawn(serve_tcp(stream, current.clone()));
                }
            });
            addr
        });
        Peer { addr, answerer }
    }

    fn answer(&self, answerer: Answerer) {
        *self.answerer.lock().unwrap_or_else(PoisonError::into_inner) = answerer;
    }
}

fn answer_with(current: &Mutex<Answerer>, query: &Message, over_udp: bool) -> Option<Vec<u8>> {
    let answerer = current
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    answerer(query, over_udp)
}

async fn serve_tcp(mut stream: tokio::net::TcpStream, current: Arc<Mutex<Answerer>>) {
    loop {
        let mut length = [0u8; 2];
        if stream.read_exact(&mut length).await.is_err() {
            return;
        }
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if stream.read_exact(&mut body).await.is_err() {
            return;
        }
        let Some(answer) = Message::from_vec(&body)
            .ok()
            .and_then(|query| answer_with(&current, &query, false))
        else {
            return;
        };
        let Ok(length) = u16::try_from(answer.len()) else {
            return;
        };
        let framed = [length.to_be_bytes().as_slice(), &answer].concat();
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// An empty answer with TC set: the question must be asked again over TCP.
fn truncated(query: &Message) -> Vec<u8> {
    let mut response = response_to(query);
    response.metadata.truncation = true;
    response.to_vec().expect("an empty answer encodes")
}

fn response_to(query: &Message) -> Message {
    let mut response = Message::response(query.metadata.id, query.metadata.op_code);
    response.metadata.message_type = MessageType::Response;
    response.metadata.authoritative = true;
    response.add_queries(query.queries.clone());
    response
}

fn apex() -> Name {
    Name::from_ascii(APEX).unwrap()
}

/// `label` (any bytes) followed by the apex; the apex itself for bytes no label can hold.
fn under_apex(label: &[u8]) -> Name {
    Label::from_raw_bytes(label)
        .and_then(|label| Name::from_labels([label])?.append_name(&apex()))
        .unwrap_or_else(|_| apex())
}

fn txt(strings: &[Vec<u8>]) -> RData {
    RData::TXT(TXT::from_bytes(strings.iter().map(Vec::as_slice).collect()))
}

/// The corpus zone: every name the agent asks about answers, each record kind from these
/// fields, so that one case can make one of them hostile.
#[derive(Clone)]
struct Zone {
    /// The TXT records at the apex (the SPF record among them), each a list of strings.
    apex_txt: Vec<Vec<Vec<u8>>>,
    dmarc: Vec<Vec<u8>>,
    /// CAA at the apex: (tag, value).
    caa: Vec<(String, Vec<u8>)>,
    mx: Name,
    /// Where `www` is a CNAME to.
    www: Name,
    ns: Name,
    soa_rname: Name,
    /// Records of other names added to every answer about a name in the zone.
    foreign: Vec<Record>,
}

impl Zone {
    fn clean() -> Zone {
        Zone {
            apex_txt: vec![vec![b"v=spf1 include:_spf.corpus.lab.test -all".to_vec()]],
            dmarc: vec![b"v=DMARC1; p=reject; rua=mailto:d@corpus.lab.test".to_vec()],
            caa: vec![
                ("issue".into(), b"letsencrypt.org".to_vec()),
                ("iodef".into(), b"mailto:security@corpus.lab.test".to_vec()),
            ],
            mx: under_apex(b"mail"),
            www: under_apex(b"web"),
            ns: under_apex(b"ns1"),
            soa_rname: under_apex(b"hostmaster"),
            foreign: Vec::new(),
        }
    }

    /// The answer to `query`; over UDP, one longer than [`UDP_ANSWER_CAP`] is truncated (TC).
    fn answer(&self, query: &Message, over_udp: bool) -> Option<Vec<u8>> {
        let question = query.queries.first()?;
        let (name, rtype) = (question.name().to_lowercase(), question.query_type());
        let mut response = response_to(query);
        let apex = apex();
        let at = |owner: &Name, data: RData| Record::from_rdata(owner.clone(), 300, data);
        let mut answers = Vec::new();
        if name == apex {
            match rtype {
                RecordType::SOA => answers.push(at(
                    &apex,
                    RData::SOA(SOA::new(
                        self.ns.clone(),
                        self.soa_rname.clone(),
                        1,
                        14_400,
                        3_600,
                        1_209_600,
                        300,
                    )),
                )),
                RecordType::NS => answers.push(at(&apex, RData::NS(NS(self.ns.clone())))),
                RecordType::TXT => {
                    answers.extend(self.apex_txt.iter().map(|strings| at(&apex, txt(strings))))
                }
                RecordType::CAA => answers.extend(self.caa.iter().map(|(tag, value)| {
                    let mut caa = CAA::new_issue(false, None, Vec::new());
                    caa.tag = tag.clone();
                    caa.value = value.clone();
                    at(&apex, RData::CAA(caa))
                })),
                RecordType::MX => answers.push(at(&apex, RData::MX(MX::new(10, self.mx.clone())))),
                RecordType::A => answers.push(at(&apex, RData::A(A::new(192, 0, 2, 10)))),
                _ => {}
            }
        } else if name == under_apex(b"_dmarc") && rtype == RecordType::TXT {
            answers.push(at(&name, txt(&self.dmarc)));
        } else if name == under_apex(b"_spf") && rtype == RecordType::TXT {
            answers.push(at(&name, txt(&[b"v=spf1 ip4:192.0.2.0/24 -all".to_vec()])));
        } else if name == under_apex(b"www") && rtype == RecordType::A {
            answers.push(at(&name, RData::CNAME(CNAME(self.www.clone()))));
        } else if name == self.ns.to_lowercase() && rtype == RecordType::A {
            answers.push(at(&name, RData::A(A::new(127, 0, 0, 1))));
        } else if name == self.www.to_lowercase() && rtype == RecordType::A {
            answers.push(at(&name, RData::A(A::new(192, 0, 2, 11))));
        } else if apex.zone_of(&name) {
            response.metadata.response_code = ResponseCode::NXDomain;
        } else if !name.zone_of(&apex) {
            // Another zone (the open-resolver probe): not this server's to answer.
            response.metadata.response_code = ResponseCode::Refused;
        }
        if apex.zone_of(&name) && response.metadata.response_code == ResponseCode::NoError {
            answers.extend(self.foreign.iter().cloned());
        }
        response.add_answers(answers);
        let bytes = response.to_vec().ok()?;
        Some(if over_udp && bytes.len() > UDP_ANSWER_CAP {
            truncated(query)
        } else {
            bytes
        })
    }
}

/// Runs the DNS agent against the peer, and checks that it ended as the corpus requires: one
/// finding per check, each `error` with its reason.
fn audit(runtime: &Runtime, peer: &Peer, query_timeout_ms: u64) -> Vec<Finding> {
    let config = format!(
        "[scope]\nhosts = [\"127.0.0.1\"]\nrequests_per_host = 100000\n\n[dns]\nresolver = \"{0}\"\n\
         nameserver_override = \"{0}\"\nquery_timeout_ms = {query_timeout_ms}\n\n[[dns.domains]]\n\
         name = \"corpus.lab.test\"\nhosts = [\"www\"]\n",
        peer.addr
    );
    let loaded = LoadedConfig::parse(
        std::path::Path::new("/tmp/corpus-dns.toml"),
        &config,
        launchguard::agents::AGENTS,
        &Environment::process(),
    )
    .expect("a valid [dns] section");
    let configured = loaded.agent("dns").expect("a [dns] section");
    let timeouts = Timeouts {
        connect: Duration::from_secs(1),
        request: Duration::from_secs(1),
        agent_deadline: Duration::from_secs(30),
    };
    let scope = Arc::new(Scope::new(&["127.0.0.1".to_owned()], 100_000, timeouts).unwrap());
    let findings = runtime
        .block_on(run_alone(
            configured.agent.as_ref(),
            scope,
            timeouts.agent_deadline,
        ))
        .expect("the DNS agent ends within its deadline");
    assert_eq!(
        findings.len(),
        launchguard_dns::CHECKS.len(),
        "one finding per DNS check"
    );
    for finding in &findings {
        assert!(
            finding.status != Status::Error || finding.message.len() > "not verified: ".len() + 8,
            "{}: an error without its reason: {:?}",
            finding.check.as_str(),
            finding.message
        );
    }
    findings
}

/// A certificate from Let's Encrypt on `www`, as the tls agent reports it, so that the runner
/// judges the CAA set against it.
pub(crate) fn certificate_seen() -> Finding {
    Finding::pass(
        launchguard_tls::CHECKS[0],
        Target::new("tls:www", TargetKind::Host, "www.corpus.lab.test:443"),
        "seen",
    )
    .with_evidence(
        "chain",
        vec![
            "#0 subject=CN=www.corpus.lab.test; issuer=CN=R3, O=Let's Encrypt; \
             sans=[www.corpus.lab.test]; not_before=x",
        ],
    )
}

/// The agent's findings, correlated as an audit does, and rendered.
fn audit_and_render(runtime: &Runtime, peer: &Peer) -> (Vec<Finding>, Vec<String>) {
    let mut findings = audit(runtime, peer, CASE_QUERY_TIMEOUT_MS);
    findings.push(certificate_seen());
    launchguard::correlate::caa_against_certificates(&mut findings);
    let outputs = rendered(findings.clone());
    (findings, outputs)
}

fn status_of(findings: &[Finding], check: &str) -> (Status, String) {
    findings
        .iter()
        .find(|f| f.check.as_str() == check)
        .map(|f| (f.status, f.message.clone()))
        .unwrap_or_else(|| panic!("no {check}"))
}

/// A DNS message header: ID 0 (the peer writes the question's), `flags`, the four counts.
fn header(flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut bytes = vec![0, 0];
    bytes.extend_from_slice(&flags.to_be_bytes());
    for count in counts {
        bytes.extend_from_slice(&count.to_be_bytes());
    }
    bytes
}

/// The apex's TXT question, as it sits at offset 12 (compression pointers to it are `c0 0c`).
fn question() -> Vec<u8> {
    let mut bytes = b"\x06corpus\x03lab\x04test\x00".to_vec();
    bytes.extend_from_slice(&[0, 16, 0, 1]);
    bytes
}

/// A resource record owned by the apex (a pointer to the question's name).
fn record(rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xc0, 0x0c];
    bytes.extend_from_slice(&rtype.to_be_bytes());
    bytes.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
    bytes.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    bytes.extend_from_slice(rdata);
    bytes
}

/// QR and AA: an authoritative answer.
const ANSWER: u16 = 0x8400;

/// TXT rdata: each string behind its length.
fn strings(parts: &[&[u8]]) -> Vec<u8> {
    parts
        .iter()
        .flat_map(|part| std::iter::once(part.len() as u8).chain(part.iter().copied()))
        .collect()
}

/// The apex's TXT answer replaced by `bytes`, with the question's ID written in when `own_id`;
/// every other question gets the clean zone's answer.
fn raw_apex_txt(bytes: Vec<u8>, own_id: bool) -> Answerer {
    answering_apex_txt(move |query| {
        let mut answer = bytes.clone();
        if own_id && answer.len() >= 2 {
            answer[..2].copy_from_slice(&query.metadata.id.to_be_bytes());
        }
        Some(answer)
    })
}

/// `apex_txt` answers the apex's TXT question; every other question gets the clean zone's answer.
fn answering_apex_txt(
    apex_txt: impl Fn(&Message) -> Option<Vec<u8>> + Send + Sync + 'static,
) -> Answerer {
    let zone = Zone::clean();
    Arc::new(move |query: &Message, over_udp| {
        let asks_apex_txt = query.queries.first().is_some_and(|q| {
            q.query_type() == RecordType::TXT && q.name().to_lowercase() == apex()
        });
        if asks_apex_txt {
            apex_txt(query)
        } else {
            zone.answer(query, over_udp)
        }
    })
}

/// Answers broken on the wire, for the apex's TXT question (the SPF record).
fn wire_cases() -> Vec<(String, Vec<u8>, bool)> {
    let q = question();
    // A reply with the question and one answer record.
    let one_answer = |answer: Vec<u8>| [header(ANSWER, [1, 1, 0, 0]), q.clone(), answer].concat();
    let spf = record(16, &strings(&[b"v=spf1 include:_spf.corpus.lab.test -all"]));
    let valid = [
        header(ANSWER, [1, 2, 0, 0]),
        q.clone(),
        spf.clone(),
        record(16, &strings(&[b"hello"])),
    ]
    .concat();
    let mut cases: Vec<(String, Vec<u8>, bool)> = mutations(&valid, 40, 50, 0x5eed_d105)
        .into_iter()
        .map(|(name, bytes)| (name, bytes, true))
        .collect();
    let long_label_name = [b"\x3f".as_slice(), &[b'a'; 63]].concat().repeat(5);
    let hand: Vec<(&str, Vec<u8>)> = vec![
        ("the valid answer", valid.clone()),
        ("an empty datagram", Vec::new()),
        ("one byte", vec![0x84]),
        ("a header and nothing else", header(ANSWER, [0, 0, 0, 0])),
        (
            "a question name that points at itself",
            [header(ANSWER, [1, 0, 0, 0]), vec![0xc0, 0x0c, 0, 16, 0, 1]].concat(),
        ),
        (
            "two owner names that point at each other",
            one_answer(vec![0xc0, 35, 0xc0, 33, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
        ),
        (
            "a pointer past the end",
            one_answer(vec![0xc3, 0xff, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
        ),
        (
            "a pointer into the middle of a label",
            one_answer(vec![0xc0, 0x0e, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
        ),
        (
            "50 answers announced, 1 present",
            [header(ANSWER, [1, 50, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
        (
            "2 questions announced, 1 present",
            [header(ANSWER, [2, 1, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
        (
            "65535 additionals announced",
            [header(ANSWER, [1, 1, 0, 0xffff]), q.clone(), spf.clone()].concat(),
        ),
        (
            "QR bit unset (a query)",
            [header(0x0400, [1, 1, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
        (
            "an answer to another name",
            [
                header(ANSWER, [1, 1, 0, 0]),
                b"\x05other\x04test\x00\x00\x10\x00\x01".to_vec(),
                spf.clone(),
            ]
            .concat(),
        ),
        (
            "an answer to another type",
            [
                header(ANSWER, [1, 0, 0, 0]),
                b"\x06corpus\x03lab\x04test\x00\x00\x01\x00\x01".to_vec(),
            ]
            .concat(),
        ),
        (
            "response code 15",
            [header(0x840f, [1, 1, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
        (
            "opcode 15",
            [header(0xfc00, [1, 1, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
        (
            "no question and NOERROR",
            [header(ANSWER, [0, 1, 0, 0]), spf.clone()].concat(),
        ),
        (
            "TXT rdata length past the end",
            one_answer(vec![
                0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 4, b't', b'e',
            ]),
        ),
        (
            "a TXT string longer than its rdata",
            one_answer(record(16, b"\xc8abc")),
        ),
        (
            "an extended label type (0x40)",
            one_answer(vec![0x40, 1, 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
        ),
        (
            "a reserved label type (0x80)",
            one_answer(vec![0x80, 1, 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0]),
        ),
        (
            "an owner name over 255 bytes",
            [
                header(ANSWER, [1, 1, 0, 0]),
                q.clone(),
                long_label_name,
                vec![0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 1, 0],
            ]
            .concat(),
        ),
        (
            "4000 empty TXT strings",
            one_answer(record(16, &[0u8; 4000])),
        ),
        (
            "TXT strings of raw ESC, C1, NUL and non-UTF-8 bytes",
            [
                header(ANSWER, [1, 2, 0, 0]),
                q.clone(),
                record(
                    16,
                    &strings(&[b"v=spf1 \x1b]0;pwned\x07 \x9b2J \x00\xff -all"]),
                ),
                record(16, &strings(&[b"\xe2\x80\xaeevil\xff", b"\x1b[2J"])),
            ]
            .concat(),
        ),
        (
            "a datagram of 8000 bytes",
            [
                header(ANSWER, [1, 1, 0, 0]),
                q.clone(),
                spf.clone(),
                vec![0x41; 8000],
            ]
            .concat(),
        ),
        (
            "garbage after a valid answer",
            [valid.clone(), b"\x1b[2J trailing".to_vec()].concat(),
        ),
        (
            "two OPT records",
            [
                header(ANSWER, [1, 1, 0, 2]),
                q.clone(),
                spf.clone(),
                vec![0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0],
                vec![0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0],
            ]
            .concat(),
        ),
        (
            "type 0, class 0",
            one_answer(vec![0xc0, 0x0c, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xde, 0xad]),
        ),
        (
            "an unknown type carrying an escape sequence",
            one_answer(record(0xff00, b"\x1b]0;pwned\x07\x1b[2J")),
        ),
        (
            "a CAA tag longer than its rdata",
            one_answer(record(257, b"\x00\xf0issue")),
        ),
        (
            "a CAA tag of escape bytes",
            one_answer(record(257, b"\x00\x05\x1b[2J\x9bletsencrypt.org")),
        ),
        (
            "an RRSIG of garbage",
            one_answer(record(46, b"\x00\x10\x08\x02\x1b]0;x\x07")),
        ),
        (
            "an SOA cut short",
            one_answer(record(6, b"\xc0\x0c\xc0\x0c\x00\x00")),
        ),
        ("an MX of one byte", one_answer(record(15, b"\x00"))),
        (
            "an owner label of escape bytes",
            [
                header(ANSWER, [1, 1, 0, 0]),
                q.clone(),
                b"\x09\x1b]0;pwn\x07\x9b\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x01\x00\x05\x04v=sp"
                    .to_vec(),
            ]
            .concat(),
        ),
        (
            "TC on every answer, over TCP too",
            [header(0x8600, [1, 1, 0, 0]), q.clone(), spf.clone()].concat(),
        ),
    ];
    cases.extend(
        hand.into_iter()
            .map(|(name, bytes)| (name.to_owned(), bytes, true)),
    );
    cases.push((
        "another message ID".to_owned(),
        [vec![0xbe, 0xef], valid[2..].to_vec()].concat(),
        false,
    ));
    cases
}

/// Hostile text for DNS: the corpus's strings and bytes that are not UTF-8.
fn hostile_bytes() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = HOSTILE_STRINGS
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    all.extend([
        b"\xff\xfe".to_vec(),
        b"\x9b2J".to_vec(),
        b"\x1b[2J\x00\xc3\x28".to_vec(),
    ]);
    all
}

/// Zones whose records carry `text`: one zone per record kind.
fn hostile_zones(text: &[u8]) -> Vec<(&'static str, Zone)> {
    let with = |change: &dyn Fn(&mut Zone)| {
        let mut zone = Zone::clean();
        change(&mut zone);
        zone
    };
    let spliced = |before: &[u8], after: &[u8]| [before, text, after].concat();
    vec![
        (
            "SPF",
            with(&|z| {
                z.apex_txt = vec![vec![
                    spliced(b"v=spf1 include:", b".corpus.lab.test"),
                    spliced(b" ip4:", b" redirect="),
                    spliced(b"", b" ~all"),
                ]]
            }),
        ),
        (
            "DMARC",
            with(&|z| {
                z.dmarc = vec![
                    spliced(b"v=DMARC1; p=", b"; sp="),
                    spliced(b"", b"; rua=mailto:x@corpus.lab.test"),
                ]
            }),
        ),
        (
            "CAA value",
            with(&|z| {
                z.caa = vec![
                    ("issue".into(), spliced(b"letsencrypt.org", b"")),
                    ("iodef".into(), spliced(b"mailto:", b"@corpus.lab.test")),
                ]
            }),
        ),
        (
            "CAA tag",
            with(&|z| {
                z.caa = vec![(
                    String::from_utf8_lossy(text).into_owned(),
                    b"letsencrypt.org".to_vec(),
                )]
            }),
        ),
        ("MX exchange", with(&|z| z.mx = under_apex(text))),
        ("CNAME target", with(&|z| z.www = under_apex(text))),
        ("NS name", with(&|z| z.ns = under_apex(text))),
        ("SOA contact", with(&|z| z.soa_rname = under_apex(text))),
    ]
}

/// Records of `evil.test`, which answers about the corpus zone must not lend it: an SPF record
/// that authorises everyone, a DMARC policy of `none`, a CAA record for another CA, an MX that
/// is a CNAME, addresses and a nameserver.
fn foreign_records() -> Vec<Record> {
    let evil = Name::from_ascii("evil.test.").unwrap();
    let at = |data: RData| Record::from_rdata(evil.clone(), 300, data);
    let mut caa = CAA::new_issue(false, None, Vec::new());
    caa.value = b"evil-ca.example".to_vec();
    vec![
        at(txt(&[b"v=spf1 +all".to_vec()])),
        at(txt(&[b"v=DMARC1; p=none".to_vec()])),
        at(RData::CAA(caa)),
        at(RData::MX(MX::new(10, evil.clone()))),
        at(RData::CNAME(CNAME(apex()))),
        at(RData::A(A::new(192, 0, 2, 66))),
        at(RData::NS(NS(evil.clone()))),
    ]
}

/// Answers with records of other names mixed in, each with the check whose verdict they must
/// not decide and the status it must not have.
fn foreign_cases() -> Vec<(&'static str, Zone, &'static str, Status)> {
    let with = |change: &dyn Fn(&mut Zone)| {
        let mut zone = Zone::clean();
        zone.foreign = foreign_records();
        change(&mut zone);
        zone
    };
    vec![
        (
            "records of another name in every answer",
            with(&|_| {}),
            "dns.spf.multiple",
            Status::Fail,
        ),
        (
            "a DMARC record of another name only",
            with(&|z| z.dmarc = vec![b"not a policy".to_vec()]),
            "dns.dmarc.missing",
            Status::Pass,
        ),
        (
            "an SPF record of another name only",
            with(&|z| z.apex_txt.clear()),
            "dns.spf.missing",
            Status::Pass,
        ),
        (
            "a CAA record of another name only",
            with(&|z| z.caa.clear()),
            "dns.caa.missing",
            Status::Pass,
        ),
        (
            "a CAA record of another name for another CA",
            with(&|z| z.caa.clear()),
            "dns.caa.issuer_mismatch",
            Status::Fail,
        ),
    ]
}

/// The apex's TXT answer is a CNAME loop (apex -> loop -> apex) with an SPF record at its end.
fn apex_txt_cname_loop() -> Answerer {
    answering_apex_txt(|query| {
        let hop = under_apex(b"loop");
        let mut response = response_to(query);
        response.add_answers([
            Record::from_rdata(apex(), 300, RData::CNAME(CNAME(hop.clone()))),
            Record::from_rdata(hop.clone(), 300, RData::CNAME(CNAME(apex()))),
            Record::from_rdata(hop, 300, txt(&[b"v=spf1 -all".to_vec()])),
        ]);
        response.to_vec().ok()
    })
}

/// CAA values that must not read as naming Let's Encrypt, though their text contains it: a
/// separator of the runner's evidence, a list, or characters no domain name holds.
const CAA_LOOKALIKES: &[&str] = &[
    "evil.example|issue=letsencrypt.org",
    "evil.example,letsencrypt.org",
    "letsencrypt.org\u{2028}",
    "letsencrypt.org\n",
    "letsencrypt.org\u{0}",
    "\u{a0}letsencrypt.org",
    "letsencrypt.org.evil.example",
    "lets\u{1b}encrypt.org",
];

pub(super) fn dns_messages(corpus: &mut Corpus) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let peer = Peer::start(&runtime);

    peer.answer(Arc::new(|query: &Message, over_udp| {
        Zone::clean().answer(query, over_udp)
    }));
    let mut clean = audit(&runtime, &peer, CLEAN_QUERY_TIMEOUT_MS);
    clean.push(certificate_seen());
    launchguard::correlate::caa_against_certificates(&mut clean);
    assert_eq!(
        status_of(&clean, "dns.spf.missing").0,
        Status::Pass,
        "the clean zone has SPF"
    );
    assert_eq!(
        status_of(&clean, "dns.caa.issuer_mismatch").0,
        Status::Pass,
        "CAA names Let's Encrypt"
    );

    for (name, bytes, own_id) in wire_cases() {
        peer.answer(raw_apex_txt(bytes, own_id));
        corpus.case("dns message", &name, || {
            let (findings, mut outputs) = audit_and_render(&runtime, &peer);
            let (status, message) = status_of(&findings, "dns.spf.missing");
            assert_ne!(status, Status::Skipped, "{message}");
            outputs.push(message);
            outputs
        });
    }

    for text in hostile_bytes() {
        for (kind, zone) in hostile_zones(&text) {
            peer.answer(Arc::new(move |query: &Message, over_udp| {
                zone.answer(query, over_udp)
            }));
            let name = format!("{kind} with {}", String::from_utf8_lossy(&text));
            corpus.case("dns record", &name, || audit_and_render(&runtime, &peer).1);
        }
    }
    // A TXT record of 200 strings of 255 bytes: truncated over UDP, whole over TCP.
    for text in [b"v=spf1 ".to_vec(), b"\x1b]0;x\x07".to_vec()] {
        let mut zone = Zone::clean();
        zone.apex_txt.push(vec![text.repeat(255 / text.len()); 200]);
        peer.answer(Arc::new(move |query: &Message, over_udp| {
            zone.answer(query, over_udp)
        }));
        corpus.case("dns record", "a TXT chain of 51 KB", || {
            audit_and_render(&runtime, &peer).1
        });
    }
    for (name, zone, check, not) in foreign_cases() {
        peer.answer(Arc::new(move |query: &Message, over_udp| {
            zone.answer(query, over_udp)
        }));
        corpus.case("dns record", name, || {
            let (findings, outputs) = audit_and_render(&runtime, &peer);
            let (status, message) = status_of(&findings, check);
            // Another name's records decide nothing; an error on a busy machine is allowed.
            assert_ne!(status, not, "{check}: {message}");
            outputs
        });
    }
    peer.answer(apex_txt_cname_loop());
    corpus.case(
        "dns record",
        "a CNAME loop in the apex's TXT answer",
        || {
            let (findings, outputs) = audit_and_render(&runtime, &peer);
            let (status, message) = status_of(&findings, "dns.spf.missing");
            assert_eq!(status, Status::Error, "{message}");
            outputs
        },
    );
    for value in CAA_LOOKALIKES {
        let mut zone = Zone::clean();
        zone.caa = vec![("issue".into(), value.as_bytes().to_vec())];
        peer.answer(Arc::new(move |query: &Message, over_udp| {
            zone.answer(query, over_udp)
        }));
        corpus.case("dns record", &format!("CAA issue {value}"), || {
            let (findings, outputs) = audit_and_render(&runtime, &peer);
            let (status, message) = status_of(&findings, "dns.caa.issuer_mismatch");
            // Fail, or error when an answer came late on a busy machine: never a pass.
            assert_ne!(
                status,
                Status::Pass,
                "CAA `{}` allows no CA: {message}",
                value.escape_debug()
            );
            outputs
        });
    }
}
