//! DNS on the wire, one question at a time: UDP with a TCP retry when the answer is truncated,
//! zone transfers over TCP. Every message sent takes one request from the scope's budget for the
//! server's address (`dns://<ip>:<port>/`), and every exchange runs under a timeout.
//!
//! The agent asks its own questions rather than going through a stub resolver because several
//! checks judge what a stub hides: the AA and RA bits, the response code of a refused transfer,
//! the TTLs as each server serves them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use launchguard_core::Scope;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};
use url::Url;

/// The EDNS payload size advertised: the DNS flag day 2020 value, small enough to avoid
/// fragmentation, large enough that most answers fit.
const EDNS_PAYLOAD: u16 = 1232;
/// Largest UDP datagram read.
const UDP_BUFFER: usize = 4096;
/// A zone transfer stops here: the check only needs to know that one was served.
const AXFR_RECORD_CAP: usize = 100_000;
/// Longest CNAME chain followed, within one answer and across the questions that continue it.
pub const MAX_CNAMES: usize = 8;

/// Why a question got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Refused before sending: out of scope or budget spent.
    NotSent(String),
    /// Nothing came back in time.
    Timeout { server: SocketAddr, ms: u128 },
    /// Something came back that is not a DNS answer to the question.
    Malformed { server: SocketAddr, reason: String },
    /// The network refused (connection refused, unreachable).
    Network { server: SocketAddr, reason: String },
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::NotSent(reason) => write!(f, "not sent: {reason}"),
            WireError::Timeout { server, ms } => {
                write!(f, "{server} did not answer within {ms} ms")
            }
            WireError::Malformed { server, reason } => {
                write!(f, "{server} sent a malformed answer: {reason}")
            }
            WireError::Network { server, reason } => write!(f, "{server}: {reason}"),
        }
    }
}

/// Why the CNAME chain of an answer could not be followed to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokenChain {
    /// The chain comes back to a name it passed.
    Loop,
    /// More than [`MAX_CNAMES`] CNAMEs.
    TooLong,
}

/// The parts of an answer the checks read.
#[derive(Debug, Clone)]
pub struct Answer {
    pub rcode: ResponseCode,
    pub authoritative: bool,
    pub recursion_available: bool,
    /// The answer section's records that belong to the question: those owned by the queried
    /// name or, unless the question is for a CNAME, by a name its CNAME chain reaches within the
    /// answer (and a DNAME at an ancestor, which the chain's CNAMEs are synthesised from).
    pub answers: Vec<Record>,
    /// The CNAME targets followed from the queried name within the answer, in order; after a
    /// loop, the last one is the name it came back to.
    pub cnames: Vec<Name>,
    /// Set when the chain loops or is longer than [`MAX_CNAMES`]: `answers` then ends where the
    /// chain was given up.
    pub broken_chain: Option<BrokenChain>,
    /// The answer section's records owned by any other name: a broken or hostile server's
    /// records that must not be read as the queried name's. Left out of `answers`.
    pub foreign: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
    /// The UDP answer was truncated and this one came over TCP.
    pub via_tcp: bool,
}

/// What a zone transfer attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// The server answered with this code and no zone (REFUSED, NOTAUTH, ...).
    Refused(ResponseCode),
    /// The server sent records of the zone.
    Served { records: usize },
}

/// Asks DNS questions under the scope's budget and a per-exchange timeout.
#[derive(Debug, Clone, Copy)]
pub struct Wire<'a> {
    pub scope: &'a Scope,
    pub timeout: Duration,
}

/// The URL the scope's budget is kept under for a DNS server.
pub fn budget_url(server: SocketAddr) -> Url {
    let host = match server.ip() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    Url::parse(&format!("dns://{host}:{}/", server.port())).expect("an IP and a port form a URL")
}

impl Wire<'_> {
    fn take(&self, server: SocketAddr) -> Result<(), WireError> {
        self.scope
            .take_request(&budget_url(server))
            .map_err(|e| WireError::NotSent(e.to_string()))
    }

    /// One question; `recursion` sets RD, `dnssec` sets EDNS DO so that signatures come back.
    pub async fn ask(
        &self,
        server: SocketAddr,
        name: &Name,
        rtype: RecordType,
        recursion: bool,
        dnssec: bool,
    ) -> Result<Answer, WireError> {
        let request = question(name, rtype, recursion, dnssec);
        let bytes = request.to_vec().map_err(|e| WireError::Malformed {
            server,
            reason: format!("cannot encode the question: {e}"),
        })?;
        self.take(server)?;
        let udp = self.udp(server, &bytes, &request).await?;
        if !udp.metadata.truncation {
            return Ok(answer(udp, name, rtype, false));
        }
        self.take(server)?;
        let tcp = self.tcp(server, &bytes, &request).await?;
        Ok(answer(tcp, name, rtype, true))
    }

    async fn udp(
        &self,
        server: SocketAddr,
        bytes: &[u8],
        request: &Message,
    ) -> Result<Message, WireError> {
        let deadline = Instant::now() + self.timeout;
        let local = match server.ip() {
            IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
        };
        let network = |e: std::io::Error| WireError::Network {
            server,
            reason: e.to_string(),
        };
        let socket = UdpSocket::bind(local).await.map_err(network)?;
        socket.connect(server).await.map_err(network)?;
        socket.send(bytes).await.map_err(network)?;
        let mut buffer = vec![0u8; UDP_BUFFER];
        // Datagrams that do not answer this question (another ID, garbage) are skipped until the
        // deadline: an off-path sender must not be able to end the exchange.
        let mut last_problem = None;
        loop {
            let received = match timeout_at(deadline, socket.recv(&mut buffer)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(network(e)),
                Err(_) => {
                    return Err(last_problem.unwrap_or(WireError::Timeout {
                        server,
                        ms: self.timeout.as_millis(),
                    }));
                }
            };
            match check_reply(&buffer[..received], request) {
                Ok(message) => return Ok(message),
                Err(reason) => last_problem = Some(WireError::Malformed { server, reason }),
            }
        }
    }

    async fn tcp(
        &self,
        server: SocketAddr,
        bytes: &[u8],
        request: &Message,
    ) -> Result<Message, WireError> {
        let deadline = Instant::now() + self.timeout;
        let timed_out = || WireError::Timeout {
            server,
            ms: self.timeout.as_millis(),
        };
        let exchange = async {
            let mut stream = connect(server).await?;
            send_framed(&mut stream, server, bytes).await?;
            let reply = read_framed(&mut stream, server).await?;
            check_reply(&reply, request).map_err(|reason| WireError::Malformed { server, reason })
        };
        timeout_at(deadline, exchange)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    }

    /// An AXFR of `zone` over TCP; the response code decides, never the absence of an error.
    pub async fn transfer(&self, server: SocketAddr, zone: &Name) -> Result<Transfer, WireError> {
        let request = question(zone, RecordType::AXFR, false, false);
        let bytes = request.to_vec().map_err(|e| WireError::Malformed {
            server,
            reason: format!("cannot encode the question: {e}"),
        })?;
        self.take(server)?;
        let deadline = Instant::now() + self.timeout;
        let exchange = async {
            let mut stream = connect(server).await?;
            send_framed(&mut stream, server, &bytes).await?;
            let mut records = 0usize;
            let mut soa_seen = 0usize;
            loop {
                let reply = read_framed(&mut stream, server).await?;
                let message = check_reply(&reply, &request)
                    .map_err(|reason| WireError::Malformed { server, reason })?;
                if message.metadata.response_code != ResponseCode::NoError {
                    return Ok(if records == 0 {
                        Transfer::Refused(message.metadata.response_code)
                    } else {
                        Transfer::Served { records }
                    });
                }
                if message.answers.is_empty() && records == 0 {
                    return Ok(Transfer::Refused(ResponseCode::NoError));
                }
                for record in &message.answers {
                    records += 1;
                    if record.record_type() == RecordType::SOA {
                        soa_seen += 1;
                    }
                }
                // A transfer starts and ends with the SOA.
                if soa_seen >= 2 || records >= AXFR_RECORD_CAP {
                    return Ok(Transfer::Served { records });
                }
            }
        };
        timeout_at(deadline, exchange)
            .await
            .unwrap_or(Err(WireError::Timeout {
                server,
                ms: self.timeout.as_millis(),
            }))
    }
}

fn question(name: &Name, rtype: RecordType, recursion: bool, dnssec: bool) -> Message {
    let mut message = Message::query();
    message.metadata.recursion_desired = recursion;
    message.metadata.message_type = MessageType::Query;
    message.metadata.op_code = OpCode::Query;
    message.add_query(Query::query(name.clone(), rtype));
    let mut edns = Edns::new();
    edns.set_max_payload(EDNS_PAYLOAD);
    edns.set_dnssec_ok(dnssec);
    message.set_edns(edns);
    message
}

/// The answer `bytes` give to a recursive question about `name` `rtype` with message ID `id`,
/// read as [`Wire::ask`] reads a UDP reply: only if they parse and answer that question. For
/// the fuzz targets and the property tests, which feed it arbitrary bytes.
pub fn parse_reply(
    bytes: &[u8],
    id: u16,
    name: &Name,
    rtype: RecordType,
) -> Result<Answer, String> {
    let mut request = question(name, rtype, true, false);
    request.metadata.id = id;
    check_reply(bytes, &request).map(|message| answer(message, name, rtype, false))
}

/// The reply parsed, and only if it answers `request`: same ID, a response, the same question.
fn check_reply(bytes: &[u8], request: &Message) -> Result<Message, String> {
    let message = Message::from_vec(bytes).map_err(|e| {
        format!(
            "{} bytes that do not parse as a DNS message ({e})",
            bytes.len()
        )
    })?;
    if message.metadata.id != request.metadata.id {
        return Err("an answer with another message ID".to_owned());
    }
    if message.metadata.message_type != MessageType::Response {
        return Err("a query instead of a response".to_owned());
    }
    let asked = request.queries.first();
    let echoed = message.queries.first();
    let same_question = match (asked, echoed) {
        (Some(a), Some(e)) => {
            a.query_type() == e.query_type() && a.name().to_lowercase() == e.name().to_lowercase()
        }
        // Some servers drop the question from error responses (FORMERR, NOTIMP).
        (Some(_), None) => message.metadata.response_code != ResponseCode::NoError,
        _ => false,
    };
    if !same_question {
        return Err("an answer to another question".to_owned());
    }
    Ok(message)
}

/// The reply to a question about `name` `rtype`, its answer section split between the records
/// of the queried name and the foreign ones: the one place where a reply's records become the
/// records of the name asked about.
fn answer(message: Message, name: &Name, rtype: RecordType, via_tcp: bool) -> Answer {
    let owned = owned_records(name, rtype, message.answers);
    Answer {
        rcode: message.metadata.response_code,
        authoritative: message.metadata.authoritative,
        recursion_available: message.metadata.recursion_available,
        answers: owned.records,
        cnames: owned.cnames,
        broken_chain: owned.broken_chain,
        foreign: owned.foreign,
        authorities: message.authorities,
        additionals: message.additionals,
        via_tcp,
    }
}

/// An answer section, split by owner name.
struct Owned {
    records: Vec<Record>,
    cnames: Vec<Name>,
    broken_chain: Option<BrokenChain>,
    foreign: Vec<Record>,
}

/// Splits `records` between those of `name` (and of the names its CNAME chain reaches, unless
/// the question is for a CNAME: a server answers that without following it) and the foreign
/// ones. Owner names compare as DNS names do, without regard to case.
fn owned_records(name: &Name, rtype: RecordType, records: Vec<Record>) -> Owned {
    let mut chain = vec![name.to_lowercase()];
    let mut cnames = Vec::new();
    let mut broken_chain = None;
    let follows = rtype != RecordType::CNAME;
    while let Some(current) = chain.last().filter(|_| follows) {
        let Some(target) = records.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if r.name.to_lowercase() == *current => Some(target.0.clone()),
            _ => None,
        }) else {
            break;
        };
        let target_lower = target.to_lowercase();
        cnames.push(target);
        if chain.contains(&target_lower) {
            broken_chain = Some(BrokenChain::Loop);
            break;
        }
        if cnames.len() > MAX_CNAMES {
            broken_chain = Some(BrokenChain::TooLong);
            break;
        }
        chain.push(target_lower);
    }
    let (records, foreign) = records.into_iter().partition(|r| {
        let owner = r.name.to_lowercase();
        chain.contains(&owner)
            || (r.record_type() == RecordType::DNAME
                && chain
                    .iter()
                    .any(|link| owner.zone_of(link) && owner != *link))
    });
    Owned {
        records,
        cnames,
        broken_chain,
        foreign,
    }
}

async fn connect(server: SocketAddr) -> Result<TcpStream, WireError> {
    TcpStream::connect(server)
        .await
        .map_err(|e| WireError::Network {
            server,
            reason: format!("TCP connect failed: {e}"),
        })
}

async fn send_framed(
    stream: &mut TcpStream,
    server: SocketAddr,
    bytes: &[u8],
) -> Result<(), WireError> {
    let length = u16::try_from(bytes.len()).map_err(|_| WireError::Malformed {
        server,
        reason: "question too long for TCP framing".to_owned(),
    })?;
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(bytes);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| WireError::Network {
            server,
            reason: format!("TCP write failed: {e}"),
        })
}

async fn read_framed(stream: &mut TcpStream, server: SocketAddr) -> Result<Vec<u8>, WireError> {
    let closed = |e: std::io::Error| WireError::Malformed {
        server,
        reason: format!("the TCP answer ended early ({e})"),
    };
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).await.map_err(closed)?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut body).await.map_err(closed)?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_urls_name_the_server() {
        assert_eq!(
            budget_url("127.0.0.1:53".parse().unwrap()).as_str(),
            "dns://127.0.0.1:53/"
        );
        assert_eq!(
            budget_url("[::1]:5353".parse().unwrap()).as_str(),
            "dns://[::1]:5353/"
        );
    }

    #[test]
    fn only_the_records_of_the_name_asked_and_its_cname_chain_count() {
        use hickory_proto::rr::rdata::{CNAME, TXT};
        let name = |text: &str| Name::from_ascii(text).unwrap();
        let txt = |owner: &str, text: &str| {
            Record::from_rdata(name(owner), 60, RData::TXT(TXT::new(vec![text.to_owned()])))
        };
        let cname = |owner: &str, target: &str| {
            Record::from_rdata(name(owner), 60, RData::CNAME(CNAME(name(target))))
        };
        let asked = name("_dmarc.example.test.");
        let owned = owned_records(
            &asked,
            RecordType::TXT,
            vec![
                txt("evil.test.", "v=DMARC1; p=none"),
                cname("_DMARC.Example.Test.", "d.provider.test."),
                txt("D.PROVIDER.test.", "v=DMARC1; p=reject"),
                txt("example.test.", "v=spf1 -all"),
            ],
        );
        assert_eq!(owned.records.len(), 2);
        assert_eq!(owned.cnames, vec![name("d.provider.test.")]);
        assert_eq!(owned.broken_chain, None);
        let foreign: Vec<String> = owned.foreign.iter().map(|r| r.name.to_ascii()).collect();
        assert_eq!(foreign, ["evil.test.", "example.test."]);

        // A question for the CNAME itself is answered without following it.
        let owned = owned_records(
            &asked,
            RecordType::CNAME,
            vec![
                cname("_dmarc.example.test.", "d.provider.test."),
                txt("d.provider.test.", "v=DMARC1; p=reject"),
            ],
        );
        assert_eq!((owned.records.len(), owned.foreign.len()), (1, 1));

        let looped = owned_records(
            &asked,
            RecordType::TXT,
            vec![
                cname("_dmarc.example.test.", "a.example.test."),
                cname("a.example.test.", "_dmarc.example.test."),
            ],
        );
        assert_eq!(looped.broken_chain, Some(BrokenChain::Loop));
        let mut long = Vec::new();
        let mut owner = "_dmarc.example.test.".to_owned();
        for link in 0..=MAX_CNAMES {
            let target = format!("c{link}.example.test.");
            long.push(cname(&owner, &target));
            owner = target;
        }
        let too_long = owned_records(&asked, RecordType::TXT, long);
        assert_eq!(too_long.broken_chain, Some(BrokenChain::TooLong));
    }

    #[test]
    fn replies_to_other_questions_are_refused() {
        let name = Name::from_ascii("example.test.").unwrap();
        let request = question(&name, RecordType::A, true, false);
        let mut reply = request.clone();
        reply.metadata.message_type = MessageType::Response;
        assert!(check_reply(&reply.to_vec().unwrap(), &request).is_ok());
        reply.metadata.id = request.metadata.id.wrapping_add(1);
        assert!(check_reply(&reply.to_vec().unwrap(), &request).is_err());
        assert!(check_reply(b"\x00\x01garbage", &request).is_err());
    }
}
