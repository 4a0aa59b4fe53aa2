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

mod args;
mod audit;
mod backups;
mod browse;
mod demo;
mod diff;
mod errors;
mod fault;
mod follow;
mod fork;
mod format;
mod list;
mod logging;
mod meta;
mod output;
mod resume;
mod rewind;
mod show;
mod state;
mod stream;
mod synth;
mod tree;
mod validate;

use std::path::Path;
use std::time::Instant;

use clap::Parser;

pub use args::{Cli, Command, VERSION};
pub use errors::{CliError, CliResult, EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
pub(crate) use output::{emit, say};

use crate::model::discovery::{self, resolve_run};
use crate::model::Run;
use errors::{from_resolve, needed, require_runs_dir, Origin, RunsDir};

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
    if let Err(err) = logging::init(cli.log.as_deref()) {
        say(&err.message);
        return err.code;
    }
    let started = Instant::now();
    let command = cli.command.as_ref().map_or("browse", Command::name);
    tracing::info!(
        version = VERSION,
        command,
        args = ?std::env::args_os().skip(1).collect::<Vec<_>>(),
        "start"
    );
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => {
            tracing::warn!(code = err.code, reason = ?err.message, "failed");
            say(&err.message);
            err.code
        }
    };
    tracing::info!(
        command,
        code,
        took_ms = started.elapsed().as_millis() as u64,
        // Each open indexes a whole trace: fork, rewind and undo say here
        // that they load a run once (or, for undo, not at all).
        bundle_opens = crate::bundle::opens_on_this_thread(),
        "end"
    );
    code
}

fn run(cli: Cli) -> CliResult {
    let runs_dir = RunsDir::locate(cli.runs_dir.as_deref());
    let runs = runs_dir.as_ref();
    let runs_path = runs.map(|d| d.path.as_path());
    let Some(command) = cli.command else {
        return browse::run(cli.target.as_deref(), runs);
    };
    if let Some(target) = &cli.target {
        return Err(CliError::usage(format!(
            "{target:?} before `{}`: give RUN|DIR alone (reel {target}), or after the command (see reel {} --help)",
            command.name(),
            command.name()
        )));
    }
    match command {
        Command::List { dir, json } => {
            let dir = dir_or_runs_dir(dir, runs)?;
            list::run(require_runs_dir(&dir)?, json)
        }
        Command::Show { run, json, follow } => {
            if follow {
                follow::run(&resolve_dir(&run, runs)?, json)
            } else {
                show::run(&open_run_with(&run, runs, Run::open_gathering_refs)?, json)
            }
        }
        Command::State { run, at, json } => state::run(&open_run(&run, runs)?, &at, json),
        Command::Validate { paths, json } => validate::run(&paths, runs, json),
        Command::Synth(args) => synth::run(&args, runs_path),
        Command::Play {
            run,
            speed,
            record,
            headless,
            size,
        } => {
            let dir = resolve_dir(&run, runs)?;
            if let Some(out) = &record {
                errors::output_file(out, "--record")?;
            }
            match (headless, record) {
                (true, Some(out)) => demo::play_headless(&dir, speed.speed(), &out, &size),
                (true, None) => Err(CliError::usage("--headless needs --record OUT.cast")),
                (false, record) => demo::play(&dir, speed.speed(), record.as_deref()),
            }
        }
        Command::Demo(args) => demo::demo(&args),
        Command::Fork(args) => {
            let run = open_run(&args.run, runs)?;
            if let Ok(located) = crate::timetravel::layout::locate_run(&run.bundle.root) {
                recover(&located.runs_dir);
            }
            if args.resume {
                logging::timed("fork --resume", &args.run, || fork::run(&run, &args))
            } else {
                fork::run(&run, &args)
            }
        }
        Command::Diff(args) => diff::run(&args, runs),
        Command::Tree(args) => {
            check_tree_target(args.target.as_deref(), runs)?;
            tree::run(&args, runs_path)
        }
        Command::Rewind(args) => {
            let dir = resolve_dir(args.run_spec(), runs)?;
            rewind::rewind(&dir, &args)
        }
        Command::Resume(args) => {
            let dir = resolve_dir(&args.run, runs)?;
            logging::timed("resume", &args.run, || resume::run(&dir, &args))
        }
        Command::Undo(args) => {
            let dir = resolve_dir(args.run_spec(), runs)?;
            rewind::undo(&dir, &args)
        }
        Command::Audit { dir, json } => {
            let dir = dir_or_runs_dir(dir, runs)?;
            audit::run(require_runs_dir(&dir)?, json)
        }
        Command::Backups(args) => backups::backups(&args, runs),
        Command::Gc(args) => backups::gc(&args, runs),
        Command::Completions { shell } => meta::completions(shell),
        Command::Man { command } => meta::man(command.as_deref()),
        Command::Keys { json } => meta::keys(json),
    }
}

/// What `tree` cannot find, said here in the words every command uses
/// (`tree` itself reads what exists): a runs directory, else a run.
fn check_tree_target(target: Option<&str>, runs: Option<&RunsDir>) -> Result<(), CliError> {
    match target {
        None => require_runs_dir(needed(runs)?).map(|_| ()),
        Some(spec) if Path::new(spec).is_dir() && !discovery::is_bundle(Path::new(spec)) => Ok(()),
        Some(spec) => resolve_dir(spec, runs).map(|_| ()),
    }
}

/// A `DIR` argument, else the runs directory in use.
fn dir_or_runs_dir(
    dir: Option<std::path::PathBuf>,
    runs: Option<&RunsDir>,
) -> Result<RunsDir, CliError> {
    match dir {
        Some(dir) => Ok(RunsDir::given(dir)),
        None => needed(runs).cloned(),
    }
}

/// Finishes or rolls back what an interrupted reel left in `runs_dir`
/// (`timetravel::recovery`) and says what on stderr. Recovery that cannot
/// run (a read-only folder) leaves everything as it is, and reading goes on.
fn recover(runs_dir: &Path) {
    for done in crate::timetravel::recovery::recover(runs_dir).unwrap_or_default() {
        tracing::info!(runs_dir = ?runs_dir, what = ?done.describe(), "recovered");
        say(done.describe());
    }
}

/// The bundle folder a RUN argument names.
fn resolve_dir(spec: &str, runs: Option<&RunsDir>) -> Result<std::path::PathBuf, CliError> {
    let origin = runs.map_or(Origin::Given, |d| d.origin);
    resolve_run(spec, runs.map(|d| d.path.as_path())).map_err(|err| from_resolve(err, origin))
}

/// The run a RUN argument names, opened (and timed, in the log).
fn open_run(spec: &str, runs: Option<&RunsDir>) -> Result<Run, CliError> {
    open_run_with(spec, runs, Run::open)
}

/// `open_run`, opening the folder with `open`.
fn open_run_with(
    spec: &str,
    runs: Option<&RunsDir>,
    open: fn(&Path) -> Result<Run, crate::bundle::BundleError>,
) -> Result<Run, CliError> {
    let dir = resolve_dir(spec, runs)?;
    let started = Instant::now();
    let opened = open(&dir);
    Run::log_opened(&dir, started, &opened);
    let run = opened.map_err(CliError::failure)?;
    // Tolerated quirks (a partial last line …) go to stderr, never to stdout.
    for warning in &run.bundle.warnings {
        say(warning);
    }
    Ok(run)
}
