//! Coalescing bursts of file events into few refreshes.
//!
//! acpx writes a trace line, then several projections, then a heartbeat:
//! dozens of events for one step, and a streaming ACP turn appends session
//! events many times a second. Each target gets at most one notification
//! per window (a throttle with a leading edge, so a lone append is reported
//! at once), and an event that arrives inside a window is never lost: it
//! leaves the target pending, and the pending target fires when the window
//! closes (the trailing edge), after the last write of the burst.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The throttle window: at most ~10 refreshes per second per target.
pub(super) const WINDOW: Duration = Duration::from_millis(100);

/// The two things one watcher can notify about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Run,
    RunsDir,
}

impl Target {
    const ALL: [Target; 2] = [Target::Run, Target::RunsDir];

    fn slot(self) -> usize {
        match self {
            Target::Run => 0,
            Target::RunsDir => 1,
        }
    }
}

/// What the notify thread (and `Watcher::drop`) tell the debounce thread.
#[derive(Debug)]
pub(super) enum Msg {
    Touch {
        run: bool,
        runs_dir: bool,
        rearm: bool,
    },
    Stop,
}

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    last_fired: Option<Instant>,
    pending: bool,
}

/// Per-target throttle state; pure, driven by the instants it is given.
#[derive(Debug)]
pub(super) struct Throttle {
    window: Duration,
    slots: [Slot; 2],
}

impl Throttle {
    pub fn new(window: Duration) -> Self {
        Throttle {
            window,
            slots: [Slot::default(); 2],
        }
    }

    /// Records activity on `target`; true when it should fire right now.
    pub fn touch(&mut self, target: Target, now: Instant) -> bool {
        let window = self.window;
        let slot = &mut self.slots[target.slot()];
        let open = slot
            .last_fired
            .is_none_or(|last| now.duration_since(last) >= window);
        if open && !slot.pending {
            slot.last_fired = Some(now);
            true
        } else {
            slot.pending = true;
            false
        }
    }

    /// When the earliest pending target may fire; `None` when nothing is
    /// pending (the caller can then block without a timeout).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter(|s| s.pending)
            .map(|s| s.last_fired.map_or_else(Instant::now, |t| t + self.window))
            .min()
    }

    /// The pending targets whose window has closed at `now`, marked fired.
    pub fn take_due(&mut self, now: Instant) -> Vec<Target> {
        let window = self.window;
        let mut due = Vec::new();
        for target in Target::ALL {
            let slot = &mut self.slots[target.slot()];
            let closed = slot
                .last_fired
                .is_none_or(|last| now.duration_since(last) >= window);
            if slot.pending && closed {
                slot.pending = false;
                slot.last_fired = Some(now);
                due.push(target);
            }
        }
        due
    }
}

/// The debounce thread's loop. It blocks in `recv` while nothing is
/// pending, and in `recv_timeout` only until the next trailing edge, so an
/// idle watcher costs no CPU. Returns on `Stop` or when every sender is gone.
pub(super) fn run(rx: &Receiver<Msg>, mut rearm: impl FnMut(), mut fire: impl FnMut(Target)) {
    let mut throttle = Throttle::new(WINDOW);
    loop {
        let received = match throttle.next_deadline() {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(deadline) => rx.recv_timeout(deadline.saturating_duration_since(Instant::now())),
        };
        match received {
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Ok(Msg::Touch {
                run,
                runs_dir,
                rearm: needs_rearm,
            }) => {
                if needs_rearm {
                    rearm();
                }
                let now = Instant::now();
                let touched = [(Target::Run, run), (Target::RunsDir, runs_dir)];
                for (target, hit) in touched {
                    if hit && throttle.touch(target, now) {
                        fire(target);
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        for target in throttle.take_due(Instant::now()) {
            fire(target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_lone_event_fires_at_once_and_leaves_nothing_pending() {
        let mut throttle = Throttle::new(WINDOW);
        let t0 = Instant::now();
        assert!(throttle.touch(Target::Run, t0));
        assert_eq!(throttle.next_deadline(), None);
        assert!(throttle.touch(Target::Run, t0 + 150 * MS));
    }

    #[test]
    fn a_burst_fires_once_per_window_and_once_after_it_ends() {
        let mut throttle = Throttle::new(WINDOW);
        let t0 = Instant::now();
        let mut fired = vec![];
        // 50 events over 196 ms, checking deadlines as the loop would.
        for i in 0..50u32 {
            let now = t0 + i * 4 * MS;
            for _ in throttle.take_due(now) {
                fired.push(now);
            }
            if throttle.touch(Target::Run, now) {
                fired.push(now);
            }
        }
        let deadline = throttle.next_deadline().expect("a trailing edge");
        assert!(deadline >= t0 + 196 * MS);
        fired.extend(throttle.take_due(deadline).iter().map(|_| deadline));
        assert_eq!(fired.len(), 3, "{fired:?}");
        assert!(fired.windows(2).all(|w| w[1] - w[0] >= WINDOW));
        assert_eq!(throttle.next_deadline(), None);
    }

    #[test]
    fn targets_are_throttled_independently() {
        let mut throttle = Throttle::new(WINDOW);
        let t0 = Instant::now();
        assert!(throttle.touch(Target::Run, t0));
        assert!(throttle.touch(Target::RunsDir, t0 + MS));
        assert!(!throttle.touch(Target::Run, t0 + 2 * MS));
        assert_eq!(throttle.take_due(t0 + 50 * MS), vec![]);
        assert_eq!(throttle.take_due(t0 + 100 * MS), vec![Target::Run]);
    }
}
