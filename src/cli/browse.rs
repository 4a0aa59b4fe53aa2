//! `reel [RUN | DIR]`: the viewer on a terminal (the run browser, or the
//! run itself); when stdout is not a terminal, what `list` / `show` print.
//! Without an argument it browses the runs directory in use — even one
//! that does not exist yet: the browser then says where it looked and how
//! to get runs there. It never falls back to other runs (there used to be
//! a path of the checkout reel was built from: forks would land there).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::errors::{needed, require_runs_dir, RunsDir};
use super::{list, recover, resolve_dir, show, CliError, CliResult};
use crate::model::discovery::is_bundle;
use crate::model::Run;
use crate::tui::Start;

pub fn run(target: Option<&str>, runs: Option<&RunsDir>) -> CliResult {
    let interactive = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let start = match target {
        Some(target) if Path::new(target).is_dir() && !is_bundle(Path::new(target)) => {
            Start::Browser(PathBuf::from(target))
        }
        Some(target) => Start::Run(resolve_dir(target, runs)?),
        None => Start::Browser(needed(runs)?.path.clone()),
    };
    if !interactive {
        return print(start, target.is_none().then_some(runs).flatten());
    }
    crate::tui::run(start)
        .map(crate::tui::Ended::exit_code)
        .map_err(CliError::failure)
}

/// Off a terminal: `list` for a folder, `show` for a run. The runs
/// directory in use (`runs`, when no folder was named) must exist here:
/// there is no screen to explain that it does not.
fn print(start: Start, runs: Option<&RunsDir>) -> CliResult {
    if let (Start::Browser(_), Some(runs)) = (&start, runs) {
        require_runs_dir(runs)?;
    }
    recover(&start.runs_dir());
    match start {
        Start::Browser(dir) => list::run(&dir, false),
        Start::Run(dir) | Start::Play(dir, _) => show::run(
            &Run::open_gathering_refs(&dir).map_err(CliError::failure)?,
            false,
        ),
    }
}
