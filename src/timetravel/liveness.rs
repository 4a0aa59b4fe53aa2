//! Is a run still being written? A run says `running` until its writer
//! finishes; a writer that was killed leaves it saying so forever. A run is
//! live only while its last sign of life (heartbeat, projection update or
//! trace event) is recent compared with its heartbeat interval.
//!
//! Two ways to ask: of an opened [`Run`], or of a run folder on disk
//! ([`live_age_ms_on_disk`]), which reads the manifest, the live projection,
//! the flow and the trace's last line only, so that an undo never indexes
//! the run it is about to replace.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

use crate::bundle::paths::resolve_inside;
use crate::bundle::timestamp::parse_iso_millis;
use crate::bundle::{read_json_as, safe_open, EventKind};
use crate::model::Run;

/// acpx's default heartbeat interval.
const DEFAULT_HEARTBEAT_MS: i64 = 5_000;
/// How much of the trace's end is read to find its last line.
const TAIL_BYTES: u64 = 64 * 1024;

/// `Some(age in ms)` when the run is running and showed life recently.
pub fn live_age_ms(run: &Run, now_ms: i64) -> Option<i64> {
    age_if_live(
        &run.status(),
        last_sign_of_life(run),
        heartbeat_of(run),
        now_ms,
    )
}

/// The authored `heartbeatMs` of the node of the run's last attempt.
fn heartbeat_of(run: &Run) -> Option<i64> {
    run.attempts
        .last()
        .and_then(|a| a.flow_node)
        .and_then(|n| run.bundle.flow.nodes.get(n))
        .and_then(|n| n.fields.get("heartbeatMs"))
        .and_then(Value::as_i64)
}

/// [`live_age_ms`] of the run folder `dir`, without indexing its trace. The
/// run's status is the manifest's, unless the trace's last event ends the
/// run; the heartbeat interval is that of the last event's node.
pub fn live_age_ms_on_disk(dir: &Path, now_ms: i64) -> Option<i64> {
    let manifest: Value = read_json_as(dir, &dir.join("manifest.json")).ok()?;
    let path_of = |key: &str, default: &str| {
        let relative = manifest
            .pointer(&format!("/paths/{key}"))
            .and_then(Value::as_str)
            .unwrap_or(default);
        resolve_inside(dir, relative).ok()
    };
    let live: Option<Value> =
        path_of("liveProjection", "projections/live.json").and_then(|p| read_json_as(dir, &p).ok());
    let last = path_of("trace", "trace.ndjson").and_then(|p| last_line(dir, &p));
    let text = |v: Option<&Value>, key: &str| v?.get(key)?.as_str().map(str::to_string);
    let ended = text(last.as_ref(), "type").is_some_and(|t| EventKind::parse(&t).ends_run());
    let status = match text(Some(&manifest), "status") {
        Some(status) if status != "running" => status,
        _ if ended => "ended".to_string(),
        Some(status) => status,
        None => text(live.as_ref(), "status").unwrap_or_else(|| "running".to_string()),
    };
    let from_trace = text(last.as_ref(), "at").and_then(|at| parse_iso_millis(&at));
    let heartbeat = text(last.as_ref(), "nodeId").and_then(|node| {
        let flow: Value = path_of("flow", "flow.json").and_then(|p| read_json_as(dir, &p).ok())?;
        flow.get("nodes")?.get(&node)?.get("heartbeatMs")?.as_i64()
    });
    let life = live_sign(live.as_ref()).max(from_trace);
    age_if_live(&status, life, heartbeat, now_ms)
}

fn age_if_live(
    status: &str,
    last_sign: Option<i64>,
    heartbeat: Option<i64>,
    now_ms: i64,
) -> Option<i64> {
    if status != "running" {
        return None;
    }
    let age = now_ms - last_sign?;
    (age <= window_ms(heartbeat)).then_some(age.max(0))
}

/// The newest timestamp the writer left behind.
pub fn last_sign_of_life(run: &Run) -> Option<i64> {
    let from_trace = run.bundle.trace.entries().last().and_then(|e| e.at());
    live_sign(run.bundle.live.as_ref()).max(from_trace)
}

fn live_sign(live: Option<&Value>) -> Option<i64> {
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

/// How long silence may last before the writer is presumed dead: several
/// heartbeats, and never less than 30 s.
pub fn live_window_ms(run: &Run) -> i64 {
    window_ms(heartbeat_of(run))
}

fn window_ms(heartbeat: Option<i64>) -> i64 {
    let heartbeat = heartbeat
        .filter(|ms| *ms > 0)
        .unwrap_or(DEFAULT_HEARTBEAT_MS);
    (heartbeat.saturating_mul(6)).max(30_000)
}

/// The last complete line of the trace, parsed; `None` when it cannot be
/// read or is longer than the tail read.
fn last_line(root: &Path, path: &Path) -> Option<Value> {
    let (mut file, meta) = safe_open::open(root, path).ok()?;
    let start = meta.len().saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut tail = Vec::new();
    file.take(TAIL_BYTES).read_to_end(&mut tail).ok()?;
    // Up to the last newline: a partial last line is still being written.
    let end = tail.iter().rposition(|&b| b == b'\n')?;
    let begin = match tail[..end].iter().rposition(|&b| b == b'\n') {
        Some(newline) => newline + 1,
        None if start == 0 => 0,
        None => return None,
    };
    serde_json::from_slice(&tail[begin..end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write_run(dir: &Path, status: &str, node: &str, last: &str, live: Option<&str>) {
        fs::create_dir_all(dir.join("projections")).expect("mkdir");
        let manifest = serde_json::json!({"status": status});
        fs::write(dir.join("manifest.json"), manifest.to_string()).expect("manifest");
        let flow = r#"{"name":"f","nodes":{"fast":{"nodeType":"acp"},"slow":{"nodeType":"acp","heartbeatMs":60000}}}"#;
        fs::write(dir.join("flow.json"), flow).expect("flow");
        let first = r#"{"seq":1,"at":"2026-12-01T10:00:00.000Z","type":"run_started"}"#;
        let started = format!(
            r#"{{"seq":2,"at":"2026-12-01T10:00:00.000Z","type":"node_started","nodeId":"{node}","attemptId":"{node}#1"}}"#
        );
        let trace = format!("{first}\n{started}\n{last}\n");
        fs::write(dir.join("trace.ndjson"), trace).expect("trace");
        if let Some(live) = live {
            fs::write(dir.join("projections/live.json"), live).expect("live");
        }
    }

    const T0: i64 = 1_795_000_000_000; // any instant; the events below are relative to it

    fn at(ms: i64) -> String {
        crate::bundle::timestamp::format_iso_millis(ms)
    }

    #[test]
    fn the_disk_check_agrees_with_the_opened_run() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("run");
        let cases = [
            // (status, last event, its node, live.json's heartbeat age,
            // now - last event) → live?
            ("running", "node_heartbeat", "fast", None, 10_000, true),
            ("running", "node_heartbeat", "fast", None, 40_000, false),
            // The node's own heartbeat (60 s) widens the window to 6 min.
            ("running", "node_heartbeat", "slow", None, 300_000, true),
            ("running", "node_heartbeat", "slow", None, 400_000, false),
            ("running", "run_completed", "fast", None, 1_000, false),
            ("completed", "node_heartbeat", "fast", None, 1_000, false),
            (
                "running",
                "node_heartbeat",
                "fast",
                Some(5_000),
                600_000,
                true,
            ),
        ];
        for (status, kind, node, live_age, age, expected) in cases {
            let _ = fs::remove_dir_all(&dir);
            let event = format!(
                r#"{{"seq":3,"at":"{}","type":"{kind}","nodeId":"{node}","attemptId":"{node}#1"}}"#,
                at(T0)
            );
            let live =
                live_age.map(|a: i64| format!(r#"{{"lastHeartbeatAt":"{}"}}"#, at(T0 + age - a)));
            write_run(&dir, status, node, &event, live.as_deref());
            let now = T0 + age;
            let on_disk = live_age_ms_on_disk(&dir, now);
            assert_eq!(on_disk.is_some(), expected, "{status} {kind} {age}");
            let run = Run::open(&dir).expect("the fixture is a bundle");
            assert_eq!(live_age_ms(&run, now), on_disk, "{status} {kind} {age}");
        }
    }
}
