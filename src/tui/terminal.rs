//! Entering and leaving the terminal's full-screen mode. The guard restores
//! the terminal on drop; the panic hook restores it before a UI-thread
//! panic message prints, and keeps other threads' panic messages until the
//! terminal is restored (printed on the alternate screen they would vanish).
//! `restore` is idempotent and safe from any thread, so the signal thread
//! can use it when the UI thread does not answer.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread::{self, ThreadId};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Out>>;

/// Stdout for ratatui, muted once the guard has restored the terminal:
/// ratatui's own drop re-shows the cursor and, if that write fails (a
/// terminal that hung up), reports it with `eprintln!`, which panics then.
pub struct Out {
    muted: Arc<AtomicBool>,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.muted.load(Ordering::SeqCst) {
            return Ok(buf.len());
        }
        io::stdout().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.muted.load(Ordering::SeqCst) {
            return Ok(());
        }
        io::stdout().flush()
    }
}

/// Raw mode / alternate screen / mouse capture are on.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread that owns the terminal (its panics restore at once).
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
/// Panic reports of other threads, printed once the terminal is restored.
static DEFERRED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether stdin and stdout are both a terminal (what the viewer needs).
pub fn available() -> bool {
    io::stdin().is_terminal() && io::stdout().is_terminal()
}

pub struct TerminalGuard {
    pub terminal: Term,
    muted: Arc<AtomicBool>,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        *UI_THREAD.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread::current().id());
        take()?;
        let muted = Arc::new(AtomicBool::new(false));
        let out = Out {
            muted: muted.clone(),
        };
        let terminal = Terminal::new(CrosstermBackend::new(out)).inspect_err(|_| restore())?;
        Ok(TerminalGuard { terminal, muted })
    }

    /// ctrl-z / SIGTSTP: hands the terminal back, stops the process, and
    /// takes the terminal again when continued (`fg` sends SIGCONT).
    /// SIGSTOP rather than SIGTSTP: it also stops an orphaned process group.
    #[cfg(unix)]
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        signal_hook::low_level::raise(signal_hook::consts::SIGSTOP)?;
        take()?;
        // The screen was the shell's meanwhile: repaint all of it (a
        // resize clears and forgets the last frame; `clear` would query
        // the cursor, racing the input thread for the answer).
        let size = self.terminal.size()?;
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
    }
}

impl TerminalGuard {
    /// Gives the terminal to a child program (a pager): raw mode, mouse
    /// capture and the alternate screen are left; `take_back` retakes it.
    pub fn hand_over(&mut self) {
        restore();
    }

    /// Takes the terminal back after `hand_over` (marked taken again, so
    /// every ending restores it); the next draw repaints the whole screen.
    /// (Not `Terminal::clear`: it asks the terminal where the cursor is,
    /// and a terminal that does not answer would stall us.)
    pub fn take_back(&mut self) -> io::Result<()> {
        take()?;
        execute!(io::stdout(), Clear(ClearType::All))?;
        // A blank frame makes ratatui's idea of the screen match the
        // cleared one, so the next frame is drawn in full.
        self.terminal
            .draw(|frame| frame.render_widget(ratatui::widgets::Clear, frame.area()))?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // The cursor is shown already; this only tells ratatui so.
        self.muted.store(true, Ordering::SeqCst);
        let _ = self.terminal.show_cursor();
        *UI_THREAD.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Raw mode, the alternate screen and mouse capture on.
fn take() -> io::Result<()> {
    // Marked first: a failure half-way is undone by `restore`.
    ACTIVE.store(true, Ordering::SeqCst);
    enable_raw_mode().inspect_err(|_| restore())?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture).inspect_err(|_| restore())
}

/// Leaves raw mode, the alternate screen and mouse capture, shows the
/// cursor, then prints the panic reports kept meanwhile. Does nothing when
/// the terminal is not taken; errors (a closed terminal) are ignored.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(
            io::stdout(),
            DisableMouseCapture,
            LeaveAlternateScreen,
            crossterm::cursor::Show
        );
    }
    let reports = std::mem::take(&mut *DEFERRED.lock().unwrap_or_else(PoisonError::into_inner));
    let mut stderr = io::stderr().lock();
    for report in reports {
        let _ = writeln!(stderr, "{report}");
    }
}

fn on_ui_thread() -> bool {
    *UI_THREAD.lock().unwrap_or_else(PoisonError::into_inner) == Some(thread::current().id())
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !on_ui_thread() {
                // Checked under the lock that `restore` drains after
                // clearing ACTIVE, so a report is never left behind.
                let mut deferred = DEFERRED.lock().unwrap_or_else(PoisonError::into_inner);
                if ACTIVE.load(Ordering::SeqCst) {
                    deferred.push(report(info));
                    return;
                }
                drop(deferred);
            }
            restore();
            previous(info);
        }));
    });
}

/// What the default hook would print for a panic.
fn report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let thread = thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let location = info
        .location()
        .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_default();
    let message = panic_text(info.payload());
    let mut text = format!("thread '{name}' panicked{location}:\n{message}");
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        text.push_str(&format!("\nstack backtrace:\n{backtrace}"));
    }
    text
}

/// The message of a caught panic's payload.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_string())
}
