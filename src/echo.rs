//! Input echoed in messages, capped: an error quotes what it could not read (a CSV field,
//! a JSON value, a flag's value, a name), and a hostile or mistaken input can be megabytes
//! on one line. [`clip`] keeps the first [`ECHO_CHARS`] characters and says how much was
//! left out, so a message stays a few lines long whatever the input.

use std::borrow::Cow;
use std::fmt::Display;

/// The most characters of an input a message quotes.
pub const ECHO_CHARS: usize = 200;

/// `s` as it is when short, else its first [`ECHO_CHARS`] characters, `…` and how many
/// characters were left out.
pub fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(ECHO_CHARS) {
        None => Cow::Borrowed(s),
        Some((end, _)) => {
            let rest = s[end..].chars().count();
            Cow::Owned(format!("{}… ({rest} more characters)", &s[..end]))
        }
    }
}

/// Anything displayable (a JSON value, a path), clipped as [`clip`]. The text is built
/// whole first, so use it for values already in memory.
pub fn clip_display(v: &impl Display) -> String {
    clip(&v.to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_on_a_character_boundary() {
        assert_eq!(clip("abc"), "abc");
        let long = "é".repeat(ECHO_CHARS + 5);
        let c = clip(&long);
        assert!(c.starts_with(&"é".repeat(ECHO_CHARS)), "{c}");
        assert!(c.ends_with("… (5 more characters)"), "{c}");
        assert_eq!(clip(&"x".repeat(ECHO_CHARS)), "x".repeat(ECHO_CHARS));
    }
}
