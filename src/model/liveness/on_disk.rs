//! Liveness of a run folder without indexing its trace: an undo checks it
//! just before swapping the folder away, and must not pay a full index of
//! a run it is about to replace. Reads the manifest, the live projection,
//! the flow and the trace's last line, and the files' modification times —
//! the same signs [`LifeSigns::of`] takes from an opened run, minus what
//! only a reader that watched the run could have seen grow.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

use super::{live_projection_ms, window_ms, LifeSigns, Liveness};
use crate::bundle::activity::modified_ms;
use crate::bundle::paths::resolve_inside;
use crate::bundle::timestamp::parse_iso_millis;
use crate::bundle::{read_json_as, safe_open, EventKind};

/// How much of the trace's end is read to find its last line.
const TAIL_BYTES: u64 = 64 * 1024;

/// The liveness of the run folder `dir` at `now` (epoch ms). Its status is
/// the manifest's, unless the trace's last event ends the run; the silence
/// allowed is that of the last event's node.
pub fn liveness_on_disk(dir: &Path, now: i64) -> Liveness {
    let Ok(manifest) = read_json_as::<Value>(dir, &dir.join("manifest.json")) else {
        return Liveness::Settled;
    };
    let path_of = |key: &str, default: &str| {
        let relative = manifest
            .pointer(&format!("/paths/{key}"))
            .and_then(Value::as_str)
            .unwrap_or(default);
        resolve_inside(dir, relative).ok()
    };
    let live_path = path_of("liveProjection", "projections/live.json");
    let trace_path = path_of("trace", "trace.ndjson");
    let live: Option<Value> = live_path.as_ref().and_then(|p| read_json_as(dir, p).ok());
    let last = trace_path.as_ref().and_then(|p| last_line(dir, p));
    let text = |v: Option<&Value>, key: &str| v?.get(key)?.as_str().map(str::to_string);
    let ended = text(last.as_ref(), "type").is_some_and(|t| EventKind::parse(&t).ends_run());
    let status = match text(Some(&manifest), "status") {
        Some(status) if status != "running" => status,
        _ if ended => "ended".to_string(),
        Some(status) => status,
        None => text(live.as_ref(), "status").unwrap_or_else(|| "running".to_string()),
    };
    let node: Option<Value> = text(last.as_ref(), "nodeId").and_then(|node| {
        let flow: Value = path_of("flow", "flow.json").and_then(|p| read_json_as(dir, &p).ok())?;
        flow.get("nodes")?.get(&node).cloned()
    });
    let from_trace = text(last.as_ref(), "at").and_then(|at| parse_iso_millis(&at));
    let files = [Some(dir.join("manifest.json")), trace_path, live_path];
    let signs = LifeSigns {
        written_ms: live_projection_ms(live.as_ref()).max(from_trace),
        modified_ms: files
            .iter()
            .flatten()
            .filter_map(|p| modified_ms(dir, p))
            .max(),
        seen_ms: None,
        window_ms: window_ms(|key| node.as_ref()?.get(key)?.as_i64()),
    };
    signs.judge(status == "running", now)
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
    use crate::model::Run;
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

    /// Far from the files' real mtimes (now), so only the written times
    /// decide; mtimes are checked on their own below.
    const T0: i64 = 1_000_000_000_000;

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
            let on_disk = liveness_on_disk(&dir, now);
            assert_eq!(on_disk.is_live(), expected, "{status} {kind} {age}");
            let run = Run::open(&dir).expect("the fixture is a bundle");
            assert_eq!(run.liveness(now), on_disk, "{status} {kind} {age}");
        }
    }

    /// Files being written now make a run live whatever its content's
    /// clock says, on disk as in an opened run.
    #[test]
    fn fresh_files_are_a_sign_of_life_too() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("run");
        let event = format!(
            r#"{{"seq":3,"at":"{}","type":"node_heartbeat","nodeId":"fast","attemptId":"fast#1"}}"#,
            at(T0)
        );
        write_run(&dir, "running", "fast", &event, None);
        let now = crate::timetravel::runid::now_ms();
        assert!(liveness_on_disk(&dir, now).is_live());
        let run = Run::open(&dir).expect("bundle");
        assert_eq!(run.liveness(now), liveness_on_disk(&dir, now));
    }
}
