//! The matching engine, for bytes from anywhere (log files, JS bundles, HTTP bodies).
//!
//! 1. One case-sensitive, non-overlapping SIMD literal search finds rule keywords; each keyword
//!    marks its line (or, on very long lines, a window around it) with the rules it belongs to,
//!    including those of the keywords it contains. Assignment rules mark the lines where one of
//!    their names ends before an operator, looking back from each `=` and `:` ([`crate::assigned`]).
//!    Other rules mark lines from an anchor byte found with `memchr` (`@`, `+`) or a card-like
//!    digit run.
//! 2. Only those rules' regexes run on only those lines; validators confirm or reclassify.
//! 3. Candidate lines with escapes (`\n`, `\/`, `\u`) or percent-encoding are decoded and
//!    scanned again.
//! 4. Base64 tokens long enough to hold a secret are decoded, within a budget per line, and when
//!    the result is text it is scanned by the same rules. Digit runs and base64 tokens are found
//!    in one SIMD pass ([`crate::runs`]), with the operators of step 1.
//! 5. A BEGIN line of a private key pulls in the following lines, prefixes stripped, up to END.

use std::collections::HashSet;
use std::ops::Range;

use aho_corasick::AhoCorasick;
use launchguard_core::{Redacted, Severity};
use memchr::{memchr, memmem, memrchr};

use crate::assigned::AssignedNames;
use crate::rules::{Anchor, OPERATORS, RULES, Rule};
use crate::runs;
use crate::validate::{Validator, Verdict, validate};

/// Decoded lines are rescanned at most this deep (escapes of escapes, base64 in JSON).
const MAX_DECODE_DEPTH: u8 = 2;
/// At most this many bytes are decoded from base64 per line (or long-line window).
const BASE64_BUDGET: usize = 64 * 1024;
/// The marker bit of base64 candidates among the rule bits.
const BASE64_BIT: u64 = 1 << 63;
/// Lines longer than this are examined in windows around each keyword.
const LONG_LINE: usize = 64 * 1024;
const WINDOW_BEFORE: usize = 2048;
const WINDOW_AFTER: usize = 8192;
/// How far a private key may extend over following lines.
const PEM_MAX_LINES: usize = 200;
const PEM_MAX_BYTES: usize = 16 * 1024;

/// One confirmed secret or piece of PII.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Index into [`crate::rules::RULES`].
    pub rule: usize,
    pub severity: Severity,
    /// What to mask when scrubbing (the secret, or the whole line when found only after decoding).
    pub mask: Range<usize>,
    /// Start of the line the hit is on (for line numbers).
    pub line_start: usize,
    pub redacted: Redacted,
    /// How the text the hit was found in had been encoded.
    pub encoding: Encoding,
}

/// How a secret was written in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Encoding {
    /// As is.
    Plain,
    /// JSON-escaped or percent-encoded.
    Escaped,
    /// Inside a base64 token.
    Base64,
}

impl Encoding {
    /// Folds the encodings of several sightings of one secret: seen plainly once is plain.
    pub fn fold(self, other: Encoding) -> Encoding {
        if self == Encoding::Plain || other == Encoding::Plain {
            Encoding::Plain
        } else {
            self
        }
    }

    /// What a report says about it; `None` for plain text.
    pub fn describe(self) -> Option<&'static str> {
        match self {
            Encoding::Plain => None,
            Encoding::Escaped => Some("found after JSON-unescaping or percent-decoding"),
            Encoding::Base64 => Some("found inside a base64-encoded token, after decoding it"),
        }
    }
}

/// What the rules found on one line: confirmed hits with their full match spans, and spans that a
/// specific rule recognised but its validator rejected (a bad-checksum token, a documentation
/// key): generic rules must not report those either.
#[derive(Default)]
struct Found {
    hits: Vec<(Hit, Range<usize>)>,
    claimed: Vec<Range<usize>>,
}

/// A compiled scanner over the built-in rules.
pub struct Scanner {
    rules: &'static [Rule],
    keywords: Keywords,
    keyword_masks: Vec<u64>,
    assigned: AssignedNames,
    /// Rules anchored on a byte (`@`, `+`), by byte.
    anchor_bytes: Vec<(u8, u64)>,
    /// Rules anchored on card-like digit runs.
    card_bits: u64,
    by_id: Vec<&'static str>,
    now_unix: i64,
}

impl Scanner {
    pub fn new() -> Self {
        let rules: &'static [Rule] = RULES.as_slice();
        let mut words: Vec<String> = Vec::new();
        let mut masks: Vec<u64> = Vec::new();
        let mut add = |word: &str, bit: u64| match words.iter().position(|w| w == word) {
            Some(i) => masks[i] |= bit,
            None => {
                words.push(word.to_owned());
                masks.push(bit);
            }
        };
        for (i, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                add(keyword, 1 << i);
            }
        }
        // Non-overlapping search reports one keyword where several overlap: the outer keyword
        // carries the rules of every keyword inside it.
        let contained: Vec<u64> = words
            .iter()
            .map(|outer| {
                words
                    .iter()
                    .zip(&masks)
                    .filter(|(inner, _)| outer.contains(inner.as_str()))
                    .fold(0, |acc, (_, m)| acc | m)
            })
            .collect();
        let keywords = Keywords::new(&words);
        let (mut anchor_bytes, mut card_bits) = (Vec::<(u8, u64)>::new(), 0);
        for (i, rule) in rules.iter().enumerate() {
            match rule.anchor {
                Some(Anchor::Byte(byte)) => match anchor_bytes.iter_mut().find(|(b, _)| *b == byte)
                {
                    Some((_, bits)) => *bits |= 1 << i,
                    None => anchor_bytes.push((byte, 1 << i)),
                },
                Some(Anchor::Digits) => card_bits |= 1 << i,
                None => {}
            }
        }
        let now_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Scanner {
            rules,
            keywords,
            keyword_masks: contained,
            assigned: AssignedNames::new(rules),
            anchor_bytes,
            card_bits,
            by_id: rules.iter().map(|r| r.id()).collect(),
            now_unix,
        }
    }

    pub fn rules(&self) -> &'static [Rule] {
        self.rules
    }

    fn rule_index(&self, id: &str) -> Option<usize> {
        self.by_id.iter().position(|r| *r == id)
    }

    /// Scans complete lines `data[..end]`; `data[end..]` may hold following bytes a private key
    /// may extend into. Returns the start of a line whose private key did not end within `data`
    /// (when `at_eof` is false), so the caller can rescan from there with more input; hits at or
    /// after that line are not reported.
    pub fn scan(
        &self,
        data: &[u8],
        end: usize,
        at_eof: bool,
        hits: &mut Vec<Hit>,
    ) -> Option<usize> {
        self.scan_at_depth(data, end, at_eof, hits, 0)
    }

    fn scan_at_depth(
        &self,
        data: &[u8],
        end: usize,
        at_eof: bool,
        hits: &mut Vec<Hit>,
        depth: u8,
    ) -> Option<usize> {
        // Where each rule might match: (start, end, rules), from keywords and anchors.
        let mut marks: Vec<(usize, usize, u64)> = Vec::new();
        self.keywords.each(&data[..end], |pattern, start, stop| {
            marks.push((start, stop, self.keyword_masks[pattern]));
        });
        let wanted = runs::Wanted {
            base64: depth < MAX_DECODE_DEPTH,
            card_digits: self.card_bits != 0,
            bytes: (!self.assigned.is_empty()).then_some(OPERATORS),
        };
        for &(byte, bits) in &self.anchor_bytes {
            marks.extend(
                memchr::memchr_iter(byte, &data[..end])
                    .filter(|&at| anchor_plausible(data, end, at))
                    .map(|at| (at, at + 1, bits)),
            );
        }
        if wanted.base64 || wanted.card_digits || wanted.bytes.is_some() {
            let (mut base64, mut named) = (Vec::new(), Vec::new());
            runs::find(
                &data[..end],
                wanted,
                |start, stop| base64.push((start, stop, BASE64_BIT)),
                |start, stop| marks.push((start, stop, self.card_bits)),
                |at| {
                    self.assigned.before(&data[..end], at, |start, bit| {
                        named.push((start, at + 1, bit))
                    })
                },
            );
            marks.extend(base64);
            marks.extend(named);
        }
        marks.sort_unstable_by_key(|m| m.0);
        let mut pending = None;
        let mut candidate: Option<(Range<usize>, u64)> = None;
        for (start, stop, mask) in marks {
            if let Some((region, bits)) = &mut candidate
                && region.contains(&start)
                && stop <= region.end
            {
                *bits |= mask;
                continue;
            }
            if let Some((region, bits)) = candidate.take() {
                self.examine(data, region, bits, at_eof, hits, &mut pending, depth);
            }
            candidate = Some((region_around(data, end, start, stop), mask));
        }
        if let Some((region, bits)) = candidate {
            self.examine(data, region, bits, at_eof, hits, &mut pending, depth);
        }
        if let Some(cut) = pending {
            hits.retain(|h| h.line_start < cut);
        }
        pending
    }

    /// Scans one self-contained text (a bundle, a response body): everything is final.
    pub fn scan_all(&self, data: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.scan(data, data.len(), true, &mut hits);
        hits
    }

    #[allow(clippy::too_many_arguments)]
    fn examine(
        &self,
        data: &[u8],
        region: Range<usize>,
        bits: u64,
        at_eof: bool,
        hits: &mut Vec<Hit>,
        pending: &mut Option<usize>,
        depth: u8,
    ) {
        let line_start = region.start;
        let mut found = Found::default();
        for (index, rule) in self.rules.iter().enumerate() {
            if bits & (1 << index) == 0 {
                continue;
            }
            if rule.validator == Some(Validator::PrivateKey) {
                if let Err(cut) = self.private_keys(data, &region, index, at_eof, &mut found) {
                    pending.get_or_insert(cut);
                }
            } else {
                self.apply(
                    rule,
                    index,
                    &data[region.clone()],
                    region.start,
                    line_start,
                    &mut found,
                );
            }
        }
        let mut from_base64 = Vec::new();
        if bits & BASE64_BIT != 0 {
            self.base64_tokens(data, &region, depth, &mut from_base64, &mut found.claimed);
        }
        let found = resolve_overlaps(found, self.rules);
        let raw = &data[region.clone()];
        if depth < MAX_DECODE_DEPTH
            && memchr::memchr2(b'\\', b'%', raw).is_some()
            && let Some(decoded) = decode(raw)
        {
            let seen: HashSet<(usize, String)> = found
                .iter()
                .map(|(h, _)| (h.rule, h.redacted.fingerprint.clone()))
                .collect();
            let mut inner = Vec::new();
            self.scan_at_depth(&decoded, decoded.len(), true, &mut inner, depth + 1);
            for mut hit in inner {
                if !seen.contains(&(hit.rule, hit.redacted.fingerprint.clone())) {
                    hit.mask = region.clone();
                    hit.line_start = line_start;
                    hit.encoding = hit.encoding.max(Encoding::Escaped);
                    hits.push(hit);
                }
            }
        }
        let seen: HashSet<(usize, &str)> = found
            .iter()
            .map(|(h, _)| (h.rule, h.redacted.fingerprint.as_str()))
            .collect();
        from_base64.retain(|h| !seen.contains(&(h.rule, h.redacted.fingerprint.as_str())));
        drop(seen);
        hits.extend(from_base64);
        hits.extend(found.into_iter().map(|(hit, _)| hit));
    }

    /// Decodes the base64 tokens of a region that can hold a secret and scans what decodes to
    /// text. Hits are masked as the whole token; tokens holding a specific rule's secret claim
    /// their span, so a generic rule does not report the encoded form as well.
    fn base64_tokens(
        &self,
        data: &[u8],
        region: &Range<usize>,
        depth: u8,
        hits: &mut Vec<Hit>,
        claimed: &mut Vec<Range<usize>>,
    ) {
        let mut budget = BASE64_BUDGET;
        let mut tokens = Vec::new();
        let wanted = runs::Wanted {
            base64: true,
            card_digits: false,
            bytes: None,
        };
        runs::find(
            &data[region.clone()],
            wanted,
            |start, stop| tokens.push(region.start + start..region.start + stop),
            |_, _| {},
            |_| {},
        );
        for token in tokens {
            if budget == 0 {
                break;
            }
            let Some(decoded) = decode_base64_text(&data[token.clone()], &mut budget) else {
                continue;
            };
            let mut inner = Vec::new();
            self.scan_at_depth(&decoded, decoded.len(), true, &mut inner, depth + 1);
            for mut hit in inner {
                if !self.rules[hit.rule].generic {
                    claimed.push(token.clone());
                }
                hit.mask = token.clone();
                hit.line_start = region.start;
                hit.encoding = Encoding::Base64;
                hits.push(hit);
            }
        }
    }

    /// Runs one rule's regex over `text` (which starts at `offset` in the scanned data); for
    /// rules anchored on digit runs, only around the runs (a byte of context each side, for
    /// `\b`), which spares the regex a line full of other digits.
    fn apply(
        &self,
        rule: &Rule,
        index: usize,
        text: &[u8],
        offset: usize,
        line_start: usize,
        out: &mut Found,
    ) {
        if rule.anchor == Some(Anchor::Digits) {
            let mut windows = Vec::new();
            let wanted = runs::Wanted {
                base64: false,
                card_digits: true,
                bytes: None,
            };
            runs::find(
                text,
                wanted,
                |_, _| {},
                |start, end| windows.push(start.saturating_sub(1)..(end + 1).min(text.len())),
                |_| {},
            );
            for window in windows {
                self.apply_regex(rule, index, text, window, offset, line_start, out);
            }
        } else {
            self.apply_regex(rule, index, text, 0..text.len(), offset, line_start, out);
        }
    }

    /// Runs one rule's regex over `text[within]`; the surroundings a validator looks at are the
    /// whole of `text`.
    #[allow(clippy::too_many_arguments)]
    fn apply_regex(
        &self,
        rule: &Rule,
        index: usize,
        text: &[u8],
        within: Range<usize>,
        offset: usize,
        line_start: usize,
        out: &mut Found,
    ) {
        let Some(regex) = &rule.regex else { return };
        for caps in regex.captures_iter(&text[within.clone()]) {
            let whole = caps.get(0).expect("group 0");
            let secret = caps.get(1).unwrap_or(whole);
            let Ok(value) = std::str::from_utf8(secret.as_bytes()) else {
                continue;
            };
            // Spans in `text`, and in the scanned data.
            let (whole_span, secret_span) = (
                within.start + whole.start()..within.start + whole.end(),
                within.start + secret.start()..within.start + secret.end(),
            );
            let in_data = |span: &Range<usize>| offset + span.start..offset + span.end;
            if surroundings_reject(rule.validator, text, secret_span.clone()) {
                out.claimed.push(in_data(&whole_span));
                continue;
            }
            let context = String::from_utf8_lossy(whole.as_bytes());
            if let Some(hit) = self.confirm(
                rule,
                index,
                value,
                &context,
                in_data(&secret_span),
                line_start,
                Encoding::Plain,
            ) {
                out.hits.push((hit, in_data(&whole_span)));
            } else if !rule.generic {
                out.claimed.push(in_data(&whole_span));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn confirm(
        &self,
        rule: &Rule,
        index: usize,
        value: &str,
        context: &str,
        mask: Range<usize>,
        line_start: usize,
        encoding: Encoding,
    ) -> Option<Hit> {
        let (index, severity) = match validate(rule.validator, value, context, self.now_unix) {
            Verdict::Reject => return None,
            Verdict::Accept {
                reclassify,
                severity,
            } => {
                let index = reclassify
                    .and_then(|id| self.rule_index(id))
                    .unwrap_or(index);
                (index, severity.unwrap_or(self.rules[index].check.severity))
            }
        };
        let target = &self.rules[index];
        Some(Hit {
            rule: index,
            severity,
            mask,
            line_start,
            redacted: Redacted::with_type_prefix(value, &target.prefix),
            encoding,
        })
    }

    /// Private keys: on one line (possibly JSON-escaped) or over following lines that carry a
    /// prefix (timestamp, worker) before each base64 row. `Err(line_start)` when the key runs past
    /// the available data before its END line.
    fn private_keys(
        &self,
        data: &[u8],
        region: &Range<usize>,
        index: usize,
        at_eof: bool,
        out: &mut Found,
    ) -> Result<(), usize> {
        let rule = &self.rules[index];
        let Some(regex) = &rule.regex else {
            return Ok(());
        };
        let line_end =
            memchr(b'\n', &data[region.start..]).map_or(data.len(), |i| region.start + i);
        for m in regex.find_iter(&data[region.clone()]) {
            let begin = region.start + m.start();
            let marker = String::from_utf8_lossy(m.as_bytes()).into_owned();
            let after = region.start + m.end();
            let (body, stop) = match memmem::find(&data[after..line_end], b"-----END") {
                Some(i) => (clean_base64(&data[after..after + i]), after + i),
                None => match pem_following_lines(data, line_end, at_eof) {
                    Some(found) => found,
                    None if at_eof || data.len() - line_end > PEM_MAX_BYTES => {
                        (String::new(), line_end)
                    }
                    None => return Err(region.start),
                },
            };
            if let Some(hit) = self.confirm(
                rule,
                index,
                &body,
                &marker,
                begin..stop,
                region.start,
                Encoding::Plain,
            ) {
                out.hits.push((hit, begin..stop));
            }
        }
        Ok(())
    }
}

/// The keyword search: the SIMD searcher alone where the CPU has one (it is exact for literals, and
/// skips the automaton's bookkeeping on every match), else the Aho-Corasick automaton.
enum Keywords {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Keywords {
    fn new(words: &[String]) -> Keywords {
        Keywords::packed(words).unwrap_or_else(|| Keywords::automaton(words))
    }

    /// `None` where the CPU has no SIMD searcher for them.
    fn packed(words: &[String]) -> Option<Keywords> {
        aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(words)
            .build()
            .map(Keywords::Packed)
    }

    fn automaton(words: &[String]) -> Keywords {
        Keywords::Automaton(
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(words)
                .expect("keywords build an automaton"),
        )
    }

    /// Calls `found(keyword, start, end)` for each leftmost-first, non-overlapping match.
    fn each(&self, haystack: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        match self {
            Keywords::Packed(searcher) => searcher
                .find_iter(haystack)
                .for_each(|m| found(m.pattern().as_usize(), m.start(), m.end())),
            Keywords::Automaton(automaton) => automaton
                .find_iter(haystack)
                .for_each(|m| found(m.pattern().as_usize(), m.start(), m.end())),
        }
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Decodes a base64 token (at most `budget` bytes, which it uses up) when the result is text:
/// printable ASCII and line breaks, as configuration dumps and encoded headers are.
fn decode_base64_text(token: &[u8], budget: &mut usize) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let body = match memchr(b'=', token) {
        Some(i) => &token[..i],
        None => token,
    };
    // Whole 4-character groups within the budget; a dangling single character cannot decode.
    let mut len = body.len().min(*budget / 3 * 4);
    if len < body.len() {
        len -= len % 4;
    } else if len % 4 == 1 {
        len -= 1;
    }
    let body = &body[..len];
    let url_safe = body.iter().any(|b| matches!(b, b'-' | b'_'));
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let alphabet = if url_safe {
        &base64::alphabet::URL_SAFE
    } else {
        &base64::alphabet::STANDARD
    };
    let decoded = GeneralPurpose::new(alphabet, config).decode(body).ok()?;
    *budget = budget.saturating_sub(decoded.len());
    let text = decoded
        .iter()
        .filter(|b| matches!(b, b' '..=b'~' | b'\n' | b'\r' | b'\t'))
        .count();
    (text * 100 >= decoded.len() * 95).then_some(decoded)
}

/// Matches whose surroundings show they are something else: an e-mail-like `user@host` that is
/// the user part of a URL, card-like digits that are part of a UUID or a hex token.
fn surroundings_reject(validator: Option<Validator>, text: &[u8], span: Range<usize>) -> bool {
    match validator {
        Some(Validator::Email) => in_url_userinfo(text, span.start),
        Some(Validator::Luhn) => in_hex_token(text, span),
        _ => false,
    }
}

/// `scheme://user@host` or `//user:password@host`: after `//` in the same token, before any `/`.
fn in_url_userinfo(text: &[u8], start: usize) -> bool {
    let token_start = text[..start]
        .iter()
        .rposition(|b| b.is_ascii_whitespace() || b"\"'<>()[]{},;".contains(b))
        .map_or(0, |i| i + 1);
    let before = &text[token_start..start];
    memmem::rfind(before, b"//").is_some_and(|i| !before[i + 2..].contains(&b'/'))
}

/// Digits inside a UUID (8-4-4-4-12 hex groups) or inside a whole token of hex digits and dashes
/// that holds hex letters (a trace or request id).
fn in_hex_token(text: &[u8], span: Range<usize>) -> bool {
    let hexish = |b: &u8| b.is_ascii_hexdigit() || *b == b'-';
    let is_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let start = text[..span.start]
        .iter()
        .rposition(|b| !hexish(b))
        .map_or(0, |i| i + 1);
    let end = text[span.end..]
        .iter()
        .position(|b| !hexish(b))
        .map_or(text.len(), |i| span.end + i);
    let run = &text[start..end];
    let groups: Vec<usize> = run.split(|b| *b == b'-').map(<[u8]>::len).collect();
    let uuid = groups
        .windows(5)
        .any(|g| g[0] >= 8 && g[1] == 4 && g[2] == 4 && g[3] == 4 && g[4] >= 12);
    let whole_token =
        (start == 0 || !is_word(&text[start - 1])) && text.get(end).is_none_or(|b| !is_word(b));
    uuid || (whole_token && run.iter().any(u8::is_ascii_alphabetic))
}

/// Cheap context checks before an anchor byte marks its line: `@` between word characters (an
/// address), `+` before a non-zero digit (a phone number).
fn anchor_plausible(data: &[u8], end: usize, at: usize) -> bool {
    let before = at.checked_sub(1).map(|i| data[i]);
    let after = data[..end].get(at + 1).copied();
    match data[at] {
        b'@' => {
            before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
                && after.is_some_and(|b| b.is_ascii_alphanumeric())
        }
        b'+' => after.is_some_and(|b| (b'1'..=b'9').contains(&b)),
        _ => true,
    }
}

/// The line around a keyword, or a window of it when the line is very long.
fn region_around(data: &[u8], end: usize, start: usize, stop: usize) -> Range<usize> {
    let line_start = memrchr(b'\n', &data[..start]).map_or(0, |i| i + 1);
    let line_end = memchr(b'\n', &data[stop..end]).map_or(end, |i| stop + i);
    if line_end - line_start <= LONG_LINE {
        line_start..line_end
    } else {
        start.saturating_sub(WINDOW_BEFORE).max(line_start)..(stop + WINDOW_AFTER).min(line_end)
    }
}

/// Drops generic hits that overlap a specific rule's match (confirmed or rejected), and exact
/// duplicates.
fn resolve_overlaps(found: Found, rules: &[Rule]) -> Vec<(Hit, Range<usize>)> {
    let Found {
        hits: mut found,
        claimed,
    } = found;
    let specific: Vec<Range<usize>> = found
        .iter()
        .filter(|(h, _)| !rules[h.rule].generic)
        .map(|(_, span)| span.clone())
        .chain(claimed)
        .collect();
    found.retain(|(hit, span)| {
        !rules[hit.rule].generic
            || !specific
                .iter()
                .any(|s| s.start < span.end && span.start < s.end)
    });
    let mut seen = HashSet::new();
    found.retain(|(hit, span)| seen.insert((hit.rule, span.start, span.end)));
    found
}

/// Base64 characters only (escapes, quotes and whitespace removed).
fn clean_base64(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw)
        .replace("\\n", "")
        .replace("\\r", "");
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect()
}

/// Base64 rows on the lines after `line_end`, each taken from the end of its line (after any
/// timestamp or worker prefix), up to the END line. `None` if the data ends first.
fn pem_following_lines(data: &[u8], line_end: usize, at_eof: bool) -> Option<(String, usize)> {
    let mut body = String::new();
    let mut position = line_end + 1;
    for _ in 0..PEM_MAX_LINES {
        if position >= data.len() || body.len() > PEM_MAX_BYTES {
            return None;
        }
        // A last line without its newline may still be growing: ask for more input.
        let stop = match memchr(b'\n', &data[position..]) {
            Some(i) => position + i,
            None if at_eof => data.len(),
            None => return None,
        };
        let line = &data[position..stop];
        if memmem::find(line, b"-----END").is_some() {
            return Some((body, stop));
        }
        let last = line
            .rsplit(|b| matches!(b, b' ' | b'\t' | b'|' | b']'))
            .next()
            .unwrap_or(b"");
        let row = String::from_utf8_lossy(last);
        let row = row.trim_end_matches('\r');
        if row.is_empty()
            || row.len() > 100
            || !row
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        {
            return Some((body, position));
        }
        body.push_str(row);
        position = stop + 1;
    }
    Some((body, position))
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// JSON-unescapes and percent-decodes a line; `None` when nothing changed.
pub fn decode(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\\' if i + 1 < raw.len() => {
                match raw[i + 1] {
                    b'n' => out.push(b'\n'),
                    b'r' | b't' => out.push(b' '),
                    b'/' | b'\\' | b'"' => out.push(raw[i + 1]),
                    b'u' if i + 5 < raw.len() => {
                        let code = raw[i + 2..i + 6].iter().try_fold(0u32, |acc, b| {
                            hex_value(*b).map(|d| acc * 16 + u32::from(d))
                        });
                        match code.and_then(char::from_u32) {
                            Some(c) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                                i += 6;
                                continue;
                            }
                            None => out.extend_from_slice(&raw[i..i + 2]),
                        }
                    }
                    other => out.extend_from_slice(&[b'\\', other]),
                }
                i += 2;
            }
            b'%' if i + 2 < raw.len() => match (hex_value(raw[i + 1]), hex_value(raw[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    (out != raw).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&'static str> {
        let scanner = Scanner::new();
        let mut found: Vec<&'static str> = scanner
            .scan_all(text.as_bytes())
            .iter()
            .map(|h| scanner.rules[h.rule].id())
            .collect();
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn every_rule_example_is_found_and_no_negative_example_is() {
        let scanner = Scanner::new();
        let mut problems = Vec::new();
        for rule in scanner.rules() {
            for example in &rule.examples {
                if !ids(example).contains(&rule.id()) {
                    problems.push(format!("{}: example not found: {example}", rule.id()));
                }
            }
            for negative in &rule.negative_examples {
                if ids(negative).contains(&rule.id()) {
                    problems.push(format!("{}: negative example found: {negative}", rule.id()));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn json_escaped_and_url_encoded_secrets_are_found() {
        assert_eq!(
            ids(
                r#"{"msg":"GET /cb?dsn=postgres%3A%2F%2Fapp%3AlgFixturePw-9f8e7d%40db%3A5432%2Fprod"}"#
            ),
            ["secrets.db_url"]
        );
        assert_eq!(
            ids(r#"{"creds":"aws_secret_access_key=lgFixture0123456789abcdefGHIJKLMN\/+op12Q"}"#),
            ["secrets.aws_secret_key"]
        );
    }

    #[test]
    fn assignments_are_found_before_their_operators_however_written() {
        for line in [
            "db.password=Zq8!rT2#pLk9$wX4",
            "DB_PASSWORD = Zq8!rT2#pLk9$wX4",
            "  client_secret: Zq8rT2pLk9wX4mN7",
            r#"{"Api_Key" : "Zq8rT2pLk9wX4mN7"}"#,
            // JSON inside a JSON string: the quotes before the operator are escaped.
            r#"{"body":"{\"password\":\"Zq8!rT2#pLk9$wX4\"}"}"#,
        ] {
            assert_eq!(ids(line), ["secrets.generic_assignment"], "{line}");
        }
        // Fields that only contain a name, and a session object in code, are not assignments.
        for line in [
            r#"{"token_type":"access","api_key_id":"key_Zq8rT2pLk9wX4mN7","session_id":"Zq8rT2pLk9wX4mN7Zq8"}"#,
            "    session = store.get_session(tenant_id=Zq8rT2pLk9wX4mN7)",
            "GET /sessions/1?token_type=refresh&key_id=Zq8rT2pLk9wX4mN7",
        ] {
            assert_eq!(ids(line), Vec::<&str>::new(), "{line}");
        }
        assert_eq!(
            ids("Cookie: theme=dark; sessionid=Zq8rT2pLk9wX4mN7Zq8rT2"),
            ["secrets.session_cookie"]
        );
        assert_eq!(
            ids("dsn=mongodb+srv://app:lgFixturePw-9f8e7d@cluster0.db.internal/prod"),
            ["secrets.db_url"]
        );
    }

    #[test]
    fn private_keys_split_across_prefixed_lines() {
        let log = "2026-11-26T10:00:00Z [w1] key: -----BEGIN RSA PRIVATE KEY-----\n\
                   2026-11-26T10:00:00Z [w1] MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n\
                   2026-11-26T10:00:00Z [w1] KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n\
                   2026-11-26T10:00:00Z [w1] -----END RSA PRIVATE KEY-----\n";
        assert_eq!(ids(log), ["secrets.private_key"]);
        assert_eq!(
            ids(log.trim_end()),
            ["secrets.private_key"],
            "an END line without a newline at the end of input"
        );
        let scanner = Scanner::new();
        let mut hits = Vec::new();
        let cut = log.find("KUpR").unwrap();
        assert_eq!(
            scanner.scan(&log.as_bytes()[..cut], cut, false, &mut hits),
            Some(0),
            "an unfinished key asks for more input"
        );
        assert!(hits.is_empty());
        assert_eq!(
            ids("-----BEGIN RSA PRIVATE KEY-----\n2026 [w1] not base64 at all!\n"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn grouped_card_numbers_are_found_at_every_alignment() {
        for pad in 0..20 {
            let text = format!("{}pan 4532 0151 1283 0366 ok", "x".repeat(pad));
            assert_eq!(ids(&text), ["pii.card_number"], "padding {pad}");
            let dashed = format!("{}pan 4532-0151-1283-0366", "y".repeat(pad));
            assert_eq!(ids(&dashed), ["pii.card_number"], "padding {pad}");
        }
    }

    #[test]
    fn a_rejected_specific_match_is_not_reported_by_a_generic_rule() {
        assert_eq!(
            ids("GET /hooks?token=ghp_lgTestTokenBody0123456789abcde09hmxH"),
            Vec::<&str>::new()
        );
        assert_eq!(
            ids("aws_access_key_id=AKIAIOSFODNN7EXAMPLE"),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn specific_rules_win_over_generic_ones() {
        assert_eq!(
            ids(
                "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkZpeHR1cmUiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MjAwMDAwMDAwMH0.dGhpc0lzTm90QVJlYWxTaWduYXR1cmVKdXN0QUZpeHR1cmU"
            ),
            ["secrets.jwt"]
        );
        assert_eq!(
            ids("postgresql://app:lgFixturePw-9f8e7d@db.internal:5432/prod"),
            ["secrets.db_url"]
        );
    }

    #[test]
    fn secrets_inside_base64_tokens_are_found_and_say_so() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        let env = "LOG_LEVEL=info\nGITHUB_TOKEN=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\n";
        let scanner = Scanner::new();
        for line in [
            format!(
                r#"{{"msg":"container env","env_b64":"{}"}}"#,
                STANDARD.encode(env)
            ),
            format!("GET /hook?payload={} 200", URL_SAFE_NO_PAD.encode(env)),
            format!(
                "data.GITHUB_TOKEN: {}",
                STANDARD.encode("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")
            ),
        ] {
            let hits = scanner.scan_all(line.as_bytes());
            let found: Vec<(&str, Encoding)> = hits
                .iter()
                .map(|h| (scanner.rules[h.rule].id(), h.encoding))
                .collect();
            assert_eq!(
                found,
                [("secrets.github_token", Encoding::Base64)],
                "{line}"
            );
            let token = &line[hits[0].mask.clone()];
            assert!(
                !token.contains(' ') && token.len() >= crate::runs::BASE64_MIN,
                "{token}"
            );
        }
        let harmless = STANDARD.encode(r#"{"theme":"dark","locale":"en-GB","session_ttl":3600}"#);
        assert_eq!(ids(&format!("prefs blob={harmless}")), Vec::<&str>::new());
        let binary: Vec<u8> = (0..96u8).map(|b| b.wrapping_mul(37)).collect();
        assert_eq!(
            ids(&format!("avatar={}", STANDARD.encode(binary))),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn decoding_base64_is_bounded_per_line() {
        use base64::Engine as _;
        let secret = "GITHUB_TOKEN=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\n";
        let filler = "LOG_LEVEL=info REGION=eu-west-1\n".repeat(BASE64_BUDGET / 32 + 1);
        let line = format!(
            "blob={} late={}",
            base64::engine::general_purpose::STANDARD.encode(&filler),
            base64::engine::general_purpose::STANDARD.encode(secret)
        );
        assert_eq!(
            ids(&line),
            Vec::<&str>::new(),
            "the budget was spent on the first token"
        );
    }

    #[test]
    fn url_userinfo_uuids_and_public_keys_are_not_reported() {
        assert_eq!(
            ids("connecting to postgresql://postgres@db.host:5432/app as ci@tenant-a.io"),
            ["pii.email"]
        );
        assert_eq!(
            ids("job=0f8fad5b-d9cb-4a11-8532-015112830367 card=4532015112830366"),
            ["pii.card_number"]
        );
        assert_eq!(
            ids("apikey=sb_publishable_lgFixture0123456789abcd_ef012345"),
            ["secrets.supabase_publishable_key"]
        );
        let scanner = Scanner::new();
        let hits = scanner.scan_all(br#"{"api_key":"pk_live_51LgFixture0123456789abcdefGHIJ"}"#);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            (scanner.rules[hits[0].rule].id(), hits[0].severity),
            ("secrets.stripe_publishable_key", Severity::Info)
        );
    }

    #[test]
    fn hits_never_hold_the_secret() {
        let scanner = Scanner::new();
        let hits = scanner.scan_all(b"token=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");
        let shown = format!("{hits:?}");
        assert!(!shown.contains("lgTestTokenBody"), "{shown}");
        assert_eq!(hits[0].redacted.prefix, "gh");
    }

    #[test]
    fn long_lines_and_binary_do_not_break_the_engine() {
        let mut long = vec![b'a'; 200_000];
        long.extend_from_slice(b" key=AIzaLgFixture0123456789abcdefGHIJKLMNOP ");
        long.extend(vec![b'b'; 200_000]);
        assert_eq!(
            ids(&String::from_utf8(long).unwrap()),
            ["secrets.google_api_key"]
        );
        let binary: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let _ = Scanner::new().scan_all(&binary);
    }
    #[test]
    fn the_simd_keyword_search_and_the_automaton_find_the_same_keywords() {
        let words: Vec<String> = RULES
            .iter()
            .flat_map(|rule| rule.keywords.iter().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut text = String::new();
        for rule in RULES.iter() {
            for example in rule.examples.iter().chain(&rule.negative_examples) {
                text.push_str(example);
                text.push('\n');
            }
        }
        text.push_str("session_id token_type tokens PASSWORD=x sk-proj-sk-ant- ghp_gho_ eyJeyJ");
        let matches = |keywords: &Keywords| {
            let mut found = Vec::new();
            keywords.each(text.as_bytes(), |pattern, start, end| {
                found.push((pattern, start, end))
            });
            found
        };
        let Some(packed) = Keywords::packed(&words) else {
            eprintln!(
                "SKIPPED: this CPU has no SIMD keyword searcher; the automaton is used alone"
            );
            return;
        };
        let found = matches(&packed);
        assert!(found.len() > 50, "{}", found.len());
        assert_eq!(found, matches(&Keywords::automaton(&words)));
    }
}
