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

/// Cuts a comment: a `#` at the start of a word, outside quotes.
fn strip_comment(raw: &str) -> Result<&str, String> {
    let mut in_quote = false;
    let mut escaped = false;
    let mut previous_is_space = true;
    for (at, c) in raw.char_indices() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
        } else if c == '"' {
            in_quote = true;
        } else if c == '#' && previous_is_space {
            return Ok(&raw[..at]);
        }
        previous_is_space = c.is_whitespace();
    }
    if in_quote {
        return Err(unterminated());
    }
    Ok(raw)
}

fn unterminated() -> String {
    "unterminated quote: close the string with `\"` on the same line".to_string()
}

/// Splits arguments: bare words and double-quoted strings.
fn words(rest: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Ok(out),
            Some('"') => {
                let mut word = String::new();
                loop {
                    match chars.next() {
                        None => return Err(unterminated()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('"') => word.push('"'),
                            Some('\\') => word.push('\\'),
                            Some('n') => word.push('\n'),
                            Some('t') => word.push('\t'),
                            Some(other) => {
                                return Err(format!(
                                    "unknown escape `\\{other}` in a quoted string (use \\\", \\\\, \\n or \\t)"
                                ))
                            }
                            None => return Err(unterminated()),
                        },
                        Some(c) => word.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err(format!(
                        "a space must follow the closing quote of \"{word}\""
                    ));
                }
                out.push(word);
            }
            Some(first) => {
                let mut word = String::from(first);
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    word.push(c);
                }
                if word.contains('"') {
                    return Err(format!(
                        "unexpected quote in `{word}`: quote the whole argument"
                    ));
                }
                out.push(word);
            }
        }
    }
}

fn args(
    command: &str,
    rest: &str,
    min: usize,
    max: usize,
    usage: &str,
) -> Result<Vec<String>, String> {
    let words = words(rest)?;
    if words.len() < min {
        let what = if min - words.len() == 1 && min > 1 {
            "an argument"
        } else if min > 1 {
            "arguments"
        } else {
            "its argument"
        };
        return Err(format!("`{command}` is missing {what}: {usage}"));
    }
    if let Some(extra) = words.get(max) {
        return Err(format!(
            "`{command}` has an extra argument `{extra}`: {usage}"
        ));
    }
    Ok(words)
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
mod tests {
    use super::*;

    fn steps(text: &str) -> Vec<TourStep> {
        parse(text, "t.tour")
            .unwrap()
            .steps
            .into_iter()
            .map(|l| l.step)
            .collect()
    }

    #[test]
    fn full_example_parses() {
        let text = r#"
# A short look at the review loop.
open ../../sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8
caption "Review rounds" "The reviewer loops until it is satisfied.\nTwo rounds here."

focus timeline
step review_loop#1      # the first round
mark
step 5
diff                    # what changed between the rounds
pause 2s
node run_checks
first
last
focus graph
focus inspector
tab attempt
tab session
tab events
search finding 2a
fork "retry the checks"
fork
play 2x
play real
pause 500ms
pause key
"#;
        let tour = parse(text, "example.tour").unwrap();
        assert_eq!(tour.path, None);
        use TourStep as S;
        let expected = vec![
            (
                3,
                S::Open(
                    "../../sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8".into(),
                ),
            ),
            (
                4,
                S::Caption {
                    title: "Review rounds".into(),
                    text: "The reviewer loops until it is satisfied.\nTwo rounds here.".into(),
                },
            ),
            (6, S::Focus(Pane::Timeline)),
            (7, S::Step("review_loop#1".into())),
            (8, S::Mark),
            (9, S::Step("5".into())),
            (10, S::Diff),
            (11, S::Pause(Pause::For(Duration::from_secs(2)))),
            (12, S::Node("run_checks".into())),
            (13, S::First),
            (14, S::Last),
            (15, S::Focus(Pane::Graph)),
            (16, S::Focus(Pane::Inspector)),
            (17, S::Tab(Tab::Attempt)),
            (18, S::Tab(Tab::Session)),
            (19, S::Tab(Tab::Events)),
            (20, S::Search("finding 2a".into())),
            (21, S::Fork(Some("retry the checks".into()))),
            (22, S::Fork(None)),
            (23, S::Play(Speed::Times(2))),
            (24, S::Play(Speed::Real)),
            (25, S::Pause(Pause::For(Duration::from_millis(500)))),
            (26, S::Pause(Pause::Key)),
        ];
        let expected: Vec<TourLine> = expected
            .into_iter()
            .map(|(line, step)| TourLine { line, step })
            .collect();
        assert_eq!(tour.steps, expected);
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let open = "open run\n";
        // (tour text, line of the error, part of the message)
        let table: &[(&str, usize, &str)] = &[
            ("open run\nfrobnicate\n", 2, "unknown command `frobnicate`"),
            ("open run\n\n# c\nOpen x\n", 4, "unknown command `Open`"),
            ("open\n", 1, "`open` is missing its argument"),
            ("open a b\n", 1, "`open` has an extra argument `b`"),
            ("open \"\"\n", 1, "`open` is empty"),
            (
                "step 1\n",
                1,
                "`step` needs a run: put an `open` line before it",
            ),
            (
                "caption \"a\" \"b\"\npause 1s\nlast\n",
                3,
                "`last` needs a run",
            ),
            ("# only a comment\nfocus graph\n", 2, "`focus` needs a run"),
            (
                "open run\ncaption \"only a title\"\n",
                2,
                "`caption` is missing an argument",
            ),
            ("open run\ncaption\n", 2, "`caption` is missing arguments"),
            (
                "open run\ncaption \"a\" \"b\" \"c\"\n",
                2,
                "extra argument `c`",
            ),
            (
                "open run\ncaption \"\" \"b\"\n",
                2,
                "`caption title` is empty",
            ),
            ("open run\ncaption \"a \"b\"\n", 2, "unterminated quote"),
            ("open run\ncaption \"a\" \"b\n", 2, "unterminated quote"),
            (
                "open run\ncaption \"a\\q\" \"b\"\n",
                2,
                "unknown escape `\\q`",
            ),
            (
                "open run\ncaption \"a\"\"b\"\n",
                2,
                "a space must follow the closing quote",
            ),
            (
                "open run\nfork ab\"c\"\n",
                2,
                "unexpected quote in `ab\"c\"`",
            ),
            ("open run\nfork \"\"\n", 2, "empty fork label"),
            (
                "open run\nfork a b\n",
                2,
                "`fork` has an extra argument `b`",
            ),
            ("open run\nstep\n", 2, "`step` is missing its argument"),
            ("open run\nstep 0\n", 2, "step numbers start at 1"),
            ("open run\nstep a b\n", 2, "extra argument `b`"),
            ("open run\nnode\n", 2, "`node` is missing its argument"),
            (
                "open run\nfirst now\n",
                2,
                "`first` has an extra argument `now`",
            ),
            ("open run\nlast 3\n", 2, "`last` has an extra argument `3`"),
            ("open run\nmark x\n", 2, "`mark` has an extra argument `x`"),
            ("open run\ndiff x\n", 2, "`diff` has an extra argument `x`"),
            ("open run\nfocus\n", 2, "`focus` is missing its argument"),
            (
                "open run\nfocus graf\n",
                2,
                "bad pane `graf`: use graph, timeline or inspector",
            ),
            (
                "open run\ntab inputs\n",
                2,
                "bad tab `inputs`: use session, attempt or events",
            ),
            ("open run\ntab\n", 2, "`tab` is missing its argument"),
            ("open run\nsearch\n", 2, "`search` is missing its query"),
            (
                "open run\nsearch   # nothing\n",
                2,
                "`search` is missing its query",
            ),
            (
                "open run\nsearch \"a\" b\n",
                2,
                "`search` has an extra argument `b`",
            ),
            ("open run\npause\n", 2, "`pause` is missing its argument"),
            ("open run\npause 2\n", 2, "bad duration `2`"),
            ("open run\npause 2h\n", 2, "bad duration `2h`"),
            ("open run\npause s\n", 2, "bad duration `s`"),
            ("open run\npause .5s\n", 2, "bad duration `.5s`"),
            ("open run\npause 1.2.3s\n", 2, "bad duration `1.2.3s`"),
            ("open run\npause 1e99999s\n", 2, "bad duration `1e99999s`"),
            ("open run\npause 2s 3s\n", 2, "extra argument `3s`"),
            ("open run\nplay\n", 2, "`play` is missing its argument"),
            (
                "open run\nplay 3x\n",
                2,
                "bad speed `3x`: use 1x, 2x, 5x, 10x or real",
            ),
            ("open run\nplay fast\n", 2, "bad speed `fast`"),
            ("open run\nplay 0x\n", 2, "bad speed `0x`"),
            ("open run\nlast#x\n", 2, "unknown command `last#x`"),
            (
                "open run\n\"open\" x\n",
                2,
                "expected a command, found a quoted string",
            ),
        ];
        for (text, line, message) in table {
            let error = parse(text, "bad.tour").expect_err(text);
            assert_eq!(error.file, "bad.tour", "{text:?}");
            assert_eq!(error.line, *line, "{text:?} → {error}");
            assert!(
                error.message.contains(message),
                "{text:?}: `{}` should contain `{message}`",
                error.message
            );
        }
        let error = parse(&format!("{open}play 4x\n"), "dir/x.tour").unwrap_err();
        assert_eq!(
            error.to_string(),
            "dir/x.tour:2: bad speed `4x`: use 1x, 2x, 5x, 10x or real"
        );
    }

    #[test]
    fn quoted_arguments_unescape() {
        let got = steps(
            "open \"runs/with space\"\n\
             caption \"say \\\"hi\\\"\" \"a\\nb\\tc\\\\d # not a comment\"\n\
             caption\t\"#1\"\t\"\"\n\
             fork \"a # b\"\n\
             search \"#hash and \\\" quote\"\n",
        );
        assert_eq!(
            got,
            vec![
                TourStep::Open("runs/with space".into()),
                TourStep::Caption {
                    title: "say \"hi\"".into(),
                    text: "a\nb\tc\\d # not a comment".into(),
                },
                TourStep::Caption {
                    title: "#1".into(),
                    text: String::new(),
                },
                TourStep::Fork(Some("a # b".into())),
                TourStep::Search("#hash and \" quote".into()),
            ]
        );
    }

    #[test]
    fn comments_after_commands() {
        let got = steps(
            "  # indented comment\n\
             open run-abc   # a suffix\n\
             step review_loop#2 # comment\n\
             node run_checks\t# tab before the comment\n",
        );
        assert_eq!(
            got,
            vec![
                TourStep::Open("run-abc".into()),
                TourStep::Step("review_loop#2".into()),
                TourStep::Node("run_checks".into()),
            ]
        );
    }

    #[test]
    fn search_takes_the_rest_of_the_line() {
        let got = steps(
            "open r\nsearch finding 2a   # comment\nsearch  a\tb  c \nsearch say \"hi\" there\n",
        );
        assert_eq!(
            got[1..],
            [
                TourStep::Search("finding 2a".into()),
                TourStep::Search("a\tb  c".into()),
                TourStep::Search("say \"hi\" there".into()),
            ]
        );
    }

    #[test]
    fn durations_and_speeds() {
        let got = steps(
            "pause 1.5s\npause 0ms\npause 250ms\npause 10s\nopen r\nplay 1x\nplay 5x\nplay 10×\n",
        );
        assert_eq!(
            got,
            vec![
                TourStep::Pause(Pause::For(Duration::from_millis(1500))),
                TourStep::Pause(Pause::For(Duration::ZERO)),
                TourStep::Pause(Pause::For(Duration::from_millis(250))),
                TourStep::Pause(Pause::For(Duration::from_secs(10))),
                TourStep::Open("r".into()),
                TourStep::Play(Speed::Times(1)),
                TourStep::Play(Speed::Times(5)),
                TourStep::Play(Speed::Times(10)),
            ]
        );
    }

    #[test]
    fn empty_and_crlf_tours() {
        assert_eq!(parse("", "e.tour").unwrap(), Tour::default());
        assert_eq!(parse("# nothing\n\n   \n", "e.tour").unwrap().steps, vec![]);
        let tour = parse("\u{feff}open r\r\nlast\r\n", "crlf.tour").unwrap();
        assert_eq!(
            tour.steps,
            vec![
                TourLine {
                    line: 1,
                    step: TourStep::Open("r".into())
                },
                TourLine {
                    line: 2,
                    step: TourStep::Last
                },
            ]
        );
    }

    #[test]
    fn load_resolves_relative_paths_and_reports_io_errors() {
        let dir = tempfile::tempdir().unwrap();
        let tours = dir.path().join("tours");
        let runs = dir.path().join("runs");
        std::fs::create_dir_all(&tours).unwrap();
        std::fs::create_dir_all(runs.join("run-1")).unwrap();
        let absolute = runs.join("run-1").display().to_string();
        let file = tours.join("a.tour");
        std::fs::write(
            &file,
            format!("open ../runs/run-1\nopen 432a4eb8\nopen {absolute}\nlast\nopen \"../runs/missing\"\n"),
        )
        .unwrap();
        let tour = load(&file).unwrap();
        assert_eq!(tour.path.as_deref(), Some(file.as_path()));
        let opens: Vec<&TourStep> = tour.steps.iter().map(|l| &l.step).collect();
        assert_eq!(
            opens,
            [
                &TourStep::Open(tours.join("../runs/run-1").display().to_string()),
                &TourStep::Open("432a4eb8".into()),
                &TourStep::Open(absolute),
                &TourStep::Last,
                &TourStep::Open("../runs/missing".into()),
            ]
        );
        assert!(Path::new(match &tour.steps[0].step {
            TourStep::Open(p) => p,
            _ => unreachable!(),
        })
        .is_dir());

        let missing = tours.join("nope.tour");
        let error = load(&missing).unwrap_err();
        assert_eq!(error.line, 0);
        assert_eq!(error.file, missing.display().to_string());
        assert!(
            error.message.starts_with("cannot read the tour: "),
            "{error}"
        );

        std::fs::write(&file, "open r\n\nplay 7x\n").unwrap();
        let error = load(&file).unwrap_err();
        assert_eq!(error.file, file.display().to_string());
        assert_eq!(error.line, 3);
    }

    const BRANCHING: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/tours/branching-review.tour"
    ));
    const FAILURES: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/tours/failures.tour"
    ));

    #[test]
    fn shipped_tours_parse() {
        let branching = parse(BRANCHING, "branching-review.tour").unwrap();
        assert!(branching.steps.len() >= 12, "{}", branching.steps.len());
        let failures = parse(FAILURES, "failures.tour").unwrap();
        let opens = failures
            .steps
            .iter()
            .filter(|l| matches!(l.step, TourStep::Open(_)))
            .count();
        assert_eq!(opens, 3);
    }

    /// Every run the shipped tours open exists, and every `step` and `node`
    /// names an attempt or node of the run opened before it.
    #[test]
    fn shipped_tours_point_at_real_runs() {
        for name in ["branching-review.tour", "failures.tour"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/tours")
                .join(name);
            let tour = load(&path).unwrap();
            let mut run = None;
            for TourLine { line, step } in &tour.steps {
                match step {
                    TourStep::Open(target) => {
                        let dir = Path::new(target);
                        assert!(dir.is_dir(), "{name}:{line}: {target} is not a folder");
                        run = Some(crate::model::Run::open(dir).unwrap());
                    }
                    TourStep::Step(spec) => {
                        let run = run.as_ref().unwrap();
                        assert!(
                            run.find_attempt(spec).is_some(),
                            "{name}:{line}: no attempt {spec}"
                        );
                    }
                    TourStep::Node(node) => {
                        let run = run.as_ref().unwrap();
                        assert!(
                            run.attempts.iter().any(|a| run.node_id(a) == node),
                            "{name}:{line}: node {node} never ran"
                        );
                    }
                    _ => {}
                }
            }
        }
    }
}
