//! No import cycles among `src/` modules (issue 24).
//!
//! Reads every `src/**/*.rs` outside `src/bin`, works out each file's module
//! path, collects the modules it names (`use crate::…`, `crate::a::b::` and
//! `super::` paths in code, brace groups in `use`), follows `pub use`
//! re-exports to the module that defines the item, and builds a graph between
//! *nodes*: the module paths cut to 1, 2 and then 3 names ([`DEPTHS`]): the top-level
//! modules (`gpu`, `ops`, `error`, …), their direct children (`nn::model`,
//! `nn::training`, `data::mnist`, `gpu::autotune`, `ops::matmul`, …), and theirs
//! (`nn::model::spec`, `nn::formats::checkpoint`, …); deeper files count as their
//! ancestor at that depth (`nn/model/sequential/fit.rs` is `nn::model::sequential`).
//! A reference between a node and its own ancestor or descendant does not
//! count (a parent re-exporting its children). Comments, string literals and
//! `#[cfg(test)]` items are ignored.
//!
//! Not seen: a method called on a value (`gpu.tune()`) when its inherent `impl`
//! sits in another module than its type; keep such impls above what they use
//! (`ops/autotune.rs` holds `Gpu::with_options` because it runs ops' launchers).
//!
//! Every strongly connected component of more than one node is a cycle; the
//! test fails on any cycle that is not written down in [`KNOWN`], and on a
//! [`KNOWN`] entry that is no longer exactly a cycle (so the list stays true).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How many names of a module path make a node: the graph is built three times, with the
/// top-level modules (1), their children (2: `nn`'s folders by job) and theirs (3: the
/// files inside those folders). All are needed: at depth 2 a module's own `mod.rs` is the
/// ancestor of its children, so a loop through it (`gpu::autotune → ops::matmul → gpu`)
/// shows only at depth 1, and a loop inside one folder shows only at depth 3.
const DEPTHS: [usize; 3] = [1, 2, 3];

/// Cycles left for later work, each with a one-line comment saying why: the sorted
/// nodes of one strongly connected component, e.g. `&["gpu", "ops"], // the tuner …`.
/// Empty: issue 24 removed every cycle (see the commits that moved `memory::human`,
/// `data::mnist::FILES`, `ModelSpec::load`, `GradientClip`, `Gpu::with_options`, …).
const KNOWN: &[&[&str]] = &[];

#[path = "module_cycles/scan.rs"]
mod scan;
use scan::{find_cycles, scan_crate, Graph};

#[test]
fn no_import_cycles_among_src_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut cycles = Vec::new();
    let mut descriptions = Vec::new();
    for depth in DEPTHS {
        let graph = scan_crate(&root, depth);
        // The scan must see the crate, or the test proves nothing.
        assert!(graph.files > 50, "scanned only {} files", graph.files);
        let expected: &[&str] = match depth {
            1 => &["gpu", "ops", "cpu", "error", "memory", "nn", "data"],
            2 => &[
                "gpu",
                "ops",
                "nn::model",
                "nn::training",
                "nn::formats",
                "data::mnist",
            ],
            _ => &[
                "nn::model::spec",
                "nn::model::sequential",
                "nn::formats::checkpoint",
            ],
        };
        for node in expected {
            assert!(graph.nodes.contains(*node), "node {node} not found");
        }
        assert!(
            graph.edges.len() > 10,
            "only {} edges found at depth {depth}: the scanner is broken",
            graph.edges.len()
        );
        for cycle in find_cycles(&graph) {
            if cycles.contains(&cycle) {
                continue;
            }
            descriptions.push(describe(&graph, &cycle));
            cycles.push(cycle);
        }
    }
    let known: Vec<BTreeSet<String>> = KNOWN
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
    let mut problems = Vec::new();
    for (i, cycle) in cycles.iter().enumerate() {
        if !known.contains(cycle) {
            problems.push(format!("new import cycle {cycle:?}:\n{}", descriptions[i]));
        }
    }
    for k in &known {
        if !cycles.contains(k) {
            problems.push(format!(
                "KNOWN entry {k:?} is no longer exactly a cycle: update KNOWN in tests/module_cycles.rs"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The edges inside one cycle, each with one place that makes it.
fn describe(graph: &Graph, cycle: &BTreeSet<String>) -> String {
    let mut out = String::new();
    for ((from, to), site) in &graph.edges {
        if cycle.contains(from) && cycle.contains(to) {
            out.push_str(&format!("  {from} -> {to}   ({site})\n"));
        }
    }
    out
}

#[test]
fn scanner_reads_paths_and_ignores_comments_strings_and_tests() {
    let dir = std::env::temp_dir().join(format!("wgtrain_cycles_{}", std::process::id()));
    let files: &[(&str, &str)] = &[
        ("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod nn;"),
        (
            "a.rs",
            "use crate::{b::Thing, nn::{x::X}};\n// use crate::c;\nconst Q: char = '\\'';\nconst S: &str = \"crate::c::Y\";\nconst R: &str = r#\"crate::c::\"#;\nfn f<'a>(_: &'a str) -> char { '\"' }\n#[cfg(test)]\nmod tests { use crate::c::Z; }",
        ),
        ("b.rs", "pub struct Thing; fn g() { crate::nn::Model::new(); }"),
        ("c.rs", "use crate::a;"),
        ("nn/mod.rs", "pub mod x; pub mod y; pub use y::Model;"),
        ("nn/x.rs", "use super::y::Model; pub struct X;"),
        ("nn/y.rs", "pub struct Model; use super::super::a::f;"),
    ];
    for (path, text) in files {
        let p: PathBuf = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }
    let graph = scan_crate(&dir, 2);
    let _ = std::fs::remove_dir_all(&dir);
    let edges: BTreeSet<(String, String)> = graph.edges.keys().cloned().collect();
    let want: BTreeSet<(String, String)> = [
        ("a", "b"),
        ("a", "nn::x"),
        ("b", "nn::y"), // through nn's `pub use y::Model`
        ("c", "a"),
        ("nn::x", "nn::y"),
        ("nn::y", "a"),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    assert_eq!(edges, want);
    let cycles = find_cycles(&graph);
    let expected: BTreeSet<String> = ["a", "b", "nn::x", "nn::y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(cycles, vec![expected]);
}
