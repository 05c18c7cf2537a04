//! DNS lab servers: hickory-server zones in process, and Knot DNS (Debian's `knotd`) serving
//! zones signed at run time with ldns under a private root, for what an in-process server cannot
//! do (DNSSEC with delegations, DS records answered from the parent).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use hickory_proto::rr::{LowerName, Name};
use hickory_proto::serialize::txt::Parser;
use hickory_server::Server;
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

/// One zone: its origin (`lab.test.`), its text in zone-file syntax, and whether anyone may
/// transfer it.
#[derive(Debug, Clone)]
pub struct Zone {
    pub origin: String,
    pub text: String,
    pub transfers: bool,
    pub signing: Signing,
}

/// How a zone served by Knot is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    Unsigned,
    /// Signatures valid for 30 days.
    Valid,
    /// Signatures that expire within the next 3 days.
    Expiring,
    /// Signatures that expired yesterday.
    Expired,
}

impl Zone {
    pub fn new(origin: &str, text: impl Into<String>) -> Self {
        Zone {
            origin: origin.to_owned(),
            text: text.into(),
            transfers: false,
            signing: Signing::Unsigned,
        }
    }

    pub fn transfers(mut self) -> Self {
        self.transfers = true;
        self
    }

    pub fn signed(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }
}

/// An in-process authoritative server (hickory-server) on UDP and TCP; stops when dropped.
pub struct ZoneServer {
    pub addr: SocketAddr,
    _server: Server<Catalog>,
}

/// Serves `zones` on `bind` (port 0 picks a free one; UDP and TCP share the port).
pub async fn serve_zones(bind: SocketAddr, zones: &[Zone]) -> anyhow::Result<ZoneServer> {
    let mut catalog = Catalog::new();
    for zone in zones {
        let origin = Name::from_ascii(&zone.origin)
            .with_context(|| format!("zone origin {}", zone.origin))?;
        let (origin, records) = Parser::new(&zone.text, None, Some(origin))
            .parse()
            .with_context(|| format!("zone {} does not parse", zone.origin))?;
        let policy = if zone.transfers {
            AxfrPolicy::AllowAll
        } else {
            AxfrPolicy::Deny
        };
        let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            policy,
        )
        .map_err(|e| anyhow::anyhow!("zone {}: {e}", zone.origin))?;
        catalog.upsert(LowerName::new(&origin), vec![Arc::new(handler)]);
    }
    let (udp, tcp, addr) = bind_pair(bind).await?;
    let mut server = Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 65_535);
    Ok(ZoneServer {
        addr,
        _server: server,
    })
}

/// A UDP socket and a TCP listener on the same port of `bind`'s address. With port 0, a port
/// whose TCP side another process took between the two binds is given up for another one.
async fn bind_pair(bind: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener, SocketAddr)> {
    let attempts = if bind.port() == 0 { 50 } else { 1 };
    let mut last = None;
    for _ in 0..attempts {
        let udp = UdpSocket::bind(bind)
            .await
            .with_context(|| format!("cannot bind UDP {bind}"))?;
        let addr = udp.local_addr()?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp, addr)),
            Err(e) => last = Some((addr, e)),
        }
    }
    let (addr, error) = last.expect("at least one attempt");
    Err(anyhow::Error::new(error).context(format!("cannot bind TCP {addr}")))
}

/// A UDP and TCP port on `ip` that is free on both (the same number for every address listed).
pub async fn free_port(ips: &[IpAddr]) -> anyhow::Result<u16> {
    for _ in 0..50 {
        let probe = UdpSocket::bind(SocketAddr::new(ips[0], 0)).await?;
        let port = probe.local_addr()?.port();
        drop(probe);
        let mut free = true;
        for ip in ips {
            let addr = SocketAddr::new(*ip, port);
            free &= UdpSocket::bind(addr).await.is_ok() && TcpListener::bind(addr).await.is_ok();
        }
        if free {
            return Ok(port);
        }
    }
    bail!("no port free on every lab address")
}

/// The program `name`: on the `PATH`, or in /usr/sbin where Debian puts `knotd` (not on every
/// user's `PATH`).
fn tool(name: &str) -> PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(name).is_file()));
    if !on_path && sbin.is_file() {
        sbin
    } else {
        PathBuf::from(name)
    }
}

/// Why Knot cannot be used here, or `None` when `knotd` and ldns's signing tools are installed.
pub fn knot_missing() -> Option<String> {
    for tool in ["knotd", "ldns-keygen", "ldns-signzone"] {
        let found = Command::new(self::tool(tool))
            .arg("-h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Some(format!(
                "`{tool}` is not installed (apt-get install knot ldnsutils)"
            ));
        }
    }
    None
}

/// Knot DNS serving signed and unsigned zones on loopback; killed when dropped.
pub struct KnotLab {
    pub port: u16,
    /// A file with the private root's DNSKEY: the trust anchor to validate the lab from.
    pub trust_anchor: PathBuf,
    child: Child,
}

impl Drop for KnotLab {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(command: &mut Command) -> anyhow::Result<String> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn ldns_time(at: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Signs `zone` in `dir` with a fresh ECDSA P-256 key; returns the signed text and the key's DS
/// and DNSKEY lines.
fn sign(dir: &Path, zone: &Zone, text: &str) -> anyhow::Result<(String, String, String)> {
    let origin = zone.origin.trim_end_matches('.');
    let label = if origin.is_empty() { "root" } else { origin };
    let unsigned = dir.join(format!("{label}.unsigned"));
    std::fs::write(&unsigned, text)?;
    let base = run(Command::new(tool("ldns-keygen"))
        .current_dir(dir)
        .args(["-a", "ECDSAP256SHA256", "-k"])
        .arg(if origin.is_empty() { "." } else { origin }))?;
    let base = base.trim().to_owned();
    let now = time::OffsetDateTime::now_utc();
    let (inception, expiration) = match zone.signing {
        Signing::Expired => (
            now - time::Duration::days(30),
            now - time::Duration::days(1),
        ),
        Signing::Expiring => (now - time::Duration::days(1), now + time::Duration::days(3)),
        _ => (
            now - time::Duration::days(1),
            now + time::Duration::days(30),
        ),
    };
    let signed = dir.join(format!("{label}.zone"));
    run(Command::new(tool("ldns-signzone"))
        .current_dir(dir)
        .arg("-i")
        .arg(ldns_time(inception))
        .arg("-e")
        .arg(ldns_time(expiration))
        .arg("-o")
        .arg(format!("{origin}."))
        .arg("-f")
        .arg(&signed)
        .arg(&unsigned)
        .arg(&base))?;
    let ds = std::fs::read_to_string(dir.join(format!("{base}.ds")))?;
    let key = std::fs::read_to_string(dir.join(format!("{base}.key")))?;
    Ok((std::fs::read_to_string(&signed)?, ds, key))
}

/// Writes, signs and serves `zones` with Knot on `ips` at one port. Zones are signed children
/// first, and each signed child's DS is appended to its parent's text (the parent must be in
/// `zones`); the root zone's key becomes the trust anchor.
pub async fn start_knot(dir: &Path, ips: &[IpAddr], zones: &[Zone]) -> anyhow::Result<KnotLab> {
    if let Some(reason) = knot_missing() {
        bail!(reason);
    }
    std::fs::create_dir_all(dir)?;
    // The signing tools run inside `dir`: every path handed to them or to Knot must be absolute.
    let dir = &std::path::absolute(dir)?;
    let port = free_port(ips).await?;
    let mut texts: Vec<(Zone, String)> =
        zones.iter().map(|z| (z.clone(), z.text.clone())).collect();
    // Deepest zones first, so that their DS records reach their parents before those are signed.
    texts.sort_by_key(|(z, _)| {
        std::cmp::Reverse(
            z.origin
                .trim_end_matches('.')
                .split('.')
                .filter(|l| !l.is_empty())
                .count(),
        )
    });
    let mut trust_anchor = None;
    let mut files = Vec::new();
    for index in 0..texts.len() {
        let (zone, text) = texts[index].clone();
        let label = match zone.origin.trim_end_matches('.') {
            "" => "root".to_owned(),
            other => other.to_owned(),
        };
        let file = dir.join(format!("{label}.zone"));
        if zone.signing == Signing::Unsigned {
            std::fs::write(&file, &text)?;
        } else {
            let (signed, ds, key) = sign(dir, &zone, &text)?;
            std::fs::write(&file, signed)?;
            if zone.origin == "." {
                trust_anchor = Some(key);
            }
            let parent = parent_of(&zone.origin);
            if let Some((_, parent_text)) = texts.iter_mut().find(|(z, _)| z.origin == parent) {
                parent_text.push('\n');
                parent_text.push_str(&ds);
            }
        }
        files.push((zone, file));
    }
    let anchor_path = dir.join("trust-anchor.key");
    std::fs::write(&anchor_path, trust_anchor.unwrap_or_default())?;
    let listen: Vec<String> = ips.iter().map(|ip| format!("{ip}@{port}")).collect();
    let mut config = format!(
        "server:\n    rundir: \"{dir}\"\n    listen: [ {listen} ]\n\ndatabase:\n    storage: \"{dir}\"\n\n\
         log:\n  - target: stderr\n    any: error\n\nacl:\n  - id: anyone_transfers\n    address: [ 0.0.0.0/0, ::/0 ]\n    action: transfer\n\n\
         template:\n  - id: default\n    storage: \"{dir}\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: off\n\nzone:\n",
        dir = dir.display(),
        listen = listen.join(", ")
    );
    for (zone, file) in &files {
        config.push_str(&format!(
            "  - domain: \"{}\"\n    file: \"{}\"\n",
            zone.origin,
            file.display()
        ));
        if zone.transfers {
            config.push_str("    acl: anyone_transfers\n");
        }
    }
    let config_path = dir.join("knot.conf");
    std::fs::write(&config_path, config)?;
    let log = std::fs::File::create(dir.join("knotd.log"))?;
    let child = Command::new(tool("knotd"))
        .arg("-c")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("cannot start knotd")?;
    let lab = KnotLab {
        port,
        trust_anchor: anchor_path,
        child,
    };
    // Knot loads zones after it binds: wait until the last zone answers over TCP.
    let probe = SocketAddr::new(ips[0], port);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(probe).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            return Ok(lab);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(dir.join("knotd.log")).unwrap_or_default();
    bail!("knotd did not start listening on {probe}: {log}")
}

fn parent_of(origin: &str) -> String {
    let trimmed = origin.trim_end_matches('.');
    match trimmed.split_once('.') {
        Some((_, parent)) => format!("{parent}."),
        None if trimmed.is_empty() => String::new(),
        None => ".".to_owned(),
    }
}

/// The addresses the DNS lab listens on: Knot on the first two, a lame server on the third.
pub const LAB_ADDRESSES: [IpAddr; 3] = [
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1)),
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2)),
    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3)),
];

/// The product's addresses in the lab: 127.0.0.0 to 127.0.0.15.
pub const LAB_INVENTORY: &str = "127.0.0.0/28";

const SOA_GOOD: &str = "14400 3600 1209600 300";

fn clean_like(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}\n$TTL 3600\n\
@ IN SOA ns1.{origin} hostmaster.{origin} 2026050101 {SOA_GOOD}\n\
@ NS ns1.{origin}\n@ NS ns2.{origin}\n\
ns1 A 127.0.0.1\nns2 A 127.0.0.2\n\
@ A 127.0.0.10\nwww CNAME {origin}\napi A 127.0.0.11\n*.tenants A 127.0.0.12\n\
@ MX 10 mx.{origin}\nmx A 127.0.0.13\n\
@ TXT \"v=spf1 mx include:_spf.{origin} -all\"\n_spf TXT \"v=spf1 ip4:127.0.0.0/28 -all\"\n\
_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@{origin}\"\n\
_mta-sts TXT \"v=STSv1; id=2026050101\"\n\
@ CAA 0 issue \"ca.lab.test\"\n@ CAA 0 iodef \"mailto:security@{origin}\"\n"
    )
}

/// The flawed zone: each line marked with the check that must report it.
fn flawed(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}\n$TTL 3600\n\
; dns.soa.timers (refresh, retry, expire, minimum) and dns.ttl.zero (TTL 0)\n\
@ 0 IN SOA ns1.{origin} hostmaster.{origin} 1 300 60 3600 172800\n\
@ NS ns1.{origin}\n\
; dns.delegation.lame: 127.0.0.3 does not serve the zone\n\
@ NS ns2.{origin}\n\
; dns.ns.dangling: the nameserver's name does not exist\n\
@ NS ns.gone-dns.test.\n\
ns1 A 127.0.0.1\nns2 A 127.0.0.3\n\
; dns.dangling_a: outside the inventory\n\
@ A 127.0.0.20\n\
; dns.dangling_cname and dns.takeover.candidate: the Azure app is gone\n\
www CNAME lg-www.azurewebsites.net.\n\
; dns.takeover.candidate (not confirmed: GitHub Pages names always resolve)\n\
docs CNAME lab-docs.github.io.\n\
; dns.ttl.huge\n\
api 1209600 A 127.0.0.11\n\
; dns.wildcard.dangling\n\
*.tenants CNAME lg-tenants.azurewebsites.net.\n\
; dns.wildcard.unexpected: nobody declared a wildcard under the apex\n\
* A 127.0.0.14\n\
; dns.mx.cname, and dns.mta_sts.missing (MX without _mta-sts)\n\
@ MX 10 mail.{origin}\nmail CNAME mx.clean.test.\n\
; dns.spf.permissive (+all) and dns.spf.too_many_lookups (12 through includes)\n\
@ TXT \"v=spf1 include:s1._spf.{origin} +all\"\n\
s1._spf TXT \"v=spf1 a mx ptr include:s2._spf.{origin} -all\"\n\
s2._spf TXT \"v=spf1 a mx ptr include:s3._spf.{origin} -all\"\n\
s3._spf TXT \"v=spf1 a mx ptr -all\"\n\
; dns.dmarc.weak\n\
_dmarc TXT \"v=DMARC1; p=none\"\n\
; dns.caa.issuer_mismatch (the lab CA is not allowed) and dns.caa.no_iodef\n\
@ CAA 0 issue \"letsencrypt.org\"\n"
    )
}

/// A mail-flawed zone: one nameserver, two SPF records, no DMARC, no CAA.
fn mail_flawed(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}\n$TTL 3600\n\
@ IN SOA ns1.{origin} hostmaster.{origin} 3 {SOA_GOOD}\n\
; dns.ns.single\n\
@ NS ns1.{origin}\nns1 A 127.0.0.1\n\
@ A 127.0.0.10\nwww A 127.0.0.10\napi A 127.0.0.11\ndocs A 127.0.0.11\n*.tenants A 127.0.0.12\n\
@ MX 10 mx.{origin}\nmx A 127.0.0.13\n_mta-sts TXT \"v=STSv1; id=1\"\n\
; dns.spf.multiple; no _dmarc (dns.dmarc.missing); no CAA (dns.caa.missing)\n\
@ TXT \"v=spf1 mx ~all\"\n@ TXT \"v=spf1 ip4:127.0.0.13 -all\"\n"
    )
}

/// The lab's zones: a private signed root and `test.`, a clean signed zone, a flawed unsigned
/// zone (transfers open), a zone whose signatures expired, one whose signatures expire in 3 days,
/// a zone with e-mail flaws and one nameserver, and the provider zones the flawed zone's CNAMEs point into.
pub fn lab_zones() -> Vec<Zone> {
    let root = "$ORIGIN .\n$TTL 3600\n\
. IN SOA ns1.lab.test. hostmaster.lab.test. 1 14400 3600 1209600 300\n\
. NS ns1.lab.test.\n\
test. NS ns1.lab.test.\nnet. NS ns1.lab.test.\nio. NS ns1.lab.test.\n";
    let mut tld = String::from(
        "$ORIGIN test.\n$TTL 3600\n\
@ IN SOA ns1.lab.test. hostmaster.lab.test. 1 14400 3600 1209600 300\n@ NS ns1.lab.test.\n",
    );
    for child in ["clean", "lab", "bogus", "expiring", "mail"] {
        tld.push_str(&format!(
            "{child} NS ns1.{child}.test.\n{child} NS ns2.{child}.test.\n"
        ));
    }
    let provider = |origin: &str, body: &str| {
        format!(
            "$ORIGIN {origin}\n$TTL 3600\n@ IN SOA ns1.{origin} hostmaster.{origin} 1 {SOA_GOOD}\n@ NS ns1.{origin}\nns1 A 127.0.0.1\n{body}"
        )
    };
    vec![
        Zone::new(".", root).signed(Signing::Valid),
        Zone::new("test.", tld).signed(Signing::Valid),
        Zone::new("clean.test.", clean_like("clean.test.")).signed(Signing::Valid),
        Zone::new("lab.test.", flawed("lab.test.")).transfers(),
        Zone::new("bogus.test.", clean_like("bogus.test.")).signed(Signing::Expired),
        Zone::new("expiring.test.", clean_like("expiring.test.")).signed(Signing::Expiring),
        Zone::new("mail.test.", mail_flawed("mail.test.")).signed(Signing::Valid),
        Zone::new("net.", provider("net.", "")),
        Zone::new(
            "azurewebsites.net.",
            provider("azurewebsites.net.", "lg-live A 127.0.0.9\n"),
        ),
        Zone::new("io.", provider("io.", "")),
        Zone::new(
            "github.io.",
            provider("github.io.", "lab-docs A 127.0.0.9\n"),
        ),
    ]
}

/// The running DNS lab: Knot on 127.0.0.1 and 127.0.0.2, a lame server on 127.0.0.3, all at
/// one port.
pub struct DnsLab {
    pub knot: KnotLab,
    _lame: ZoneServer,
}

impl DnsLab {
    pub fn port(&self) -> u16 {
        self.knot.port
    }

    /// The `[dns]` section that audits the lab's `domains` (apex names), with the lab CA mapped
    /// to the CAA domain `ca.lab.test`.
    pub fn config_section(&self, domains: &[&str]) -> String {
        let mut section = format!(
            "[dns]\nresolver = \"127.0.0.1:{port}\"\nnameserver_port = {port}\ntrust_anchor = \"{anchor}\"\n\
             inventory = [\"{LAB_INVENTORY}\"]\nissuer_caa_domains = {{ \"launchguard lab\" = \"ca.lab.test\" }}\n",
            port = self.port(),
            anchor = self.knot.trust_anchor.display()
        );
        for domain in domains {
            section.push_str(&format!(
                "\n[[dns.domains]]\nname = \"{domain}\"\nhosts = [\"www\", \"api\", \"docs\"]\ntenant_wildcard = \"*.tenants.{domain}\"\n"
            ));
        }
        section
    }
}

/// Starts the DNS lab in `dir` (zone files, keys, Knot's configuration and log).
pub async fn start_lab(dir: &Path) -> anyhow::Result<DnsLab> {
    let knot = start_knot(dir, &LAB_ADDRESSES[..2], &lab_zones()).await?;
    let lame = serve_zones(SocketAddr::new(LAB_ADDRESSES[2], knot.port), &[]).await?;
    Ok(DnsLab { knot, _lame: lame })
}
