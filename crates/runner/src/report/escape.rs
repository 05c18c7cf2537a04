//! Neutralising text that a peer, a file or a user controls before anyone reads it.
//!
//! A health body, a `Location` header, a certificate subject, a Postgres error, a file name or a
//! report given to `diff` can carry terminal escape sequences (ESC, OSC window titles, `ESC[2J`,
//! the C1 CSI `U+009B`), bidi controls that reorder what a reader sees (`U+202E`), and characters
//! a format cannot hold (`U+FFFE` in XML). [`visible`] turns each of them into a visible escape
//! (`\e`, `\n`, `\u{202e}`); every renderer applies it to every such string before its own
//! format's escaping. [`terminal_output`] is the one door to a terminal: it checks a whole rendered
//! text again, so a string a renderer forgot still cannot reach the terminal raw.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

pub use launchguard_core::text::is_hostile;

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// `text` with every hostile character shown as a visible escape (`\e`, `\n`, `\u{202e}`).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hostile(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The length of an SGR sequence (`ESC [ digits/semicolons m`) at the start of `rest`, which
/// starts just after an ESC.
fn sgr_len(rest: &str) -> Option<usize> {
    let params = rest.strip_prefix('[')?;
    let digits = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (params.as_bytes().get(digits) == Some(&b'm')).then_some(digits + 2)
}

/// A whole text on its way to a terminal: line breaks stay, and so do SGR colour sequences when
/// `colour` is on (the renderer's own; data had its ESC made visible before); every other hostile
/// character is shown escaped.
pub fn terminal_output(text: &str, colour: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hostile(c) && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        if c == '\u{1b}'
            && colour
            && let Some(len) = sgr_len(&text[at + 1..])
        {
            out.push_str(&text[at..at + 1 + len]);
            for _ in 0..len {
                chars.next();
            }
        } else if c == '\n' || !is_hostile(c) {
            out.push(c);
        } else {
            push_escaped(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Writes `text` to standard output through [`terminal_output`].
pub fn print_stdout(text: &str, colour: bool) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(terminal_output(text, colour).as_bytes())?;
    stdout.flush()
}

/// Writes `text` to standard error through [`terminal_output`], without colour.
pub fn print_stderr(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(terminal_output(text, false).as_bytes());
}

/// JSON text whose strings spell every hostile character as a `\uXXXX` escape: the same data for
/// a JSON reader, and nothing raw for a terminal that shows the file. serde_json already escapes
/// C0 controls; this covers DEL, C1, bidi controls, separators and noncharacters.
pub fn json_ascii_controls(text: String) -> String {
    if !text.chars().any(is_hostile) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        // Outside strings serde_json writes only ASCII punctuation, digits, letters and
        // whitespace, so every hostile character here is inside a string.
        if is_hostile(c) && !matches!(c, '\n' | ' ') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that open inline Markdown anywhere in a line: escapes, code, emphasis, links and
/// images, raw HTML and entities, table cells, strikethrough, headings, math.
const MARKDOWN_INLINE: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '!', '#', '$',
];

/// Text for Markdown prose and table cells: hostile characters made visible (so no line break
/// can start a new block), every inline markup character backslash-escaped, and a leading block
/// marker (`-`, `+`, `=`, `1.`) too: nothing in it opens a tag, a link, a heading, a list or a
/// cell.
pub fn markdown_text(text: &str) -> String {
    let shown = visible(text);
    let leading_digits = shown.bytes().take_while(u8::is_ascii_digit).count();
    let mut out = String::with_capacity(shown.len() + 16);
    for (at, c) in shown.char_indices() {
        let block_marker = (at == 0 && c.is_ascii_punctuation())
            || (at == leading_digits && at > 0 && matches!(c, '.' | ')'));
        if MARKDOWN_INLINE.contains(&c) || block_marker {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span holding `text` literally: a backtick fence longer than any run of
/// backticks inside, and no line break (made visible), so it cannot end early or spill into the
/// next block.
pub fn markdown_code(text: &str) -> String {
    let shown = visible(text);
    let longest_run = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if shown.starts_with('`') || shown.ends_with('`') || shown.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

/// Text for raw HTML (Markdown's `<details>` blocks): hostile characters made visible, markup
/// characters as entities.
pub fn html_text(text: &str) -> String {
    let shown = visible(text);
    let mut out = String::with_capacity(shown.len() + 16);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str =
        "a\u{1b}]0;title\u{7}b\u{1b}[2Jc\u{9b}31md\u{202e}e\u{2066}f\u{fffe}g\u{0}h\r\ni\u{7f}";

    #[test]
    fn visible_escapes_every_hostile_character_and_keeps_the_rest() {
        let shown = visible(HOSTILE);
        assert_eq!(
            shown,
            "a\\e]0;title\\u{7}b\\e[2Jc\\u{9b}31md\\u{202e}e\\u{2066}f\\u{fffe}g\\u{0}h\\r\\ni\\u{7f}"
        );
        assert!(shown.chars().all(|c| !is_hostile(c)));
        assert!(matches!(visible("plain café ✓"), Cow::Borrowed(_)));
        assert!(is_hostile('\u{10fffe}') && is_hostile('\u{fdd0}') && !is_hostile('\u{fffd}'));
    }

    #[test]
    fn the_terminal_door_keeps_line_breaks_and_only_colour_sequences_when_colour_is_on() {
        let text = "\u{1b}[1mbold\u{1b}[0m\nline\u{1b}]0;x\u{7}\u{9b}2J";
        assert_eq!(
            terminal_output(text, false),
            "\\e[1mbold\\e[0m\nline\\e]0;x\\u{7}\\u{9b}2J"
        );
        assert_eq!(
            terminal_output(text, true),
            "\u{1b}[1mbold\u{1b}[0m\nline\\e]0;x\\u{7}\\u{9b}2J"
        );
        assert_eq!(terminal_output("\u{1b}[2J", true), "\\e[2J");
    }

    #[test]
    fn json_keeps_the_data_and_spells_controls_as_escapes() {
        let value = serde_json::json!({ "m": HOSTILE, "astral": "\u{1fffe}" });
        let text = json_ascii_controls(serde_json::to_string_pretty(&value).unwrap());
        assert!(text.chars().all(|c| c == '\n' || !is_hostile(c)), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn markdown_code_spans_cannot_end_early() {
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x`"), "`` `x` ``");
        assert_eq!(markdown_code("x\n\n# h"), "`x\\n\\n# h`");
        assert_eq!(markdown_text("<b>[x](y)"), "\\<b\\>\\[x\\](y)");
        assert_eq!(markdown_text("- a"), "\\- a");
        assert_eq!(markdown_text("12. a.b"), "12\\. a.b");
        assert_eq!(markdown_text("https://x.test/a-b"), "https://x.test/a-b");
    }
}
