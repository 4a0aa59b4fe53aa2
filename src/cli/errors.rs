//! Exit codes and the one wording each kind of problem gets, whichever
//! subcommand meets it (the table is in the README):
//!
//! | kind | says | exit |
//! | --- | --- | --- |
//! | a path that does not exist | `PATH: no such file or directory` | 2 |
//! | a runs directory that does not exist | `DIR: no such runs directory (where it came from)` | 2 |
//! | no runs directory at all (no `HOME`) | `no runs directory: set …` | 2 |
//! | a file or folder that is not a bundle | `PATH: not a run bundle (…)` | 1 |
//! | a file where a runs directory should be | `PATH: not a runs directory (a file)` | 1 |
//! | a folder with no bundles, for `validate` | `DIR: holds no run bundle (…)` | 1 |
//! | a run id that matches no run, or several | `no run matches "x" in DIR` | 1 |
//!
//! What does not exist is what the user typed or must name (2); what exists
//! but is not what was expected is on disk (1). For `list`, `tree`,
//! `audit` and the browser, a folder with no runs is not an error.

use std::path::{Path, PathBuf};

use crate::model::discovery::{ResolveError, RUNS_DIR_ENV};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// A failure with its exit code; the message is one sentence for stderr.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
}

impl CliError {
    pub fn failure(message: impl std::fmt::Display) -> Self {
        CliError {
            code: EXIT_FAILURE,
            message: message.to_string(),
        }
    }

    pub fn usage(message: impl std::fmt::Display) -> Self {
        CliError {
            code: EXIT_USAGE,
            message: message.to_string(),
        }
    }
}

pub type CliResult = Result<i32, CliError>;

/// Where the runs directory in use came from, for messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named as an argument (`list DIR`).
    Given,
    /// `--runs-dir`.
    Flag,
    /// `$ACPX_FLOW_RUNS_DIR`.
    Env,
    /// `~/.acpx/flows/runs`, acpx's default.
    Home,
}

/// The runs directory a command works in, when there is one.
#[derive(Debug, Clone)]
pub struct RunsDir {
    pub path: PathBuf,
    pub origin: Origin,
}

impl RunsDir {
    /// `--runs-dir`, else `$ACPX_FLOW_RUNS_DIR`, else `~/.acpx/flows/runs`.
    pub fn locate(flag: Option<&Path>) -> Option<RunsDir> {
        if let Some(path) = flag {
            return Some(RunsDir {
                path: path.to_path_buf(),
                origin: Origin::Flag,
            });
        }
        let from_env = std::env::var_os(RUNS_DIR_ENV).is_some_and(|v| !v.is_empty());
        crate::model::discovery::default_runs_dir().map(|path| RunsDir {
            path,
            origin: if from_env { Origin::Env } else { Origin::Home },
        })
    }

    /// A runs directory named as an argument (`list DIR`).
    pub fn given(path: PathBuf) -> RunsDir {
        RunsDir {
            path,
            origin: Origin::Given,
        }
    }
}

/// `DIR: no such runs directory`, saying where DIR came from and, for the
/// defaults, how to get runs there.
pub fn missing_runs_dir(dir: &Path, origin: Origin) -> CliError {
    CliError::usage(format!(
        "{}: no such runs directory{}",
        dir.display(),
        origin_note(origin)
    ))
}

fn origin_note(origin: Origin) -> String {
    let start = "start a run with `acpx flow run FLOW.ts`, or pass --runs-dir DIR";
    match origin {
        Origin::Given => String::new(),
        Origin::Flag => " (from --runs-dir)".to_string(),
        Origin::Env => format!(" (from ${RUNS_DIR_ENV}); {start}"),
        Origin::Home => {
            format!(" (looked at ${RUNS_DIR_ENV}, unset, then ~/.acpx/flows/runs); {start}")
        }
    }
}

/// A runs directory that must exist and be a folder.
pub fn require_runs_dir(dir: &RunsDir) -> Result<&Path, CliError> {
    match crate::model::discovery::bundle_names(&dir.path) {
        Ok(_) => Ok(&dir.path),
        Err(err) => Err(from_resolve(err, dir.origin)),
    }
}

/// The runs directory a command needs, or why there is none.
pub fn needed(dir: Option<&RunsDir>) -> Result<&RunsDir, CliError> {
    dir.ok_or_else(|| CliError::usage(ResolveError::NoRunsDir))
}

/// The exit code and wording for a problem finding a run or a runs
/// directory (`origin`: where the runs directory in use came from).
pub fn from_resolve(err: ResolveError, origin: Origin) -> CliError {
    match err {
        ResolveError::NoRunsDirAt { spec, dir } => CliError::usage(format!(
            "no run {spec:?}: {}",
            missing_runs_dir(&dir, origin).message
        )),
        ResolveError::MissingRunsDir(dir) => missing_runs_dir(&dir, origin),
        err @ (ResolveError::NoRunsDir | ResolveError::NoSuchPath(_)) => CliError::usage(err),
        err @ (ResolveError::NotABundle(_)
        | ResolveError::NotABundleFile(_)
        | ResolveError::Staging(_)
        | ResolveError::NotFound { .. }
        | ResolveError::Ambiguous { .. }
        | ResolveError::NotARunsDir(_)
        | ResolveError::Io { .. }) => CliError::failure(err),
    }
}

/// A file the user named for reel to read (a tour): it must exist (else
/// exit 2) and be a file.
pub fn input_file(path: &Path) -> Result<(), CliError> {
    match std::fs::metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(CliError::usage(
            ResolveError::NoSuchPath(path.display().to_string()),
        )),
        Ok(meta) if meta.is_dir() => Err(CliError::failure(format!(
            "{}: a folder, not a file",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// A file reel will write (`--record`, `--log`): its folder must exist
/// (else exit 2), and it must not be a folder.
pub fn output_file(path: &Path, option: &str) -> Result<(), CliError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(CliError::usage(format!(
            "{}: no such directory (the folder of {option} {})",
            folder.display(),
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(CliError::failure(format!(
            "{}: a folder, not a file ({option})",
            path.display()
        )));
    }
    Ok(())
}

/// An ATTEMPT argument that names no attempt of `run` (exit 1).
pub fn unknown_attempt(run: &crate::model::Run, spec: &str) -> CliError {
    CliError::failure(format!(
        "no attempt {spec:?} in run {} (give an attemptId such as node#1, a step number 1..{}, or last)",
        run.run_id(),
        run.attempts.len()
    ))
}
