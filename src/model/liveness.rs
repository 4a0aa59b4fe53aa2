//! Is a run still being written? A run says `running` until its writer
//! finishes; a writer that was killed leaves it saying so forever. A run
//! is live while its last sign of life is recent compared with its
//! heartbeat interval. Signs of life come from three clocks, because the
//! writer's own may be off (another machine, a container): the timestamps
//! it wrote (heartbeat, projection update, last trace event), the file
//! system's modification times, and this reader seeing the files grow.

use serde_json::Value;

use super::Run;
use crate::bundle::timestamp::parse_iso_millis;

/// acpx's default heartbeat interval and node timeout.
const DEFAULT_HEARTBEAT_MS: i64 = 5_000;
const DEFAULT_TIMEOUT_MS: i64 = 900_000;

/// The shortest silence that makes a run stale.
const MIN_WINDOW_MS: i64 = 30_000;

/// The newest signs of life of a run's writer, as epoch milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LifeSigns {
    /// By the writer's clock: heartbeat, projection update, last event.
    pub written_ms: Option<i64>,
    /// By the file system: the newest modification time of its files.
    pub modified_ms: Option<i64>,
    /// By this reader's clock: when a refresh last found new content.
    pub seen_ms: Option<i64>,
    /// How long silence may last before the writer is presumed dead.
    pub window_ms: i64,
}

/// Whether a run is being written, judged at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Not running: finished, failed, waiting at a checkpoint.
    Settled,
    /// Running, with a sign of life `age_ms` ago.
    Live { age_ms: i64 },
    /// Says running, but nothing for `silent_ms` (`None`: no believable
    /// sign of life at all): its writer probably died.
    Stale { silent_ms: Option<i64> },
}

impl Liveness {
    pub fn is_live(self) -> bool {
        matches!(self, Liveness::Live { .. })
    }

    pub fn is_stale(self) -> bool {
        matches!(self, Liveness::Stale { .. })
    }
}

impl LifeSigns {
    pub fn of(run: &Run) -> LifeSigns {
        let activity = run.bundle.activity;
        LifeSigns {
            written_ms: written_ms(run),
            modified_ms: activity.modified_ms,
            seen_ms: activity.grew_at_ms,
            window_ms: live_window_ms(run),
        }
    }

    /// The newest sign of life believable at `now`: one dated further
    /// ahead than the window comes from a clock that is off, and would
    /// keep a dead run live until that clock's time came.
    pub fn last_ms(&self, now: i64) -> Option<i64> {
        [self.written_ms, self.modified_ms, self.seen_ms]
            .into_iter()
            .flatten()
            .filter(|&t| t <= now.saturating_add(self.window_ms))
            .max()
    }

    /// When the run turns stale if nothing more happens.
    pub fn stale_at(&self, now: i64) -> i64 {
        self.last_ms(now).map_or(now, |t| t + self.window_ms)
    }

    /// The liveness of a run whose status is `running` (or not) at `now`.
    pub fn judge(&self, running: bool, now: i64) -> Liveness {
        if !running {
            return Liveness::Settled;
        }
        match self.last_ms(now) {
            Some(last) if now - last <= self.window_ms => Liveness::Live {
                age_ms: (now - last).max(0),
            },
            last => Liveness::Stale {
                silent_ms: last.map(|t| now - t),
            },
        }
    }
}

impl Run {
    /// Whether the run is being written at `now` (epoch ms).
    pub fn liveness(&self, now: i64) -> Liveness {
        LifeSigns::of(self).judge(self.status() == "running", now)
    }

    /// The run's state as a person should read it at `now`: its status,
    /// or `stale` for a run that says running but whose writer is silent.
    pub fn state(&self, now: i64) -> String {
        state_word(self.status(), self.liveness(now))
    }
}

/// `status`, or `stale` when `liveness` says so: the one rule for every
/// list, header and document that shows a run's state.
pub fn state_word(status: String, liveness: Liveness) -> String {
    if liveness.is_stale() {
        "stale".to_string()
    } else {
        status
    }
}

/// The newest timestamp the writer left behind.
fn written_ms(run: &Run) -> Option<i64> {
    let from_trace = run.bundle.trace.entries().last().and_then(|e| e.at());
    live_projection_ms(run.bundle.live.as_ref()).max(from_trace)
}

/// Several heartbeats of the running node, and never less than 30 s.
fn live_window_ms(run: &Run) -> i64 {
    let node = run
        .attempts
        .last()
        .and_then(|a| a.flow_node())
        .and_then(|n| run.bundle.flow.nodes.get(n));
    window_ms(|key| node.and_then(|n| n.fields.get(key)).and_then(Value::as_i64))
}

/// The silence allowed to a writer running a node whose authored fields
/// `field` gives. A node with heartbeats turned off (`heartbeatMs: 0`) may
/// be silent until its timeout (acpx's default 15 min when none is
/// authored).
fn window_ms(field: impl Fn(&str) -> Option<i64>) -> i64 {
    let window = match field("heartbeatMs") {
        // Past its timeout the writer still drains the agent's events.
        Some(0) => field("timeoutMs")
            .filter(|ms| *ms > 0)
            .unwrap_or(DEFAULT_TIMEOUT_MS)
            .saturating_add(MIN_WINDOW_MS),
        heartbeat => heartbeat
            .filter(|ms| *ms > 0)
            .unwrap_or(DEFAULT_HEARTBEAT_MS)
            .saturating_mul(6),
    };
    window.max(MIN_WINDOW_MS)
}

/// The newest of the live projection's own times.
fn live_projection_ms(live: Option<&Value>) -> Option<i64> {
    let live = live?;
    ["lastHeartbeatAt", "updatedAt"]
        .iter()
        .filter_map(|k| {
            live.get(*k)
                .and_then(Value::as_str)
                .and_then(parse_iso_millis)
        })
        .max()
}

mod on_disk;
pub use on_disk::liveness_on_disk;

#[cfg(test)]
mod tests;
