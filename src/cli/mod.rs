//! The command line: subcommands, exit codes and `--json` output. Each
//! subcommand is a thin layer over `model` and `bundle`.

/// `writeln!` into the output buffer (writing to a String cannot fail).
macro_rules! outln {
    ($out:expr) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out);
    }};
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod audit;
mod demo;
mod diff;
mod fault;
mod follow;
mod fork;
mod format;
mod list;
mod resume;
mod rewind;
mod show;
mod state;
mod stream;
mod synth;
mod tree;
mod validate;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::model::discovery::{self, resolve_run};
use crate::model::Run;

/// Exit codes, documented in the README.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILURE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "reel",
    version,
    about = "Replay viewer for acpx flow runs",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Runs directory (default: $ACPX_FLOW_RUNS_DIR, else ~/.acpx/flows/runs).
    #[arg(long, global = true, value_name = "DIR")]
    runs_dir: Option<PathBuf>,

    /// A run (bundle path, runId or unique suffix) or a runs directory.
    target: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the runs in a runs directory, newest first.
    List {
        /// Runs directory (default: the runs directory).
        dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Show a run and its attempts.
    Show {
        /// Bundle path, runId or unique runId suffix.
        run: String,
        #[arg(long)]
        json: bool,
        /// Keep printing steps as they finish until the run ends.
        #[arg(long)]
        follow: bool,
    },
    /// The state of a run at one step: node states, outputs, conversation.
    State {
        run: String,
        /// attemptId (e.g. `review#2`) or 1-based step number.
        #[arg(long, value_name = "ATTEMPT")]
        at: String,
        #[arg(long)]
        json: bool,
    },
    /// Check bundles (or every bundle in a runs directory) against the format.
    Validate {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Play a run like a video in the viewer (Space pauses, +/- speed).
    Play {
        /// Bundle path, runId or unique runId suffix.
        run: String,
        /// 1, 2, 5, 10 or `real` (recorded timestamps).
        #[arg(long, default_value = "1")]
        speed: String,
        /// Write an asciicast v2 recording of the playback.
        #[arg(long, value_name = "OUT.cast")]
        record: Option<PathBuf>,
        /// Render without a terminal (requires --record).
        #[arg(long)]
        headless: bool,
        /// Screen size for headless rendering.
        #[arg(long, default_value = "120x36", value_name = "WxH")]
        size: String,
    },
    /// Run a scripted tour (a `.tour` file) in the viewer, or record it.
    Demo(demo::DemoArgs),
    /// Fork a run at a step into a new run (preview with --preview).
    Fork(fork::ForkArgs),
    /// Compare two frames (RUN@ATTEMPT RUN@ATTEMPT), or a fork with its parent.
    Diff(diff::DiffArgs),
    /// The lineage of runs: forks under their parents, backups of rewinds.
    Tree(tree::TreeArgs),
    /// Rewind a run in place to a step (the rest moves to a backup).
    Rewind(rewind::RewindArgs),
    /// Continue a waiting run (a fork, or a run stopped at a checkpoint) through acpx.
    Resume(resume::ResumeArgs),
    /// Restore the most recent backup of a run (undo a rewind or a resume).
    Undo(rewind::UndoArgs),
    /// The log of rewinds and undos (finishes interrupted ones first).
    Audit {
        /// Runs directory (default: the runs directory).
        dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic acpx bundle of any size (for benchmarks and tests).
    #[command(hide = true)]
    Synth(synth::SynthArgs),
}

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

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            return match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    let _ = err.print();
                    EXIT_OK
                }
                _ => {
                    // The message quotes the arguments given: sanitized.
                    let text = err.render().to_string();
                    eprint!("{}", crate::sanitize::sanitize_text(&text, true));
                    EXIT_USAGE
                }
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            say(&err.message);
            err.code
        }
    }
}

fn run(cli: Cli) -> CliResult {
    let runs_dir = cli.runs_dir.clone().or_else(discovery::default_runs_dir);
    match cli.command {
        Some(Command::List { dir, json }) => {
            let dir = dir
                .or(runs_dir)
                .ok_or_else(|| CliError::usage("no runs directory given"))?;
            list::run(&dir, json)
        }
        Some(Command::Show {
            run,
            json,
            follow: true,
        }) => follow::run(&resolve_dir(&run, runs_dir.as_deref())?, json),
        Some(Command::Show {
            run,
            json,
            follow: false,
        }) => show::run(&open_run(&run, runs_dir.as_deref())?, json),
        Some(Command::State { run, at, json }) => {
            state::run(&open_run(&run, runs_dir.as_deref())?, &at, json)
        }
        Some(Command::Validate { paths, json }) => validate::run(&paths, json),
        Some(Command::Synth(args)) => synth::run(&args, runs_dir.as_deref()),
        Some(Command::Play {
            run,
            speed,
            record,
            headless,
            size,
        }) => {
            let speed = crate::tui::playback::Speed::parse(&speed).ok_or_else(|| {
                CliError::usage(format!("--speed {speed:?}: give 1, 2, 5, 10 or real"))
            })?;
            let dir = resolve_dir(&run, runs_dir.as_deref())?;
            match (headless, record) {
                (true, Some(out)) => demo::play_headless(&dir, speed, &out, &size),
                (true, None) => Err(CliError::usage("--headless needs --record OUT.cast")),
                (false, record) => demo::play(&dir, speed, record.as_deref()),
            }
        }
        Some(Command::Demo(args)) => demo::demo(&args),
        Some(Command::Fork(args)) => {
            let run = open_run(&args.run, runs_dir.as_deref())?;
            if let Ok(located) = crate::timetravel::layout::locate_run(&run.bundle.root) {
                recover(&located.runs_dir);
            }
            fork::run(&run, &args)
        }
        Some(Command::Diff(args)) => diff::run(&args, runs_dir.as_deref()),
        Some(Command::Tree(args)) => tree::run(&args, runs_dir.as_deref()),
        Some(Command::Rewind(args)) => {
            rewind::rewind(&resolve_dir(args.run_spec(), runs_dir.as_deref())?, &args)
        }
        Some(Command::Resume(args)) => {
            resume::run(&resolve_dir(&args.run, runs_dir.as_deref())?, &args)
        }
        Some(Command::Undo(args)) => {
            rewind::undo(&resolve_dir(args.run_spec(), runs_dir.as_deref())?, &args)
        }
        Some(Command::Audit { dir, json }) => {
            let dir = dir
                .or(runs_dir)
                .ok_or_else(|| CliError::usage("no runs directory given"))?;
            audit::run(&dir, json)
        }
        None => default_action(cli.target.as_deref(), runs_dir.as_deref()),
    }
}

/// `reel [RUN | DIR]`: the TUI on a terminal (the run browser, or the run
/// itself); when stdout is not a terminal, the same as `list` / `show`.
fn default_action(target: Option<&str>, runs_dir: Option<&Path>) -> CliResult {
    use std::io::IsTerminal;
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let start = match target {
        Some(target) if Path::new(target).is_dir() && !discovery::is_bundle(Path::new(target)) => {
            crate::tui::Start::Browser(PathBuf::from(target))
        }
        Some(target) => {
            let dir = resolve_run(target, runs_dir).map_err(|err| match err {
                discovery::ResolveError::NoRunsDir | discovery::ResolveError::NoSuchPath(_) => {
                    CliError::usage(err)
                }
                other => CliError::failure(other),
            })?;
            crate::tui::Start::Run(dir)
        }
        None => crate::tui::Start::Browser(
            runs_dir
                .filter(|d| discovery::bundle_names(d).is_ok_and(|names| !names.is_empty()))
                .map(Path::to_path_buf)
                .unwrap_or_else(bundled_samples),
        ),
    };
    if !interactive {
        recover(&start.runs_dir());
        return match start {
            crate::tui::Start::Browser(dir) => list::run(&dir, false),
            crate::tui::Start::Run(dir) | crate::tui::Start::Play(dir, _) => {
                show::run(&Run::open(&dir).map_err(CliError::failure)?, false)
            }
        };
    }
    crate::tui::run(start)
        .map(crate::tui::Ended::exit_code)
        .map_err(CliError::failure)
}

/// Finishes or rolls back what an interrupted reel left in `runs_dir`
/// (`timetravel::recovery`) and says what on stderr. Recovery that cannot
/// run (a read-only folder) leaves everything as it is, and reading goes on.
fn recover(runs_dir: &Path) {
    for done in crate::timetravel::recovery::recover(runs_dir).unwrap_or_default() {
        say(done.describe());
    }
}

/// Writes a command's output to stdout. A closed pipe (`reel show | head`)
/// is not an error worth a message, and must never be a panic. Everything
/// passes the terminal sanitizer once more here, so no path or string that
/// a command forgot to clean can reach the terminal raw (JSON output is
/// already escaped and passes unchanged).
fn emit(text: &str) {
    use std::io::Write as _;
    let text = crate::sanitize::sanitize_text(text, true);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// A line for stderr, `reel: ` first, sanitized like everything printed.
pub(crate) fn say(message: impl std::fmt::Display) {
    use std::io::Write as _;
    let line = format!("reel: {}", message);
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", crate::sanitize::sanitize_line(&line));
}

/// The sample runs shipped with reel, for a fresh clone with no runs yet.
fn bundled_samples() -> PathBuf {
    let local = PathBuf::from("sample-runs");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-runs")
}

/// The bundle folder a RUN argument names.
fn resolve_dir(spec: &str, runs_dir: Option<&Path>) -> Result<PathBuf, CliError> {
    resolve_run(spec, runs_dir).map_err(|err| match err {
        discovery::ResolveError::NoRunsDir | discovery::ResolveError::NoSuchPath(_) => {
            CliError::usage(err)
        }
        other => CliError::failure(other),
    })
}

fn open_run(spec: &str, runs_dir: Option<&Path>) -> Result<Run, CliError> {
    let dir = resolve_dir(spec, runs_dir)?;
    let run = Run::open(&dir).map_err(CliError::failure)?;
    // Tolerated quirks (a partial last line …) go to stderr, never to stdout.
    for warning in &run.bundle.warnings {
        say(warning);
    }
    Ok(run)
}
