//! Run states in the viewer (issue 13, items 4–6): a run being written
//! now is live and followed whatever its timestamps say; a killed run is
//! stale in the header and the browser; a failed run opens at the step
//! that failed it, says why in the header, and `]` / `[` move between
//! failed steps. Expected steps come from the raw trace.

mod states;
mod support;

use std::time::Duration;

use crossterm::event::KeyCode;
use reel::tui::message::Msg;
use serde_json::json;
use states::{append_event, backdate, is_failure, raw_outcomes, running_copy};
use support::*;

const TWO_DAYS: Duration = Duration::from_secs(2 * 86_400);

fn failure_steps(run: &std::path::Path) -> Vec<usize> {
    raw_outcomes(run)
        .iter()
        .enumerate()
        .filter(|(_, (_, outcome))| is_failure(outcome))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn a_failed_run_opens_at_the_step_that_failed_it_and_says_why() {
    for name in [states::INTERRUPTED, states::ACP_FAILURE] {
        let run = states::sample(name);
        let failing = *failure_steps(&run).last().expect("a failed step");
        let mut app = run_app(run.clone());
        assert_eq!(view(&app).current_attempt(), Some(failing), "{name}");
        let text = screen(&mut app, 160, 48);
        let header = text.lines().next().expect("a header");
        let error = states::trace_events(&run)
            .iter()
            .find(|e| e["type"] == "run_failed")
            .and_then(|e| e.pointer("/payload/error")?.as_str().map(str::to_string))
            .expect("the run's error");
        assert!(header.contains(&format!("● failed: {error}")), "{header}");
    }
}

/// A copy of the branching-review sample (completed, 9 steps) whose 3rd
/// and 6th steps failed (the run went on regardless).
fn run_with_two_failures(dir: &std::path::Path) -> std::path::PathBuf {
    let run = dir.join("run");
    states::copy_dir(&branching_review(), &run);
    let trace = std::fs::read_to_string(run.join("trace.ndjson")).expect("trace");
    let mut outcomes = 0;
    let edited: String = trace
        .lines()
        .map(|line| {
            let mut line = line.to_string();
            if line.contains("\"type\":\"node_outcome\"") {
                outcomes += 1;
                if outcomes == 3 || outcomes == 6 {
                    line = line.replacen("\"outcome\":\"ok\"", "\"outcome\":\"failed\"", 1);
                }
            }
            line + "\n"
        })
        .collect();
    std::fs::write(run.join("trace.ndjson"), edited).expect("write");
    run
}

#[test]
fn failure_keys_move_between_failed_steps() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = run_with_two_failures(temp.path());
    let failures = failure_steps(&run);
    assert_eq!(failures.len(), 2, "{failures:?}");
    let total = raw_outcomes(&run).len();
    let mut app = run_app(run);
    // Not a failed run: it opens at step 1.
    assert_eq!(view(&app).current_attempt(), Some(0));
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(view(&app).current_attempt(), Some(failures[0]));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains(&format!("failure 1/2: step {}", failures[0] + 1)),
        "{text}"
    );
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(view(&app).current_attempt(), Some(failures[1]));
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(
        view(&app).current_attempt(),
        Some(failures[1]),
        "none after it"
    );
    assert!(screen(&mut app, 160, 48).contains("no failed step after this one"));
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(view(&app).current_attempt(), Some(total - 1));
    press(&mut app, KeyCode::Char('['));
    assert_eq!(view(&app).current_attempt(), Some(failures[1]));
    press(&mut app, KeyCode::Char('['));
    assert_eq!(view(&app).current_attempt(), Some(failures[0]));
    press(&mut app, KeyCode::Char('['));
    assert_eq!(
        view(&app).current_attempt(),
        Some(failures[0]),
        "none before it"
    );
    assert!(screen(&mut app, 160, 48).contains("no failed step before this one"));

    let mut clean = run_app(states::sample(states::COMPLETED));
    press(&mut clean, KeyCode::Char(']'));
    assert!(screen(&mut clean, 160, 48).contains("no step failed in this run"));
}

/// The run's writer stamps its events years in the past (its clock is
/// off), but its files are being written now: the run is live, opens at
/// its head and follows what is appended.
#[test]
fn a_run_written_now_is_live_whatever_its_timestamps_say() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    let mut app = run_app(run.clone());
    assert!(view(&app).live, "fresh files are a sign of life");
    let head = view(&app).run.last_seq();
    assert_eq!(view(&app).cursor, head, "a live run opens at its head");
    assert!(screen(&mut app, 160, 48).contains("● LIVE"));

    let old = "2001-01-01T00:00:00.000Z";
    append_event(
        &run,
        "node_heartbeat",
        old,
        json!({"statusDetail": "still at it"}),
        true,
    );
    send(&mut app, Msg::RunChanged(run.clone()));
    assert_eq!(
        view(&app).run.last_seq(),
        head + 1,
        "the new event was read"
    );
    assert_eq!(view(&app).cursor, head + 1, "followed to the new head");
    send(&mut app, Msg::Tick);
    assert!(view(&app).live, "still live after a tick");
}

#[test]
fn a_killed_run_is_stale_in_the_header_and_the_browser() {
    let temp = tempfile::Builder::new()
        .prefix("runs-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir");
    let run = running_copy(temp.path());
    backdate(&run, TWO_DAYS);
    let mut app = run_app(run.clone());
    assert!(!view(&app).live);
    let header = screen(&mut app, 160, 48);
    let header = header.lines().next().expect("a header");
    assert!(header.contains("● stale (says running; silent"), "{header}");

    // Beside it, the run it became and one that completed.
    states::copy_dir(
        &states::sample(states::COMPLETED),
        &temp.path().join(states::COMPLETED),
    );
    let mut browser = browser_app(temp.path());
    let text = screen(&mut browser, 160, 24);
    let row = text
        .lines()
        .find(|l| l.contains("9c48dd6b"))
        .expect("the killed run's row");
    assert!(row.contains("◌") && row.contains("stale"), "{row}");
    assert!(!row.contains("running"), "{row}");
    // Below the title, which names the temporary folder.
    let rows: Vec<&str> = text.lines().skip(1).collect();
    insta::assert_snapshot!("browser_with_a_stale_run@160x24", rows.join("\n"));

    // The failed status filter shows it; the running one does not.
    press(&mut browser, KeyCode::Char('f'));
    assert!(
        !screen(&mut browser, 160, 24).contains("9c48dd6b"),
        "only running"
    );
    press(&mut browser, KeyCode::Char('f'));
    assert!(
        screen(&mut browser, 160, 24).contains("9c48dd6b"),
        "failed or stale"
    );
}

/// A run that opened stale (its writer paused longer than the window)
/// and is written again is followed from where it opened.
#[test]
fn a_stale_run_written_again_comes_back_to_life_and_is_followed() {
    let temp = tempfile::tempdir().expect("tempdir");
    let run = running_copy(temp.path());
    backdate(&run, TWO_DAYS);
    let mut app = run_app(run.clone());
    assert!(!view(&app).live);
    let head = view(&app).run.last_seq();
    assert!(
        view(&app).cursor < head,
        "a stale run opens at its first step"
    );
    append_event(
        &run,
        "node_heartbeat",
        "2001-01-01T00:00:00.000Z",
        json!({"statusDetail": "back"}),
        true,
    );
    send(&mut app, Msg::RunChanged(run.clone()));
    assert!(view(&app).live, "seen growing just now");
    assert_eq!(view(&app).cursor, head + 1, "followed to its head");
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("● LIVE") && !text.contains("stale"), "{text}");
}

/// The browser says why each failed run failed, and its filter finds runs
/// by their error.
#[test]
fn the_browser_says_why_runs_failed_and_filters_by_it() {
    let mut app = browser_app(sample_runs());
    let text = screen(&mut app, 160, 48);
    for name in [states::INTERRUPTED, states::ACP_FAILURE] {
        let run = states::sample(name);
        let error = states::trace_events(&run)
            .iter()
            .find(|e| e["type"] == "run_failed")
            .and_then(|e| e.pointer("/payload/error")?.as_str().map(str::to_string))
            .expect("the run's error");
        let suffix = name.rsplit('-').next().expect("suffix");
        let row = text.lines().find(|l| l.contains(suffix)).expect("its row");
        assert!(row.contains(&format!("({error})")), "{row}");
    }
    // A word only the acp-failure sample's error holds.
    keys(&mut app, "/internal");
    press(&mut app, KeyCode::Enter);
    let rows: Vec<String> = browser(&app)
        .visible()
        .iter()
        .map(|&i| browser(&app).rows[i].summary.run_id.clone())
        .collect();
    assert_eq!(rows, [states::ACP_FAILURE], "{rows:?}");
}
