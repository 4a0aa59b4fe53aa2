//! Carrying out effects off the UI thread. `execute` is the plain function
//! (tests call it inline); `Workers` runs it on threads and posts results
//! back into the UI loop's channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::inspect::{InspectRequest, Inspector};
use super::message::{Effect, Msg};
use super::search::search_until;
use super::{resume_effects, timetravel_effects};
use crate::model::discovery::list_runs;
use crate::model::Run;

/// Runs one effect to completion, reporting every message through `post`.
pub fn execute(effect: Effect, inspector: &mut Inspector, post: &mut dyn FnMut(Msg)) {
    execute_until(effect, inspector, &|| false, post);
}

/// `execute`, with a check that says when the effect's answer is no longer
/// wanted (a newer inspection replaced it): long work stops there and
/// posts nothing.
pub fn execute_until(
    effect: Effect,
    inspector: &mut Inspector,
    cancelled: &dyn Fn() -> bool,
    post: &mut dyn FnMut(Msg),
) {
    match effect {
        Effect::ListRuns(dir) => {
            let result = list_runs(&dir)
                .map(|rows| rows.into_iter().filter_map(Result::ok).collect())
                .map_err(|e| e.to_string());
            post(Msg::RunsListed { dir, result });
        }
        Effect::CountRuns(paths) => {
            for path in paths {
                if let Ok(run) = Run::open_with_snapshots(&path) {
                    post(Msg::RunCounted {
                        attempts: run.attempts.len(),
                        status: run.status(),
                        life: crate::model::liveness::LifeSigns::of(&run),
                        error: run.failure.as_ref().and_then(|f| f.error.clone()),
                        path,
                    });
                }
            }
        }
        Effect::LoadRun(path) => {
            // At most ~20 progress messages a second, whatever the chunking.
            let mut last = Instant::now();
            let progress = std::cell::Cell::new((0, 0));
            let post = std::cell::RefCell::new(post);
            let (result, save) = Run::open_saving_later(
                &path,
                &mut |done, total| {
                    progress.set((done, total));
                    if last.elapsed() >= Duration::from_millis(50) {
                        last = Instant::now();
                        (post.borrow_mut())(Msg::LoadProgress { done, total });
                    }
                },
                &mut |run| {
                    let (done, total) = progress.get();
                    (post.borrow_mut())(Msg::RunPartial {
                        path: path.clone(),
                        run: Arc::new(run),
                        done,
                        total,
                    });
                },
            );
            let result = result.map(Arc::new).map_err(|e| e.to_string());
            let post = post.into_inner();
            let shown = result.as_ref().ok().cloned();
            post(Msg::RunLoaded { path, result });
            // On screen first; the snapshot for the next open after.
            if let (Some(run), Some(save)) = (shown, save) {
                save.save(&run.bundle.trace);
            }
        }
        Effect::Inspect { run, request } => {
            if let Some(content) = inspector.inspect_until(&run, &request, cancelled) {
                post(Msg::Inspected { request, content });
            }
        }
        Effect::Search { run, query } => match search_until(&run, &query, cancelled) {
            Ok(Some(hits)) => post(Msg::Searched {
                query,
                hits: Ok(hits),
            }),
            Ok(None) => {}
            Err(err) => post(Msg::Searched {
                query,
                hits: Err(err.to_string()),
            }),
        },
        Effect::Preview { run, attempt } => post(timetravel_effects::preview(&run, attempt)),
        Effect::Fork {
            run,
            attempt,
            patch,
            label,
        } => post(timetravel_effects::fork(&run, attempt, patch, label)),
        Effect::Rewind {
            run_dir,
            attempt_id,
            loaded,
        } => post(timetravel_effects::rewind_run(
            &run_dir,
            &attempt_id,
            loaded.as_deref(),
        )),
        Effect::Undo { run_dir } => post(timetravel_effects::undo_run(&run_dir)),
        Effect::Diff { a, a_attempt, b } => post(timetravel_effects::diff(&a, a_attempt, &b)),
        Effect::Lineage { run } => post(timetravel_effects::lineage_rows(&run)),
        Effect::PlanResume {
            run_dir,
            options,
            generation,
        } => post(resume_effects::plan(&run_dir, &options, generation)),
        Effect::Resume {
            run_dir,
            options,
            plan,
            cancel,
        } => resume_effects::run(&run_dir, &options, plan, &cancel, post),
        Effect::Refresh { run } => match run.refreshed() {
            Ok(Some(fresh)) => post(Msg::RunRefreshed(Arc::new(fresh))),
            Ok(None) => {}
            // A half-written state: the next change brings another try.
            Err(_) => {}
        },
    }
}

/// Carries out effects inline until none are left: what the threads do,
/// without threads (tests, benchmarks, scripted playback).
pub fn settle(app: &mut super::app::App, effects: Vec<Effect>) {
    settle_with(app, effects, &mut Inspector::default());
}

/// `settle` with a long-lived inspector (its transcript cache), as the
/// inspector worker thread keeps one.
pub fn settle_with(app: &mut super::app::App, effects: Vec<Effect>, inspector: &mut Inspector) {
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        let mut messages = Vec::new();
        execute(effect, inspector, &mut |msg| messages.push(msg));
        for msg in messages {
            queue.extend(app.update(msg));
        }
    }
}

/// An inspection job: the run, what to inspect, and its number (a job is
/// superseded once a later number has been handed out).
type InspectJob = (Arc<Run>, InspectRequest, u64);

/// Threads for effects. Inspection has one long-lived worker that keeps its
/// transcript cache, skips requests overtaken by newer ones, and stops a
/// build that a newer request overtakes while it runs (so a step change
/// never waits for a huge build of the previous step).
pub struct Workers {
    tx: Sender<Msg>,
    inspect_tx: Sender<InspectJob>,
    /// The number of the newest inspection asked for.
    inspect_latest: Arc<AtomicU64>,
    /// The number of the newest search: an older one still running stops.
    search_latest: Arc<AtomicU64>,
    /// The newest inspection asked for: asking again for the same one (any
    /// key re-asks until the answer arrives) must not restart it.
    inspect_last: std::cell::RefCell<Option<(std::sync::Weak<Run>, InspectRequest)>>,
    refresh_tx: Sender<Arc<Run>>,
}

impl Workers {
    pub fn new(tx: Sender<Msg>) -> Workers {
        let (inspect_tx, inspect_rx) = mpsc::channel::<InspectJob>();
        let results = tx.clone();
        let latest = Arc::new(AtomicU64::new(0));
        let newest = latest.clone();
        spawn_guarded(&tx, "inspect", move || {
            let mut inspector = Inspector::default();
            let mut current: Option<Arc<Run>> = None;
            while let Ok(mut job) = inspect_rx.recv() {
                while let Ok(newer) = inspect_rx.try_recv() {
                    job = newer;
                }
                let (run, request, number) = job;
                if !current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &run)) {
                    inspector = Inspector::default();
                    current = Some(run.clone());
                }
                let effect = Effect::Inspect { run, request };
                let superseded = || newest.load(Ordering::Relaxed) != number;
                let mut closed = false;
                execute_until(effect, &mut inspector, &superseded, &mut |msg| {
                    closed |= results.send(msg).is_err()
                });
                if closed {
                    break;
                }
            }
        });
        Workers {
            refresh_tx: spawn_refresher(tx.clone()),
            tx,
            inspect_tx,
            inspect_latest: latest,
            inspect_last: std::cell::RefCell::new(None),
            search_latest: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn run(&self, effect: Effect) {
        match effect {
            Effect::Inspect { run, request } => {
                let mut last = self.inspect_last.borrow_mut();
                let same = last.as_ref().is_some_and(|(weak, asked)| {
                    *asked == request && weak.upgrade().is_some_and(|r| Arc::ptr_eq(&r, &run))
                });
                if !same {
                    *last = Some((Arc::downgrade(&run), request.clone()));
                    let number = self.inspect_latest.fetch_add(1, Ordering::Relaxed) + 1;
                    let _ = self.inspect_tx.send((run, request, number));
                }
                return;
            }
            Effect::Refresh { run } => {
                let _ = self.refresh_tx.send(run);
                return;
            }
            _ => {}
        }
        let tx = self.tx.clone();
        let latest = self.search_latest.clone();
        let number = match effect {
            Effect::Search { .. } => latest.fetch_add(1, Ordering::Relaxed) + 1,
            _ => 0,
        };
        spawn_guarded(&self.tx, "effect", move || {
            super::fault::panic_if(super::fault::Fault::WorkerPanic, "worker-panic");
            let mut inspector = Inspector::default();
            let superseded = || number != 0 && latest.load(Ordering::Relaxed) != number;
            execute_until(effect, &mut inspector, &superseded, &mut |msg| {
                let _ = tx.send(msg);
            });
        });
    }
}

/// A worker thread whose panic is reported to the UI loop as `Msg::Fatal`
/// (the loop would otherwise wait forever for its answer). The panic's own
/// report is kept by the panic hook until the terminal is restored.
pub fn spawn_guarded(tx: &Sender<Msg>, name: &'static str, body: impl FnOnce() + Send + 'static) {
    let report = tx.clone();
    let spawned = thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
                let _ = report.send(Msg::Fatal(format!(
                    "internal error: the {name} thread panicked: {}",
                    super::terminal::panic_text(payload.as_ref())
                )));
            }
        });
    if let Err(err) = spawned {
        // No thread, no answer: as fatal as a panic.
        let _ = tx.send(Msg::Fatal(format!("cannot start the {name} thread: {err}")));
    }
}

/// Live refreshes on one thread, in order, so an older state can never
/// overtake a newer one; each refresh starts from the newest state this
/// thread produced for that run (requests carry the state the UI had).
fn spawn_refresher(results: Sender<Msg>) -> Sender<Arc<Run>> {
    let (refresh_tx, refresh_rx) = mpsc::channel::<Arc<Run>>();
    let guard_tx = results.clone();
    spawn_guarded(&guard_tx, "refresh", move || {
        let mut newest: Option<Arc<Run>> = None;
        while let Ok(mut run) = refresh_rx.recv() {
            while let Ok(later) = refresh_rx.try_recv() {
                run = later;
            }
            let base = match &newest {
                Some(mine)
                    if mine.bundle.root == run.bundle.root && mine.last_seq() >= run.last_seq() =>
                {
                    mine.clone()
                }
                _ => run,
            };
            // Errors are a half-written state: the next change retries.
            if let Ok(Some(fresh)) = base.refreshed() {
                let fresh = Arc::new(fresh);
                newest = Some(fresh.clone());
                if results.send(Msg::RunRefreshed(fresh)).is_err() {
                    break;
                }
            }
        }
    });
    refresh_tx
}
