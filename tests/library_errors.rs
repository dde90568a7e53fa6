//! The library's errors as a Rust user meets them: typed variants to match on, `?` on
//! io results, paths given as `&str` / `String` / `&Path`, and messages that name library
//! calls and settings (the CLI adds its flag names on top).

mod common;

use wgtrain::Error;

/// A user's function returning `wgtrain::Result` can use `?` on a `std::io::Result`.
fn read_missing() -> wgtrain::Result<()> {
    std::fs::read("/nonexistent/wgtrain-library-errors")?;
    Ok(())
}

#[test]
fn question_mark_on_an_io_result_gives_an_io_error_without_a_path() {
    match read_missing() {
        Err(Error::Io { path: None, source }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
        }
        other => panic!("expected Error::Io without a path, got {other:?}"),
    }
    let text = read_missing().unwrap_err().to_string();
    assert!(!text.starts_with(':') && !text.is_empty(), "{text}");
}
