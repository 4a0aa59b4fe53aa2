//! Is a run still being written? A run says `running` until its writer
//! finishes; a writer that was killed leaves it saying so forever. A run is
//! live only while its last sign of life (heartbeat, projection update or
//! trace event) is recent compared with its heartbeat interval.

use serde_json::Value;

use crate::bundle::timestamp::parse_iso_millis;
use crate::model::Run;

/// acpx's default heartbeat interval.
const DEFAULT_HEARTBEAT_MS: i64 = 5_000;

/// `Some(age in ms)` when the run is running and showed life recently.
pub fn live_age_ms(run: &Run, now_ms: i64) -> Option<i64> {
    if run.status() != "running" {
        return None;
    }
    let last = last_sign_of_life(run)?;
    let age = now_ms - last;
    (age <= live_window_ms(run)).then_some(age.max(0))
}

/// The newest timestamp the writer left behind.
pub fn last_sign_of_life(run: &Run) -> Option<i64> {
    let from_live = run.bundle.live.as_ref().and_then(|live| {
        ["lastHeartbeatAt", "updatedAt"]
            .iter()
            .filter_map(|k| {
                live.get(*k)
                    .and_then(Value::as_str)
                    .and_then(parse_iso_millis)
            })
            .max()
    });
    let from_trace = run.bundle.trace.entries().last().and_then(|e| e.at());
    from_live.max(from_trace)
}

/// How long silence may last before the writer is presumed dead: several
/// heartbeats, and never less than 30 s.
pub fn live_window_ms(run: &Run) -> i64 {
    let heartbeat = run
        .attempts
        .last()
        .and_then(|a| a.flow_node)
        .and_then(|n| run.bundle.flow.nodes.get(n))
        .and_then(|n| n.fields.get("heartbeatMs"))
        .and_then(Value::as_i64)
        .filter(|ms| *ms > 0)
        .unwrap_or(DEFAULT_HEARTBEAT_MS);
    (heartbeat * 6).max(30_000)
}
