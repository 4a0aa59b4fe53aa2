//! `validate` on folders with bundles deep down, with no path (the runs
//! directory), and with a run id; RUN|DIR before a command.

use std::path::PathBuf;

use crate::common::copy_dir;
use crate::scratch::{sample, Scratch};

#[test]
fn validate_finds_bundles_at_any_depth_and_defaults_to_the_runs_dir() {
    let s = Scratch::new();
    let sample = PathBuf::from(sample());
    let name = sample.file_name().expect("name").to_os_string();
    let deep = s.root.join("deep");
    copy_dir(&sample, &deep.join("v1").join(&name));
    copy_dir(&sample, &deep.join("v2/nested").join(&name));
    // Not runs: hidden folders, transient acpx folders, a bundle's insides.
    copy_dir(&sample, &deep.join(".hidden").join(&name));
    copy_dir(&sample, &deep.join("v1/acpx-write-1").join(&name));
    let out = s.reel(
        &[],
        &["validate".into(), deep.to_string_lossy().into_owned()],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let checked: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("ok "))
        .collect();
    assert_eq!(checked.len(), 2, "{}", out.describe());
    assert!(
        out.stdout.contains("2 bundle(s) checked: 0 broken"),
        "{}",
        out.describe()
    );
    for part in ["v1/", "v2/nested/"] {
        let wanted = deep.join(part).join(&name);
        assert!(
            out.stdout.contains(&*wanted.to_string_lossy()),
            "{} not checked:\n{}",
            wanted.display(),
            out.describe()
        );
    }
    // No path: the runs directory, from --runs-dir or the environment.
    let runs = s.root.join("runs");
    copy_dir(&sample, &runs.join(&name));
    let runs_arg = runs.to_string_lossy().into_owned();
    for (env, args) in [
        (
            vec![],
            vec![
                "validate".to_string(),
                "--runs-dir".into(),
                runs_arg.clone(),
            ],
        ),
        (
            vec![("ACPX_FLOW_RUNS_DIR", runs_arg.as_str())],
            vec!["validate".into()],
        ),
    ] {
        let out = s.reel(&env, &args);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(
            out.stdout.contains("1 bundle(s) checked"),
            "{}",
            out.describe()
        );
    }
    // A run by id in the runs directory, as every command takes one.
    let suffix = name
        .to_string_lossy()
        .rsplit('-')
        .next()
        .expect("suffix")
        .to_string();
    let out = s.reel(
        &[],
        &["validate".into(), suffix, "--runs-dir".into(), runs_arg],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stdout.contains("1 bundle(s) checked"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_run_with_a_command_is_refused_not_ignored() {
    let s = Scratch::new();
    let out = s.reel(&[], &[s.path("empty"), "list".into()]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("before `list`"), "{}", out.describe());
    // Global options go before or after the command.
    let empty = s.path("empty");
    for args in [
        vec!["--runs-dir".to_string(), empty.clone(), "list".into()],
        vec!["list".into(), "--runs-dir".into(), empty.clone()],
    ] {
        let out = s.reel(&[], &args);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(out.stdout.contains("no runs in"), "{}", out.describe());
    }
}
