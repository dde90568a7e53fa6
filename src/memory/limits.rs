//! The memory a new allocation may really use: the smallest of what the machine has
//! available (`MemAvailable`), what the process's cgroup leaves (v2 `memory.max` less
//! `memory.current`, v1 `memory.limit_in_bytes` less `memory.usage_in_bytes`, at its own
//! level and every level above it; reclaimable page cache, `inactive_file`, counts as
//! free, as the kernel reclaims it before failing), and what the address-space limit
//! (`ulimit -v`, `RLIMIT_AS`: /proc/self/limits) leaves above the process's current
//! `VmSize`. Each limit is named, so an error says which one applied. Linux only; other
//! systems report no limit. The parsers take the files' text, so they are tested on
//! sample contents.

use std::path::{Path, PathBuf};

use super::human;

/// A limit on the memory available to the process, and how much of it is left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLimit {
    /// Bytes a new allocation may use.
    pub left: u64,
    /// What imposes it, for messages: "the memory this machine has available", "the
    /// address-space limit (ulimit -v) of 2.0 GiB", …
    pub name: String,
    /// How to raise it (empty when there is nothing to raise).
    pub raise: &'static str,
}

/// The tightest limit on a new allocation now, or `None` where none can be read.
pub fn host_limit() -> Option<HostLimit> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let mut all = Vec::new();
    if let Some(left) = read("/proc/meminfo").and_then(|t| meminfo_available(&t)) {
        all.push(HostLimit {
            left,
            name: "the memory this machine has available".into(),
            raise: "",
        });
    }
    if let Some(cgroups) = read("/proc/self/cgroup") {
        all.extend(cgroup_limits(&cgroups, Path::new("/sys/fs/cgroup")));
    }
    if let Some(limit) = read("/proc/self/limits").and_then(|t| address_space_limit(&t)) {
        let used = read("/proc/self/status")
            .and_then(|t| vm_size(&t))
            .unwrap_or(0);
        all.push(HostLimit {
            left: limit.saturating_sub(used),
            name: format!(
                "what the address-space limit (ulimit -v) of {} leaves free",
                human(limit as u128)
            ),
            raise: "or raise the address-space limit (ulimit -v)",
        });
    }
    all.into_iter().min_by_key(|l| l.left)
}

/// `MemAvailable` of /proc/meminfo, in bytes.
pub fn meminfo_available(meminfo: &str) -> Option<u64> {
    kib_field(meminfo, "MemAvailable:")
}

/// `VmSize` of /proc/self/status (the address space in use), in bytes.
pub fn vm_size(status: &str) -> Option<u64> {
    kib_field(status, "VmSize:")
}

/// `KEY  N kB` of a /proc file, in bytes.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The soft "Max address space" of /proc/self/limits in bytes; `None` when unlimited.
pub fn address_space_limit(limits: &str) -> Option<u64> {
    let key = "Max address space";
    let line = limits.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The cgroup (v2 and v1 memory controller) paths of /proc/self/cgroup: `(v2, v1)`.
pub fn cgroup_paths(cgroup: &str) -> (Option<String>, Option<String>) {
    let (mut v2, mut v1) = (None, None);
    for line in cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if id == "0" && controllers.is_empty() {
            v2 = Some(path.to_string());
        } else if controllers.split(',').any(|c| c == "memory") {
            v1 = Some(path.to_string());
        }
    }
    (v2, v1)
}

/// A cgroup limit file's value in bytes: `None` for v2's "max" and for v1's "unlimited"
/// (a number near 2⁶³, rounded to the page size).
pub fn cgroup_value(text: &str) -> Option<u64> {
    let v: u64 = text.trim().parse().ok()?;
    (v < 1 << 60).then_some(v)
}

/// `inactive_file` of a cgroup's memory.stat (v1 has `total_inactive_file` for the
/// hierarchy; it is preferred): page cache the kernel reclaims before failing.
pub fn inactive_file(stat: &str) -> u64 {
    let field = |key: &str| {
        stat.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
    };
    field("total_inactive_file")
        .or_else(|| field("inactive_file"))
        .unwrap_or(0)
}

/// What each cgroup level above and at the process's own leaves (the tightest first),
/// with the cgroup hierarchies mounted under `root` (/sys/fs/cgroup: v2 there or in
/// `unified/`, v1's memory controller in `memory/`).
pub fn cgroup_limits(cgroup: &str, root: impl AsRef<Path>) -> Vec<HostLimit> {
    let root = root.as_ref();
    let (v2, v1) = cgroup_paths(cgroup);
    let mut found = Vec::new();
    if let Some(path) = v2 {
        for base in [root.to_path_buf(), root.join("unified")] {
            if base.join("cgroup.controllers").exists() {
                found.extend(tightest(
                    &base,
                    &path,
                    ["memory.max", "memory.current"],
                    "v2",
                ));
                break;
            }
        }
    }
    if let Some(path) = v1 {
        let files = ["memory.limit_in_bytes", "memory.usage_in_bytes"];
        found.extend(tightest(&root.join("memory"), &path, files, "v1"));
    }
    found.sort_by_key(|l| l.left);
    found
}

/// The level of `path` (relative to the hierarchy's mount `base`) or above it that leaves
/// the least, if any level has a limit. A container sees its own cgroup as the mount's
/// root, so the levels that do not exist there are skipped.
fn tightest(base: &Path, path: &str, [max, usage]: [&str; 2], v: &str) -> Option<HostLimit> {
    let mut dir = PathBuf::from(path.trim_start_matches('/'));
    let mut best: Option<HostLimit> = None;
    loop {
        let level = base.join(&dir);
        let read = |f: &str| std::fs::read_to_string(level.join(f)).ok();
        if let Some(limit) = read(max).and_then(|t| cgroup_value(&t)) {
            let used = read(usage).and_then(|t| t.trim().parse::<u64>().ok());
            let cache = read("memory.stat").map_or(0, |t| inactive_file(&t));
            let left = limit.saturating_sub(used.unwrap_or(0).saturating_sub(cache));
            if best.as_ref().is_none_or(|b| left < b.left) {
                best = Some(HostLimit {
                    left,
                    name: format!(
                        "what the cgroup memory limit ({max}, cgroup {v}) of {} leaves free",
                        human(limit as u128)
                    ),
                    raise: "or give the container or cgroup more memory",
                });
            }
        }
        if !dir.pop() {
            return best;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read() {
        let meminfo = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   2048 kB\n";
        assert_eq!(meminfo_available(meminfo), Some(2 << 20));
        let status = "Name:\twgtrain\nVmPeak:\t    4096 kB\nVmSize:\t    3072 kB\n";
        assert_eq!(vm_size(status), Some(3 << 20));
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max stack size            8388608              unlimited            bytes     \n\
                      Max address space         2147483648           unlimited            bytes     \n";
        assert_eq!(address_space_limit(limits), Some(2 << 30));
        let unlimited = limits.replace("2147483648", "unlimited ");
        assert_eq!(address_space_limit(&unlimited), None);
    }

    #[test]
    fn cgroup_files_are_read() {
        let hybrid = "9:name=systemd:/\n4:memory:/process_api/b5a0\n1:cpu:/\n0::/user.slice\n";
        assert_eq!(
            cgroup_paths(hybrid),
            (Some("/user.slice".into()), Some("/process_api/b5a0".into()))
        );
        assert_eq!(cgroup_paths("0::/\n"), (Some("/".into()), None));
        assert_eq!(
            cgroup_paths("5:cpuacct,memory:/docker/x\n"),
            (None, Some("/docker/x".into()))
        );
        assert_eq!(cgroup_value("max\n"), None);
        assert_eq!(cgroup_value("9223372036854771712\n"), None);
        assert_eq!(cgroup_value("2147483648\n"), Some(2 << 30));
        let stat = "cache 5\ninactive_file 4096\ntotal_inactive_file 8192\n";
        assert_eq!(inactive_file(stat), 8192);
        assert_eq!(inactive_file("anon 1\ninactive_file 4096\n"), 4096);
        assert_eq!(inactive_file("anon 1\n"), 0);
    }

    #[test]
    fn the_tightest_cgroup_level_is_named() {
        let root = std::env::temp_dir().join(format!("wgtrain-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let write = |rel: &str, file: &str, text: &str| {
            let d = root.join(rel);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), text).unwrap();
        };
        // v2: the parent allows 4 GiB, the process's own cgroup 1 GiB of which 256 MiB
        // are used (and 128 MiB of that is reclaimable cache).
        write("", "cgroup.controllers", "memory\n");
        write("a", "memory.max", "4294967296\n");
        write("a", "memory.current", "0\n");
        write("a/b", "memory.max", "1073741824\n");
        write("a/b", "memory.current", "268435456\n");
        write("a/b", "memory.stat", "anon 1\ninactive_file 134217728\n");
        // v1: unlimited.
        write("memory/a", "memory.limit_in_bytes", "9223372036854771712\n");
        let found = cgroup_limits("0::/a/b\n4:memory:/a\n", &root);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].left, (1 << 30) - (128 << 20));
        assert!(
            found[0].name.contains("memory.max") && found[0].name.contains("1.0 GiB"),
            "{}",
            found[0].name
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
