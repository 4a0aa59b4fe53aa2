//! Continuations that run: each checked against what the parent run did
//! (the flows are deterministic, so the parent's later attempts and
//! prompts are the expectation) and against the raw files.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::*;

const REVIEW: &str = "branching-review.flow.ts";
const INPUT_FLOW: &str = "resume-input.flow.ts";

fn review_input() -> Value {
    json!({"task": "fix flaky login test", "route": "review", "rounds": 3})
}

/// The first lines of the prompts the agents were sent, from `from` on.
fn prompts_since(scene: &Scene, from: usize) -> Vec<String> {
    scene.prompts()[from..]
        .iter()
        .filter(|(method, _)| method == "session/prompt")
        .map(|(_, first)| first.clone())
        .collect()
}

fn resume_json(scene: &Scene, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["resume", dir.to_str().expect("utf-8"), "--yes", "--json"];
    args.extend_from_slice(extra);
    run_ok(scene, &args).json()
}

pub fn fork_in_the_middle() {
    let scene = recording_scene(&[REVIEW]);
    let parent = scene.run_flow(REVIEW, &review_input());
    let parent_prompts = prompts_since(&scene, 0);
    let parent_attempts = started(&trace(&parent));
    let cut = parent_attempts
        .iter()
        .position(|a| a == "review_loop#1")
        .expect("review_loop#1 ran");
    let fork = fork(&scene, &parent, "review_loop#1", &[]);
    let before = tree(&fork);
    let asked = scene.prompts().len();

    // The reviewer session went on in the parent (round 2): auto refuses,
    // fresh starts new agent sessions.
    let outcome = resume_json(&scene, &fork, &["--approve-all", "--sessions", "fresh"]);
    assert_eq!(outcome["status"], "completed", "{outcome}");
    assert_eq!(outcome["resumedAt"], "decide_more");
    let expected: Vec<&str> = parent_attempts[cut + 1..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        outcome["attempts"],
        json!(expected),
        "the parent's later attempts, numbered on"
    );
    assert_continued_with(&before, &fork, true);
    assert_validates(&scene, &fork);
    // Nothing kept ran again: each attempt started once, as in the parent.
    assert_eq!(started(&trace(&fork)), parent_attempts);
    // The agents were sent exactly the parent's later prompts.
    let first_later = parent_prompts
        .iter()
        .position(|p| p.starts_with("Review round 2"))
        .expect("round 2 in the parent");
    assert_eq!(prompts_since(&scene, asked), parent_prompts[first_later..]);

    let out = run_ok(&scene, &["undo", &s(&fork), "--yes"]);
    assert_eq!(
        tree(&fork),
        before,
        "undo restores the waiting fork byte for byte\n{}",
        out.describe()
    );
}

pub fn input_patch() {
    let scene = recording_scene(&[INPUT_FLOW]);
    let parent = scene.run_flow(INPUT_FLOW, &json!({"task": "original"}));
    let fork = fork(
        &scene,
        &parent,
        "prepare#1",
        &["--input-patch", r#"{"task":"patched"}"#],
    );
    let asked = scene.prompts().len();
    let outcome = resume_json(&scene, &fork, &[]);
    assert_eq!(outcome["status"], "completed", "{outcome}");
    assert_eq!(outcome["attempts"], json!(["ask#1", "report#1"]));
    assert_eq!(prompts_since(&scene, asked), ["Task: patched"]);
    let run: Value = read_json(&fork.join("projections/run.json"));
    assert_eq!(run["outputs"]["report"]["task"], "patched");
    assert_eq!(run["outputs"]["ask"]["echo"], "patched");

    // resume's own --input-patch, on another fork: applied and recorded.
    let second = super::fork(&scene, &parent, "prepare#1", &[]);
    let asked = scene.prompts().len();
    let outcome = resume_json(&scene, &second, &["--input-patch", r#"{"task":"again"}"#]);
    assert_eq!(outcome["status"], "completed", "{outcome}");
    assert_eq!(prompts_since(&scene, asked), ["Task: again"]);
    let resumed = trace(&second)
        .into_iter()
        .find(|e| e["type"] == "run_resumed")
        .expect("run_resumed");
    assert_eq!(resumed["payload"]["inputPatch"], json!({"task": "again"}));
    assert_validates(&scene, &second);
}

pub fn shell_again() {
    let scene = recording_scene(&["shell-basic.flow.ts"]);
    let parent = scene.run_flow("shell-basic.flow.ts", &json!({"text": "hello"}));
    let fork = fork(&scene, &parent, "prepare#1", &[]);
    let before = tree(&fork);
    let old_events = trace(&fork).len();
    let outcome = resume_json(&scene, &fork, &[]);
    assert_eq!(outcome["status"], "completed", "{outcome}");
    assert_eq!(
        outcome["attempts"],
        json!(["run_shell#1", "big_output#1", "finalize#1"])
    );
    assert_continued(&before, &fork);
    let events = trace(&fork);
    let shell = events[old_events..]
        .iter()
        .find(|e| e["type"] == "action_completed")
        .expect("the shell command ran again");
    assert_eq!(shell["payload"]["action"]["exitCode"], 0, "{shell}");
    let run: Value = read_json(&fork.join("projections/run.json"));
    assert_eq!(run["outputs"]["run_shell"]["value"], "HELLO");
    assert_validates(&scene, &fork);
}

pub fn checkpoint() {
    let scene = recording_scene(&[REVIEW]);
    let waiting = scene.run_flow(
        REVIEW,
        &json!({"task": "ambiguous request", "route": "human"}),
    );
    assert_eq!(manifest(&waiting)["status"], "waiting");
    let before = tree(&waiting);
    let asked = scene.prompts().len();
    // The main session is the run's own and nobody went on in it: auto reuses it.
    let outcome = resume_json(&scene, &waiting, &["--approve-all"]);
    assert_eq!(outcome["status"], "completed", "{outcome}");
    assert_eq!(outcome["resumedAt"], "finalize");
    assert_eq!(outcome["attempts"], json!(["finalize#1"]));
    assert!(
        prompts_since(&scene, asked).is_empty(),
        "finalize prompts nobody"
    );
    assert_continued(&before, &waiting);
    assert_validates(&scene, &waiting);
}

pub fn fork_and_resume() {
    let scene = recording_scene(&[REVIEW]);
    let parent = scene.run_flow(REVIEW, &review_input());
    let parent_attempts = started(&trace(&parent));
    let runs_before = scene.run_dirs();
    let out = run_ok(
        &scene,
        &[
            "fork",
            &s(&parent),
            "--at",
            "classify#1",
            "--resume",
            "--yes",
            "--approve-all",
            "--json",
        ],
    );
    let outcome = out.json();
    let new: Vec<_> = scene
        .run_dirs()
        .into_iter()
        .filter(|d| !runs_before.contains(d))
        .collect();
    assert_eq!(new.len(), 1, "one new run");
    assert_eq!(outcome["path"].as_str(), new[0].to_str());
    // The switch after classify was decided on its memoized output.
    assert_eq!(outcome["resumedAt"], "review_loop", "{outcome}");
    assert_eq!(outcome["status"], "completed");
    let events = trace(&new[0]);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    let forked = kinds
        .iter()
        .position(|k| *k == "run_forked")
        .expect("run_forked");
    assert_eq!(kinds[forked + 1], "run_resumed");
    assert_eq!(started(&events), parent_attempts);
    assert_validates(&scene, &new[0]);
}

pub fn interrupt() {
    let scene = recording_scene(&[INPUT_FLOW]);
    let parent = scene.run_flow(INPUT_FLOW, &json!({"task": "slow"}));
    let fork = fork(
        &scene,
        &parent,
        "prepare#1",
        &["--input-patch", r#"{"sleepMs":120000}"#],
    );
    let before = tree(&fork);
    let asked = scene.prompts().len();
    let mut child = scene
        .reel()
        .args(["resume", &s(&fork), "--yes", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reel resume");
    // Interrupt once the agent is in its (long) turn.
    let deadline = Instant::now() + Duration::from_secs(180);
    while prompts_since(&scene, asked).is_empty() {
        assert!(Instant::now() < deadline, "the agent never got its prompt");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "reel ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = rustix::process::Pid::from_raw(child.id() as i32).expect("pid");
    rustix::process::kill_process(pid, rustix::process::Signal::INT).expect("SIGINT");
    let status = crate::acpx::wait_timeout(&mut child, Duration::from_secs(120))
        .expect("reel ended after the interrupt");
    assert_eq!(
        status.code(),
        Some(130),
        "reel resume exits 130 when interrupted"
    );
    let manifest = manifest(&fork);
    assert_eq!(manifest["status"], "failed");
    let run: Value = read_json(&fork.join("projections/run.json"));
    assert_eq!(run["error"], "Interrupted");
    assert_eq!(trace(&fork).last().expect("events")["type"], "run_failed");
    assert_continued(&before, &fork);
    assert_validates(&scene, &fork);
    run_ok(&scene, &["undo", &s(&fork), "--yes"]);
    assert_eq!(tree(&fork), before, "undo restores the waiting fork");
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

/// reel killed outright (SIGKILL) mid-resume: the kernel tells the driver
/// (PR_SET_PDEATHSIG → SIGINT), which ends the run `failed`/"Interrupted"
/// as acpx does; the next reel command finds the audit record unfinished,
/// settles it, and undo restores the waiting fork.
pub fn killed_reel() {
    let scene = recording_scene(&[INPUT_FLOW]);
    let parent = scene.run_flow(INPUT_FLOW, &json!({"task": "slow"}));
    let fork = fork(
        &scene,
        &parent,
        "prepare#1",
        &["--input-patch", r#"{"sleepMs":120000}"#],
    );
    let before = tree(&fork);
    let asked = scene.prompts().len();
    let mut child = scene
        .reel()
        .args(["resume", &s(&fork), "--yes"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start reel resume");
    let deadline = Instant::now() + Duration::from_secs(180);
    while prompts_since(&scene, asked).is_empty() {
        assert!(Instant::now() < deadline, "the agent never got its prompt");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("SIGKILL reel");
    let _ = child.wait();
    // The orphaned driver ends the run by itself.
    let deadline = Instant::now() + Duration::from_secs(180);
    while trace(&fork).last().expect("events")["type"] != "run_failed" {
        assert!(
            Instant::now() < deadline,
            "the driver outlived reel without ending the run"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(manifest(&fork)["status"], "failed");
    assert_validates(&scene, &fork);
    let runs = s(&scene.runs);
    let out = run_ok(&scene, &["audit", &runs, "--json"]);
    let records = out.json()["records"].clone();
    let resume_states: Vec<&str> = records
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["op"] == "resume")
        .filter_map(|r| r["state"].as_str())
        .collect();
    assert_eq!(
        resume_states.last(),
        Some(&"done"),
        "recovery settled the resume: {records}"
    );
    run_ok(&scene, &["undo", &s(&fork), "--yes"]);
    assert_eq!(tree(&fork), before, "undo restores the waiting fork");
}
