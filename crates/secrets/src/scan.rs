//! Reading inputs with bounded memory: files, directories, gzip and zstd logs, stdin.
//!
//! Each input streams through 4 MiB buffers; a line longer than a buffer is scanned in windows
//! that overlap by 16 KiB; large plain files are split at line boundaries and scanned by several
//! threads (at most one per core). Memory stays near threads x 4 MiB whatever the input size.
//! Every input that is not read in full is reported, with the reason and how much was read;
//! FIFOs, sockets and devices are refused up front. [`ScrubInput`] reads an input exactly as a
//! scan does and writes a masked copy through the same stream.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use globset::{Glob, GlobSet, GlobSetBuilder};
use launchguard_core::{Redacted, Severity};
use memchr::{memchr, memchr_iter, memrchr};

use crate::engine::{Encoding, Hit, Scanner};

const BUFFER: usize = 4 << 20;
/// Bytes after a region's end that a private key starting inside it may extend into.
const REGION_TAIL: usize = 64 << 10;
const LONG_LINE_OVERLAP: usize = 16 << 10;
/// Plain files at least this large are split across threads.
const SPLIT_AT: u64 = 32 << 20;
const SNIFF: usize = 8 << 10;

/// How to read inputs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Globs a file inside a directory must match (any), e.g. `*.log`, `*.gz`. Empty: all files.
    pub include: Vec<String>,
    /// Globs that exclude files inside directories.
    pub exclude: Vec<String>,
    /// Threads; 0 means one per core, and more than one per core is cut to one per core.
    pub threads: usize,
    /// Decompression stops past this many times the compressed size (at least 64 MiB):
    /// a protection against decompression bombs.
    pub max_expansion: u64,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            include: Vec::new(),
            exclude: Vec::new(),
            threads: 0,
            max_expansion: 200,
        }
    }
}

/// When a scan must stop: a deadline, or a flag its owner raises (the `[logs]` agent raises it
/// when the runner drops it at the agent's deadline or on an interrupt). Checked after every
/// buffer (at most 4 MiB) and before every input, so a scan ends promptly with what it read,
/// and every input it did not finish is listed as unscanned.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    deadline: Option<Instant>,
    raised: Arc<AtomicBool>,
}

impl Stop {
    /// A scan that runs to the end.
    pub fn never() -> Self {
        Stop::default()
    }

    /// A scan that stops at `deadline`.
    pub fn at(deadline: Instant) -> Self {
        Stop {
            deadline: Some(deadline),
            raised: Arc::default(),
        }
    }

    /// Stops the scan (from another thread).
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Relaxed);
    }

    /// Why the scan must stop now, if it must.
    fn reason(&self) -> Option<&'static str> {
        if self.raised.load(Ordering::Relaxed) {
            Some("the scan was stopped (the agent's deadline passed or the run was interrupted)")
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some("the scan was stopped at the agent's deadline")
        } else {
            None
        }
    }
}

/// Where a secret was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u64,
    /// Byte offset in the (decompressed) file.
    pub offset: u64,
}

/// One secret: every time it was seen, folded into a count and the first and last place.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub rule: &'static str,
    pub severity: Severity,
    pub redacted: Redacted,
    pub count: u64,
    pub first: Location,
    pub last: Location,
    /// How it was written: plain if seen plainly at least once.
    pub encoding: Encoding,
}

/// An input that was not read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unscanned {
    pub file: String,
    pub reason: String,
    /// How many (decompressed) bytes were scanned before the problem.
    pub bytes_scanned: u64,
}

#[derive(Debug, Default)]
pub struct ScanReport {
    pub occurrences: Vec<Occurrence>,
    pub unscanned: Vec<Unscanned>,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
}

/// One unit of work: a whole input, or a region of a large plain file.
#[derive(Debug, Clone)]
enum Job {
    Stdin,
    File { path: PathBuf },
    Region { path: PathBuf, start: u64, len: u64 },
}

/// Per-job results, with line numbers relative to the job's start.
#[derive(Default)]
struct JobResult {
    hits: HashMap<(usize, String), Folded>,
    order: Vec<(usize, String)>,
    newlines: u64,
    bytes: u64,
    problem: Option<String>,
}

struct Folded {
    severity: Severity,
    redacted: Redacted,
    count: u64,
    first: (u64, u64),
    last: (u64, u64),
    encoding: Encoding,
}

impl JobResult {
    fn add(&mut self, hit: Hit, line: u64, offset: u64) {
        let key = (hit.rule, hit.redacted.fingerprint.clone());
        match self.hits.get_mut(&key) {
            Some(folded) => {
                folded.count += 1;
                folded.last = (line, offset);
                folded.encoding = folded.encoding.fold(hit.encoding);
                folded.severity = folded.severity.max(hit.severity);
            }
            None => {
                self.order.push(key.clone());
                self.hits.insert(
                    key,
                    Folded {
                        severity: hit.severity,
                        redacted: hit.redacted,
                        count: 1,
                        first: (line, offset),
                        last: (line, offset),
                        encoding: hit.encoding,
                    },
                );
            }
        }
    }
}

fn build_globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(Glob::new(pattern).map_err(|e| format!("bad glob `{pattern}`: {e}"))?);
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

/// Lists the inputs: `-` is stdin, files are taken as given, directories are walked (following
/// symlinks, loops reported) and filtered by the globs.
fn enumerate(
    paths: &[PathBuf],
    options: &ScanOptions,
    unscanned: &mut Vec<Unscanned>,
) -> Result<Vec<Job>, String> {
    let include = build_globs(&options.include)?;
    let exclude = build_globs(&options.exclude)?;
    let mut jobs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            jobs.push(Job::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                for entry in walkdir::WalkDir::new(path)
                    .follow_links(true)
                    .sort_by_file_name()
                {
                    match entry {
                        Ok(entry) if entry.file_type().is_dir() => {}
                        Ok(entry) => {
                            let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
                            let matches = |set: &Option<GlobSet>| {
                                set.as_ref()
                                    .map(|s| s.is_match(relative) || s.is_match(entry.file_name()))
                            };
                            if matches(&include) == Some(false) || matches(&exclude) == Some(true) {
                                continue;
                            }
                            if entry.file_type().is_file() {
                                jobs.push(Job::File {
                                    path: entry.path().to_owned(),
                                });
                            } else {
                                unscanned.push(Unscanned {
                                    file: entry.path().display().to_string(),
                                    reason: not_a_regular_file(entry.file_type()),
                                    bytes_scanned: 0,
                                });
                            }
                        }
                        Err(e) => unscanned.push(Unscanned {
                            file: e.path().map_or_else(
                                || path.display().to_string(),
                                |p| p.display().to_string(),
                            ),
                            reason: if e.loop_ancestor().is_some() {
                                "symbolic link loop".to_owned()
                            } else {
                                e.to_string()
                            },
                            bytes_scanned: 0,
                        }),
                    }
                }
            }
            Ok(meta) if meta.is_file() => jobs.push(Job::File { path: path.clone() }),
            Ok(meta) => unscanned.push(Unscanned {
                file: path.display().to_string(),
                reason: not_a_regular_file(meta.file_type()),
                bytes_scanned: 0,
            }),
            Err(e) => unscanned.push(Unscanned {
                file: path.display().to_string(),
                reason: format!("cannot read: {e}"),
                bytes_scanned: 0,
            }),
        }
    }
    Ok(jobs)
}

/// Why a directory entry that is neither a file nor a directory is not read.
fn not_a_regular_file(kind: std::fs::FileType) -> String {
    let what = if kind.is_fifo() {
        "a FIFO (named pipe): reading it could block forever"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device (such as /dev/zero): it may never end"
    } else if kind.is_block_device() {
        "a block device"
    } else {
        "of an unknown kind"
    };
    format!("not a regular file, not read: {what} (use `-` to scan standard input)")
}

/// Opens a regular file without ever blocking on a FIFO swapped in after it was listed.
fn open_regular(path: &Path) -> Result<File, String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| format!("cannot read: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(not_a_regular_file(meta.file_type()))
    }
}

/// Splits large plain files into regions that start at line boundaries.
fn split_large(job: Job, parts: usize) -> Vec<Job> {
    let Job::File { path } = &job else {
        return vec![job];
    };
    let Ok(mut file) = open_regular(path) else {
        return vec![job];
    };
    let Ok(size) = file.metadata().map(|m| m.len()) else {
        return vec![job];
    };
    let mut magic = [0u8; 4];
    let plain = file
        .read(&mut magic)
        .map(|n| !is_gzip(&magic[..n]) && !is_zstd(&magic[..n]))
        .unwrap_or(false);
    if parts < 2 || size < SPLIT_AT || !plain {
        return vec![job];
    }
    let mut starts = vec![0u64];
    let mut probe = vec![0u8; 1 << 20];
    for k in 1..parts as u64 {
        let target = size * k / parts as u64;
        if file.seek(SeekFrom::Start(target)).is_err() {
            continue;
        }
        let Ok(n) = file.read(&mut probe) else {
            continue;
        };
        if let Some(i) = memchr(b'\n', &probe[..n]) {
            let start = target + i as u64 + 1;
            if start < size && start > *starts.last().expect("non-empty") {
                starts.push(start);
            }
        }
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let end = starts.get(i + 1).copied().unwrap_or(size);
            Job::Region {
                path: path.clone(),
                start,
                len: end - start,
            }
        })
        .collect()
}

fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

fn is_zstd(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// Stops a decompressor past a byte limit with a clear error.
struct Limited<R> {
    inner: R,
    remaining: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.remaining {
            return Err(io::Error::other(format!(
                "decompression stopped at {} bytes: more than the limit for this file's size (a possible decompression bomb)",
                self.limit
            )));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

/// An input opened as a stream of its (decompressed) bytes.
struct Opened {
    name: String,
    stream: Box<dyn Read + Send>,
    /// For a region: only lines starting before this offset.
    limit: Option<u64>,
    compression: Compression,
}

/// Opens an input as a stream of its (decompressed) bytes.
fn open(job: &Job, options: &ScanOptions) -> Result<Opened, String> {
    match job {
        Job::Stdin => Ok(Opened {
            name: "-".to_owned(),
            stream: Box::new(io::stdin()),
            limit: None,
            compression: Compression::Plain,
        }),
        Job::Region { path, start, len } => {
            let mut file = open_regular(path)?;
            file.seek(SeekFrom::Start(*start))
                .map_err(|e| format!("cannot read: {e}"))?;
            Ok(Opened {
                name: path.display().to_string(),
                stream: Box::new(file.take(len + REGION_TAIL as u64)),
                limit: Some(*len),
                compression: Compression::Plain,
            })
        }
        Job::File { path } => {
            let file = open_regular(path)?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let mut reader = BufReader::with_capacity(64 << 10, file);
            let head = reader
                .fill_buf()
                .map_err(|e| format!("cannot read: {e}"))?
                .to_vec();
            let limit = (size.saturating_mul(options.max_expansion)).max(64 << 20);
            let (stream, compression): (Box<dyn Read + Send>, _) = if is_gzip(&head) {
                let inner = flate2::read::MultiGzDecoder::new(reader);
                (
                    Box::new(Limited {
                        inner,
                        remaining: limit,
                        limit,
                    }),
                    Compression::Gzip,
                )
            } else if is_zstd(&head) {
                let decoder = ruzstd::decoding::StreamingDecoder::new(reader)
                    .map_err(|e| format!("not a valid zstd stream: {e}"))?;
                (
                    Box::new(Limited {
                        inner: decoder,
                        remaining: limit,
                        limit,
                    }),
                    Compression::Zstd,
                )
            } else {
                (Box::new(reader), Compression::Plain)
            };
            Ok(Opened {
                name: path.display().to_string(),
                stream,
                limit: None,
                compression,
            })
        }
    }
}

/// One stretch of an input, handed on exactly once: `data[from..to]` is new (what comes before
/// `from` is context already handed on); `hits` are the hits whose masks start in `from..to`.
/// Masks end by `to`, except at the end of a region of a split file, which hands on no bytes past
/// the region.
struct Stretch<'a> {
    data: &'a [u8],
    from: usize,
    to: usize,
    /// Offset of `data[0]` in the input.
    base: u64,
    hits: &'a mut Vec<Hit>,
}

fn read_problem(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        "truncated compressed stream (a log rotated while being written?)".to_owned()
    } else {
        e.to_string()
    }
}

/// Streams one input through the scanner in buffers of whole lines (and windows of lines longer
/// than a buffer), handing every byte to `visit` exactly once, with its hits. `limit`: only lines
/// starting before this offset. A read error ends the stream after what was read before it has
/// been handed on.
fn stream(
    reader: &mut dyn Read,
    limit: Option<u64>,
    scanner: &Scanner,
    visit: &mut dyn FnMut(Stretch<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let mut buf = vec![0u8; BUFFER + REGION_TAIL];
    let (mut filled, mut base, mut emitted) = (0usize, 0u64, 0usize);
    let mut eof = false;
    let mut sniffed = false;
    let mut hits = Vec::new();
    loop {
        let mut problem = None;
        while filled < BUFFER && !eof && problem.is_none() {
            match reader.read(&mut buf[filled..BUFFER]) {
                Ok(0) => eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => problem = Some(read_problem(&e)),
            }
        }
        if !sniffed {
            sniffed = true;
            if memchr(0, &buf[..filled.min(SNIFF)]).is_some() {
                return Err("binary content (NUL bytes in the first 8 KiB): not scanned".to_owned());
            }
        }
        if let Some(problem) = problem {
            hits.clear();
            scanner.scan(&buf[..filled], filled, true, &mut hits);
            hand_on(
                &buf[..filled],
                emitted,
                filled,
                filled,
                base,
                &mut hits,
                visit,
            )?;
            return Err(problem);
        }
        let region_end = limit
            .map(|l| l.saturating_sub(base) as usize)
            .filter(|e| *e <= filled);
        let (end, last) = match region_end {
            Some(end) => {
                // The region's last buffer: read a little further so a private key can complete.
                while filled < buf.len() && !eof {
                    match reader.read(&mut buf[filled..]) {
                        Ok(0) => eof = true,
                        Ok(n) => filled += n,
                        Err(_) => eof = true,
                    }
                }
                (end, true)
            }
            None if eof => (filled, true),
            None => match memrchr(b'\n', &buf[emitted..filled]) {
                Some(i) => (emitted + i + 1, false),
                None => {
                    // A line longer than the buffer: hand on this window but its overlap, and
                    // keep the overlap as context for the next window.
                    hits.clear();
                    scanner.scan(&buf[..filled], filled, true, &mut hits);
                    let commit = filled - LONG_LINE_OVERLAP;
                    let to = hand_on(
                        &buf[..filled],
                        emitted,
                        commit,
                        filled,
                        base,
                        &mut hits,
                        visit,
                    )?;
                    let keep = to.saturating_sub(LONG_LINE_OVERLAP);
                    buf.copy_within(keep..filled, 0);
                    base += keep as u64;
                    filled -= keep;
                    emitted = to - keep;
                    continue;
                }
            },
        };
        hits.clear();
        let mut pending = scanner.scan(&buf[..filled], end, last, &mut hits);
        if matches!(pending, Some(cut) if cut <= emitted) {
            // A private key that began in context already handed on: take what is there.
            hits.clear();
            pending = scanner.scan(&buf[..filled], end, true, &mut hits);
        }
        let consumed = match pending {
            Some(cut) if !last => cut,
            _ => end,
        };
        // A region hands on nothing past its end; a key masked past the end of the lines handed
        // on pulls the rest of it in.
        let reach = if region_end.is_some() { end } else { filled };
        let to = hand_on(
            &buf[..filled],
            emitted,
            consumed,
            reach,
            base,
            &mut hits,
            visit,
        )?;
        if last {
            return Ok(());
        }
        buf.copy_within(to..filled, 0);
        filled -= to;
        base += to as u64;
        emitted = 0;
    }
}

/// Hands on `data[from..]` through at least `to` and through the end of every mask that starts
/// before it (within `reach`); returns where the handed-on stretch ends.
fn hand_on(
    data: &[u8],
    from: usize,
    to: usize,
    reach: usize,
    base: u64,
    hits: &mut Vec<Hit>,
    visit: &mut dyn FnMut(Stretch<'_>) -> Result<(), String>,
) -> Result<usize, String> {
    hits.retain(|h| (from..to).contains(&h.mask.start));
    let to = hits
        .iter()
        .map(|h| h.mask.end.min(reach))
        .fold(to, usize::max);
    visit(Stretch {
        data,
        from,
        to,
        base,
        hits,
    })?;
    Ok(to)
}

/// Streams one input and folds its hits, with line numbers relative to the input's start.
fn scan_stream(
    reader: &mut dyn Read,
    limit: Option<u64>,
    scanner: &Scanner,
    result: &mut JobResult,
    stop: &Stop,
) -> Result<(), String> {
    stream(reader, limit, scanner, &mut |stretch| {
        let Stretch {
            data,
            from,
            to,
            base,
            hits,
        } = stretch;
        hits.sort_by_key(|h| h.line_start);
        let mut line = result.newlines;
        let mut counted = from;
        for hit in hits.iter() {
            if hit.line_start > counted {
                line += memchr_iter(b'\n', &data[counted..hit.line_start]).count() as u64;
                counted = hit.line_start;
            }
            result.add(hit.clone(), line + 1, base + hit.mask.start as u64);
        }
        // Lines up to the last hit are counted already.
        result.newlines = line + memchr_iter(b'\n', &data[counted..to]).count() as u64;
        result.bytes += (to - from) as u64;
        match stop.reason() {
            Some(reason) => Err(format!("not read in full: {reason}")),
            None => Ok(()),
        }
    })
}

fn run_job(
    job: &Job,
    scanner: &Scanner,
    options: &ScanOptions,
    stop: &Stop,
) -> (String, JobResult) {
    let mut result = JobResult::default();
    if let Some(reason) = stop.reason() {
        result.problem = Some(format!("not read: {reason} before it was reached"));
        return (job_name(job), result);
    }
    match open(job, options) {
        Ok(Opened {
            name,
            mut stream,
            limit,
            ..
        }) => {
            if let Err(problem) = scan_stream(&mut stream, limit, scanner, &mut result, stop) {
                result.problem = Some(problem);
            }
            (name, result)
        }
        Err(problem) => {
            result.problem = Some(problem);
            (job_name(job), result)
        }
    }
}

fn job_name(job: &Job) -> String {
    match job {
        Job::Stdin => "-".to_owned(),
        Job::File { path } | Job::Region { path, .. } => path.display().to_string(),
    }
}

/// Scans every input and folds the hits: one occurrence per rule and secret.
pub fn scan_paths(
    paths: &[PathBuf],
    options: &ScanOptions,
    scanner: &Scanner,
) -> Result<ScanReport, String> {
    scan_paths_until(paths, options, scanner, &Stop::never())
}

/// [`scan_paths`] that ends at `stop`, keeping what it found; every input not read in full by
/// then is listed in [`ScanReport::unscanned`].
pub fn scan_paths_until(
    paths: &[PathBuf],
    options: &ScanOptions,
    scanner: &Scanner,
    stop: &Stop,
) -> Result<ScanReport, String> {
    let mut report = ScanReport::default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = match options.threads {
        0 => cores,
        asked => asked.min(cores),
    };
    let jobs: Vec<Job> = enumerate(paths, options, &mut report.unscanned)?
        .into_iter()
        .flat_map(|job| split_large(job, threads))
        .collect();
    let results: Vec<Mutex<Option<(String, JobResult)>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let outcome = run_job(job, scanner, options, stop);
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
                }
            });
        }
    });
    // Fold in job order, so "first" and "last" follow the files and their lines.
    let mut folded: HashMap<(usize, String), Occurrence> = HashMap::new();
    let mut order: Vec<(usize, String)> = Vec::new();
    let mut line_base: HashMap<String, u64> = HashMap::new();
    for (job, slot) in jobs.iter().zip(results) {
        let Some((name, result)) = slot.into_inner().unwrap_or_else(|p| p.into_inner()) else {
            continue;
        };
        let base = *line_base.get(&name).unwrap_or(&0);
        let region_start = if let Job::Region { start, .. } = job {
            *start
        } else {
            0
        };
        line_base.insert(name.clone(), base + result.newlines);
        report.bytes_scanned += result.bytes;
        if !matches!(job, Job::Region { start, .. } if *start > 0) {
            report.files_scanned += 1;
        }
        if let Some(reason) = result.problem {
            // The regions of one split file are one input to a reader.
            match report.unscanned.last_mut() {
                Some(last) if last.file == name && matches!(job, Job::Region { .. }) => {
                    last.bytes_scanned += result.bytes;
                }
                _ => report.unscanned.push(Unscanned {
                    file: name.clone(),
                    reason,
                    bytes_scanned: result.bytes,
                }),
            }
        }
        let mut result_hits = result.hits;
        for key in result.order {
            let hit = result_hits.remove(&key).expect("ordered keys exist");
            let at = |(line, offset): (u64, u64)| Location {
                file: name.clone(),
                line: base + line,
                offset: region_start + offset,
            };
            match folded.get_mut(&key) {
                Some(occurrence) => {
                    occurrence.count += hit.count;
                    occurrence.last = at(hit.last);
                    occurrence.encoding = occurrence.encoding.fold(hit.encoding);
                    occurrence.severity = occurrence.severity.max(hit.severity);
                }
                None => {
                    order.push(key.clone());
                    folded.insert(
                        key.clone(),
                        Occurrence {
                            rule: scanner.rules()[key.0].id(),
                            severity: hit.severity,
                            redacted: hit.redacted,
                            count: hit.count,
                            first: at(hit.first),
                            last: at(hit.last),
                            encoding: hit.encoding,
                        },
                    );
                }
            }
        }
    }
    report.occurrences = order
        .into_iter()
        .filter_map(|key| folded.remove(&key))
        .collect();
    Ok(report)
}

/// An input opened for scrubbing, exactly as a scan reads it: decompressed, with the same limits
/// and the same refusals (special files, binary content, corrupt or truncated archives).
pub struct ScrubInput {
    opened: Opened,
}

/// What a scrub did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scrubbed {
    /// Secrets masked.
    pub masked: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
}

impl ScrubInput {
    /// Opens one file, or standard input for `-`. Directories and zstd archives are refused:
    /// a masked copy is written in the input's own compression, and there is no zstd encoder.
    pub fn open(path: &Path, options: &ScanOptions) -> Result<ScrubInput, String> {
        let job = if path.as_os_str() == "-" {
            Job::Stdin
        } else {
            let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
            if meta.is_dir() {
                return Err("a directory: --scrub takes one file".to_owned());
            }
            if !meta.is_file() {
                return Err(not_a_regular_file(meta.file_type()));
            }
            Job::File {
                path: path.to_owned(),
            }
        };
        let opened = open(&job, options)?;
        if opened.compression == Compression::Zstd {
            return Err("a zstd archive: launchguard cannot write zstd; decompress it (zstd -d) and scrub the plain file".to_owned());
        }
        Ok(ScrubInput { opened })
    }

    /// The compression the masked copy is written in (the input's own).
    pub fn compression(&self) -> Compression {
        self.opened.compression
    }

    /// Writes the input to `output` with every secret masked as `[REDACTED rule.id]`, line by
    /// line in bounded memory (gzip input gives gzip output). On an error, what was written is
    /// masked but incomplete: callers must discard it.
    pub fn scrub_into(self, output: &mut dyn Write, scanner: &Scanner) -> Result<Scrubbed, String> {
        let ScrubInput { mut opened } = self;
        match opened.compression {
            Compression::Gzip => {
                let mut gzip =
                    flate2::write::GzEncoder::new(output, flate2::Compression::default());
                let done = mask_stream(&mut opened.stream, scanner, &mut gzip)?;
                gzip.finish().map_err(|e| write_problem(&e))?;
                Ok(done)
            }
            Compression::Plain | Compression::Zstd => {
                let done = mask_stream(&mut opened.stream, scanner, output)?;
                output.flush().map_err(|e| write_problem(&e))?;
                Ok(done)
            }
        }
    }
}

fn write_problem(e: &io::Error) -> String {
    format!("cannot write the masked copy: {e}")
}

/// Copies a stream to `sink` with every hit's mask replaced by `[REDACTED rule.id]`.
fn mask_stream(
    reader: &mut dyn Read,
    scanner: &Scanner,
    sink: &mut dyn Write,
) -> Result<Scrubbed, String> {
    let mut done = Scrubbed {
        masked: 0,
        bytes: 0,
    };
    stream(reader, None, scanner, &mut |stretch| {
        let Stretch {
            data,
            from,
            to,
            hits,
            ..
        } = stretch;
        hits.sort_by_key(|h| (h.mask.start, std::cmp::Reverse(h.mask.end)));
        let mut position = from;
        for hit in hits.iter() {
            if hit.mask.start < position {
                continue;
            }
            sink.write_all(&data[position..hit.mask.start])
                .and_then(|()| write!(sink, "[REDACTED {}]", scanner.rules()[hit.rule].id()))
                .map_err(|e| write_problem(&e))?;
            position = hit.mask.end;
            done.masked += 1;
        }
        sink.write_all(&data[position..to])
            .map_err(|e| write_problem(&e))?;
        done.bytes += (to - from) as u64;
        Ok(())
    })?;
    Ok(done)
}
