//! Which characters of text a peer, a file or a user controls must never reach a reader raw. One
//! definition for every place that neutralises such text: the report renderers and the terminal
//! (the runner's `report::escape`) and configuration errors (their messages and snippets).

/// Bidi controls: they reorder the text around them (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Unicode noncharacters (`U+FFFE`, `U+FFFF`, `U+FDD0`–`U+FDEF` and the last two of every plane):
/// illegal or discouraged in XML, meaningless to a reader.
fn is_noncharacter(c: char) -> bool {
    let v = u32::from(c);
    (0xfdd0..=0xfdef).contains(&v) || v & 0xfffe == 0xfffe
}

/// Whether `c` must never reach a reader raw: C0 and C1 controls and DEL (tab and line breaks
/// included: inside one value they would fake lines of the report), bidi controls, line and
/// paragraph separators, and noncharacters.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(c, '\u{2028}' | '\u{2029}')
        || is_noncharacter(c)
}
