//! Frame time of the Session tab showing rich ACP content: the edits step
//! of the acp-rich fixture (unified diffs, a new file, permissions), with
//! and without a search query highlighted, and with every diff unfolded.
//! Drawn into ratatui's `TestBackend` at 160×48 (the terminal write is
//! left out). `cargo bench --bench session_tab`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use reel::model::Run;
use reel::tui::app::{App, Screen};
use reel::tui::inspect::Inspector;
use reel::tui::keymap::Keymap;
use reel::tui::message::Msg;
use reel::tui::run_view::{LineAction, RunView};
use reel::tui::theme::Theme;

const FRAMES: usize = 300;

fn main() -> Result<()> {
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acp-rich/rich-content");
    let run = Arc::new(Run::open(&bundle)?);
    let mut app = App::new(
        Screen::Run(Box::new(RunView::new(run))),
        Keymap::defaults(),
        Theme::colored(),
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48))?;
    let mut worker = Inspector::default();
    let mut key = |app: &mut App, code: KeyCode| {
        let effects = app.update(Msg::Input(Event::Key(KeyEvent::new(
            code,
            KeyModifiers::NONE,
        ))));
        reel::tui::workers::settle_with(app, effects, &mut worker);
    };
    // The edits step, its content built.
    key(&mut app, KeyCode::Char('j'));
    let mut frames = |app: &mut App, name: &str| -> Result<()> {
        let mut samples = Vec::with_capacity(FRAMES);
        for _ in 0..FRAMES {
            let t = Instant::now();
            terminal.draw(|f| reel::tui::ui::draw(f, app))?;
            samples.push(t.elapsed());
        }
        report(name, &mut samples);
        Ok(())
    };
    frames(&mut app, "edits step, folded")?;
    if let Screen::Run(view) = &mut app.screen {
        view.search.query = "greet".to_string();
    }
    frames(&mut app, "with a search highlighted")?;
    if let Screen::Run(view) = &mut app.screen {
        let keys: Vec<String> = view
            .line_actions
            .iter()
            .filter_map(|a| match a {
                Some(LineAction::Fold(key)) => Some(key.clone()),
                _ => None,
            })
            .collect();
        view.folded.extend(keys);
    }
    frames(&mut app, "every diff unfolded")?;
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
