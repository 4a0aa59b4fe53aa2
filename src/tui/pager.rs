//! Opening the whole of something in `$PAGER` (default `less`): an
//! artifact of any size, a list of millions of events, one huge event. The
//! pager reads a pipe that a thread fills as the pager reads (so nothing is
//! held in memory or copied to disk), and everything written passes the
//! terminal sanitizer: a pager showing raw bytes (`less -R`) still never
//! gets an escape sequence from a bundle.

use std::io::{self, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;

use crate::bundle::capped::Capped;
use crate::bundle::window::for_each_chunk;
use crate::model::Run;
use crate::sanitize::json::to_writer_pretty;
use crate::sanitize::writer::Sanitized;
use crate::tui::app::{App, Screen};
use crate::tui::input::Input;
use crate::tui::inspect::PagerSource;
use crate::tui::terminal::TerminalGuard;

/// Events read per batch when a list of them is written.
const EVENTS_PER_READ: usize = 256;
/// Events up to this size are pretty-printed; a larger one is written as
/// its raw line (sanitized), so it is never parsed into memory whole.
const PRETTY_CAP: usize = 16 << 20;

/// Writes the whole of `source` into `out`, sanitized, streaming.
pub fn feed(run: &Run, source: &PagerSource, out: impl Write) -> io::Result<()> {
    let mut out = Sanitized::new(io::BufWriter::with_capacity(1 << 16, out));
    match source {
        PagerSource::Artifact(path) => {
            let mut failed = None;
            run.bundle
                .stream_artifact(path, |chunk| match out.write_all(chunk) {
                    Ok(()) => true,
                    Err(err) => {
                        failed = Some(err);
                        false
                    }
                })
                .map_err(io::Error::other)?;
            if let Some(err) = failed {
                return Err(err);
            }
        }
        PagerSource::TraceEvents { first, last } => {
            let entries = run.bundle.trace.entries();
            let range = entries.get(*first..=*last).unwrap_or_default();
            let (file, _) = run
                .bundle
                .open_file(&run.bundle.paths.trace)
                .map_err(io::Error::other)?;
            for batch in range.chunks(EVENTS_PER_READ) {
                events(&mut out, &file, |each| {
                    run.bundle
                        .read_events_capped(batch, PRETTY_CAP, |entry, event| {
                            each((entry.offset(), entry.len), event)
                        })
                })?;
            }
        }
        PagerSource::TraceValue { entry, pointer } => {
            let entry = run
                .bundle
                .trace
                .entries()
                .get(*entry)
                .ok_or_else(|| io::Error::other("no such event"))?;
            let event = run.bundle.read_event(entry).map_err(io::Error::other)?;
            let value = event.pointer(pointer).unwrap_or(&serde_json::Value::Null);
            to_writer_pretty(&mut out, value)?;
            out.write_all(b"\n")?;
        }
        PagerSource::SessionEvents {
            session,
            first,
            last,
        } => {
            let files = run
                .bundle
                .session(session)
                .ok_or_else(|| io::Error::other("no such session"))?;
            let index = files.index().map_err(io::Error::other)?;
            let range = &index.entries()[index.range(*first, *last)];
            let (file, _) = run
                .bundle
                .open_file(&files.events)
                .map_err(io::Error::other)?;
            for batch in range.chunks(EVENTS_PER_READ) {
                events(&mut out, &file, |each| {
                    files.read_events_capped(batch, PRETTY_CAP, |entry, event| {
                        each((entry.offset(), entry.len), event)
                    })
                })?;
            }
        }
        PagerSource::Diff { path, old, new } => {
            let edit = crate::tui::ui::Edit {
                path,
                old: old.as_deref(),
                new,
            };
            out.write_all(crate::tui::ui::unified_diff(&edit).as_bytes())?;
        }
        PagerSource::Text(text) => out.write_all(text.as_bytes())?,
    }
    out.finish()?.flush()
}

/// Writes the events a reader produces, one pretty JSON document each (a
/// line too large to parse is copied raw from `file`).
fn events<W: Write>(
    out: &mut Sanitized<W>,
    file: &std::fs::File,
    read: impl FnOnce(&mut dyn FnMut((u64, u32), Capped)) -> Result<(), crate::bundle::BundleError>,
) -> io::Result<()> {
    let mut failed = None;
    read(&mut |(offset, len), event| {
        if failed.is_some() {
            return;
        }
        let written = match event {
            Capped::Parsed(value) => to_writer_pretty(&mut *out, &value),
            Capped::TooLarge(_) => {
                let mut result = Ok(());
                let copied = for_each_chunk(file, offset, offset + u64::from(len), |chunk| {
                    result = out.write_all(chunk);
                    result.is_ok()
                });
                copied.and(result)
            }
        };
        if let Err(err) = written.and_then(|()| out.write_all(b"\n")) {
            failed = Some(err);
        }
    })
    .map_err(io::Error::other)?;
    failed.map_or(Ok(()), Err)
}

/// What opens a part of the run: the pager reads it as it is fed; an
/// editor gets a copy in a private temporary file (removed after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Viewer {
    #[default]
    Pager,
    Editor,
}

impl Viewer {
    pub fn name(self) -> &'static str {
        match self {
            Viewer::Pager => "pager",
            Viewer::Editor => "editor",
        }
    }
}

/// The largest copy an editor is given (an editor loads files whole).
const EDITOR_CAP: u64 = 64 << 20;

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Writes a copy of `source` (sanitized) to a private temporary file, runs
/// the editor on it, and removes it. A part larger than `EDITOR_CAP` is
/// refused (the pager shows any size).
pub fn edit(run: Arc<Run>, source: PagerSource) -> Result<(), String> {
    let path = std::env::temp_dir().join(format!(
        "reel-{}-{}.txt",
        std::process::id(),
        crate::timetravel::runid::random_hex8()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let removed = RemoveOnDrop(path.clone());
    let written = feed(&run, &source, CappedWriter::new(file, EDITOR_CAP));
    if let Err(err) = written {
        return Err(if err.kind() == io::ErrorKind::FileTooLarge {
            format!(
                "too large for an editor (over {} MiB): o opens it in the pager",
                EDITOR_CAP >> 20
            )
        } else {
            err.to_string()
        });
    }
    let editor = editor_command();
    // ^C typed into the editor reaches the viewer too: it is the editor's.
    let _held = super::signals::child_has_terminal();
    let status = shell(&format!("{editor} \"$0\""))
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot run the editor {editor:?}: {e}"))?;
    drop(removed);
    match status.code() {
        Some(0) | None => Ok(()),
        Some(code) => Err(format!("the editor {editor:?} exited with code {code}")),
    }
}

struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A writer that refuses to go past `cap` bytes.
struct CappedWriter<W> {
    inner: W,
    left: u64,
}

impl<W: Write> CappedWriter<W> {
    fn new(inner: W, cap: u64) -> Self {
        CappedWriter { inner, left: cap }
    }
}

impl<W: Write> Write for CappedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            return Err(io::Error::from(io::ErrorKind::FileTooLarge));
        }
        let n = self.inner.write(buf)?;
        self.left -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The pager command: `$PAGER` when set and not empty, else `less`.
pub fn command() -> String {
    std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less".to_string())
}

/// Opens the pager the app asked for (`o`), if any, with the terminal
/// handed over to it: input stops being read and the screen is left; both
/// come back when the pager exits. Returns whether it ran (the screen
/// needs a redraw).
pub fn open_asked(
    app: &mut App,
    guard: &mut TerminalGuard,
    input: &Input,
) -> std::io::Result<bool> {
    let Screen::Run(view) = &mut app.screen else {
        return Ok(false);
    };
    let Some(source) = view.pager.take() else {
        return Ok(false);
    };
    let run_of_view = view.run.clone();
    input.pause();
    guard.hand_over();
    let result = match view.viewer {
        Viewer::Pager => run(run_of_view, source),
        Viewer::Editor => edit(run_of_view, source),
    };
    let resumed = guard.take_back();
    input.resume();
    resumed?;
    if let Err(err) = result {
        app.notice = Some(err);
    }
    Ok(true)
}

/// Runs the pager on `source` and waits for it to exit. The caller has
/// given it the terminal (left raw mode and the alternate screen).
pub fn run(run: Arc<Run>, source: PagerSource) -> Result<(), String> {
    let pager = command();
    // ^C and ^\ typed into the pager reach the viewer too: they are the pager's.
    let _held = super::signals::child_has_terminal();
    // Through the shell, like git: `PAGER="less -R"` works.
    let mut child = shell(&pager)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the pager {pager:?}: {e}"))?;
    let Some(stdin) = child.stdin.take() else {
        let _ = child.kill();
        return Err("the pager has no input".to_string());
    };
    // The pager may quit before reading everything: the feeder then meets
    // a closed pipe and stops.
    let feeder = std::thread::spawn(move || feed(&run, &source, stdin));
    let status = child.wait().map_err(|e| e.to_string())?;
    let fed = feeder.join();
    // A pager ended by a signal (^C) was left on purpose; an exit code
    // means it could not run (127: not found) or failed.
    if let Some(code) = status.code().filter(|&c| c != 0) {
        return Err(format!("the pager {pager:?} exited with code {code}"));
    }
    match fed {
        Ok(Err(err)) if err.kind() != io::ErrorKind::BrokenPipe => Err(err.to_string()),
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut parts = command.split_whitespace();
    let mut cmd = Command::new(parts.next().unwrap_or("more"));
    cmd.args(parts);
    cmd
}
