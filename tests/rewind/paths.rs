//! A run named however a user types it (issue 9, item 8): a bare `RUNID`
//! inside the runs folder, `./x`, `x/`, `.` inside the run, `../runs/x`, a
//! suffix with `--runs-dir .`, a symlinked runs folder. Rewind, undo, tree,
//! fork, audit and diff each work from every one, leaving no marker and no
//! unfinished audit record.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::common::{copy_dir, reel_in, Output};
use super::{attempts, final_states, tree, RUN_ID};

/// Keeps reel from looking anywhere but where the test says.
const NO_RUNS_DIR: (&str, &str) = ("ACPX_FLOW_RUNS_DIR", "/nonexistent-reel-test-runs");

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let envs = [(NO_RUNS_DIR.0, OsStr::new(NO_RUNS_DIR.1))];
    reel_in(cwd, &envs, args)
}

/// (what, cwd, the run argument, extra args) for a runs folder `runs`
/// (reached through `link` too) holding `RUN_ID`.
fn spellings(runs: &Path, link: &Path) -> Vec<(&'static str, PathBuf, String, Vec<String>)> {
    let run = runs.join(RUN_ID);
    let none = Vec::new;
    vec![
        (
            "bare id in the runs folder",
            runs.into(),
            RUN_ID.into(),
            none(),
        ),
        ("./id", runs.into(), format!("./{RUN_ID}"), none()),
        (
            "id/ (trailing slash)",
            runs.into(),
            format!("{RUN_ID}/"),
            none(),
        ),
        (". inside the run", run.clone(), ".".into(), none()),
        ("./ inside the run", run, "./".into(), none()),
        (
            "../runs/id",
            runs.into(),
            format!(
                "../{}/{RUN_ID}",
                runs.file_name().and_then(|n| n.to_str()).unwrap_or("")
            ),
            none(),
        ),
        (
            "suffix with --runs-dir .",
            runs.into(),
            "432a4eb8".into(),
            vec!["--runs-dir".into(), ".".into()],
        ),
        (
            "through a symlinked runs folder",
            link.parent().map(Path::to_path_buf).unwrap_or_default(),
            format!(
                "{}/{RUN_ID}",
                link.file_name().and_then(|n| n.to_str()).unwrap_or("")
            ),
            none(),
        ),
    ]
}

/// A fresh runs folder `<tmp>/runs` holding the sample, and `<tmp>/link -> runs`.
fn fresh() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let holder = tempfile::tempdir().expect("tempdir");
    let runs = holder.path().join("runs");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs")
        .join(RUN_ID);
    copy_dir(&sample, &runs.join(RUN_ID));
    let link = holder.path().join("link");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&runs, &link).expect("symlink");
    (holder, runs, link)
}

fn with(base: &[&str], run: &str, extra: &[String]) -> Vec<String> {
    let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
    args.insert(1, run.to_string());
    args.extend(extra.iter().cloned());
    args
}

fn run_args(cwd: &Path, args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_in(cwd, &refs)
}

#[cfg(unix)]
#[test]
fn rewind_and_undo_work_however_the_run_is_named() {
    let (_holder, runs, link) = fresh();
    let run = runs.join(RUN_ID);
    let before = tree(&run);
    for (what, cwd, spec, extra) in spellings(&runs, &link) {
        let rewind = run_args(
            &cwd,
            &with(&["rewind", "--to", "2", "--yes"], &spec, &extra),
        );
        assert_eq!(rewind.code, Some(0), "{what}: {}", rewind.describe());
        assert!(rewind.stderr.is_empty(), "{what}: {}", rewind.describe());
        assert_eq!(attempts(&run).len(), 2, "{what}");
        assert!(!run.join(".reel-op").exists(), "{what}: marker left");
        let undo = run_args(&cwd, &with(&["undo", "--yes"], &spec, &extra));
        assert_eq!(undo.code, Some(0), "{what}: {}", undo.describe());
        assert_eq!(tree(&run), before, "{what}");
        // Everything was audited in the one runs folder, and finished.
        let states = final_states(&runs);
        assert!(
            states
                .iter()
                .all(|(_, s)| *s == reel::timetravel::audit::OpState::Done),
            "{what}: {states:?}"
        );
    }
    assert_eq!(final_states(&runs).len(), 2 * spellings(&runs, &link).len());
}

#[cfg(unix)]
#[test]
fn tree_fork_audit_and_diff_work_however_the_run_is_named() {
    let (_holder, runs, link) = fresh();
    let canonical = runs.canonicalize().expect("canonical");
    for (what, cwd, spec, extra) in spellings(&runs, &link) {
        let shown = run_args(&cwd, &with(&["tree", "--json"], &spec, &extra));
        assert_eq!(shown.code, Some(0), "{what}: {}", shown.describe());
        let doc = shown.json();
        assert_eq!(
            doc["runsDir"].as_str().map(PathBuf::from),
            Some(canonical.clone()),
            "{what}"
        );
        assert_eq!(doc["roots"][0]["runId"], RUN_ID, "{what}");

        let forked = run_args(&cwd, &with(&["fork", "--at", "1", "--json"], &spec, &extra));
        assert_eq!(forked.code, Some(0), "{what}: {}", forked.describe());
        let made = forked.json();
        let path = PathBuf::from(made["path"].as_str().expect("path"));
        assert_eq!(
            path.parent(),
            Some(canonical.as_path()),
            "{what}: beside the run"
        );

        // `reel diff .` inside the fork finds its parent beside it.
        let diff = run_in(&path, &["diff", ".", "--json"]);
        assert_eq!(diff.code, Some(0), "{what}: {}", diff.describe());
        let report: Value = diff.json();
        assert!(report.is_object(), "{what}");
        fs::remove_dir_all(&path).expect("rm fork");
    }
    let audit = run_in(&runs, &["audit", ".", "--json"]);
    assert_eq!(audit.code, Some(0), "{}", audit.describe());
    assert_eq!(audit.json()["records"].as_array().map(Vec::len), Some(0));
}
