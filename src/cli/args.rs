//! The command line as clap sees it. Every argument and option has a help
//! line and every subcommand ends its help with examples
//! (`tests/cli_conventions.rs` walks this tree and parses each example).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::{backups, demo, diff, fork, resume, rewind, synth, tree};

/// `0.1.0 (abc1234)`, `0.1.0 (abc1234 dirty)`, or `0.1.0 (unknown)` when
/// not built from a git checkout (see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("REEL_GIT_COMMIT"),
    ")"
);

/// `--sessions` (of `resume` and `fork --resume`) is checked by clap, as
/// every option with a fixed set of values: a bad one is refused with the
/// list, and completions offer them.
const JSON_HELP: &str = "Print JSON instead of text (one document on stdout)";

#[derive(Debug, Parser)]
#[command(
    name = "reel",
    version = VERSION,
    about = "Replay viewer for acpx flow runs",
    // Not `args_conflicts_with_subcommands`: it would refuse global options
    // before the command (`reel --log FILE list`); RUN|DIR with a command
    // is refused in `cli::run` instead.
    override_usage = "reel [OPTIONS] [RUN|DIR]\n       reel [OPTIONS] <COMMAND>",
    after_help = "Examples:
  reel                                   the run browser on the runs directory
  reel sample-runs                       browse the sample runs (in a checkout of reel)
  reel 432a4eb8 --runs-dir sample-runs   open one run in the viewer
  reel list --json                       the runs, for scripts

The runs directory: --runs-dir DIR, else $ACPX_FLOW_RUNS_DIR, else ~/.acpx/flows/runs."
)]
pub struct Cli {
    /// Runs directory (default: $ACPX_FLOW_RUNS_DIR, else ~/.acpx/flows/runs).
    #[arg(long, global = true, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,

    /// Append a log of what reel does to FILE (also $REEL_LOG; level:
    /// $REEL_LOG_LEVEL, default info).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// A run (bundle path, runId or unique suffix) or a runs directory.
    #[arg(value_name = "RUN|DIR")]
    pub target: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Playback speeds (`reel play --speed`), as the `+` / `-` keys step them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpeedArg {
    #[value(name = "1", alias = "1x")]
    X1,
    #[value(name = "2", alias = "2x")]
    X2,
    #[value(name = "5", alias = "5x")]
    X5,
    #[value(name = "10", alias = "10x")]
    X10,
    // The recorded timestamps (no doc comment: it would turn `--help` long).
    Real,
}

impl SpeedArg {
    pub fn speed(self) -> crate::tui::playback::Speed {
        use crate::tui::playback::Speed;
        match self {
            SpeedArg::X1 => Speed::Times(1),
            SpeedArg::X2 => Speed::Times(2),
            SpeedArg::X5 => Speed::Times(5),
            SpeedArg::X10 => Speed::Times(10),
            SpeedArg::Real => Speed::Real,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runs in a runs directory, newest first.
    #[command(after_help = "Examples:
  reel list
  reel list sample-runs
  reel list --runs-dir sample-runs --json")]
    List {
        /// Runs directory (default: the runs directory).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Show a run and its attempts.
    #[command(after_help = "Examples:
  reel show 432a4eb8 --runs-dir sample-runs
  reel show ~/.acpx/flows/runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8 --json
  reel show 432a4eb8 --follow")]
    Show {
        /// Bundle path, runId or unique runId suffix.
        run: String,
        #[arg(
            long,
            help = "Print JSON instead of text (with --follow: one object per step)"
        )]
        json: bool,
        /// Keep printing steps as they finish until the run ends; exits 0
        /// completed or waiting, 7 failed or timed out, 8 stale (its writer
        /// stopped).
        #[arg(long)]
        follow: bool,
    },
    /// The state of a run at one step: node states, outputs, conversation.
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  reel state 432a4eb8 --runs-dir sample-runs --at 'review_loop#2'
  reel state 432a4eb8 --at 5 --json
  reel state 432a4eb8 --at last"
    )]
    State {
        /// Bundle path, runId or unique runId suffix.
        run: String,
        /// attemptId (e.g. `review#2`), 1-based step number, `last`, or `-N`
        /// (the N-th step from the end).
        #[arg(long, value_name = "ATTEMPT")]
        at: String,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Check bundles against the format: runs, runs directories, or any
    /// folder with bundles below it (default: the runs directory).
    #[command(after_help = "Examples:
  reel validate
  reel validate sample-runs
  reel validate 432a4eb8 --runs-dir sample-runs --json")]
    Validate {
        /// Bundle paths, runIds (or unique suffixes) in the runs directory,
        /// or folders searched for bundles (5 levels deep).
        #[arg(value_name = "PATH|RUN")]
        paths: Vec<String>,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Play a run like a video in the viewer (Space pauses, +/- speed).
    #[command(after_help = "Examples:
  reel play 432a4eb8 --runs-dir sample-runs --speed 2
  reel play 432a4eb8 --speed 5 --headless --record play.cast")]
    Play {
        /// Bundle path, runId or unique runId suffix.
        run: String,
        /// How fast to play (`real`: the recorded timestamps).
        #[arg(long, value_enum, default_value = "1")]
        speed: SpeedArg,
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
    #[command(after_help = "Examples:
  reel demo assets/tours/branching-review.tour
  reel demo assets/tours/branching-review.tour --headless --record tour.cast")]
    Demo(demo::DemoArgs),
    /// Fork a run at a step into a new run (preview with --preview).
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  reel fork 432a4eb8 --runs-dir sample-runs --at 'review_loop#2' --preview
  reel fork 432a4eb8 --at 5 --label 'stricter reviewer' --input-patch '{\"rounds\":1}'
  reel fork 432a4eb8 --at 'review_loop#1' --resume --yes"
    )]
    Fork(fork::ForkArgs),
    /// Compare two frames (RUN@ATTEMPT RUN@ATTEMPT), or a fork with its parent.
    #[command(after_help = "Examples:
  reel diff '432a4eb8@review_loop#1' '432a4eb8@review_loop#2'
  reel diff 7f3a91c2 --json")]
    Diff(diff::DiffArgs),
    /// The lineage of runs: forks under their parents, backups of rewinds.
    #[command(after_help = "Examples:
  reel tree
  reel tree 432a4eb8 --runs-dir sample-runs
  reel tree sample-runs --json")]
    Tree(tree::TreeArgs),
    /// Rewind a run in place to a step (the rest moves to a backup).
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  reel rewind 432a4eb8 --to 'review_loop#1'
  reel rewind 432a4eb8 --to 3 --yes --json
  reel rewind 432a4eb8 --to -2"
    )]
    Rewind(rewind::RewindArgs),
    /// Continue a waiting run (a fork, or a run stopped at a checkpoint) through acpx.
    Resume(resume::ResumeArgs),
    /// Restore the most recent backup of a run (undo a rewind or a resume).
    #[command(after_help = "Examples:
  reel undo 432a4eb8
  reel undo 432a4eb8 --yes --json")]
    Undo(rewind::UndoArgs),
    /// The log of rewinds and undos (finishes interrupted ones first).
    #[command(after_help = "Examples:
  reel audit
  reel audit sample-runs --json")]
    Audit {
        /// Runs directory (default: the runs directory).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// The backups rewinds, undos and resumes kept, with their sizes.
    #[command(after_help = "Examples:
  reel backups
  reel backups 432a4eb8 --json")]
    Backups(backups::BackupsArgs),
    /// Remove old backups, keeping the newest N of each run (asks first).
    #[command(after_help = "Examples:
  reel gc
  reel gc --keep 0 432a4eb8
  reel gc --keep 2 --yes --json")]
    Gc(backups::GcArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = "Examples:
  reel completions bash > ~/.local/share/bash-completion/completions/reel
  reel completions zsh > ~/.zfunc/_reel
  reel completions fish > ~/.config/fish/completions/reel.fish")]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: reel(1), or a command's.
    #[command(after_help = "Examples:
  reel man > ~/.local/share/man/man1/reel.1
  reel man fork | man -l -")]
    Man {
        /// The command whose page to print (reel-COMMAND(1)); none: reel(1).
        #[arg(value_name = "COMMAND")]
        command: Option<String>,
    },
    /// Print the key bindings in effect: the defaults with your keys file applied.
    #[command(after_help = "Examples:
  reel keys
  reel keys --json")]
    Keys {
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Write a synthetic acpx bundle of any size (for benchmarks and tests).
    #[command(
        hide = true,
        after_help = "Examples:
  reel synth --attempts 100000 --out /tmp/runs"
    )]
    Synth(synth::SynthArgs),
}

impl Command {
    /// The subcommand's name, for the log.
    pub fn name(&self) -> &'static str {
        match self {
            Command::List { .. } => "list",
            Command::Show { .. } => "show",
            Command::State { .. } => "state",
            Command::Validate { .. } => "validate",
            Command::Play { .. } => "play",
            Command::Demo(_) => "demo",
            Command::Fork(_) => "fork",
            Command::Diff(_) => "diff",
            Command::Tree(_) => "tree",
            Command::Rewind(_) => "rewind",
            Command::Resume(_) => "resume",
            Command::Undo(_) => "undo",
            Command::Audit { .. } => "audit",
            Command::Backups(_) => "backups",
            Command::Gc(_) => "gc",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
            Command::Keys { .. } => "keys",
            Command::Synth(_) => "synth",
        }
    }
}
