//! Mutated bundle folders through everything a viewer derives: validate,
//! `Run::open`, attempts, frames, outputs, conversations, session indexes,
//! search, the fork preview, the inspector's three tabs, a frame diffed
//! against itself and a refresh with nothing changed.
//!
//! The first cases sweep every file of the branching-review sample with a
//! truncation or byte flips (what `tests/robustness.rs` did), the rest
//! mutate random corpus bundles at random.

use std::collections::BTreeSet;
use std::path::Path;

use reel::bundle::validate::validate_bundle;
use reel::model::frame::node_frames;
use reel::model::Run;
use reel::timetravel::diff::diff_frames;
use reel::timetravel::preview::preview;
use reel::tui::inspect::{InspectContent, InspectRequest, Inspector, InspectorTab};
use reel::tui::search::search;

use super::corpus::{corpus, files_of};
use super::folder::{self, SECRET_MARK};
use super::gen;
use super::harness::{CaseResult, Ctx, Verdict};
use super::rng::Rng;

pub const SWEEP_SOURCE: &str = "sample-runs/2026-11-23T163116156Z-gen-branching-review-432a4eb8";
/// Cases per file in the sweep: three truncations, three sets of flips.
const SWEEP_ROUNDS: u64 = 6;

fn sweep_source() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SWEEP_SOURCE)
}

pub fn sweep_len() -> u64 {
    files_of(&sweep_source()).len() as u64 * SWEEP_ROUNDS
}

/// Sets up the case's bundle: the sweep's, or a random mutated one.
pub fn mutated_scene(ctx: &mut Ctx) -> folder::Scene {
    let scratch = ctx.scratch();
    if ctx.case < sweep_len() {
        let source = sweep_source();
        let scene = folder::scene(&scratch, &source);
        let files = files_of(&scene.bundle);
        let file = &files[(ctx.case / SWEEP_ROUNDS) as usize % files.len()];
        let mut bytes = std::fs::read(file).unwrap_or_default();
        if ctx.case % 2 == 0 {
            bytes.truncate(ctx.rng.below(bytes.len()));
        } else {
            for _ in 0..1 + ctx.rng.below(8) {
                if !bytes.is_empty() {
                    let at = ctx.rng.below(bytes.len());
                    bytes[at] = ctx.rng.byte();
                }
            }
        }
        let _ = std::fs::write(file, &bytes);
        return scene;
    }
    let source = ctx.rng.pick(&corpus().small_bundles).clone();
    let scene = folder::scene(&scratch, &source);
    if !ctx.rng.one_in(20) {
        folder::mutate(&mut ctx.rng, &scene);
    }
    scene
}

pub fn bundle(ctx: &mut Ctx) -> CaseResult {
    let scene = mutated_scene(ctx);
    exercise(&mut ctx.rng, &scene.bundle)
}

/// Positions worth looking at: all of a short run's, else the first, the
/// last and `n` at random.
fn sample(rng: &mut Rng, len: usize, n: usize) -> Vec<usize> {
    if len <= 16 {
        return (0..len).collect();
    }
    let mut out: BTreeSet<usize> = BTreeSet::new();
    {
        out.insert(0);
        out.insert(len - 1);
        for _ in 0..n {
            out.insert(rng.below(len));
        }
    }
    out.into_iter().collect()
}

/// Everything a viewer derives from the bundle in `dir`; errors are fine,
/// panics and broken invariants are not.
pub fn exercise(rng: &mut Rng, dir: &Path) -> CaseResult {
    let report = validate_bundle(dir);
    let run = match Run::open(dir) {
        Ok(run) => run,
        Err(err) => {
            if !report.is_broken() {
                return Err(format!(
                    "Run::open fails ({err}) but validate finds no error"
                ));
            }
            return Ok(Verdict::Rejected);
        }
    };
    if run.run_id().to_ascii_lowercase().contains(SECRET_MARK) {
        return Err("the run id was read from a file outside the bundle".into());
    }
    let _ = (
        run.title(),
        run.status(),
        run.started_at(),
        run.finished_at(),
        run.flow_name(),
    );
    let trace = run.bundle.trace.entries();
    let seqs: BTreeSet<u32> = trace.iter().map(|e| e.seq).collect();
    let mut previous_start = None;
    for attempt in &run.attempts {
        let ok = attempt.seq_start(&run.bundle.trace) <= attempt.seq_end(&run.bundle.trace)
            && attempt.entry_start() <= attempt.entry_end()
            && attempt.entry_end() < trace.len()
            && previous_start.is_none_or(|p| p < attempt.seq_start(&run.bundle.trace));
        if !ok {
            return Err(format!(
                "attempt {:?} is inconsistent",
                run.attempt_id(attempt)
            ));
        }
        previous_start = Some(attempt.seq_start(&run.bundle.trace));
    }
    let nodes = run.bundle.flow.nodes.len();
    let mut frame_seqs = vec![0, run.last_seq(), run.last_seq().saturating_add(1)];
    for i in sample(rng, run.attempts.len(), 3) {
        frame_seqs.push(run.attempts[i].seq_end(&run.bundle.trace));
        frame_seqs.push(run.attempts[i].seq_start(&run.bundle.trace));
    }
    for &seq in &frame_seqs {
        if run.node_frames_at(seq) != node_frames(&run.attempts, &run.bundle.trace, nodes, seq) {
            return Err(format!(
                "indexed frames differ from the linear scan at seq {seq}"
            ));
        }
        let _ = run.attempt_at(seq);
        for (_, output) in run.outputs_at(seq) {
            if let Ok(value) = output {
                leak_free(&value.to_string())?;
            }
        }
    }
    let mut viewer_errors: Vec<String> = Vec::new();
    for i in sample(rng, run.attempts.len(), 12) {
        let attempt = &run.attempts[i];
        if let Err(err) = run.attempt_output(attempt) {
            viewer_errors.push(format!("output: {err}"));
        }
        match run.conversation(attempt) {
            Ok(Some(conversation)) => {
                let text = serde_json::to_string(&conversation).map_err(|e| e.to_string())?;
                leak_free(&text)?;
            }
            Ok(None) => {}
            Err(err) => viewer_errors.push(format!("conversation: {err}")),
        }
    }
    for session in &run.bundle.sessions {
        if let Err(err) = session.index() {
            viewer_errors.push(format!("session index: {err}"));
        }
    }
    let query = match rng.below(3) {
        0 => SECRET_MARK.to_string(),
        1 => rng.pick(&corpus().strings).clone(),
        _ => gen::nasty_string(rng, 6),
    };
    if let Ok(hits) = search(&run, &query) {
        if hits.windows(2).any(|w| w[0] >= w[1]) || hits.iter().any(|h| !seqs.contains(h)) {
            return Err(format!(
                "search {query:?}: hits {hits:?} are not sorted trace seqs"
            ));
        }
        if query == SECRET_MARK && !hits.is_empty() {
            return Err("search found text from a file outside the bundle".into());
        }
    }
    let mut inspector = Inspector::default();
    let len = run.attempts.len();
    let few: BTreeSet<usize> = [rng.below(len), rng.below(len)]
        .into_iter()
        .filter(|_| len > 0)
        .collect();
    for i in few {
        let _ = preview(&run, i);
        let diff = diff_frames(&run, i, &run, i);
        if diff.first_divergence.is_some() || !diff.nodes.is_empty() || !diff.outputs.is_empty() {
            return Err(format!("step {} differs from itself: {diff:?}", i + 1));
        }
        for tab in InspectorTab::ALL {
            let request = InspectRequest {
                attempt: i,
                tab,
                session: None,
            };
            if let InspectContent::Session(content) = inspector.inspect(&run, &request) {
                if content.visible > content.items.len() {
                    return Err(format!(
                        "{} of {} items visible",
                        content.visible,
                        content.items.len()
                    ));
                }
            }
        }
    }
    // A refresh re-reads the last indexed event to see that the file was not
    // replaced; one the index took but a full parse refuses (invalid UTF-8
    // or a lone surrogate in a skipped field) makes it reload every time.
    let last_unreadable = trace
        .last()
        .is_some_and(|e| run.bundle.read_event(e).is_err());
    match run.refreshed() {
        Ok(None) => {}
        Ok(Some(_)) if last_unreadable => {
            super::harness::note("refresh reloads: last event unreadable")
        }
        Ok(Some(_)) => return Err("a refresh with nothing changed on disk found a change".into()),
        Err(err) => return Err(format!("a refresh with nothing changed failed: {err}")),
    }
    // A bundle validate passes should show without errors (but a missing
    // artifact, which validate only warns about, as the legacy sample has).
    viewer_errors.retain(|e| !e.contains("(os error 2)"));
    if !report.is_broken() && !viewer_errors.is_empty() {
        super::harness::note("validate clean, viewer errors");
        if std::env::var_os("REEL_FUZZ_VERBOSE").is_some() {
            eprintln!("{viewer_errors:#?}");
        }
    }
    Ok(Verdict::Accepted)
}

fn leak_free(text: &str) -> Result<(), String> {
    if text.to_ascii_lowercase().contains(SECRET_MARK) {
        return Err(format!(
            "text from outside the bundle: {}",
            super::clip(text, 300)
        ));
    }
    Ok(())
}
