//! Text a guest chose (its output, its error message, names in its traps and responses), made
//! safe for one log line: every control character escaped, the length bounded.

use std::fmt::Write as _;

/// The most characters of one guest-supplied string that reach a log line.
pub const MAX_LOGGED_CHARS: usize = 4096;

/// `text` as it may appear in a log line: CR, LF and every other control character (C0, DEL,
/// C1 such as U+0085) escaped, and so are the Unicode line and paragraph separators, so that
/// a guest cannot forge a line of its own; past [`MAX_LOGGED_CHARS`] the rest is dropped with
/// a note of how much.
pub fn for_log(text: &str) -> String {
    let mut logged = String::with_capacity(text.len().min(MAX_LOGGED_CHARS) + 48);
    for (kept, (at, c)) in text.char_indices().enumerate() {
        if kept == MAX_LOGGED_CHARS {
            // Writing to a String cannot fail.
            let _ = write!(logged, "... ({} more bytes dropped)", text.len() - at);
            break;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            logged.extend(c.escape_default());
        } else {
            logged.push(c);
        }
    }
    logged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_so_no_line_can_be_forged() {
        assert_eq!(
            for_log("ok\rINFO forged\nline\t\u{85}\u{7f}\u{1b}[31m\u{2028}"),
            r"ok\rINFO forged\nline\t\u{85}\u{7f}\u{1b}[31m\u{2028}"
        );
    }

    #[test]
    fn plain_text_is_kept_as_it_is() {
        assert_eq!(
            for_log("refusing /users/42: é ✓"),
            "refusing /users/42: é ✓"
        );
    }

    #[test]
    fn long_text_is_cut_with_a_note_of_what_was_dropped() {
        let text = "é".repeat(MAX_LOGGED_CHARS + 10);
        let logged = for_log(&text);
        assert!(logged.starts_with(&"é".repeat(MAX_LOGGED_CHARS)));
        assert!(logged.ends_with("... (20 more bytes dropped)"), "{logged}");
        assert_eq!(
            for_log(&"x".repeat(MAX_LOGGED_CHARS)).len(),
            MAX_LOGGED_CHARS
        );
    }
}
