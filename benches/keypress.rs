//! Keypress-to-frame benchmark on a large synthesized run.
//!
//! Measures what the UI thread does for one key: `App::update` plus drawing
//! the whole 160×48 screen into ratatui's `TestBackend` (the terminal write is
//! left out: it depends on the terminal, not on reel). Inspector content is
//! built on a worker in the real app; its cost per step is reported apart.
//!
//! `cargo bench --bench keypress` uses 100k attempts; `REEL_BENCH_LARGE=1`
//! uses 1M (≈ 3.3M trace events).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use reel::model::Run;
use reel::synth::{write_bundle, SynthSpec};
use reel::tui::app::{App, Screen};
use reel::tui::inspect::{InspectRequest, Inspector, InspectorTab};
use reel::tui::keymap::Keymap;
use reel::tui::message::Msg;
use reel::tui::run_view::RunView;
use reel::tui::theme::Theme;

fn main() -> Result<()> {
    let attempts = if std::env::var("REEL_BENCH_LARGE").as_deref() == Ok("1") {
        1_000_000
    } else {
        100_000
    };
    let scratch = std::env::temp_dir().join(format!("reel-keypress-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = bench(&scratch, attempts);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn bench(scratch: &Path, attempts: usize) -> Result<()> {
    let spec = SynthSpec {
        attempts,
        ..SynthSpec::default()
    };
    let summary = write_bundle(scratch, &spec).context("synthesizing")?;
    let started = Instant::now();
    let run = Arc::new(Run::open(&summary.dir)?);
    println!(
        "run: {} attempts, {} trace events; loaded in {:?}",
        run.attempts.len(),
        run.bundle.trace.len(),
        started.elapsed()
    );
    let mut app = App::new(
        Screen::Run(Box::new(RunView::new(run.clone()))),
        Keymap::defaults(),
        Theme::colored(),
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
    terminal.draw(|f| reel::tui::ui::draw(f, &mut app))?;

    let keys: Vec<(&str, KeyEvent)> = [
        ("j", 300, KeyCode::Char('j')),
        ("J", 300, KeyCode::Char('J')),
        ("k", 100, KeyCode::Char('k')),
        ("PageDown", 100, KeyCode::PageDown),
        ("G", 5, KeyCode::Char('G')),
        ("g", 5, KeyCode::Char('g')),
        ("Tab", 30, KeyCode::Tab),
        ("2", 10, KeyCode::Char('2')),
        ("Enter", 20, KeyCode::Enter),
    ]
    .into_iter()
    .flat_map(|(name, n, code)| {
        std::iter::repeat_n((name, KeyEvent::new(code, KeyModifiers::NONE)), n)
    })
    .collect();

    let mut worker = Inspector::default();
    let mut samples = Vec::with_capacity(keys.len());
    let mut content_frames = Vec::with_capacity(keys.len());
    let mut by_key: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    for (name, key) in keys {
        let t = Instant::now();
        let effects = app.update(Msg::Input(Event::Key(key)));
        terminal.draw(|f| reel::tui::ui::draw(f, &mut app))?;
        let elapsed = t.elapsed();
        samples.push(elapsed);
        by_key.entry(name).or_default().push(elapsed);
        // The worker's answer arrives as a message: its frame is timed too.
        reel::tui::workers::settle_with(&mut app, effects, &mut worker);
        let t = Instant::now();
        terminal.draw(|f| reel::tui::ui::draw(f, &mut app))?;
        content_frames.push(t.elapsed());
    }
    report("key → frame (all keys)", &mut samples);
    report("inspector content → frame", &mut content_frames);
    for (name, mut list) in by_key {
        report(name, &mut list);
    }

    // The worker's share: inspector content for 200 consecutive steps.
    let mut inspector = Inspector::default();
    for tab in InspectorTab::ALL {
        let mut times = Vec::new();
        for attempt in (0..run.attempts.len())
            .step_by((run.attempts.len() / 200).max(1))
            .take(200)
        {
            let t = Instant::now();
            let _ = inspector.inspect(
                &run,
                &InspectRequest {
                    attempt,
                    tab,
                    session: None,
                },
            );
            times.push(t.elapsed());
        }
        report(&format!("inspector worker: {}", tab.title()), &mut times);
    }
    Ok(())
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:>28}: n={:<4} p50 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        samples.len(),
        at(0.5),
        at(0.99),
        samples[samples.len() - 1]
    );
}
