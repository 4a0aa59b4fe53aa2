//! `--log FILE` / `REEL_LOG`: events go to that file and nowhere else —
//! the same stdout and stderr as without a log — at the level of
//! `REEL_LOG_LEVEL` (default info).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_dir, run_command, Output};

fn reel(env: &[(&str, &Path)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("REEL_LOG")
        .env_remove("REEL_LOG_LEVEL");
    for (key, value) in env {
        command.env(key, value);
    }
    run_command(command, format!("reel {}", args.join(" ")))
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()))
}

/// The lines of a log at `level` whose message is `message`.
fn events<'a>(log: &'a str, level: &str, message: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| {
            let mut words = l.split_whitespace().skip(1);
            words.next() == Some(level) && l.contains(&format!(" main {message}"))
        })
        .collect()
}

const RUN: &str = "432a4eb8";

#[test]
fn a_logged_command_prints_what_it_prints_without_a_log() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("reel.log");
    let log_arg = log.to_string_lossy().into_owned();
    for args in [
        vec!["list", "sample-runs"],
        vec!["show", RUN, "--runs-dir", "sample-runs"],
        vec!["show", "gone/run"],
    ] {
        let plain = reel(&[], &args);
        let mut with_flag = vec!["--log", log_arg.as_str()];
        with_flag.extend(&args);
        for logged in [reel(&[], &with_flag), reel(&[("REEL_LOG", &log)], &args)] {
            assert_eq!(logged.code, plain.code, "{}", logged.describe());
            assert_eq!(logged.stdout, plain.stdout, "{}", logged.describe());
            assert_eq!(logged.stderr, plain.stderr, "{}", logged.describe());
        }
    }
    let text = read(&log);
    // Three commands, each logged twice (flag, environment).
    assert_eq!(events(&text, "INFO", "start").len(), 6, "{text}");
    assert_eq!(events(&text, "INFO", "end").len(), 6, "{text}");
    assert_eq!(
        events(&text, "INFO", "start")
            .iter()
            .filter(|l| l.contains("command=\"list\""))
            .count(),
        2,
        "{text}"
    );
    let opened = events(&text, "INFO", "run opened");
    assert_eq!(opened.len(), 2, "{text}");
    assert!(
        opened
            .iter()
            .all(|l| l.contains("took_ms=") && l.contains("attempts=9")),
        "{text}"
    );
    let failed = events(&text, "WARN", "failed");
    assert_eq!(failed.len(), 2, "{text}");
    assert!(
        failed[0].contains("code=2") && failed[0].contains("gone/run: no such file or directory"),
        "{text}"
    );
    // One event, one line: every line starts with a timestamp.
    assert!(text.lines().all(|l| l.starts_with("20")), "{text}");
}

#[test]
fn the_level_comes_from_reel_log_level() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let warn_log = tmp.path().join("warn.log");
    let level = PathBuf::from("warn");
    let args = ["show", "gone/run"];
    let out = reel(
        &[("REEL_LOG", &warn_log), ("REEL_LOG_LEVEL", &level)],
        &args,
    );
    assert_eq!(out.code, Some(2), "{}", out.describe());
    let text = read(&warn_log);
    assert!(events(&text, "INFO", "start").is_empty(), "{text}");
    assert_eq!(events(&text, "WARN", "failed").len(), 1, "{text}");
    // A level that is not one: said in the log, info used, nothing printed.
    let bad_log = tmp.path().join("bad.log");
    let bogus = PathBuf::from("loud");
    let out = reel(&[("REEL_LOG", &bad_log), ("REEL_LOG_LEVEL", &bogus)], &args);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.describe());
    let text = read(&bad_log);
    assert!(
        text.contains("REEL_LOG_LEVEL is not one of") && text.contains("value=\"loud\""),
        "{text}"
    );
    assert_eq!(events(&text, "INFO", "start").len(), 1, "{text}");
}

#[test]
fn time_travel_is_logged_with_its_timing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let runs = tmp.path().join("runs");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8");
    copy_dir(&sample, &runs.join(sample.file_name().expect("name")));
    let log = tmp.path().join("reel.log");
    let runs_arg = runs.to_string_lossy().into_owned();
    let env = [("REEL_LOG", log.as_path())];
    let fork = reel(
        &env,
        &["fork", RUN, "--runs-dir", &runs_arg, "--at", "2", "--json"],
    );
    assert_eq!(fork.code, Some(0), "{}", fork.describe());
    let rewind = reel(
        &env,
        &["rewind", RUN, "--runs-dir", &runs_arg, "--to", "3", "--yes"],
    );
    assert_eq!(rewind.code, Some(0), "{}", rewind.describe());
    let undo = reel(&env, &["undo", RUN, "--runs-dir", &runs_arg, "--yes"]);
    assert_eq!(undo.code, Some(0), "{}", undo.describe());
    let text = read(&log);
    for op in ["fork", "rewind", "undo"] {
        let done = events(&text, "INFO", &format!("{op} done"));
        assert_eq!(done.len(), 1, "{op}:\n{text}");
        assert!(done[0].contains("took_ms="), "{text}");
    }
}

#[test]
fn a_log_file_that_cannot_be_opened_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let folder = tmp.path().to_string_lossy().into_owned();
    let out = reel(&[], &["--log", &folder, "list", "sample-runs"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr.contains("a folder, not a file (--log)"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.is_empty(), "{}", out.describe());
    let env_log = tmp.path().join("no/such/folder/reel.log");
    let out = reel(&[("REEL_LOG", &env_log)], &["list", "sample-runs"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr.contains("(the folder of REEL_LOG"),
        "{}",
        out.describe()
    );
}

#[test]
fn hostile_strings_stay_on_their_log_line_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("reel.log");
    let hostile = "gone/\u{1b}[2J\n2026-01-01T00:00:00Z  INFO main fake event";
    let out = reel(&[("REEL_LOG", &log)], &["show", hostile]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    let text = read(&log);
    assert_eq!(text.lines().count(), 3, "start, failed, end:\n{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(!text.lines().any(|l| l.starts_with("2026-01-01")), "{text}");
}
