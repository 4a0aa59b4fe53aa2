//! `--log FILE` / `$REEL_LOG`: a log of what reel does, appended to that
//! file and never written to the terminal (the TUI owns it, and scripts
//! read stdout and stderr). `$REEL_LOG_LEVEL` sets the level (default
//! info). Events: start and end of every command, runs opened (with
//! timings), time-travel operations, resume, recovery, watcher problems.
//! Strings from outside are logged quoted (`?`), so a log line is one line.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use tracing::level_filters::LevelFilter;

use super::{CliError, CliResult};

pub const LOG_ENV: &str = "REEL_LOG";
pub const LEVEL_ENV: &str = "REEL_LOG_LEVEL";

/// Starts logging to `flag`, else to `$REEL_LOG`; without either, nothing
/// is logged (tracing's no-op default). A file that cannot be opened is a
/// usage error: a log asked for and silently missing helps nobody.
pub fn init(flag: Option<&Path>) -> Result<(), CliError> {
    let (path, named_by) = match flag {
        Some(path) => (path.to_path_buf(), "--log"),
        None => match std::env::var_os(LOG_ENV).filter(|v| !v.is_empty()) {
            Some(path) => (PathBuf::from(path), LOG_ENV),
            None => return Ok(()),
        },
    };
    super::errors::output_file(&path, named_by)?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|err| {
            CliError::usage(format!(
                "{}: cannot open the log file ({named_by}): {err}",
                path.display()
            ))
        })?;
    let wanted = std::env::var(LEVEL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let parsed = wanted.as_deref().map(|v| v.trim().parse::<LevelFilter>());
    let level = match &parsed {
        Some(Ok(level)) => *level,
        _ => LevelFilter::INFO,
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(false)
        .with_thread_names(true)
        .with_max_level(level)
        .finish();
    // Set once per process; a second call (tests in one process) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
    if let (Some(value), Some(Err(_))) = (&wanted, &parsed) {
        tracing::warn!(
            value = ?value,
            "{LEVEL_ENV} is not one of off, error, warn, info, debug, trace: using info"
        );
    }
    Ok(())
}

/// Runs a long operation (resume), logging its start and its end with the
/// exit code and the time it took.
pub fn timed(op: &str, run: &str, f: impl FnOnce() -> CliResult) -> CliResult {
    tracing::info!(op, run = ?run, "{op} started");
    let started = Instant::now();
    let result = f();
    let took_ms = started.elapsed().as_millis() as u64;
    match &result {
        Ok(code) => tracing::info!(op, run = ?run, code, took_ms, "{op} ended"),
        Err(err) => tracing::warn!(op, run = ?run, code = err.code, took_ms, "{op} failed"),
    }
    result
}
