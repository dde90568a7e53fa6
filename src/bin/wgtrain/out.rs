//! What the commands print, without a panic when nobody reads it. Rust's `println!`
//! panics when stdout is a pipe whose reader has gone (`wgtrain predict … | head -1`:
//! exit 101 and a panic message). The `println!`, `print!` and `eprintln!` macros defined
//! here shadow std's in the whole `wgtrain` binary (this module is declared first), so
//! every line a command prints goes through [`line`] / [`text`]: when stdout is closed the
//! process ends quietly as Unix tools do on SIGPIPE (status 141), after removing a
//! training run's temporary files and lock; any other write error is reported on stderr
//! and ends it with status 1. Writes to stderr never fail loudly (there is nobody to tell).

use std::fmt;
use std::io::Write;

/// The exit status after stdout was closed by its reader (128 + SIGPIPE, as a shell
/// reports a tool killed by SIGPIPE).
pub const EXIT_CLOSED_STDOUT: i32 = 141;

macro_rules! println {
    () => {
        $crate::out::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::out::text(format_args!($($arg)*))
    };
}

macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::out::err_line(format_args!($($arg)*))
    };
}

/// Print `args` and a newline on stdout.
pub fn line(args: fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        failed(e);
    }
}

/// Print `args` on stdout.
pub fn text(args: fmt::Arguments) {
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        failed(e);
    }
}

/// Print `args` and a newline on stderr; a failure is ignored.
pub fn err_line(args: fmt::Arguments) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Stdout cannot be written: end the process, leaving no temporary file or lock behind.
fn failed(e: std::io::Error) -> ! {
    crate::interrupt::release_run_folder();
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_CLOSED_STDOUT);
    }
    err_line(format_args!("error: cannot write to standard output: {e}"));
    std::process::exit(1);
}
