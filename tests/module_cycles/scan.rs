//! The scanner behind `tests/module_cycles.rs`: Rust source to a module graph.
//!
//! A light lexer, not a parser: comments and literals are blanked, `#[cfg(test)]`
//! items are dropped, `use` trees are expanded and `crate::`/`super::`/`self::`
//! paths are collected, then each path is resolved to the deepest module that
//! exists (following `pub use` re-exports of the item it names).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module graph between nodes, with one example site per edge.
pub struct Graph {
    pub files: usize,
    pub nodes: BTreeSet<String>,
    /// (from, to) → "file:line path" of one reference that makes the edge.
    pub edges: BTreeMap<(String, String), String>,
}

struct Ref {
    path: Vec<String>,
    line: usize,
}

struct Module {
    file: String,
    refs: Vec<Ref>,
    /// Names this module re-exports (`pub use a::b::C as D` → D → [a, b, C]), absolute.
    reexports: BTreeMap<String, Vec<String>>,
}

/// Scans `src` (skipping `src/bin` and test-only module files) into a graph
/// whose nodes are the module paths cut to their first `depth` names (`depth` 2: the
/// top-level modules and their direct children, `nn::spec`, `gpu::autotune`).
pub fn scan_crate(src: &Path, depth: usize) -> Graph {
    let mut raw = Vec::new();
    collect_files(src, src, &mut raw);
    // Module path → (file, blanked text, test-only child names).
    let mut modules: BTreeMap<Vec<String>, Module> = BTreeMap::new();
    let mut test_only: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut texts = Vec::new();
    for (rel, text) in raw {
        let module = module_path(&rel);
        let (clean, test_children) = strip_tests(&blank(&text));
        for child in test_children {
            let mut m = module.clone();
            m.push(child);
            test_only.insert(m);
        }
        texts.push((rel, module, clean));
    }
    for (rel, module, clean) in texts {
        if test_only.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let (refs, reexports) = references(&clean, &module);
        modules.insert(
            module,
            Module {
                file: rel,
                refs,
                reexports,
            },
        );
    }
    let node_of = |m: &[String]| -> String {
        let keep = m.len().min(depth);
        if keep == 0 {
            "crate".to_string()
        } else {
            m[..keep].join("::")
        }
    };
    let mut graph = Graph {
        files: modules.len(),
        nodes: BTreeSet::new(),
        edges: BTreeMap::new(),
    };
    for (path, module) in &modules {
        let from = node_of(path);
        graph.nodes.insert(from.clone());
        for r in &module.refs {
            let target = resolve(&modules, r.path.clone(), 0);
            let to = node_of(&target);
            let related = from == "crate"
                || to == "crate"
                || from == to
                || from.starts_with(&format!("{to}::"))
                || to.starts_with(&format!("{from}::"));
            if !related {
                graph.edges.entry((from.clone(), to)).or_insert_with(|| {
                    format!(
                        "src/{}:{} crate::{}",
                        module.file,
                        r.line,
                        r.path.join("::")
                    )
                });
            }
        }
    }
    graph
}

/// Strongly connected components of more than one node (Tarjan), sorted.
pub fn find_cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    let nodes: Vec<&String> = graph
        .nodes
        .iter()
        .chain(graph.edges.keys().map(|(_, t)| t))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index_of: BTreeMap<&String, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut adj = vec![Vec::new(); nodes.len()];
    for (from, to) in graph.edges.keys() {
        adj[index_of[from]].push(index_of[to]);
    }
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], s: &mut State) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &adj[v] {
            match s.index[w] {
                None => {
                    visit(w, adj, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let n = nodes.len();
    let mut s = State {
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(v, &adj, &mut s);
        }
    }
    let mut cycles: Vec<BTreeSet<String>> = s
        .out
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.into_iter().map(|i| nodes[i].clone()).collect())
        .collect();
    cycles.sort();
    cycles
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if p.is_dir() {
            if rel != "bin" {
                collect_files(root, &p, out);
            }
        } else if rel.ends_with(".rs") {
            out.push((rel, std::fs::read_to_string(&p).expect("read source")));
        }
    }
}

/// `nn/sequential/fit.rs` → [nn, sequential, fit]; `nn/mod.rs` → [nn]; `lib.rs` → [].
fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Replaces comments and the insides of string and char literals with spaces,
/// keeping newlines so line numbers stay right.
fn blank(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let keep_nl = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep_nl(c[i]));
                    i += 1;
                }
            }
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // Raw string: r##"…"##.
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            out.push('"');
            i = j + 1;
            while i < c.len() {
                if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    i += 1 + hashes;
                    break;
                }
                out.push(keep_nl(c[i]));
                i += 1;
            }
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(keep_nl(c[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c[i] == '\'' && (c.get(i + 1) == Some(&'\\') || c.get(i + 2) == Some(&'\'')) {
            // Char literal ('x', '\n', '\u{1F600}'); a lifetime ('a) has no closing quote.
            out.push('\'');
            i += 1;
            if c[i] == '\\' {
                out.push_str("  ");
                i += 2;
            }
            while i < c.len() && c[i] != '\'' {
                out.push(' ');
                i += 1;
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn tokens(text: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        if c[i] == '\n' {
            line += 1;
            i += 1;
        } else if c[i].is_whitespace() {
            i += 1;
        } else if c[i].is_alphanumeric() || c[i] == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((c[start..i].iter().collect(), line));
        } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((c[i].to_string(), line));
            i += 1;
        }
    }
    out
}

/// Drops `#[cfg(test)]` items; returns the text and the names of test-only
/// file modules (`#[cfg(test)] mod tests;`).
fn strip_tests(text: &str) -> (String, Vec<String>) {
    let mut out: Vec<char> = text.chars().collect();
    let mut children = Vec::new();
    let needle: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + needle.len() <= out.len() {
        if out[i..i + needle.len()] != needle[..] {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i + needle.len();
        // Skip further attributes and whitespace.
        loop {
            while j < out.len() && out[j].is_whitespace() {
                j += 1;
            }
            if out.get(j) == Some(&'#') {
                while j < out.len() && out[j] != ']' {
                    j += 1;
                }
                j += 1;
            } else {
                break;
            }
        }
        let rest: String = out[j..out.len().min(j + 200)].iter().collect();
        let words: Vec<&str> = rest
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let is_use = words.first() == Some(&"use") || words.get(1) == Some(&"use");
        // The item ends at the first `;` outside braces, or at the end of its first brace block.
        let mut depth = 0;
        let mut end = j;
        while end < out.len() {
            match out[end] {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 && !is_use {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            end += 1;
        }
        let item: String = out[j..end.min(out.len())].iter().collect();
        let head: Vec<&str> = item.split_whitespace().collect();
        if item
            .trim_end()
            .ends_with(|ch: char| ch.is_alphanumeric() || ch == '_')
            && !item.contains('{')
        {
            if let Some(pos) = head.iter().position(|w| *w == "mod") {
                if let Some(name) = head.get(pos + 1) {
                    children.push(name.to_string());
                }
            }
        }
        for ch in out
            .iter_mut()
            .take((end + 1).min(text.chars().count()))
            .skip(start)
        {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        i = end + 1;
    }
    (out.into_iter().collect(), children)
}

/// The paths a file names, made absolute, and the names it re-exports.
fn references(text: &str, module: &[String]) -> (Vec<Ref>, BTreeMap<String, Vec<String>>) {
    let toks = tokens(text);
    let mut refs = Vec::new();
    let mut reexports = BTreeMap::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i].0.as_str();
        if t == "use" {
            let public = i > 0
                && (toks[i - 1].0 == "pub"
                    || (toks[i - 1].0 == ")" && i >= 4 && toks[i - 4].0 == "pub")
                    || (toks[i - 1].0 == ")" && i >= 5 && toks[i - 5].0 == "pub"));
            let mut j = i + 1;
            let mut out = Vec::new();
            use_tree(&toks, &mut j, Vec::new(), &mut out);
            for (path, alias) in out {
                if let Some(abs) = absolute(&path, module, true) {
                    if public {
                        if let Some(name) = alias {
                            reexports.insert(name, abs.clone());
                        }
                    }
                    refs.push(Ref {
                        path: abs,
                        line: toks[i].1,
                    });
                }
            }
            while j < toks.len() && toks[j].0 != ";" {
                j += 1;
            }
            i = j;
        } else if matches!(t, "crate" | "super" | "self")
            && toks.get(i + 1).map(|x| x.0.as_str()) == Some("::")
            && (i == 0 || toks[i - 1].0 != "::")
        {
            let mut path = vec![t.to_string()];
            let mut j = i + 1;
            while toks.get(j).map(|x| x.0.as_str()) == Some("::")
                && toks.get(j + 1).is_some_and(|x| {
                    x.0.chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_')
                })
            {
                path.push(toks[j + 1].0.clone());
                j += 2;
            }
            if let Some(abs) = absolute(&path, module, false) {
                refs.push(Ref {
                    path: abs,
                    line: toks[i].1,
                });
            }
            i = j;
        } else {
            i += 1;
        }
    }
    (refs, reexports)
}

/// Expands one use tree into (path, name it binds) pairs; `*` binds no name.
fn use_tree(
    toks: &[(String, usize)],
    j: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix;
    loop {
        let Some((t, _)) = toks.get(*j) else { return };
        match t.as_str() {
            "::" => *j += 1,
            "{" => {
                *j += 1;
                loop {
                    use_tree(toks, j, path.clone(), out);
                    match toks.get(*j).map(|x| x.0.as_str()) {
                        Some(",") => *j += 1,
                        Some("}") => {
                            *j += 1;
                            break;
                        }
                        _ => return,
                    }
                    if toks.get(*j).map(|x| x.0.as_str()) == Some("}") {
                        *j += 1;
                        break;
                    }
                }
                return;
            }
            "*" => {
                *j += 1;
                out.push((path, None));
                return;
            }
            "as" => {
                let alias = toks.get(*j + 1).map(|x| x.0.clone());
                *j += 2;
                out.push((path, alias));
                return;
            }
            "," | "}" | ";" => {
                let name = path.last().cloned().filter(|n| n != "self");
                if path.last().map(String::as_str) == Some("self") {
                    path.pop();
                    let bound = path.last().cloned();
                    out.push((path, bound));
                } else {
                    out.push((path, name));
                }
                return;
            }
            word => {
                path.push(word.to_string());
                *j += 1;
            }
        }
    }
}

/// Makes a path absolute (without `crate`); None for paths outside the crate.
/// In a `use`, a path may start at a child module (`use child::Item`); an
/// external crate read that way resolves to the module itself, a self-reference.
fn absolute(path: &[String], module: &[String], in_use: bool) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => module.to_vec(),
        _ if in_use => {
            let mut p = module.to_vec();
            p.extend(path.iter().cloned());
            return Some(p);
        }
        _ => return None, // std, other crates, or a child module (a descendant)
    };
    let mut rest = &path[1..];
    if first == "super" {
        base.pop()?;
    }
    while rest.first().map(String::as_str) == Some("super") {
        base.pop()?;
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The deepest existing module a path names, following `pub use` re-exports.
fn resolve(
    modules: &BTreeMap<Vec<String>, Module>,
    path: Vec<String>,
    depth: usize,
) -> Vec<String> {
    let mut len = path.len();
    while len > 0 && !modules.contains_key(&path[..len]) {
        len -= 1;
    }
    let module = path[..len].to_vec();
    if depth < 8 && len < path.len() {
        if let Some(target) = modules
            .get(&module)
            .and_then(|m| m.reexports.get(&path[len]))
        {
            let mut next = target.clone();
            next.extend(path[len + 1..].iter().cloned());
            return resolve(modules, next, depth + 1);
        }
    }
    module
}
