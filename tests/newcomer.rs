//! A newcomer's first ten minutes: the scripts and start-up messages say what happened
//! and what to do, in a line or two. The offline MNIST fetch names the files to place by
//! hand, `scripts/test.sh` says which drivers ran and which were skipped (and whether the
//! Keras round trip ran), `--help` lists every data set, and start-up says which adapter
//! was chosen and why.

mod common;

use std::path::Path;
use std::process::Command;

use common::{stderr, stdout, TempDir};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(unix)]
#[test]
fn fetching_mnist_offline_says_so_in_one_line_and_names_the_files() {
    if !has("curl") || !has("gzip") || !has("sha256sum") {
        eprintln!("SKIPPED: curl, gzip or sha256sum is missing");
        return;
    }
    let dir = TempDir::new("offline-fetch");
    // Port 9 (discard) on this machine refuses at once: a mirror that cannot be reached.
    let o = Command::new("bash")
        .arg(root().join("scripts/fetch-mnist.sh"))
        .arg(dir.path("mnist"))
        .env(
            "MNIST_MIRRORS",
            "http://127.0.0.1:9/ http://127.0.0.1:9/other/",
        )
        .env_remove("FETCH_VERBOSE")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 5, "one error line and one per file:\n{err}");
    assert!(
        lines[0].contains("could not download MNIST: no mirror could be reached")
            && lines[0].contains("by hand"),
        "{err}"
    );
    let sums = std::fs::read_to_string(root().join("scripts/mnist.sha256")).unwrap();
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").unwrap();
        assert!(
            err.contains(name) && err.contains(sum),
            "{name} {sum} in:\n{err}"
        );
    }
    // Files are not left half-downloaded.
    let left: Vec<_> = std::fs::read_dir(dir.path("mnist")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[cfg(unix)]
#[test]
fn the_test_script_says_which_drivers_ran_and_which_were_skipped() {
    let o = Command::new("bash")
        .arg(root().join("scripts/test.sh"))
        .env("WGTRAIN_TEST_DRY_RUN", "1")
        .env("WGTRAIN_SKIP_DRIVERS", "gl swiftshader")
        .env_remove("WGTRAIN_REQUIRE_DRIVERS")
        .output()
        .unwrap();
    let out = stdout(&o);
    assert!(o.status.success(), "{}{out}", stderr(&o));
    assert!(out.contains("(dry run)"), "{out}");
    assert!(!out.contains("all driver runs passed"), "{out}");
    assert!(out.contains("skipped gl: WGTRAIN_SKIP_DRIVERS"), "{out}");
    assert!(
        out.contains("skipped swiftshader: WGTRAIN_SKIP_DRIVERS"),
        "{out}"
    );
    // The Keras round trip's fate is said at the start and in the summary.
    let last = out.lines().last().unwrap_or_default();
    assert!(last.starts_with("the Keras round trip "), "{out}");
    assert!(out.contains("note: the Keras round trip "), "{out}");
}

#[test]
fn help_lists_every_data_set() {
    for cmd in ["train", "eval"] {
        let o = common::wgtrain(&[cmd, "--help"]);
        let help = stdout(&o);
        let line = help
            .split("--dataset")
            .nth(1)
            .and_then(|s| s.split('[').next())
            .unwrap_or_default();
        for d in wgtrain::data::Dataset::ALL {
            assert!(
                line.contains(d.name()),
                "{cmd} --help: {} is not in {line:?}",
                d.name()
            );
        }
    }
}

#[test]
fn start_up_says_which_adapter_was_chosen_and_why() {
    // No Vulkan driver: wgpu falls back to GL when there is one, and says so.
    let o = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .arg("devices")
        .env("VK_ICD_FILENAMES", "/nonexistent.json")
        .env_remove("WGTRAIN_BACKEND")
        .env_remove("WGTRAIN_ADAPTER")
        .env_remove("WGTRAIN_VALIDATION")
        .output()
        .unwrap();
    let out = stdout(&o);
    let last = out.lines().last().unwrap_or_default();
    assert!(o.status.success(), "{}", stderr(&o));
    match last.contains("on Gl)") {
        true => assert!(
            last.contains("fell back to GL") && last.contains("mesa-vulkan-drivers"),
            "{out}"
        ),
        false => assert!(last.contains("no usable default adapter"), "{out}"),
    }
    // An adapter asked for by name says so.
    let o = Command::new(env!("CARGO_BIN_EXE_wgtrain"))
        .arg("devices")
        .env("WGTRAIN_ADAPTER", "e")
        .env_remove("WGTRAIN_VALIDATION")
        .output()
        .unwrap();
    let out = stdout(&o);
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains("its name matches WGTRAIN_ADAPTER=\"e\"")
            || last.contains("no usable default adapter"),
        "{out}"
    );
}
