//! Tours: narrated, scripted walks through runs.
//!
//! A tour is a plain text file (conventionally `*.tour`) with one command per
//! line. It is meant to be written by hand: no indentation rules, no nesting,
//! and every mistake is reported with the file, the line and what is wrong
//! (`tours/demo.tour:7: bad pane `graf`: use graph, timeline or inspector`).
//! This module only parses tours; playing them is up to the viewer.
//!
//! # Lexical rules
//!
//! * Blank lines are ignored. Leading and trailing spaces are ignored.
//! * A `#` that starts a word begins a comment that runs to the end of the
//!   line, so comments may follow a command (`last   # the final step`). A `#`
//!   inside a word is kept (`step review_loop#2`), and so is a `#` inside a
//!   quoted string.
//! * The first word of a line is the command; the rest are its arguments,
//!   separated by spaces or tabs.
//! * An argument may be double-quoted to hold spaces or a leading `#`. Inside
//!   quotes, `\"` is a quote, `\\` a backslash, `\n` a line break and `\t` a
//!   tab; any other escape is an error, and so is a quote that is not closed
//!   on the same line. A quote may not appear inside an unquoted word.
//!
//! # Commands
//!
//! | command | meaning |
//! |---|---|
//! | `open TARGET` | open a run: a bundle path (relative to the tour file's folder, or absolute), a runId, or a unique suffix of one. Arguments of [`load`]ed tours that name an existing path relative to the tour's folder are rewritten to that path; anything else is left for the viewer to look up. |
//! | `caption "TITLE" "TEXT"` | show a caption: a title and a text. |
//! | `step ATTEMPT` | go to an attempt, by attemptId (`review_loop#2`) or 1-based step number (`5`). |
//! | `node NODE` | go to the first attempt of a node (`run_checks`). |
//! | `first`, `last` | go to the first / last step. |
//! | `focus PANE` | focus a pane: `graph`, `timeline` or `inspector`. |
//! | `tab TAB` | show an inspector tab: `session`, `attempt` or `events`. |
//! | `search QUERY` | search; the query is the rest of the line (up to a comment). Quote it to search for text with a leading `#` or an unbalanced quote. |
//! | `pause DURATION`, `pause key` | wait: `2s`, `1.5s`, `500ms`; or until a key is pressed. |
//! | `mark` | mark the step at the cursor. |
//! | `diff` | diff the cursor against the mark. |
//! | `fork`, `fork "LABEL"` | fork the run at the cursor, with an optional label. Tours fork into a temporary runs directory: a tour never changes real runs. |
//! | `play SPEED` | play from the cursor at `1x`, `2x`, `5x`, `10x` or `real` speed. |
//!
//! Every command except `open`, `caption` and `pause` acts on a run, so an
//! `open` must come before the first of them. A tour may `open` several runs
//! in turn; later commands act on the most recently opened one.
//!
//! # Example
//!
//! ```text
//! # A short look at the review loop.
//! open ../../sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8
//! caption "Review rounds" "The reviewer loops until it is satisfied.\nTwo rounds here."
//! focus timeline
//! step review_loop#1      # the first round
//! mark
//! step review_loop#2
//! diff                    # what changed between the rounds
//! pause 2s
//! node run_checks
//! tab attempt
//! search finding 2a
//! fork "retry the checks"
//! play 2x
//! pause key
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

mod lex;
use lex::{args, strip_comment, words};

/// One command of a tour.
#[derive(Debug, Clone, PartialEq)]
pub enum TourStep {
    /// Open a run: a bundle path, runId or unique suffix.
    Open(String),
    /// Show a caption.
    Caption { title: String, text: String },
    /// Go to an attempt: attemptId or 1-based step number.
    Step(String),
    /// Go to the first attempt of a node.
    Node(String),
    /// Go to the first step.
    First,
    /// Go to the last step.
    Last,
    /// Focus a pane.
    Focus(Pane),
    /// Show an inspector tab.
    Tab(Tab),
    /// Search for the query.
    Search(String),
    /// Wait for a while or for a key.
    Pause(Pause),
    /// Mark the cursor.
    Mark,
    /// Diff the cursor against the mark.
    Diff,
    /// Fork at the cursor (into a temporary runs directory), optionally labelled.
    Fork(Option<String>),
    /// Play from the cursor.
    Play(Speed),
}

impl TourStep {
    /// The command word that introduces this step in a tour file.
    pub fn command(&self) -> &'static str {
        match self {
            TourStep::Open(_) => "open",
            TourStep::Caption { .. } => "caption",
            TourStep::Step(_) => "step",
            TourStep::Node(_) => "node",
            TourStep::First => "first",
            TourStep::Last => "last",
            TourStep::Focus(_) => "focus",
            TourStep::Tab(_) => "tab",
            TourStep::Search(_) => "search",
            TourStep::Pause(_) => "pause",
            TourStep::Mark => "mark",
            TourStep::Diff => "diff",
            TourStep::Fork(_) => "fork",
            TourStep::Play(_) => "play",
        }
    }

    /// Whether the step acts on a run (and so needs an earlier `open`).
    pub fn needs_run(&self) -> bool {
        !matches!(
            self,
            TourStep::Open(_) | TourStep::Caption { .. } | TourStep::Pause(_)
        )
    }
}

/// A pane of the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Graph,
    Timeline,
    Inspector,
}

/// An inspector tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Session,
    Attempt,
    Events,
}

/// How long a `pause` waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// Wait this long.
    For(Duration),
    /// Wait for a key press.
    Key,
}

/// A playback speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    /// This many times faster than recorded (1, 2, 5 or 10).
    Times(u32),
    /// As recorded.
    Real,
}

/// A step and the 1-based line it was written on.
#[derive(Debug, Clone, PartialEq)]
pub struct TourLine {
    pub line: usize,
    pub step: TourStep,
}

/// A parsed tour.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tour {
    /// The tour file, when the tour was [`load`]ed from one.
    pub path: Option<PathBuf>,
    pub steps: Vec<TourLine>,
}

/// A tour that cannot be read or parsed. `line` is 1-based; 0 means the file
/// as a whole (it could not be read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct TourError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

const COMMANDS: &str =
    "open, caption, step, node, first, last, focus, tab, search, pause, mark, diff, fork, play";

/// Parses a tour. `file` names the tour in error messages.
pub fn parse(text: &str, file: &str) -> Result<Tour, TourError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut steps = Vec::new();
    let mut opened = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let error = |message: String| TourError {
            file: file.to_string(),
            line,
            message,
        };
        let Some(step) = parse_line(raw).map_err(error)? else {
            continue;
        };
        if step.needs_run() && !opened {
            return Err(error(format!(
                "`{}` needs a run: put an `open` line before it",
                step.command()
            )));
        }
        opened |= matches!(step, TourStep::Open(_));
        steps.push(TourLine { line, step });
    }
    Ok(Tour { path: None, steps })
}

/// Reads and parses a tour file. Read errors are reported on line 0. Relative
/// `open` targets that exist relative to the tour file's folder are rewritten
/// to that path; others (runIds, suffixes) are kept as written.
pub fn load(path: &Path) -> Result<Tour, TourError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TourError {
        file: file.clone(),
        line: 0,
        message: format!("cannot read the tour: {e}"),
    })?;
    let mut tour = parse(&text, &file)?;
    let folder = path.parent().unwrap_or_else(|| Path::new(""));
    for line in &mut tour.steps {
        if let TourStep::Open(target) = &mut line.step {
            if let Some(resolved) = resolve_open(folder, target) {
                *target = resolved;
            }
        }
    }
    tour.path = Some(path.to_path_buf());
    Ok(tour)
}

fn resolve_open(folder: &Path, target: &str) -> Option<String> {
    let target = Path::new(target);
    if target.is_absolute() {
        return None;
    }
    let joined = folder.join(target);
    joined
        .exists()
        .then(|| joined.to_string_lossy().into_owned())
}

/// One line: `Ok(None)` for blank and comment lines; errors without position.
fn parse_line(raw: &str) -> Result<Option<TourStep>, String> {
    let content = strip_comment(raw)?.trim();
    if content.is_empty() {
        return Ok(None);
    }
    let (command, rest) = match content.find(char::is_whitespace) {
        Some(at) => (&content[..at], content[at..].trim_start()),
        None => (content, ""),
    };
    if command.starts_with('"') {
        return Err(format!(
            "expected a command, found a quoted string (commands: {COMMANDS})"
        ));
    }
    let step = match command {
        "open" => TourStep::Open(nonempty("open", one(command, rest, "open PATH|RUN_ID")?)?),
        "caption" => {
            let mut args = args(command, rest, 2, 2, "caption \"TITLE\" \"TEXT\"")?.into_iter();
            let title = nonempty("caption title", args.next().unwrap_or_default())?;
            let text = args.next().unwrap_or_default();
            TourStep::Caption { title, text }
        }
        "step" => {
            let target = nonempty("step", one(command, rest, "step ATTEMPT_ID|STEP_NUMBER")?)?;
            if target.bytes().all(|b| b.is_ascii_digit()) && target.bytes().all(|b| b == b'0') {
                return Err("step numbers start at 1".to_string());
            }
            TourStep::Step(target)
        }
        "node" => TourStep::Node(nonempty("node", one(command, rest, "node NODE_ID")?)?),
        "first" => none(command, rest, TourStep::First)?,
        "last" => none(command, rest, TourStep::Last)?,
        "mark" => none(command, rest, TourStep::Mark)?,
        "diff" => none(command, rest, TourStep::Diff)?,
        "focus" => TourStep::Focus(parse_pane(&one(
            command,
            rest,
            "focus graph|timeline|inspector",
        )?)?),
        "tab" => TourStep::Tab(parse_tab(&one(
            command,
            rest,
            "tab session|attempt|events",
        )?)?),
        "search" => TourStep::Search(parse_query(rest)?),
        "pause" => TourStep::Pause(parse_pause(&one(command, rest, "pause 2s|500ms|key")?)?),
        "fork" => {
            let label = args(command, rest, 0, 1, "fork or fork \"LABEL\"")?.pop();
            if label.as_deref() == Some("") {
                return Err("empty fork label: leave it out for no label".to_string());
            }
            TourStep::Fork(label)
        }
        "play" => TourStep::Play(parse_speed(&one(command, rest, "play 1x|2x|5x|10x|real")?)?),
        other => return Err(format!("unknown command `{other}` (commands: {COMMANDS})")),
    };
    Ok(Some(step))
}

fn one(command: &str, rest: &str, usage: &str) -> Result<String, String> {
    Ok(args(command, rest, 1, 1, usage)?.pop().unwrap_or_default())
}

fn none(command: &str, rest: &str, step: TourStep) -> Result<TourStep, String> {
    args(command, rest, 0, 0, command)?;
    Ok(step)
}

fn nonempty(what: &str, value: String) -> Result<String, String> {
    if value.trim().is_empty() {
        Err(format!("`{what}` is empty"))
    } else {
        Ok(value)
    }
}

fn parse_query(rest: &str) -> Result<String, String> {
    let query = if rest.starts_with('"') {
        let mut words = words(rest)?;
        if words.len() > 1 {
            return Err(format!(
                "`search` has an extra argument `{}` after the quoted query",
                words[1]
            ));
        }
        words.pop().unwrap_or_default()
    } else {
        rest.trim_end().to_string()
    };
    if query.is_empty() {
        return Err("`search` is missing its query: search TEXT".to_string());
    }
    Ok(query)
}

fn parse_pane(word: &str) -> Result<Pane, String> {
    match word {
        "graph" => Ok(Pane::Graph),
        "timeline" => Ok(Pane::Timeline),
        "inspector" => Ok(Pane::Inspector),
        _ => Err(format!(
            "bad pane `{word}`: use graph, timeline or inspector"
        )),
    }
}

fn parse_tab(word: &str) -> Result<Tab, String> {
    match word {
        "session" => Ok(Tab::Session),
        "attempt" => Ok(Tab::Attempt),
        "events" => Ok(Tab::Events),
        _ => Err(format!("bad tab `{word}`: use session, attempt or events")),
    }
}

fn parse_pause(word: &str) -> Result<Pause, String> {
    if word == "key" {
        return Ok(Pause::Key);
    }
    let bad = || format!("bad duration `{word}`: use e.g. 2s, 1.5s or 500ms, or `key`");
    let split = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (number, unit) = word.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(bad());
    }
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => number,
        "ms" => number / 1000.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds)
        .map(Pause::For)
        .map_err(|_| bad())
}

fn parse_speed(word: &str) -> Result<Speed, String> {
    // The tour form names the factor (`2x`); a bare number is the CLI's.
    let named = word == "real" || word.ends_with('x') || word.ends_with('×');
    // The speeds themselves are the viewer's ladder.
    use crate::tui::playback::Speed as Ladder;
    match Ladder::parse(word).filter(|_| named) {
        Some(Ladder::Times(n)) => Ok(Speed::Times(n)),
        Some(Ladder::Real) => Ok(Speed::Real),
        None => Err(format!("bad speed `{word}`: use 1x, 2x, 5x, 10x or real")),
    }
}

#[cfg(test)]
mod tests;
