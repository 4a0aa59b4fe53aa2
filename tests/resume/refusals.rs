//! Every way `reel resume` refuses, each leaving the runs directory (lock
//! files aside) byte for byte as it was.

use std::fs;

use serde_json::json;

use super::*;

const REVIEW: &str = "branching-review.flow.ts";

fn refused(scene: &Scene, args: &[&str], code: i32, says: &[&str]) {
    let before = runs_tree(&scene.runs);
    let runs_before = scene.run_dirs();
    let out = run(scene, args);
    assert_eq!(out.code, Some(code), "{}", out.describe());
    for needle in says {
        assert!(
            out.stderr.contains(needle),
            "does not say {needle:?}:\n{}",
            out.describe()
        );
    }
    assert_eq!(scene.run_dirs(), runs_before, "no run appeared or went");
    assert!(
        runs_tree(&scene.runs) == before,
        "`{}` wrote something",
        args.join(" ")
    );
}

pub fn all() {
    let scene = recording_scene(&[REVIEW]);
    let parent = scene.run_flow(
        REVIEW,
        &json!({"task": "t", "route": "review", "rounds": 3}),
    );
    let diverged = fork(&scene, &parent, "review_loop#1", &[]);
    let clean = fork(&scene, &parent, "classify#1", &[]);
    let (p, d, c) = (s(&parent), s(&diverged), s(&clean));

    refused(
        &scene,
        &["resume", &p, "--yes"],
        1,
        &["is completed, not waiting"],
    );
    refused(&scene, &["resume", &c, "--approve-all"], 3, &["--yes"]);
    {
        let mut command = scene.reel();
        command.env("REEL_ACPX", "/nonexistent/acpx");
        command.args(["resume", &c, "--yes", "--approve-all"]);
        let before = runs_tree(&scene.runs);
        let out = crate::common::run_command(command, "reel resume (no acpx)".into());
        assert_eq!(out.code, Some(6), "{}", out.describe());
        assert!(
            out.stderr.contains("no acpx found") && out.stderr.contains("--acpx"),
            "{}",
            out.describe()
        );
        assert!(runs_tree(&scene.runs) == before);
    }
    refused(
        &scene,
        &[
            "resume",
            &c,
            "--yes",
            "--approve-all",
            "--node",
            "/nonexistent/node",
        ],
        6,
        &["no Node.js found", "--node"],
    );
    refused(
        &scene,
        &["resume", &c, "--yes", "--deny-all"],
        1,
        &["requires permission mode approve-all", "--approve-all"],
    );
    refused(
        &scene,
        &["resume", &d, "--yes", "--approve-all"],
        1,
        &["went on elsewhere", "--sessions reuse", "--sessions fresh"],
    );
    // A flow file whose structure changed: a node more.
    let changed = scene.flows.join("changed.flow.ts");
    let text = fs::read_to_string(scene.flows.join(REVIEW)).expect("flow");
    let text = text.replacen(
        "nodes: {",
        "nodes: {\n    extra: compute({ run: () => ({}) }),",
        1,
    );
    fs::write(&changed, text).expect("write");
    refused(
        &scene,
        &[
            "resume",
            &c,
            "--yes",
            "--approve-all",
            "--flow",
            &s(&changed),
        ],
        1,
        &["node extra is new"],
    );
    refused(
        &scene,
        &[
            "fork",
            &p,
            "--at",
            "review_loop#1",
            "--resume",
            "--yes",
            "--approve-all",
        ],
        1,
        &["went on elsewhere"],
    );
    refused(
        &scene,
        &[
            "fork",
            &p,
            "--at",
            "classify#1",
            "--resume",
            "--approve-all",
        ],
        3,
        &["--yes"],
    );

    // Continued once, it is no longer waiting.
    run_ok(&scene, &["resume", &c, "--yes", "--approve-all"]);
    refused(
        &scene,
        &["resume", &c, "--yes", "--approve-all"],
        1,
        &["already continued"],
    );
}
