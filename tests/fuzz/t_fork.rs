//! The fork cut on mutated-but-openable bundles: a bundle that opens, or a
//! clean error; the source untouched; nothing written outside the runs
//! folder, nothing left half-written in it.

use std::fs;
use std::path::{Path, PathBuf};

use reel::model::Run;
use reel::timetravel::diff::diff_against_parent;
use reel::timetravel::fork::{fork as fork_run, ForkOptions};
use reel::timetravel::TimeTravelError;
use serde_json::Value;

use super::folder::snapshot;
use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};
use super::t_bundle::mutated_scene;

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn options(ctx: &mut Ctx) -> ForkOptions {
    let rng = &mut ctx.rng;
    let input_patch = match rng.below(4) {
        0 => None,
        1 => Some(gen::value(rng, 3)),
        _ => Some(Value::Object(
            [
                (gen::key(rng), gen::value(rng, 2)),
                ("debug".to_string(), Value::Null),
            ]
            .into_iter()
            .collect(),
        )),
    };
    let now_ms = *rng.pick(&[
        1_795_521_600_000,
        0,
        -1,
        253_402_300_800_000,
        i64::MAX,
        i64::MIN,
    ]);
    // Hostile ids stay one level up at most: anything they wrote would land
    // in the case's scratch folder, where the check below sees it.
    let run_id = match rng.below(8) {
        0 => Some(
            rng.pick(&[
                "../escaped",
                "../outside/x",
                "a/../../escaped",
                "",
                ".",
                "..",
                ".reel",
                "x\0y",
            ])
            .to_string(),
        ),
        1 => Some(format!(
            "fork-{}",
            gen::nasty_string(rng, 8).replace(['/', '\\', '.'], "_")
        )),
        _ => None,
    };
    ForkOptions {
        label: rng.one_in(2).then(|| gen::nasty_string(rng, 40)),
        input_patch,
        sandbox: rng.one_in(2),
        now_ms,
        run_id,
    }
}

pub fn fork(ctx: &mut Ctx) -> CaseResult {
    fork_case(ctx, false)
}

/// A fork whose run id climbs out through the run's own folder while a
/// leftover staging folder of that name exists (a crashed fork's, or a
/// bundle folder named so): the id is the tour player's
/// `"{manifest runId}-tour{n}"`, which the bundle controls.
pub fn fork_hostile_id(ctx: &mut Ctx) -> CaseResult {
    fork_case(ctx, true)
}

fn fork_case(ctx: &mut Ctx, hostile_id: bool) -> CaseResult {
    // A mutated bundle that still opens (the fork needs a run).
    let mut found = None;
    for _ in 0..4 {
        let scene = mutated_scene(ctx);
        match Run::open(&scene.bundle) {
            Ok(run) if !run.attempts.is_empty() => {
                found = Some((scene, run));
                break;
            }
            _ => continue,
        }
    }
    let Some((scene, run)) = found else {
        super::harness::note("rejected: no mutated bundle opened");
        return Ok(Verdict::Rejected);
    };
    let folder = reel::bundle::folder_name(&scene.bundle);
    if hostile_id {
        fs::create_dir_all(scene.runs.join(format!(".reel-tmp-{folder}")))
            .map_err(|e| e.to_string())?;
    }
    let scratch: PathBuf = scene
        .runs
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let before_source = snapshot(&scene.bundle);
    let before_outside = snapshot(&scene.outside);
    let before_runs = listing(&scene.runs);
    // Now and then one past the last step (an unknown attempt).
    let attempt = if ctx.rng.one_in(10) {
        run.attempts.len()
    } else {
        ctx.rng.below(run.attempts.len())
    };
    let mut options = options(ctx);
    if hostile_id {
        let escape = *ctx.rng.pick(&["../../escaped", "../../outside/x"]);
        options.run_id = Some(format!("{folder}/{escape}-tour1"));
    }
    let result = fork_run(&run, attempt, &options);
    if snapshot(&scene.bundle) != before_source {
        return Err("the fork changed its source bundle".into());
    }
    if snapshot(&scene.outside) != before_outside || listing(&scratch) != ["outside", "runs"] {
        return Err(format!(
            "the fork wrote outside the runs folder: {:?}",
            listing(&scratch)
        ));
    }
    let after_runs = listing(&scene.runs);
    // `.reel/` is reel's own state (the fork takes its new run's lock there).
    let added: Vec<&String> = after_runs
        .iter()
        .filter(|n| !before_runs.contains(n) && n.as_str() != ".reel")
        .collect();
    let summary = match result {
        Err(err) if added.is_empty() => {
            if std::env::var_os("REEL_FUZZ_VERBOSE").is_some() {
                eprintln!("fork error: {err}");
            }
            super::harness::note(match err {
                TimeTravelError::UnknownAttempt(_) => "rejected: unknown attempt",
                TimeTravelError::InvalidPatch(_) => "rejected: invalid patch",
                TimeTravelError::Invalid(_) => "rejected: invalid",
                TimeTravelError::Io { .. } => "rejected: i/o error",
                TimeTravelError::Bundle(_) => "rejected: bundle error",
                _ => "rejected: other error",
            });
            return Ok(Verdict::Rejected);
        }
        Err(err) => return Err(format!("a failed fork ({err}) left {added:?}")),
        Ok(summary) => summary,
    };
    let name = summary
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    if added.len() != 1
        || name.as_ref() != Some(added[0])
        || summary.dir.parent() != Some(scene.runs.as_path())
    {
        return Err(format!(
            "fork went to {} and added {added:?}",
            summary.dir.display()
        ));
    }
    let forked = Run::open(&summary.dir).map_err(|e| format!("the fork does not open: {e}"))?;
    if forked.attempts.len() != summary.kept_attempts || summary.kept_attempts != attempt + 1 {
        return Err(format!(
            "the fork at step {} has {} attempts, says it kept {}",
            attempt + 1,
            forked.attempts.len(),
            summary.kept_attempts
        ));
    }
    diff_against_parent(&forked, &run)
        .map_err(|e| format!("the fork cannot be diffed against its parent: {e}"))?;
    super::t_bundle::exercise(&mut ctx.rng, &summary.dir)?;
    Ok(Verdict::Accepted)
}
