//! Copies README.md's ```rust blocks into `$OUT_DIR/readme_rust.md`, which `src/lib.rs`
//! includes as doctests (only under `cfg(doctest)`): the README's library examples are
//! compiled by `cargo test --doc`, while its other blocks (shell commands, JSON, program
//! output) are never taken for Rust.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=README.md");
    println!("cargo:rerun-if-changed=build.rs");
    // A copy of the crate without its README (none is needed to build it) has no examples.
    let readme = std::fs::read_to_string("README.md").unwrap_or_default();
    let mut out = String::new();
    let mut inside = false;
    for line in readme.lines() {
        let fence = line.trim_start().starts_with("```");
        match (inside, fence) {
            (false, true) if line.trim_start().starts_with("```rust") => {
                inside = true;
                out += line.trim_start();
                out += "\n";
            }
            (true, true) => {
                inside = false;
                out += "```\n\n";
            }
            (true, false) => {
                out += line;
                out += "\n";
            }
            _ => {}
        }
    }
    let dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    std::fs::write(Path::new(&dir).join("readme_rust.md"), out)
        .expect("write README's Rust examples to OUT_DIR");
}
