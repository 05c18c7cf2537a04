//! Do no harm, as tests: an address outside the scope sees no packet during a demo and an audit
//! full of lures pointing at it (redirects, an out-of-scope endpoint); the per-host request
//! budget is never exceeded.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crate::support::{launchguard, read_json, write};

/// The address no run may touch: loopback, but in no scope below (the demo's own scope holds
/// 127.0.0.1 to 127.0.0.3, where its lab serves a second address of a TLS site and the DNS lab's
/// name servers).
const FORBIDDEN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);

/// An address the test itself connects to, proving that the catch-all sees loopback traffic.
const WITNESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);

/// Every TCP, UDP and ICMP packet to [`FORBIDDEN`] (and to [`WITNESS`]), on any port, seen through
/// raw sockets (root only).
struct CatchAll {
    seen: Arc<AtomicUsize>,
    witnessed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl CatchAll {
    fn start() -> CatchAll {
        let seen = Arc::new(AtomicUsize::new(0));
        let witnessed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let threads = [libc::IPPROTO_TCP, libc::IPPROTO_UDP, libc::IPPROTO_ICMP]
            .into_iter()
            .map(|protocol| {
                // SAFETY: plain socket calls on a descriptor this thread owns.
                let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, protocol) };
                assert!(
                    fd >= 0,
                    "a raw socket needs root (as scripts/test.sh and CI run): {}",
                    std::io::Error::last_os_error()
                );
                let timeout = libc::timeval {
                    tv_sec: 0,
                    tv_usec: 100_000,
                };
                // SAFETY: a valid descriptor and a correctly sized option value.
                unsafe {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_RCVTIMEO,
                        (&raw const timeout).cast(),
                        std::mem::size_of::<libc::timeval>() as libc::socklen_t,
                    )
                };
                let (seen, witnessed, stop) = (seen.clone(), witnessed.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut packet = [0u8; 65536];
                    while !stop.load(Ordering::Relaxed) {
                        // SAFETY: the buffer outlives the call and its length is given.
                        let n =
                            unsafe { libc::recv(fd, packet.as_mut_ptr().cast(), packet.len(), 0) };
                        if n >= 20 && packet[16..20] == FORBIDDEN.octets() {
                            seen.fetch_add(1, Ordering::Relaxed);
                        }
                        if n >= 20 && packet[16..20] == WITNESS.octets() {
                            witnessed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    // SAFETY: closing the descriptor this thread owns.
                    unsafe { libc::close(fd) };
                })
            })
            .collect();
        CatchAll {
            seen,
            witnessed,
            stop,
            threads,
        }
    }

    /// Packets to the forbidden address, and to the witness.
    fn finish(self) -> (usize, usize) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().unwrap();
        }
        (
            self.seen.load(Ordering::Relaxed),
            self.witnessed.load(Ordering::Relaxed),
        )
    }
}

/// A server that counts requests and answers each with `response`.
fn counting_server(response: String, count: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            if matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                count.fetch_add(1, Ordering::Relaxed);
                let _ = stream.write_all(response.as_bytes());
            }
        }
    });
    addr
}

#[test]
fn nothing_outside_the_scope_is_touched_and_budgets_hold() {
    let catch_all = CatchAll::start();
    let witness = TcpListener::bind((WITNESS, 0)).unwrap();
    drop(std::net::TcpStream::connect(witness.local_addr().unwrap()).unwrap());
    // A listener on the forbidden address too, at the port the lures name.
    let bait = TcpListener::bind((FORBIDDEN, 0)).unwrap();
    let bait_port = bait.local_addr().unwrap().port();
    let lure = format!("http://{FORBIDDEN}:{bait_port}/take-me");

    let requests = Arc::new(AtomicUsize::new(0));
    let redirect = |status: &str| {
        format!(
            "HTTP/1.1 {status}\r\nLocation: {lure}\r\nStrict-Transport-Security: max-age=1\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
    };
    let servers: Vec<SocketAddr> = [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
    ]
    .into_iter()
    .map(|status| counting_server(redirect(status), requests.clone()))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        "[scope]\nhosts = [\"127.0.0.1\"]\nrequests_per_host = 2\n\n[health]\n".to_owned();
    for (i, addr) in servers.iter().enumerate() {
        config.push_str(&format!(
            "[[health.endpoints]]\nname = \"lure-{i}\"\nurl = \"http://{addr}/health\"\n"
        ));
    }
    config.push_str(&format!(
        "[[health.endpoints]]\nname = \"outside\"\nurl = \"{lure}\"\n"
    ));
    let path = write(dir.path(), "launchguard.toml", &config);
    let audit = launchguard(
        &[
            "audit",
            "--config",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--output-dir",
            "out",
        ],
        dir.path(),
    );
    // Redirects fail health.status (high): exit 1 wins over the errors.
    assert_eq!(audit.code, 1, "{audit:?}");
    let demo = launchguard(
        &["demo", "--output-dir", "demo", "--format", "json"],
        dir.path(),
    );
    assert_eq!(demo.code, 1, "{demo:?}");

    bait.set_nonblocking(true).unwrap();
    assert!(
        bait.accept().is_err(),
        "a connection reached the bait on {FORBIDDEN}"
    );
    let (forbidden, witnessed) = catch_all.finish();
    assert!(
        witnessed > 0,
        "the catch-all saw not even the test's own connection"
    );
    assert_eq!(forbidden, 0, "packets reached {FORBIDDEN}");
    // Three endpoints on one host, a budget of two: two requests, and the third is an error
    // that says why.
    assert_eq!(requests.load(Ordering::Relaxed), 2);
    let report = read_json(&dir.path().join("out/launchguard-report.json"));
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["status"] == "error" && f["message"].as_str().unwrap().contains("budget")),
        "{findings:#?}"
    );
    for f in findings
        .iter()
        .filter(|f| f["target"]["id"] == "health:outside")
    {
        assert_eq!(f["status"], "error", "{f:#}");
    }
}
