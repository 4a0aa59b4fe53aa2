//! One wording and one exit code per kind of problem, whatever the
//! subcommand: every subcommand that takes a run, a runs directory or a
//! path, run against each kind (a missing runs directory — by default, from
//! the environment, from `--runs-dir`, named —, a path that does not
//! exist, a file that is not a bundle, a folder that is not one, a folder
//! with bundles deep down). The expectations are the README's exit-code
//! table, written out here.

mod common;
#[path = "cli_errors/scratch.rs"]
mod scratch;
#[path = "cli_errors/validate.rs"]
mod validate;

use scratch::{expect, finish, run_args, sample, Env, Scratch, RUN_COMMANDS};

#[test]
fn a_missing_runs_directory_is_exit_2_saying_where_it_came_from() {
    let s = Scratch::new();
    let default = s.home.join(".acpx/flows/runs");
    let env_dir = s.path("gone-env");
    let flag_dir = s.path("gone-flag");
    let default_says = format!(
        "{}: no such runs directory (looked at $ACPX_FLOW_RUNS_DIR, unset, then ~/.acpx/flows/runs); start a run with `acpx flow run FLOW.ts`",
        default.display()
    );
    let env_says = format!("{env_dir}: no such runs directory (from $ACPX_FLOW_RUNS_DIR)");
    let flag_says = format!("{flag_dir}: no such runs directory (from --runs-dir)");
    let origins: [(Env, Vec<String>, &str); 3] = [
        (&[], vec![], &default_says),
        (&[("ACPX_FLOW_RUNS_DIR", &env_dir)], vec![], &env_says),
        (&[], vec!["--runs-dir".into(), flag_dir.clone()], &flag_says),
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for (env, extra, says) in &origins {
        // Commands on the runs directory itself, and the browser off a terminal.
        for args in [
            vec!["list"],
            vec!["audit"],
            vec!["tree"],
            vec!["validate"],
            vec![],
        ] {
            let mut args: Vec<String> = args.into_iter().map(String::from).collect();
            args.extend(extra.iter().cloned());
            expect(&s.reel(env, &args), 2, says, &mut failures);
            cases += 1;
        }
        // Commands on a run named by its id.
        for command in RUN_COMMANDS.iter().chain(&["tree", "validate", "browse"]) {
            let mut args = run_args(command, "432a4eb8");
            args.extend(extra.iter().cloned());
            let wanted = format!("no run \"432a4eb8\": {says}");
            expect(&s.reel(env, &args), 2, &wanted, &mut failures);
            cases += 1;
        }
    }
    // A runs directory named as an argument.
    for command in ["list", "audit"] {
        let gone = s.path("gone");
        let args = vec![command.to_string(), gone.clone()];
        let wanted = format!("{gone}: no such runs directory");
        expect(&s.reel(&[], &args), 2, &wanted, &mut failures);
        cases += 1;
    }
    assert_eq!(cases, 3 * (5 + 12) + 2);
    finish(failures);
}

#[test]
fn no_runs_directory_at_all_is_exit_2() {
    let s = Scratch::new();
    let mut failures = Vec::new();
    let no_home = [("HOME", ""), ("USERPROFILE", "")];
    for args in [vec!["list".to_string()], vec!["validate".into()], vec![]] {
        expect(
            &s.reel(&no_home, &args),
            2,
            "no runs directory: set ACPX_FLOW_RUNS_DIR or pass --runs-dir",
            &mut failures,
        );
    }
    finish(failures);
}

#[test]
fn a_path_that_does_not_exist_is_exit_2() {
    let s = Scratch::new();
    let gone = s.path("gone/run");
    let mut failures = Vec::new();
    for command in RUN_COMMANDS.iter().chain(&["tree", "validate", "browse"]) {
        let wanted = format!("{gone}: no such file or directory");
        expect(
            &s.reel(&[], &run_args(command, &gone)),
            2,
            &wanted,
            &mut failures,
        );
    }
    let tour = s.path("gone.tour");
    let wanted = format!("{tour}: no such file or directory");
    expect(
        &s.reel(&[], &["demo".into(), tour]),
        2,
        &wanted,
        &mut failures,
    );
    // Files reel would write, in a folder that does not exist.
    let sample = sample();
    let cast = s.path("gone/out.cast");
    let wanted = format!(
        "{}: no such directory (the folder of --record",
        s.path("gone")
    );
    for args in [
        vec![
            "play".into(),
            sample.clone(),
            "--headless".into(),
            "--record".into(),
            cast.clone(),
        ],
        vec![
            "--log".into(),
            s.path("gone/reel.log"),
            "list".into(),
            s.path("empty"),
        ],
    ] {
        let wanted = if args[0] == "--log" {
            format!("{}: no such directory (the folder of --log", s.path("gone"))
        } else {
            wanted.clone()
        };
        expect(&s.reel(&[], &args), 2, &wanted, &mut failures);
    }
    finish(failures);
}

#[test]
fn a_file_that_is_not_a_bundle_is_exit_1() {
    let s = Scratch::new();
    let mut failures = Vec::new();
    // Named by path, and by a bare name in the current folder: either way
    // what exists is a file, and says so (never "no such file").
    for file in [s.path("afile"), "afile".to_string()] {
        for command in RUN_COMMANDS.iter().chain(&["tree", "validate", "browse"]) {
            let wanted = format!(
                "{file}: not a run bundle (a file; a bundle is the folder holding manifest.json)"
            );
            expect(
                &s.reel(&[], &run_args(command, &file)),
                1,
                &wanted,
                &mut failures,
            );
        }
    }
    for command in ["list", "audit"] {
        let file = s.path("afile");
        let wanted = format!("{file}: not a runs directory (a file)");
        expect(
            &s.reel(&[], &[command.into(), file.clone()]),
            1,
            &wanted,
            &mut failures,
        );
        let args = vec![command.into(), "--runs-dir".into(), file];
        expect(
            &s.reel(&[], &args),
            1,
            "not a runs directory (a file)",
            &mut failures,
        );
    }
    finish(failures);
}

#[test]
fn a_folder_with_no_bundle_is_exit_1_where_a_run_is_needed_and_empty_elsewhere() {
    let s = Scratch::new();
    let empty = s.path("empty");
    let mut failures = Vec::new();
    for command in RUN_COMMANDS {
        let wanted = format!("{empty}: not a run bundle (no manifest.json in this folder)");
        expect(
            &s.reel(&[], &run_args(command, &empty)),
            1,
            &wanted,
            &mut failures,
        );
    }
    let wanted = format!(
        "{empty}: holds no run bundle (no manifest.json in it or in its subfolders, 5 levels down)"
    );
    expect(
        &s.reel(&[], &run_args("validate", &empty)),
        1,
        &wanted,
        &mut failures,
    );
    let wanted = format!("{empty}: holds no run bundle");
    let args = vec!["validate".into(), "--runs-dir".into(), empty.clone()];
    expect(&s.reel(&[], &args), 1, &wanted, &mut failures);
    // Listing an empty runs directory is not an error.
    let none = format!("no runs in {empty}");
    for args in [
        vec!["list".to_string(), empty.clone()],
        vec!["tree".into(), empty.clone()],
        vec![empty.clone()],
        vec!["list".into(), "--runs-dir".into(), empty.clone()],
    ] {
        expect(&s.reel(&[], &args), 0, &none, &mut failures);
    }
    let args = vec!["audit".into(), empty.clone()];
    expect(
        &s.reel(&[], &args),
        0,
        &format!("no rewinds or undos in {empty}"),
        &mut failures,
    );
    let wanted = format!("{empty}: a folder, not a file");
    expect(
        &s.reel(&[], &["demo".into(), empty]),
        1,
        &wanted,
        &mut failures,
    );
    finish(failures);
}

#[test]
fn an_attempt_that_does_not_exist_is_said_alike_everywhere() {
    let s = Scratch::new();
    let runs = s.root.join("runs");
    let bundle = std::path::PathBuf::from(sample());
    common::copy_dir(&bundle, &runs.join(bundle.file_name().expect("name")));
    let runs = runs.to_string_lossy().into_owned();
    let mut failures = Vec::new();
    let wanted = "no attempt \"nope#9\" in run 2026-11-23T163116156Z-gen-branching-review-432a4eb8 (give an attemptId such as node#1, a step number 1..9, or last)";
    for args in [
        vec!["state", "432a4eb8", "--at", "nope#9"],
        vec!["fork", "432a4eb8", "--at", "nope#9"],
        vec!["fork", "432a4eb8", "--at", "nope#9", "--preview"],
        vec!["rewind", "432a4eb8", "--to", "nope#9", "--yes"],
        vec!["diff", "432a4eb8@nope#9", "432a4eb8@1"],
    ] {
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        args.extend(["--runs-dir".to_string(), runs.clone()]);
        expect(&s.reel(&[], &args), 1, wanted, &mut failures);
    }
    finish(failures);
}
