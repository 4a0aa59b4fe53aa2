//! The conventions of a polished CLI beyond help lines (tests/cli_help.rs):
//! `--speed` values checked by clap, completions, man pages, `-V` with the
//! commit, `reel keys`.

mod common;
#[path = "cli_help/subcommands.rs"]
mod subcommands;

use std::path::Path;
use std::process::Command;

use common::{reel, run_command, Output};
use subcommands::SUBCOMMANDS;

#[test]
fn options_with_fixed_values_take_only_those() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8");
    let sample = sample.to_string_lossy().into_owned();
    for bad in ["3", "0", "fast", "2.5", "3x"] {
        let out = reel(["play", &sample, "--speed", bad]);
        assert_eq!(out.code, Some(2), "{}", out.describe());
        assert!(
            out.stderr.contains("[possible values: 1, 2, 5, 10, real]"),
            "{}",
            out.describe()
        );
    }
    // The other option with a fixed set of values.
    for args in [
        vec!["resume", "x", "--sessions", "bogus"],
        vec!["fork", "x", "--at", "1", "--resume", "--sessions", "bogus"],
    ] {
        let out = reel(&args);
        assert_eq!(out.code, Some(2), "{}", out.describe());
        assert!(
            out.stderr.contains("[possible values: auto, reuse, fresh]"),
            "{}",
            out.describe()
        );
    }
    // Valid speeds get as far as wanting a terminal.
    for good in ["1", "2", "5", "10", "real", "2x"] {
        let out = reel(["play", &sample, "--speed", good]);
        assert_eq!(out.code, Some(2), "{}", out.describe());
        assert!(
            out.stderr.contains("needs a terminal"),
            "{}",
            out.describe()
        );
    }
}

#[test]
fn completions_for_every_shell_and_bash_knows_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = reel(["completions", shell]);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(out.stdout.len() > 500, "{shell}: {}", out.describe());
        assert!(out.stderr.is_empty(), "{}", out.describe());
    }
    let out = reel(["completions", "bash"]);
    for sub in SUBCOMMANDS {
        assert!(
            out.stdout.contains(&format!("reel__{sub}"))
                || out.stdout.contains(&format!(" {sub} ")),
            "bash completion does not mention {sub}"
        );
    }
    // The script is valid bash, and registers a completion for `reel`.
    let script = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(script.path(), &out.stdout).expect("write");
    let bash = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p reel",
            script.path().display()
        ))
        .output()
        .expect("bash is needed for this test");
    assert!(
        bash.status.success(),
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    assert!(String::from_utf8_lossy(&bash.stdout).contains("reel"));
    let out = reel(["completions", "tcsh"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        out.describe()
    );
}

#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let out = reel(["man"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let page = &out.stdout;
    let th = page
        .lines()
        .find(|l| l.starts_with(".TH "))
        .unwrap_or_else(|| panic!("no .TH header:\n{page}"));
    assert!(th.starts_with(".TH reel 1 "), "{th}");
    assert!(th.contains(&format!("reel {}", cargo_version())), "{th}");
    // Every line is text or a request/macro this page uses: `.XX`.
    for line in page.lines().filter(|l| l.starts_with('.')) {
        let name = line[1..].split_whitespace().next().unwrap_or("");
        assert!(
            !name.is_empty()
                && name.len() <= 3
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '\\' || c == '"'),
            "not a roff request: {line:?}"
        );
    }
    let section = page
        .split(".SH SUBCOMMANDS")
        .nth(1)
        .unwrap_or_else(|| panic!("no SUBCOMMANDS section:\n{page}"));
    for sub in SUBCOMMANDS {
        assert!(
            section.contains(&format!("reel\\-{sub}(1)")),
            "the man page does not list {sub}"
        );
    }
    // Each command has its own page, as reel(1) refers to them.
    let out = reel(["man", "fork"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with(".TH reel-fork 1 ")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\\-\\-input\\-patch"), "{}", out.stdout);
    assert!(out.stdout.contains("Examples:"), "{}", out.stdout);
    let out = reel(["man", "nope"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr.contains("give one of list, show"),
        "{}",
        out.describe()
    );
    // groff, where installed, formats it without a warning.
    match Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .output()
    {
        Err(_) => {
            println!("note: groff is not installed: the roff structure was checked by hand only")
        }
        Ok(_) => {
            let mut child = Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .stdin(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("groff");
            use std::io::Write as _;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(page.as_bytes())
                .expect("write");
            let done = child.wait_with_output().expect("groff");
            assert!(done.status.success(), "groff failed");
            let warnings = String::from_utf8_lossy(&done.stderr);
            assert!(warnings.trim().is_empty(), "groff warns:\n{warnings}");
        }
    }
}

/// `version = "…"` of the package, read from Cargo.toml.
fn cargo_version() -> String {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("a version line")
        .to_string()
}

#[test]
fn version_names_the_commit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let in_git = dir.join(".git").exists() && git(&["rev-parse", "HEAD"]).is_some();
    for flag in ["-V", "--version"] {
        let out = reel([flag]);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        let line = out.stdout.trim_end();
        let inner = line
            .strip_prefix(&format!("reel {} (", cargo_version()))
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{line:?} is not `reel VERSION (COMMIT)`"));
        let commit = inner.strip_suffix(" dirty").unwrap_or(inner);
        if !in_git {
            assert_eq!(inner, "unknown", "{line:?}");
            continue;
        }
        // The commit the binary was built from: HEAD, or an ancestor of
        // it when something was committed since the build.
        let full = git(&["rev-parse", "--verify", &format!("{commit}^{{commit}}")])
            .unwrap_or_else(|| panic!("{line:?} names no commit of this repository"));
        assert!(full.starts_with(commit) && commit.len() >= 7, "{line:?}");
        assert!(
            git(&["merge-base", "--is-ancestor", &full, "HEAD"]).is_some(),
            "{line:?}: not HEAD or an ancestor of it"
        );
    }
}

/// `reel keys` with a keys file in a scratch config folder.
fn keys(config: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
    command
        .arg("keys")
        .args(args)
        .env("XDG_CONFIG_HOME", config);
    run_command(command, format!("reel keys {}", args.join(" ")))
}

#[test]
fn keys_prints_the_keymap_in_effect() {
    let config = tempfile::tempdir().expect("tempdir");
    let file = config.path().join("reel/keys.toml");
    // No file: the defaults (assets/keys.toml), nothing marked.
    let out = keys(config.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout.contains("none there: the defaults"),
        "{}",
        out.describe()
    );
    let row = |text: &str, action: &str| {
        text.lines()
            .find(|l| {
                l.get(2..)
                    .is_some_and(|r| r.starts_with(&format!("{action} ")))
            })
            .map(str::to_string)
    };
    let next = row(&out.stdout, "next_step").expect("a next_step row");
    assert!(
        next.starts_with("  next_step") && next.contains("j ↓"),
        "{next:?}"
    );
    assert!(
        !out.stdout
            .lines()
            .any(|l| l.starts_with('*') && l.len() > 2),
        "{}",
        out.stdout
    );
    // An override is applied and marked; the rest stays.
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, "[run]\nnext_step = [\"x\", \"ctrl-n\"]\n").expect("write");
    let out = keys(config.path(), &[]);
    assert!(out.stdout.contains("(applied)"), "{}", out.describe());
    let next = row(&out.stdout, "next_step").expect("a next_step row");
    assert!(
        next.starts_with("* next_step") && next.contains("x ctrl-n"),
        "{next:?}"
    );
    let prev = row(&out.stdout, "prev_step").expect("a prev_step row");
    assert!(
        prev.starts_with("  prev_step") && prev.contains("k ↑"),
        "{prev:?}"
    );
    let out = keys(config.path(), &["--json"]);
    let doc = out.json();
    let run = doc["modes"]["run"].as_array().expect("run bindings");
    let next = run
        .iter()
        .find(|b| b["action"] == "next_step")
        .expect("next_step");
    assert_eq!(next["keys"], serde_json::json!(["x", "ctrl-n"]));
    assert_eq!(next["changed"], true);
    assert_eq!(doc["applied"], true);
    // A broken file: said on stderr, the defaults shown (as the viewer does).
    std::fs::write(&file, "[run]\nfly = \"f\"\n").expect("write");
    let out = keys(config.path(), &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stderr.contains("keys file ignored") && out.stderr.contains("unknown action"),
        "{}",
        out.describe()
    );
    let next = row(&out.stdout, "next_step").expect("a next_step row");
    assert!(
        next.starts_with("  next_step") && next.contains("j ↓"),
        "{next:?}"
    );
}
