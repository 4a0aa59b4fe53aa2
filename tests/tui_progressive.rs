//! Progressive open: a run is on screen, with real steps, and navigable
//! while its trace is still being indexed. The indexer is held inside its
//! first hand-out (a channel it waits on, no timing), so the index is
//! provably partial while keys are pressed; then it is let go and the full
//! run takes over under the same cursor. Expectations come from the trace
//! read with serde_json.

mod support;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;

use crossterm::event::KeyCode;

use reel::model::Run;
use reel::synth::{write_bundle, SynthSpec};
use reel::tui::app::{App, Screen};
use reel::tui::keymap::Keymap;
use reel::tui::message::Msg;
use reel::tui::theme::Theme;
use support::*;

#[test]
fn steps_are_shown_and_navigable_before_the_index_is_complete() {
    let runs = tempfile::tempdir().expect("temp dir");
    // About 3 MB of trace: several chunks, below the snapshot cache's
    // threshold (nothing goes into the user's cache).
    let spec = SynthSpec {
        attempts: 2_000,
        ..SynthSpec::default()
    };
    let dir: PathBuf = write_bundle(runs.path(), &spec).expect("synthesize").dir;
    let all_steps = raw_steps(&trace(&dir));

    let (partial_tx, partial_rx) = mpsc::channel::<(Run, u64, u64)>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let loader = {
        let dir = dir.clone();
        std::thread::spawn(move || {
            let progress = std::cell::Cell::new((0, 0));
            let mut first = true;
            Run::open_progressively(
                &dir,
                &mut |done, total| progress.set((done, total)),
                &mut |run| {
                    let (done, total) = progress.get();
                    let _ = partial_tx.send((run, done, total));
                    if std::mem::take(&mut first) {
                        // Held here: the rest of the trace waits.
                        let _ = go_rx.recv();
                    }
                },
            )
        })
    };
    let (partial, done, total) = partial_rx.recv().expect("a partial run");
    let partial_steps = partial.attempts.len();
    assert!(
        partial_steps >= 2,
        "some steps are indexed: {partial_steps}"
    );
    assert!(
        partial_steps < all_steps.len(),
        "the index is partial: {partial_steps} of {}",
        all_steps.len()
    );
    assert!(done < total, "{done} of {total} bytes");

    let mut app = App::new(
        Screen::Loading {
            path: dir.clone(),
            done: 0,
            total: 0,
        },
        Keymap::defaults(),
        Theme::plain(),
    );
    send(
        &mut app,
        Msg::RunPartial {
            path: dir.clone(),
            run: Arc::new(partial),
            done,
            total,
        },
    );
    let text = screen(&mut app, 160, 48);
    assert!(view(&app).indexing.is_some());
    assert!(text.contains("indexing"), "the status bar says so:\n{text}");
    assert!(
        text.contains(&all_steps[0].attempt_id) && text.contains(&all_steps[1].attempt_id),
        "the first steps are on screen:\n{text}"
    );
    assert_eq!(view(&app).cursor, all_steps[0].end);

    press(&mut app, KeyCode::Char('j'));
    assert_eq!(view(&app).current_attempt(), Some(1));
    assert_eq!(view(&app).cursor, all_steps[1].end);
    press(&mut app, KeyCode::Char('G'));
    let newest = partial_steps - 1;
    assert_eq!(
        view(&app).current_attempt(),
        Some(newest),
        "G: the newest indexed step"
    );
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains(&format!("step {}/{partial_steps}", partial_steps)),
        "{text}"
    );

    go_tx.send(()).expect("let the indexer go on");
    let full = loader.join().expect("loader thread").expect("open");
    // Later hand-outs (if the indexer made any) come before the end.
    while let Ok((run, done, total)) = partial_rx.try_recv() {
        send(
            &mut app,
            Msg::RunPartial {
                path: dir.clone(),
                run: Arc::new(run),
                done,
                total,
            },
        );
        assert!(view(&app).following(), "G keeps up with the index");
    }
    send(
        &mut app,
        Msg::RunLoaded {
            path: dir.clone(),
            result: Ok(Arc::new(full)),
        },
    );
    assert_eq!(view(&app).indexing, None);
    assert_eq!(view(&app).run.attempts.len(), all_steps.len());
    assert_eq!(
        view(&app).current_attempt(),
        Some(all_steps.len() - 1),
        "the cursor followed to the newest step"
    );
    let text = screen(&mut app, 160, 48);
    assert!(!text.contains("indexing"), "{text}");
}
