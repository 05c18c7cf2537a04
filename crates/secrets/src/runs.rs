//! Long runs of base64 and card-number characters, and assignment operators, found 64 bytes at a
//! time.
//!
//! Each block of 64 bytes is classified with SIMD compares into two bitmasks (base64 characters;
//! digits, spaces and dashes). Shifting a mask against itself marks where a run at least N long
//! ends, so only blocks holding such a run reach the code that measures it, which works on the
//! full class masks of the blocks around it and reads bytes only for runs longer than those.
//! Logs are mostly short words, numbers and punctuation: nearly every block is done in a few
//! instructions. (Before this, sampling every 13th and 32nd byte and walking each word cost a
//! third of the scan.) The same compares mark the operators `=` and `:`, whose positions are
//! handed on as they are.

use wide::i8x16;

/// Base64 tokens shorter than this cannot hold a secret worth decoding (24 bytes decoded).
pub const BASE64_MIN: usize = 32;
/// Card numbers have 13 to 19 digits.
const CARD_DIGITS: std::ops::RangeInclusive<usize> = 13..=19;

/// Which runs (and bytes) to look for.
#[derive(Clone, Copy)]
pub struct Wanted {
    pub base64: bool,
    pub card_digits: bool,
    /// Two bytes whose every position is reported (the operators of assignments).
    pub bytes: Option<[u8; 2]>,
}

/// Reports, in order of their ends within each kind, base64 tokens that can hold a secret and
/// card-like digit runs in `data`:
/// - `base64(start, end)`: runs of at least [`BASE64_MIN`] characters of one base64 alphabet
///   (standard or URL-safe, up to two `=` of padding), holding upper- and lower-case letters (hex
///   digests, lower-case paths and UUIDs are not base64 text);
/// - `digits(start, end)`: whole runs of digits, spaces and dashes holding 13 to 19 digits;
/// - `byte(at)`: every position of the wanted bytes, in order.
pub fn find(
    data: &[u8],
    wanted: Wanted,
    mut base64: impl FnMut(usize, usize),
    mut digits: impl FnMut(usize, usize),
    mut byte: impl FnMut(usize),
) {
    let marked = wanted
        .bytes
        .map(|bytes| bytes.map(|b| i8x16::splat(b as i8)));
    let mut measure = Measure {
        data,
        base64_done: 0,
        digits_done: 0,
        classified: [None; 3],
    };
    // Window ends are found in the block before the one just classified, so that the masks of
    // the blocks on both sides measure nearly every run without going back to the bytes.
    let (mut before, mut middle) = (Members::default(), Members::default());
    let mut ends = Ends::default();
    let mut step = |block: &[u8; 64], offset: usize| {
        let after = Members::of(block, &marked);
        let mut bytes = after.marked;
        while bytes != 0 {
            byte(offset + bytes.trailing_zeros() as usize);
            bytes &= bytes - 1;
        }
        if ends.base64 != 0 {
            ends.base64 = mixed_case_runs(&before, &middle, &after, ends.base64);
        }
        if ends.base64 | ends.card != 0 {
            measure.runs(offset.wrapping_sub(64), ends, &mut base64, &mut digits);
        }
        // Consecutive window ends are one run: its first window in the block stands for it.
        let first = |ends: u64| ends & !(ends << 1);
        ends = Ends {
            base64: if wanted.base64 {
                first(long_run_ends::<BASE64_MIN>(middle.base64, after.base64))
            } else {
                0
            },
            card: if wanted.card_digits {
                first(long_run_ends::<{ *CARD_DIGITS.start() }>(
                    middle.card,
                    after.card,
                ))
            } else {
                0
            },
        };
        (before, middle) = (middle, after);
    };
    let mut blocks = data.chunks_exact(64);
    let mut offset = 0;
    for block in blocks.by_ref() {
        step(block.try_into().expect("chunks of 64"), offset);
        offset += 64;
    }
    // Zero is in no class: padding ends every run at the end of the data, and one block of it
    // measures the runs of the last block.
    let rest = blocks.remainder();
    if !rest.is_empty() {
        step(&padded(rest), offset);
        offset += 64;
    }
    step(&[0; 64], offset);
}

/// A block's bytes, zero-padded to 64.
fn padded(bytes: &[u8]) -> [u8; 64] {
    let mut block = [0u8; 64];
    block[..bytes.len()].copy_from_slice(bytes);
    block
}

/// The classes that find runs, bit `i` for byte `i` of a block.
#[derive(Default, Clone, Copy)]
struct Members {
    base64: u64,
    upper: u64,
    lower: u64,
    /// Digits, spaces and dashes.
    card: u64,
    /// The wanted bytes.
    marked: u64,
}

/// Where windows of long runs end in a block.
#[derive(Default, Clone, Copy)]
struct Ends {
    base64: u64,
    card: u64,
}

impl Members {
    #[inline(always)]
    fn of(block: &[u8; 64], marked: &Option<[i8x16; 2]>) -> Members {
        let mut members = Members::default();
        for (lane, bytes) in block.chunks_exact(16).enumerate() {
            let x = lanes(bytes);
            let classes = Classes::of(x);
            let bits = |v: i8x16| u64::from(v.to_bitmask()) << (lane * 16);
            members.base64 |= bits(classes.base64());
            members.upper |= bits(classes.upper);
            members.lower |= bits(classes.lower);
            members.card |= bits(classes.card());
            if let Some([a, b]) = marked {
                members.marked |= bits(x.simd_eq(*a) | x.simd_eq(*b));
            }
        }
        members
    }
}

/// The classes of sixteen bytes, a lane of all ones for each byte in the class.
struct Classes {
    digit: i8x16,
    upper: i8x16,
    lower: i8x16,
    dash: i8x16,
    space: i8x16,
    /// `+` and `/`.
    standard_only: i8x16,
    /// `-` and `_`.
    url_safe_only: i8x16,
}

impl Classes {
    #[inline(always)]
    fn of(x: i8x16) -> Classes {
        let splat = |b: u8| i8x16::splat(b as i8);
        let within = |low: u8, high: u8| x.simd_gt(splat(low - 1)) & x.simd_lt(splat(high + 1));
        let dash = x.simd_eq(splat(b'-'));
        Classes {
            digit: within(b'0', b'9'),
            upper: within(b'A', b'Z'),
            lower: within(b'a', b'z'),
            dash,
            space: x.simd_eq(splat(b' ')),
            standard_only: x.simd_eq(splat(b'+')) | x.simd_eq(splat(b'/')),
            url_safe_only: dash | x.simd_eq(splat(b'_')),
        }
    }

    fn base64(&self) -> i8x16 {
        self.digit | self.upper | self.lower | self.standard_only | self.url_safe_only
    }

    fn card(&self) -> i8x16 {
        self.digit | self.dash | self.space
    }
}

/// Sixteen bytes as signed lanes: bytes from 0x80 up are negative and fall outside every ASCII
/// range the signed compares test.
#[inline]
fn lanes(bytes: &[u8]) -> i8x16 {
    let bytes: [u8; 16] = bytes.try_into().expect("chunks of 16");
    i8x16::new(bytes.map(|b| b as i8))
}

/// Every class a run is judged by, bit `i` for byte `i` of a block.
#[derive(Default, Clone, Copy)]
struct Masks {
    base64: u64,
    card: u64,
    upper: u64,
    lower: u64,
    /// `+` and `/`, only in the standard alphabet.
    standard_only: u64,
    /// `-` and `_`, only in the URL-safe alphabet.
    url_safe_only: u64,
    digit: u64,
}

impl Masks {
    /// The block of `data` at `offset` (zero beyond either end; `offset` may wrap below zero).
    fn at(data: &[u8], offset: usize) -> Masks {
        match data.get(offset..) {
            Some(bytes) => Masks::of(&padded(&bytes[..bytes.len().min(64)])),
            None => Masks::default(),
        }
    }

    fn of(block: &[u8; 64]) -> Masks {
        let mut masks = Masks::default();
        for (lane, bytes) in block.chunks_exact(16).enumerate() {
            let classes = Classes::of(lanes(bytes));
            let bits = |v: i8x16| u64::from(v.to_bitmask()) << (lane * 16);
            masks.base64 |= bits(classes.base64());
            masks.card |= bits(classes.card());
            masks.upper |= bits(classes.upper);
            masks.lower |= bits(classes.lower);
            masks.standard_only |= bits(classes.standard_only);
            masks.url_safe_only |= bits(classes.url_safe_only);
            masks.digit |= bits(classes.digit);
        }
        masks
    }
}

/// Measures the runs whose windows end in a block, in order, each once.
struct Measure<'a> {
    data: &'a [u8],
    // Runs already measured extend to here: later windows inside them are the same run.
    base64_done: usize,
    digits_done: usize,
    /// The last blocks classified in full, by offset: consecutive blocks with runs share them.
    classified: [Option<(usize, Masks)>; 3],
}

impl Measure<'_> {
    fn masks(&mut self, offset: usize) -> Masks {
        if let Some((_, masks)) = self
            .classified
            .iter()
            .flatten()
            .find(|(at, _)| *at == offset)
        {
            return *masks;
        }
        let masks = Masks::at(self.data, offset);
        self.classified.rotate_right(1);
        self.classified[0] = Some((offset, masks));
        masks
    }

    #[inline(never)]
    fn runs(
        &mut self,
        middle: usize,
        mut ends: Ends,
        base64: &mut impl FnMut(usize, usize),
        digits: &mut impl FnMut(usize, usize),
    ) {
        let view = View {
            data: self.data,
            base: middle.wrapping_sub(64),
            before: self.masks(middle.wrapping_sub(64)),
            middle: self.masks(middle),
            after: self.masks(middle + 64),
        };
        while ends.base64 != 0 {
            let at = middle + ends.base64.trailing_zeros() as usize;
            ends.base64 &= ends.base64 - 1;
            if at >= self.base64_done {
                let run = view.run(at, |m| m.base64, is_base64);
                self.base64_done = run.end;
                if let Some(end) = run.as_base64(&view) {
                    base64(run.start, end);
                }
            }
        }
        while ends.card != 0 {
            let at = middle + ends.card.trailing_zeros() as usize;
            ends.card &= ends.card - 1;
            if at >= self.digits_done {
                let run = view.run(at, |m| m.card, is_card);
                self.digits_done = run.end;
                if CARD_DIGITS.contains(&run.digits(&view)) {
                    digits(run.start, run.end);
                }
            }
        }
    }
}

/// Keeps the window ends in `middle` whose run may be base64 text: it holds an upper- and a
/// lower-case letter, or it reaches beyond the three blocks (where the masks cannot tell).
/// UUIDs, hex digests and lower-case paths, which fill some logs, stop here.
fn mixed_case_runs(before: &Members, middle: &Members, after: &Members, ends: u64) -> u64 {
    let members = [before.base64, middle.base64, after.base64];
    // Adding a run's letters to the run carries out of it, into the zero just past its end:
    // those bits mark the runs that hold at least one such letter.
    let closing = |letters: [u64; 3]| {
        let (mut out, mut carry) = ([0u64; 3], false);
        for (i, &run) in members.iter().enumerate() {
            let (sum, first) = run.overflowing_add(letters[i] & run);
            let (sum, second) = sum.overflowing_add(u64::from(carry));
            carry = first || second;
            out[i] = sum & !run;
        }
        out
    };
    let upper = closing([before.upper, middle.upper, after.upper]);
    let lower = closing([before.lower, middle.lower, after.lower]);
    let mixed = [upper[1] & lower[1], upper[2] & lower[2]];
    let mut kept = 0;
    let mut rest = ends;
    while rest != 0 {
        let bit = rest & rest.wrapping_neg();
        rest &= rest - 1;
        // The first window of a run sees its start; where the run ends decides.
        let in_middle = !middle.base64 & !(bit - 1);
        let keep = if in_middle != 0 {
            mixed[0] & in_middle & in_middle.wrapping_neg() != 0
        } else {
            let in_after = !after.base64;
            in_after == 0 || mixed[1] & in_after & in_after.wrapping_neg() != 0
        };
        if keep {
            kept |= bit;
        }
    }
    kept
}

/// Bits of `current` where a run of set bits at least `MIN` long (1 < `MIN` <= 64) ends,
/// counting the bits of `previous` (the block before) as coming first.
#[inline]
fn long_run_ends<const MIN: usize>(previous: u64, current: u64) -> u64 {
    let both = u128::from(previous) | (u128::from(current) << 64);
    // Doubling: after each step a bit is set where the `covered` bits up to it are all set.
    let (mut runs, mut covered) = (both, 1usize);
    while covered < MIN {
        let step = covered.min(MIN - covered);
        runs &= runs << step;
        covered += step;
    }
    (runs >> 64) as u64
}

/// Three consecutive blocks: bit `i` of a combined mask of the first two is byte `base + i`,
/// bit `i` of the third is byte `base + 128 + i`. At the start of the data, the blocks before it
/// are empty and `base` wraps, but no run reaches back into them.
struct View<'a> {
    data: &'a [u8],
    base: usize,
    before: Masks,
    middle: Masks,
    after: Masks,
}

impl View<'_> {
    fn both(&self, class: impl Fn(&Masks) -> u64) -> u128 {
        u128::from(class(&self.before)) | (u128::from(class(&self.middle)) << 64)
    }

    /// The whole run of a class around byte `at` (in the middle block): from the masks, and
    /// byte by byte only for the parts beyond the three blocks.
    fn run(&self, at: usize, class: impl Fn(&Masks) -> u64, is: fn(&u8) -> bool) -> Run {
        let members = self.both(&class);
        let bit = at.wrapping_sub(self.base);
        let mut outside = Outside::default();
        let outside_below = !members & ((1u128 << bit) - 1);
        let (start, low) = if outside_below == 0 {
            let mut start = self.base;
            while start > 0 && is(&self.data[start - 1]) {
                start -= 1;
                outside.add(self.data[start]);
            }
            (start, 0)
        } else {
            let low = 128 - outside_below.leading_zeros() as usize;
            (self.base.wrapping_add(low), low)
        };
        let outside_above = !members >> bit;
        let (end, high, after) = if outside_above != 0 {
            let high = bit + outside_above.trailing_zeros() as usize;
            (self.base.wrapping_add(high), high, 0)
        } else {
            let into_after = (!class(&self.after)).trailing_zeros() as usize;
            let mut end = self.base.wrapping_add(128 + into_after);
            if into_after == 64 {
                while end < self.data.len() && is(&self.data[end]) {
                    outside.add(self.data[end]);
                    end += 1;
                }
            }
            (end, 128, low_bits(into_after))
        };
        Run {
            start,
            end,
            span: match high - low {
                128 => u128::MAX,
                width => ((1u128 << width) - 1) << low,
            },
            after,
            outside,
        }
    }
}

/// The lowest `n` bits (`n` <= 64).
fn low_bits(n: usize) -> u64 {
    if n == 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// A maximal run of one class, `start..end` in the data; `span` and `after` mark its bytes in
/// the view's masks, `outside` sums up its bytes beyond the view.
struct Run {
    start: usize,
    end: usize,
    span: u128,
    after: u64,
    outside: Outside,
}

#[derive(Default)]
struct Outside {
    upper: bool,
    lower: bool,
    standard_only: bool,
    url_safe_only: bool,
    digits: usize,
}

impl Outside {
    fn add(&mut self, b: u8) {
        self.upper |= b.is_ascii_uppercase();
        self.lower |= b.is_ascii_lowercase();
        self.standard_only |= matches!(b, b'+' | b'/');
        self.url_safe_only |= matches!(b, b'-' | b'_');
        self.digits += usize::from(b.is_ascii_digit());
    }
}

impl Run {
    /// How many digits the run holds.
    fn digits(&self, view: &View) -> usize {
        let inside = (view.both(|m| m.digit) & self.span).count_ones()
            + (view.after.digit & self.after).count_ones();
        inside as usize + self.outside.digits
    }

    fn has(&self, view: &View, class: impl Fn(&Masks) -> u64) -> bool {
        view.both(&class) & self.span != 0 || class(&view.after) & self.after != 0
    }

    /// The run's end with its padding, when it can be base64 text worth decoding: long enough,
    /// mixed case, and of one alphabet.
    fn as_base64(&self, view: &View) -> Option<usize> {
        let outside = &self.outside;
        let mixed_case = (outside.upper || self.has(view, |m| m.upper))
            && (outside.lower || self.has(view, |m| m.lower));
        let standard = outside.standard_only || self.has(view, |m| m.standard_only);
        let url_safe = outside.url_safe_only || self.has(view, |m| m.url_safe_only);
        if self.end - self.start < BASE64_MIN || !mixed_case || (standard && url_safe) {
            return None;
        }
        let mut end = self.end;
        for _ in 0..2 {
            if view.data.get(end) == Some(&b'=') {
                end += 1;
            }
        }
        Some(end)
    }
}

fn is_base64(b: &u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn is_card(b: &u8) -> bool {
    b.is_ascii_digit() || matches!(b, b' ' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Base64 tokens and card-like digit runs, as (start, end), and operators.
    type Found = (Vec<(usize, usize)>, Vec<(usize, usize)>, Vec<usize>);

    fn runs(data: &[u8]) -> Found {
        let (mut base64, mut digits, mut operators) = (Vec::new(), Vec::new(), Vec::new());
        let wanted = Wanted {
            base64: true,
            card_digits: true,
            bytes: Some(*b"=:"),
        };
        find(
            data,
            wanted,
            |s, e| base64.push((s, e)),
            |s, e| digits.push((s, e)),
            |at| operators.push(at),
        );
        (base64, digits, operators)
    }

    /// The definition, byte by byte: every maximal run, then the same filters.
    fn naive(data: &[u8]) -> Found {
        let maximal = |is: &dyn Fn(u8) -> bool| {
            let mut out = Vec::new();
            let mut i = 0;
            while i < data.len() {
                if is(data[i]) {
                    let start = i;
                    while i < data.len() && is(data[i]) {
                        i += 1;
                    }
                    out.push((start, i));
                } else {
                    i += 1;
                }
            }
            out
        };
        let base64 = maximal(&|b| is_base64(&b))
            .into_iter()
            .filter_map(|(s, e)| {
                let run = &data[s..e];
                let mixed = run.iter().any(u8::is_ascii_uppercase)
                    && run.iter().any(u8::is_ascii_lowercase);
                let standard = run.iter().any(|b| matches!(b, b'+' | b'/'));
                let url_safe = run.iter().any(|b| matches!(b, b'-' | b'_'));
                let padding = data[e..].iter().take(2).take_while(|b| **b == b'=').count();
                (e - s >= BASE64_MIN && mixed && !(standard && url_safe))
                    .then_some((s, e + padding))
            })
            .collect();
        let digits = maximal(&|b| b.is_ascii_digit() || b == b' ' || b == b'-')
            .into_iter()
            .filter(|&(s, e)| {
                CARD_DIGITS.contains(&data[s..e].iter().filter(|b| b.is_ascii_digit()).count())
            })
            .collect();
        let operators = (0..data.len())
            .filter(|&i| matches!(data[i], b'=' | b':'))
            .collect();
        (base64, digits, operators)
    }

    #[test]
    fn finds_exactly_the_runs_the_definition_names_across_block_edges() {
        let token = "QUtJQUlPU0ZPRE5ON0VYQU1QTEUgc2VjcmV0PXdKYWxyWFV0bkZFTUk=";
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for pad in 0..130 {
            let mut line = vec![b'.'; pad];
            line.extend_from_slice(token.as_bytes());
            line.extend_from_slice(
                b" card 4111 1111 1111 1111 uuid 3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b key=v:w ",
            );
            line.extend_from_slice(&vec![b'7'; pad % 23]);
            cases.push(line);
            // One letter of the other case, at either end of a run longer than the masks see.
            let dots = ".".repeat(pad);
            cases.push(format!("{dots}A{} x", "b".repeat(250)).into_bytes());
            cases.push(format!("{dots}{}A x", "b".repeat(250)).into_bytes());
            cases.push(format!("{dots}{}Q{} x", "c".repeat(pad), "d".repeat(40)).into_bytes());
        }
        cases.push(Vec::new());
        cases.push(b"x".repeat(200));
        cases.push(b"4".repeat(19));
        cases.push(b"4".repeat(20));
        cases.push(b"aB".repeat(16).into_iter().chain([0xff, b'Q']).collect());
        cases.push([&b"aB+/"[..], &b"a-_B".repeat(8)].concat());
        let mut found_any = (0, 0, 0);
        for case in &cases {
            let got = runs(case);
            assert_eq!(got, naive(case), "{}", String::from_utf8_lossy(case));
            found_any.0 += got.0.len();
            found_any.1 += got.1.len();
            found_any.2 += got.2.len();
        }
        assert!(
            found_any.0 > 130 && found_any.1 > 130 && found_any.2 > 130,
            "{found_any:?}"
        );
    }

    #[test]
    fn a_run_spanning_many_blocks_is_reported_once_whole() {
        let data = [
            b"==".as_slice(),
            &b"Ab".repeat(100),
            b"== 1234567890123 end",
        ]
        .concat();
        let (base64, digits, operators) = runs(&data);
        assert_eq!(operators, [0, 1, 202, 203]);
        assert_eq!(base64, vec![(2, 204)]);
        assert_eq!(digits, vec![(204, 219)]);
    }

    #[test]
    fn agrees_with_the_definition_on_random_mixes_of_the_classes() {
        // Few symbols, so runs of every length and mix appear, at every alignment.
        let alphabet = b"aB7-_+/ 1=9.x\xc3:@\"\t";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut found = (0, 0, 0);
        for case in 0..3000 {
            let len = case % 400;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly letters or mostly digits by case, so long runs of each kind appear.
                    let common: &[u8] = if case % 2 == 0 { b"aB7" } else { b"17 -" };
                    if state % 8 < 6 {
                        common[(state >> 8) as usize % common.len()]
                    } else {
                        alphabet[(state >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let got = runs(&data);
            assert_eq!(got, naive(&data), "{}", String::from_utf8_lossy(&data));
            found.0 += got.0.len();
            found.1 += got.1.len();
            found.2 += got.2.len();
        }
        assert!(found.0 > 100 && found.1 > 100 && found.2 > 100, "{found:?}");
    }
}
