//! Run states on the command line (issue 13, items 4–6): a killed run is
//! `stale` in `list`, `show` and their JSON; a run whose files are being
//! written is live whatever its timestamps say; a failed run says why and
//! where in `show`, `list` and `show --follow`, whose exit code tells the
//! ending apart. Expectations come from the raw files.

mod common;
mod states;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use states::*;

const TWO_DAYS: Duration = Duration::from_secs(2 * 86_400);

fn reel(args: &[&std::ffi::OsStr]) -> common::Output {
    common::reel(args)
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn a_killed_run_is_stale_in_list_and_show_and_their_json() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    backdate(&run, TWO_DAYS);
    let runs = temp.path().as_os_str();

    let list = reel(&[os("list"), runs]);
    assert_eq!(list.code, Some(0), "{}", list.describe());
    let row = list
        .stdout
        .lines()
        .find(|l| l.contains("9c48dd6b"))
        .expect("the run's row");
    assert!(row.contains("stale") && !row.contains("running"), "{row}");

    let json = reel(&[os("list"), runs, os("--json")]).json();
    assert_eq!(json[0]["status"], "running", "the bundle's word");
    assert_eq!(json[0]["state"], "stale", "reel's judgement");

    let show = reel(&[os("show"), run.as_os_str()]);
    let status = show
        .stdout
        .lines()
        .find(|l| l.starts_with("status"))
        .expect("a status line");
    assert!(status.starts_with("status    stale"), "{status}");
    // Silent for two days by the file times (its own stamps are older).
    assert!(status.contains("nothing was written for 2d00h"), "{status}");
    assert!(status.trim_end().ends_with("not finished"), "{status}");
    let json = reel(&[os("show"), run.as_os_str(), os("--json")]).json();
    assert_eq!(
        (json["status"].as_str(), json["state"].as_str()),
        (Some("running"), Some("stale"))
    );

    let follow = reel(&[os("show"), run.as_os_str(), os("--follow")]);
    assert_eq!(follow.code, Some(8), "{}", follow.describe());
    assert!(
        follow.stdout.contains("run not live anymore"),
        "{}",
        follow.describe()
    );
}

#[test]
fn signs_of_life_dated_far_ahead_do_not_keep_a_dead_run_live() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    // Its writer's clock was a year ahead: every stamp is in the future.
    let trace = std::fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    std::fs::write(
        run.join("trace.ndjson"),
        trace.replace("\"at\":\"2026-", "\"at\":\"2027-"),
    )
    .expect("write");
    let live = run.join("projections/live.json");
    let text = std::fs::read_to_string(&live).expect("live");
    std::fs::write(&live, text.replace("\"2026-", "\"2027-")).expect("write");
    let state = |run: &std::path::Path| {
        reel(&[os("show"), run.as_os_str(), os("--json")]).json()["state"].clone()
    };
    // Written just now: live, by the file times.
    assert_eq!(state(&run), "running");
    // Untouched for two days: stale, whatever the stamps promise.
    backdate(&run, TWO_DAYS);
    assert_eq!(state(&run), "stale");
}

/// A writer whose clock is years behind appends to the run while `show
/// --follow` watches: it is followed to the end, not dropped as stale.
#[test]
fn a_run_written_now_is_followed_whatever_its_timestamps_say() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_reel"))
        .args([os("show"), run.as_os_str(), os("--follow")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn reel");
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Duration::from_secs(60);
    let wait_for = |what: &str, pred: &dyn Fn(&str) -> bool| -> String {
        loop {
            match lines.recv_timeout(deadline) {
                Ok(line) if pred(&line) => return line,
                Ok(line) => assert!(
                    !line.starts_with("run not live"),
                    "dropped as stale: {line}"
                ),
                Err(err) => panic!("waiting for {what}: {err}"),
            }
        }
    };
    // The header is printed once the run is open (and judged live).
    wait_for("the header", &|l| l.starts_with("   #  attempt"));
    let old = "2001-01-01T00:00:00.000Z";
    append_event(
        &run,
        "node_outcome",
        old,
        json!({"nodeType": "acp", "outcome": "ok", "durationMs": 5, "error": null}),
        true,
    );
    let row = wait_for("the finished attempt", &|l| l.contains("long_agent#1"));
    assert!(row.contains(" ok "), "{row}");
    append_event(
        &run,
        "run_completed",
        old,
        json!({"status": "completed"}),
        false,
    );
    wait_for("the end", &|l| l.starts_with("run completed"));
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_failed_run_says_why_and_where() {
    let run = sample(INTERRUPTED);
    let events = trace_events(&run);
    let end = events
        .iter()
        .find(|e| e["type"] == "run_failed")
        .expect("run_failed");
    let error = end
        .pointer("/payload/error")
        .and_then(Value::as_str)
        .expect("error");
    let live: Value =
        serde_json::from_slice(&std::fs::read(run.join("projections/live.json")).expect("live"))
            .expect("json");
    let detail = live["statusDetail"].as_str().expect("statusDetail");
    let outcomes = raw_outcomes(&run);
    let failing = outcomes
        .iter()
        .rposition(|(_, o)| is_failure(o))
        .expect("a failed step");
    let failing_id = &outcomes[failing].0;

    let show = reel(&[os("show"), run.as_os_str()]);
    let line = show
        .stdout
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or_else(|| panic!("no error line:\n{}", show.stdout));
    assert_eq!(
        line,
        format!(
            "error     {error} ({detail}) · step {} {failing_id}",
            failing + 1
        )
    );
    let json = reel(&[os("show"), run.as_os_str(), os("--json")]).json();
    assert_eq!(json["error"], error);
    assert_eq!(json["statusDetail"], detail);
    assert_eq!(json["failedAttemptId"], failing_id.as_str());
    assert_eq!(json["state"], "failed");
    // The cancelled step ran from its start to the interrupt.
    let started = events
        .iter()
        .find(|e| e["type"] == "node_started" && e["attemptId"] == failing_id.as_str())
        .expect("its start");
    let ran = common::epoch_ms(end["at"].as_str().expect("at"))
        - common::epoch_ms(started["at"].as_str().expect("at"));
    assert_eq!(json["attempts"][failing]["durationMs"], ran);

    let follow = reel(&[os("show"), run.as_os_str(), os("--follow")]);
    assert_eq!(follow.code, Some(7), "{}", follow.describe());
    let last = follow.stdout.lines().last().expect("a last line");
    assert!(
        last.starts_with(&format!("run failed: {error} ({detail})")),
        "{last}"
    );
    assert!(
        follow.stdout.contains(failing_id.as_str()),
        "the cancelled step is listed"
    );
    let follow = reel(&[os("show"), run.as_os_str(), os("--follow"), os("--json")]);
    assert_eq!(follow.code, Some(7));
    let last: Value =
        serde_json::from_str(follow.stdout.lines().last().expect("line")).expect("json");
    assert_eq!(
        last,
        json!({"runEnded": "failed", "error": error, "statusDetail": detail})
    );

    let temp = tempfile::tempdir().expect("tempdir");
    copy_dir(&run, &temp.path().join(INTERRUPTED));
    let list = reel(&[os("list"), temp.path().as_os_str()]);
    assert!(
        list.stdout.contains(&format!("✗ {error}")),
        "{}",
        list.stdout
    );
    let json = reel(&[os("list"), temp.path().as_os_str(), os("--json")]).json();
    assert_eq!(json[0]["error"], error);
}

#[test]
fn an_error_the_status_detail_repeats_is_said_once() {
    let run = sample(ACP_FAILURE);
    let json = reel(&[os("show"), run.as_os_str(), os("--json")]).json();
    let live: Value =
        serde_json::from_slice(&std::fs::read(run.join("projections/live.json")).expect("live"))
            .expect("json");
    assert_eq!(live["statusDetail"], live["error"], "the sample repeats it");
    assert_eq!(json["error"], live["error"]);
    assert_eq!(json["statusDetail"], Value::Null);
}

#[test]
fn follow_exits_zero_for_a_completed_run_and_show_has_no_error_line() {
    let run = sample(COMPLETED);
    let follow = reel(&[os("show"), run.as_os_str(), os("--follow")]);
    assert_eq!(follow.code, Some(0), "{}", follow.describe());
    let show = reel(&[os("show"), run.as_os_str()]);
    assert!(
        !show.stdout.lines().any(|l| l.starts_with("error")),
        "{}",
        show.stdout
    );
    let json = reel(&[os("show"), run.as_os_str(), os("--json")]).json();
    assert_eq!(
        (json["state"].as_str(), &json["error"]),
        (Some("completed"), &Value::Null)
    );
}

#[test]
fn tree_says_stale_for_a_killed_run() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    backdate(&run, TWO_DAYS);
    let tree = reel(&[os("tree"), os("--runs-dir"), temp.path().as_os_str()]);
    assert_eq!(tree.code, Some(0), "{}", tree.describe());
    let row = tree
        .stdout
        .lines()
        .find(|l| l.contains("gen-interrupted"))
        .unwrap_or_else(|| panic!("no row:\n{}", tree.stdout));
    assert!(row.contains("stale") && !row.contains("running"), "{row}");
    let json = reel(&[
        os("tree"),
        os("--runs-dir"),
        temp.path().as_os_str(),
        os("--json"),
    ])
    .json();
    let node = &json["roots"][0];
    assert_eq!(
        (node["status"].as_str(), node["state"].as_str()),
        (Some("running"), Some("stale"))
    );
}

/// With heartbeats turned off the writer may be silent until the node's
/// timeout (acpx's default: 15 min); a run is stale only after that.
#[test]
fn a_node_without_heartbeats_may_be_silent_until_its_timeout() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    let flow = run.join("flow.json");
    let mut value: Value =
        serde_json::from_slice(&std::fs::read(&flow).expect("flow")).expect("json");
    value["nodes"]["long_agent"]["heartbeatMs"] = json!(0);
    std::fs::write(&flow, value.to_string()).expect("write");
    let state = || reel(&[os("show"), run.as_os_str(), os("--json")]).json()["state"].clone();
    backdate(&run, Duration::from_secs(10 * 60));
    assert_eq!(state(), "running", "10 min of silence is within 15 min");
    backdate(&run, Duration::from_secs(20 * 60));
    assert_eq!(state(), "stale");
    // With heartbeats on (every 500 ms here), 10 min of silence is death.
    value["nodes"]["long_agent"]["heartbeatMs"] = json!(500);
    std::fs::write(&flow, value.to_string()).expect("write");
    backdate(&run, Duration::from_secs(10 * 60));
    assert_eq!(state(), "stale");
}

#[test]
fn a_waiting_run_says_where_it_waits_instead_of_an_empty_finished() {
    let run = sample("2026-11-23T173739237Z-gen-branching-review-36d6dd35");
    let live: Value =
        serde_json::from_slice(&std::fs::read(run.join("projections/live.json")).expect("live"))
            .expect("json");
    let on = live["waitingOn"].as_str().expect("waitingOn");
    let show = reel(&[os("show"), run.as_os_str()]);
    let status = show
        .stdout
        .lines()
        .find(|l| l.starts_with("status"))
        .expect("a status line");
    assert!(status.starts_with("status    waiting"), "{status}");
    assert!(
        status.ends_with(&format!("not finished (waiting on {on})")),
        "{status}"
    );
}
