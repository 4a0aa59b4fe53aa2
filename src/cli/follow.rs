//! `reel show RUN --follow`: the attempts of a run printed as they finish,
//! for a terminal, a script or a CI log following a live acpx run.
//!
//! The run header is printed once, then one line per finished attempt (those
//! already finished first), then one line when the run is over. Between
//! lines it sleeps on the file watcher (`crate::watch`) and brings the model
//! up to date incrementally (`Run::refreshed`); it never re-reads the whole
//! bundle. It ends by itself when the run ends (a terminal trace event),
//! stops at a checkpoint (`waiting`), or stops being live (its writer went
//! silent: `model::liveness`), and its exit code says which: 0 completed or
//! waiting, [`EXIT_RUN_FAILED`] failed or timed out, [`EXIT_RUN_STALE`]
//! stale. Every line is flushed as it is written, because whoever reads it
//! reads it live.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::format::{clean, duration, pad};
use super::{CliError, CliResult, EXIT_OK};
use crate::bundle::timestamp::now_ms;
use crate::model::liveness::LifeSigns;
use crate::model::{Liveness, Run};

/// How long a run folder that just appeared may stay unreadable (acpx
/// creates the folder a moment before it writes the manifest).
const OPEN_GRACE: Duration = Duration::from_secs(10);

/// The longest sleep without file activity before liveness is checked again.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The exit code of a followed run that ended `failed` or `timed_out`.
pub const EXIT_RUN_FAILED: i32 = 7;
/// The exit code of a followed run that went stale (its writer stopped).
pub const EXIT_RUN_STALE: i32 = 8;

pub fn run(run_dir: &Path, json: bool) -> CliResult {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match follow(run_dir, json, &mut out) {
        Err(Stop::Closed) => Ok(EXIT_OK),
        Err(Stop::Failed(err)) => Err(err),
        Ok(code) => Ok(code),
    }
}

/// Why following stopped early.
enum Stop {
    /// stdout went away (`reel show --follow | head`): not an error.
    Closed,
    Failed(CliError),
}

impl From<CliError> for Stop {
    fn from(err: CliError) -> Self {
        Stop::Failed(err)
    }
}

/// How a followed run stopped.
enum Ending {
    /// A terminal trace event, or a final status without one.
    Ended,
    /// Stopped at a checkpoint: nothing more comes until someone resumes it.
    Waiting,
    /// Says `running`, but nothing was written for too long.
    Stale,
}

/// Follows the run until it stops; the exit code says how it stopped.
fn follow(run_dir: &Path, json: bool, out: &mut dyn Write) -> Result<i32, Stop> {
    // Watch first, so nothing written between opening and watching is lost.
    let (tx, changes) = mpsc::channel();
    let _watcher = crate::watch::watch(Some(run_dir), None, move |_| {
        let _ = tx.send(());
    })
    .map_err(CliError::failure)?;
    let mut run = open_when_ready(run_dir, &changes)?;
    for warning in &run.bundle.warnings {
        super::say(warning);
    }
    if !json {
        header(out, &run)?;
    }
    let mut printed = HashSet::new();
    let mut refresh_failed = false;
    loop {
        print_finished(out, &run, json, &mut printed)?;
        if let Some(ending) = ending(&run, now_ms()) {
            finish(out, &run, json, &ending)?;
            return Ok(exit_code(&run, &ending));
        }
        match changes.recv_timeout(sleep_for(&run, now_ms())) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(CliError::failure("the file watcher stopped").into());
            }
        }
        while changes.try_recv().is_ok() {}
        match run.refreshed() {
            Ok(Some(fresh)) => run = fresh,
            Ok(None) => {}
            // Keep what we have and retry on the next change; say it once.
            Err(err) if !refresh_failed => {
                refresh_failed = true;
                super::say(err);
            }
            Err(_) => {}
        }
    }
}

/// `Run::open`, retried on file activity for a short while: the folder can
/// be followed from the moment it appears.
fn open_when_ready(run_dir: &Path, changes: &Receiver<()>) -> Result<Run, CliError> {
    let deadline = Instant::now() + OPEN_GRACE;
    loop {
        match Run::open(run_dir) {
            Ok(run) => return Ok(run),
            Err(err) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(CliError::failure(err));
                }
                let _ = changes.recv_timeout(left.min(Duration::from_millis(500)));
            }
        }
    }
}

fn ending(run: &Run, now: i64) -> Option<Ending> {
    let status = run.status();
    if run.end.is_some() {
        Some(Ending::Ended)
    } else if status == "waiting" {
        Some(Ending::Waiting)
    } else if status != "running" {
        Some(Ending::Ended)
    } else if run.liveness(now).is_stale() {
        Some(Ending::Stale)
    } else {
        None
    }
}

fn exit_code(run: &Run, ending: &Ending) -> i32 {
    match ending {
        Ending::Stale => EXIT_RUN_STALE,
        _ if run.failure.is_some() => EXIT_RUN_FAILED,
        _ => EXIT_OK,
    }
}

/// Until the run would turn stale if nothing more were written.
fn sleep_for(run: &Run, now: i64) -> Duration {
    let stale_at = LifeSigns::of(run).stale_at(now);
    let ms = u64::try_from(stale_at - now).unwrap_or(0) + 100;
    Duration::from_millis(ms).min(MAX_SLEEP)
}

fn line(out: &mut dyn Write, text: &str) -> Result<(), Stop> {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|err| match err.kind() {
            io::ErrorKind::BrokenPipe => Stop::Closed,
            _ => Stop::Failed(CliError::failure(err)),
        })
}

fn header(out: &mut dyn Write, run: &Run) -> Result<(), Stop> {
    let started = run.started_at().unwrap_or_default();
    line(
        out,
        &format!(
            "{}  ({})",
            clean(run.title(), 100),
            clean(run.flow_name(), 60)
        ),
    )?;
    line(out, &format!("run       {}", clean(&run.run_id(), 100)))?;
    line(
        out,
        &format!(
            "status    {}   started {}   (following)",
            clean(&run.status(), 20),
            clean(&started, 30)
        ),
    )?;
    line(out, "")?;
    line(
        out,
        &format!(
            "   #  {}  {}  {}  {}  {}  session",
            pad("attempt", 22),
            pad("type", 10),
            pad("outcome", 9),
            pad("started", 12),
            pad("took", 7)
        ),
    )
}

/// Prints the finished attempts not printed yet, in trace order.
fn print_finished(
    out: &mut dyn Write,
    run: &Run,
    json: bool,
    printed: &mut HashSet<String>,
) -> Result<(), Stop> {
    for (i, attempt) in run.attempts.iter().enumerate() {
        // Cancelled ones too: the interrupt that ended the run finished them.
        let over = attempt.is_finished() || attempt.outcome == crate::bundle::Outcome::Cancelled;
        if !over || printed.contains(run.attempt_id(attempt)) {
            continue;
        }
        printed.insert(run.attempt_id(attempt).to_string());
        let text = if json {
            crate::sanitize::json::to_line(&super::show::attempt_json(run, attempt))
        } else {
            super::show::attempt_row(run, i, attempt)
        };
        line(out, &text)?;
    }
    Ok(())
}

fn finish(out: &mut dyn Write, run: &Run, json: bool, ending: &Ending) -> Result<(), Stop> {
    let status = run.status();
    if json {
        let mut last = json!({"runEnded": status});
        if matches!(ending, Ending::Stale) {
            last["stale"] = Value::Bool(true);
        }
        if let Some(failure) = &run.failure {
            for (key, text) in [("error", &failure.error), ("statusDetail", &failure.detail)] {
                if let Some(text) = text {
                    last[key] = json!(text);
                }
            }
        }
        return line(out, &crate::sanitize::json::to_line(&last));
    }
    let finished = run
        .attempts
        .iter()
        .filter(|a| a.outcome != crate::bundle::Outcome::Running)
        .count();
    let text = match ending {
        Ending::Ended => {
            let why = run
                .failure
                .as_ref()
                .and_then(|f| f.summary())
                .map(|s| format!(": {}", clean(&s, 200)))
                .unwrap_or_default();
            format!(
                "run {}{why} · {} finished",
                clean(&status, 20),
                crate::humanize::plural(finished, "attempt")
            )
        }
        Ending::Waiting => {
            let on = run.waiting_on().unwrap_or("a checkpoint");
            format!(
                "run waiting on {}: it goes on only when resumed, stopped following",
                clean(on, 60)
            )
        }
        Ending::Stale => {
            let silent = match run.liveness(now_ms()) {
                Liveness::Stale { silent_ms } => silent_ms.map(|ms| ms.max(0) as u64),
                _ => None,
            };
            format!(
                "run not live anymore: it says running but wrote nothing for {} (its writer probably died), stopped following",
                silent.map(duration).unwrap_or_else(|| "long".into())
            )
        }
    };
    line(out, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> std::path::PathBuf {
        let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs");
        let found = std::fs::read_dir(&runs)
            .expect("sample-runs")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(name));
        found.expect("the sample run")
    }

    fn followed(dir: &Path, json: bool) -> Vec<String> {
        let mut out = Vec::new();
        assert!(follow(dir, json, &mut out).is_ok());
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_finished_run_prints_every_attempt_and_ends() {
        let dir = sample("branching-review-432a4eb8");
        let run = Run::open(&dir).expect("open");
        let lines = followed(&dir, false);
        assert_eq!(lines.len(), 5 + run.attempts.len() + 1, "{lines:#?}");
        assert!(lines[4].contains("attempt") && lines[4].contains("outcome"));
        for (i, a) in run.attempts.iter().enumerate() {
            assert!(lines[5 + i].contains(run.attempt_id(a)), "{}", lines[5 + i]);
        }
        let last = lines.last().expect("a last line");
        assert!(last.starts_with("run completed"), "{last}");
    }

    #[test]
    fn json_lines_match_show_json_attempts() {
        let dir = sample("acp-echo");
        let run = Run::open(&dir).expect("open");
        let show = super::super::show::show_json(&run).unwrap_or_else(|e| panic!("{}", e.message));
        let lines = followed(&dir, true);
        let values: Vec<Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        let (last, attempts) = values.split_last().expect("lines");
        assert_eq!(
            attempts,
            show["attempts"].as_array().expect("attempts").as_slice()
        );
        assert_eq!(*last, json!({"runEnded": "completed"}));
    }

    #[test]
    fn a_run_waiting_at_a_checkpoint_ends_the_follow() {
        let dir = sample("branching-review-36d6dd35");
        let lines = followed(&dir, false);
        let last = lines.last().expect("a last line");
        assert!(last.starts_with("run waiting on "), "{last}");
        let json = followed(&dir, true);
        let last: Value = serde_json::from_str(json.last().expect("line")).expect("json");
        assert_eq!(last, json!({"runEnded": "waiting"}));
    }

    #[test]
    #[cfg_attr(
        not(reel_shared),
        ignore = "needs ../shared/bundles (absent when this was built)"
    )]
    fn a_silent_running_run_is_reported_stale() {
        let source = Path::new(env!("REEL_SHARED_DIR"))
            .join("bundles/acpx-0.19.1/live-stream/snapshots/t12");
        assert!(source.is_dir(), "{} is absent", source.display());
        // A copy untouched for an hour (a fresh checkout's files are new,
        // and new files are a sign of life).
        let temp = tempfile::tempdir().expect("tempdir");
        let snapshot = temp.path().join("run");
        copy_backdated(&source, &snapshot, Duration::from_secs(3600));
        let lines = followed(&snapshot, false);
        let last = lines.last().expect("a last line");
        assert!(last.starts_with("run not live anymore"), "{last}");
        let json = followed(&snapshot, true);
        let last: Value = serde_json::from_str(json.last().expect("line")).expect("json");
        assert_eq!(last, json!({"runEnded": "running", "stale": true}));
    }

    /// Copies a folder, every file's modification time `age` in the past.
    fn copy_backdated(from: &Path, to: &Path, age: Duration) {
        let when = std::time::SystemTime::now() - age;
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy_backdated(&entry.path(), &target, age);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
                let file = std::fs::File::open(&target).expect("open");
                file.set_modified(when).expect("set_modified");
            }
        }
    }
}
