//! The scratch folder of the error table: HOME, a file, an empty folder,
//! and `reel` run there without a terminal.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{run_command, Output};

/// Environment variables to set (an empty value: removed).
pub type Env<'a> = &'a [(&'a str, &'a str)];

pub const RUN_COMMANDS: [&str; 9] = [
    "show", "state", "fork", "rewind", "undo", "resume", "diff", "play", "diff2",
];

pub struct Scratch {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        let home = root.join("home");
        fs::create_dir_all(&home).expect("home");
        fs::write(root.join("afile"), "not a bundle\n").expect("afile");
        fs::create_dir(root.join("empty")).expect("empty");
        Scratch {
            _tmp: tmp,
            root,
            home,
        }
    }

    pub fn path(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }

    /// `reel ARGS` in the scratch folder, with HOME there, no runs
    /// directory in the environment unless given, and no terminal.
    pub fn reel(&self, env: &[(&str, &str)], args: &[String]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
        command
            .args(args)
            .current_dir(&self.root)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env_remove("ACPX_FLOW_RUNS_DIR")
            .env_remove("REEL_LOG");
        for (key, value) in env {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        run_command(command, format!("reel {}", args.join(" ")))
    }
}

/// The arguments of a subcommand that takes a run, given `run` for it.
pub fn run_args(command: &str, run: &str) -> Vec<String> {
    let words: Vec<&str> = match command {
        "show" => vec!["show", run],
        "state" => vec!["state", run, "--at", "1"],
        "fork" => vec!["fork", run, "--at", "1"],
        "rewind" => vec!["rewind", run, "--to", "1", "--yes"],
        "undo" => vec!["undo", run, "--yes"],
        "resume" => vec!["resume", run, "--preview"],
        "diff" => vec!["diff", run],
        "diff2" => vec!["diff", run, run],
        "play" => vec!["play", run],
        "tree" => vec!["tree", run],
        "validate" => vec!["validate", run],
        "browse" => vec![run],
        other => panic!("no arguments for {other}"),
    };
    words.into_iter().map(String::from).collect()
}

/// Checks exit code and message; a failure is one line on stderr, `reel: `
/// first, and nothing on stdout.
pub fn expect(out: &Output, code: i32, message: &str, failures: &mut Vec<String>) {
    let stderr = out.stderr.trim_end();
    let ok = out.code == Some(code)
        && if code == 0 {
            out.stdout.contains(message)
        } else {
            stderr.lines().count() == 1
                && stderr.starts_with("reel: ")
                && stderr.contains(message)
                && out.stdout.is_empty()
        };
    if !ok {
        failures.push(format!(
            "wanted exit {code} with {message:?}\n{}",
            out.describe()
        ));
    }
}

pub fn finish(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A sample bundle of the project (always present).
pub fn sample() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8");
    assert!(
        path.join("manifest.json").is_file(),
        "{} is missing",
        path.display()
    );
    path.to_string_lossy().into_owned()
}
