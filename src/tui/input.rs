//! Terminal input on its own thread, pausable. While a child program (the
//! pager) has the terminal, this thread must not read from it, or it would
//! take the keys meant for that program. So it waits for input in polls of
//! `POLL` and checks between them whether it should stop: a pause takes
//! effect within one poll. (A wake-up every `POLL` while idle costs
//! nothing measurable; nothing is drawn unless a key arrives.)

use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crossterm::event;

use super::message::Msg;

const POLL: Duration = Duration::from_millis(200);
/// A pause gives up waiting for the thread after this long (it may be
/// stuck in a read that a terminal error will end).
const PAUSE_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Running,
    Pausing,
    Paused,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// The handle of the input thread.
pub struct Input {
    shared: Shared,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.0.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts reading terminal events into `tx`.
pub fn spawn(tx: Sender<Msg>) -> Input {
    let shared: Shared = Arc::new((Mutex::new(State::Running), Condvar::new()));
    let inner = shared.clone();
    let report = tx.clone();
    super::workers::spawn_guarded(&report, "input", move || loop {
        {
            let mut state = lock(&inner);
            while *state != State::Running {
                if *state == State::Pausing {
                    *state = State::Paused;
                    inner.1.notify_all();
                }
                state = inner.1.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
        }
        match event::poll(POLL) {
            Ok(true) => match event::read() {
                Ok(event) => {
                    if tx.send(Msg::Input(event)).is_err() {
                        break;
                    }
                }
                Err(err) => {
                    let _ = tx.send(super::input_failed(&err));
                    break;
                }
            },
            Ok(false) => {}
            Err(err) => {
                let _ = tx.send(super::input_failed(&err));
                break;
            }
        }
    });
    Input { shared }
}

impl Input {
    /// Stops reading the terminal; returns once the thread has stopped (or
    /// after `PAUSE_WAIT`).
    pub fn pause(&self) {
        let mut state = lock(&self.shared);
        *state = State::Pausing;
        self.shared.1.notify_all();
        let deadline = Instant::now() + PAUSE_WAIT;
        while *state == State::Pausing {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .shared
                .1
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Reads the terminal again.
    pub fn resume(&self) {
        *lock(&self.shared) = State::Running;
        self.shared.1.notify_all();
    }
}
