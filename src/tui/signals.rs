//! Signals as messages. A thread blocks on the signal iterator and posts
//! `Msg::Signal` into the UI loop, so a SIGTERM, SIGHUP, SIGINT (sent with
//! kill: typed ctrl-c is a key in raw mode) or SIGQUIT takes the normal
//! shutdown path — the terminal restored, anything the loop started
//! stopped — and the process exits with 128 + the signal. SIGTSTP asks the
//! loop to suspend. Once shutting down (a first signal, or the loop ended),
//! a terminating signal ends the process from this thread: a stuck UI
//! thread cannot keep it alive.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

use super::message::Msg;

#[cfg(unix)]
pub use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
#[cfg(not(unix))]
pub const SIGTSTP: i32 = 20;
#[cfg(not(unix))]
pub const SIGHUP: i32 = 1;

/// What the signal thread does with a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Post it to the UI loop.
    Post,
    /// End the process now with this status.
    Exit(i32),
    Ignore,
}

/// Set while a child program (the pager) has the terminal: the ^C and ^\
/// typed into it go to the whole foreground process group, the viewer
/// included, and are the child's, not ours.
static CHILD_HAS_TERMINAL: AtomicBool = AtomicBool::new(false);
/// Set in the signal handler itself when such a signal arrives while the
/// child has the terminal (the signal thread may see it only after the
/// child is gone).
static CHILDS_SIGNAL: AtomicBool = AtomicBool::new(false);

/// Held while a child program has the terminal.
pub struct ChildHasTerminal;

pub fn child_has_terminal() -> ChildHasTerminal {
    CHILDS_SIGNAL.store(false, Ordering::SeqCst);
    CHILD_HAS_TERMINAL.store(true, Ordering::SeqCst);
    ChildHasTerminal
}

impl Drop for ChildHasTerminal {
    fn drop(&mut self) {
        CHILD_HAS_TERMINAL.store(false, Ordering::SeqCst);
    }
}

/// Whether `signal` is one a terminal sends for a typed key (^C, ^\).
fn typed(signal: i32) -> bool {
    #[cfg(unix)]
    {
        signal == SIGINT || signal == SIGQUIT
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        false
    }
}

/// The reaction to `signal`; the first terminating signal flips
/// `shutting_down`, so the next one exits.
pub fn react(signal: i32, shutting_down: &AtomicBool) -> Reaction {
    if typed(signal) && CHILDS_SIGNAL.swap(false, Ordering::SeqCst) {
        return Reaction::Ignore;
    }
    if signal == SIGTSTP {
        return if shutting_down.load(Ordering::SeqCst) {
            Reaction::Ignore
        } else {
            Reaction::Post
        };
    }
    if shutting_down.swap(true, Ordering::SeqCst) {
        Reaction::Exit(exit_code(signal))
    } else {
        Reaction::Post
    }
}

/// The conventional status of a process ended by `signal`.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

/// Whether `signal` asks to suspend rather than to end.
pub fn is_suspend(signal: i32) -> bool {
    signal == SIGTSTP
}

/// The signal thread's switch; dropping it marks the loop as ended.
pub struct SignalWatch {
    shutting_down: Arc<AtomicBool>,
}

impl SignalWatch {
    /// Starts the signal thread. Without it (registration failed) the
    /// viewer still runs, with the default signal actions.
    pub fn start(tx: Sender<Msg>) -> SignalWatch {
        let shutting_down = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        spawn(tx, shutting_down.clone());
        #[cfg(not(unix))]
        drop(tx);
        SignalWatch { shutting_down }
    }

    /// From now on a terminating signal ends the process at once.
    pub fn shutting_down(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        // The handlers stay installed (unregistering would leave the
        // signals ignored), so the thread keeps answering them.
        self.shutting_down();
    }
}

#[cfg(unix)]
fn spawn(tx: Sender<Msg>, shutting_down: Arc<AtomicBool>) {
    // Registered before the iterator, so it runs first in the handler.
    for signal in [SIGINT, SIGQUIT] {
        // SAFETY: the action only loads and stores atomics, which is
        // async-signal-safe.
        let _ = unsafe {
            signal_hook::low_level::register(signal, || {
                if CHILD_HAS_TERMINAL.load(Ordering::SeqCst) {
                    CHILDS_SIGNAL.store(true, Ordering::SeqCst);
                }
            })
        };
    }
    let Ok(mut signals) =
        signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP])
    else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".to_string())
        .spawn(move || {
            for signal in signals.forever() {
                match react(signal, &shutting_down) {
                    Reaction::Post => {
                        // No loop to hear it any more: end here.
                        if tx.send(Msg::Signal(signal)).is_err() && !is_suspend(signal) {
                            force_exit(exit_code(signal));
                        }
                    }
                    Reaction::Exit(code) => force_exit(code),
                    Reaction::Ignore => {}
                }
            }
        });
}

/// Ends the process from the signal thread, restoring the terminal first
/// unless that blocks (a stuck thread holding stdout): the exit must not
/// depend on the thread that did not answer.
#[cfg(unix)]
fn force_exit(code: i32) -> ! {
    let (done, finished) = std::sync::mpsc::channel();
    let _ = std::thread::Builder::new().spawn(move || {
        super::terminal::restore();
        let _ = done.send(());
    });
    let _ = finished.recv_timeout(std::time::Duration::from_secs(2));
    std::process::exit(code)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_first_terminating_signal_is_posted_the_second_exits() {
        for signal in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            let flag = AtomicBool::new(false);
            assert_eq!(react(signal, &flag), Reaction::Post);
            assert_eq!(react(signal, &flag), Reaction::Exit(128 + signal));
            // Any terminating signal counts as the second one.
            assert_eq!(react(SIGTERM, &flag), Reaction::Exit(128 + 15));
        }
    }

    #[test]
    fn suspending_is_posted_until_shutdown_and_never_counts_as_the_first() {
        let flag = AtomicBool::new(false);
        assert_eq!(react(SIGTSTP, &flag), Reaction::Post);
        assert_eq!(react(SIGTSTP, &flag), Reaction::Post);
        assert_eq!(react(SIGTERM, &flag), Reaction::Post);
        assert_eq!(react(SIGTSTP, &flag), Reaction::Ignore);
    }

    #[test]
    fn after_the_loop_ended_a_signal_exits_at_once() {
        let flag = AtomicBool::new(true);
        assert_eq!(react(SIGHUP, &flag), Reaction::Exit(129));
        assert_eq!(react(SIGINT, &AtomicBool::new(true)), Reaction::Exit(130));
    }

    #[test]
    fn conventional_exit_codes() {
        // Independent of libc: the numbers POSIX shells report.
        assert_eq!(
            [SIGHUP, SIGINT, SIGQUIT, SIGTERM].map(exit_code),
            [129, 130, 131, 143]
        );
    }
}
