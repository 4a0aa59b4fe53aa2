//! The screens a viewer draws from a mutated bundle: the app is driven by
//! random keys (effects carried out inline) and every drawn cell is checked
//! for characters a terminal must not receive.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use reel::tui::app::{App, Screen};
use reel::tui::keymap::Keymap;
use reel::tui::message::Msg;
use reel::tui::theme::Theme;
use reel::tui::workers::settle;

use super::corpus::corpus;
use super::harness::{CaseResult, Ctx, Verdict};
use super::t_bundle::mutated_scene;
use super::t_sanitize::forbidden;

/// Keys of the run view and the browser; rewind and undo (`R`, `u`) are
/// left out: they are the time-travel tests' business.
const KEYS: &[&str] = &[
    "j", "k", "J", "K", "g", "G", "Tab", "BackTab", "1", "2", "3", "Enter", "n", "N", "v", "z",
    "c", "h", "l", "s", "?", "Space", "+", "-", "m", "d", "L", "f", "Esc", "q", "PageDown",
    "PageUp", "Down", "Up", "/",
];

fn key(text: &str) -> KeyEvent {
    let code = match text {
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Enter" => KeyCode::Enter,
        "Space" => KeyCode::Char(' '),
        "Esc" => KeyCode::Esc,
        "PageDown" => KeyCode::PageDown,
        "PageUp" => KeyCode::PageUp,
        "Down" => KeyCode::Down,
        "Up" => KeyCode::Up,
        other => KeyCode::Char(other.chars().next().unwrap_or('j')),
    };
    let shift = matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase());
    KeyEvent::new(
        code,
        if shift {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        },
    )
}

fn send(app: &mut App, msg: Msg) {
    let effects = app.update(msg);
    settle(app, effects);
}

fn check_screen(app: &mut App, width: u16, height: u16, keys: &[&str]) -> Result<(), String> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).map_err(|e| e.to_string())?;
    // Twice: the first draw records scroll positions the second uses.
    for _ in 0..2 {
        terminal
            .draw(|frame| reel::tui::ui::draw(frame, app))
            .map_err(|e| e.to_string())?;
    }
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        if let Some(bad) = cell.symbol().chars().find(|&c| forbidden(c, false)) {
            return Err(format!(
                "{bad:?} drawn at {width}x{height} after keys {keys:?}"
            ));
        }
    }
    Ok(())
}

pub fn viewer(ctx: &mut Ctx) -> CaseResult {
    let scene = mutated_scene(ctx);
    let screen = Screen::Loading {
        path: scene.bundle.clone(),
        done: 0,
        total: 0,
    };
    let mut app = App::new(screen, Keymap::defaults(), Theme::plain());
    app.fixed_now = Some(1_795_521_600_000);
    let effects = app.start();
    settle(&mut app, effects);
    let opened = matches!(app.screen, Screen::Run(_));
    let mut pressed = Vec::new();
    for _ in 0..ctx.rng.range(1, 24) {
        let k = *ctx.rng.pick(KEYS);
        pressed.push(k);
        send(&mut app, Msg::Input(Event::Key(key(k))));
        if k == "/" {
            let query = ctx.rng.pick(&corpus().strings).clone();
            for c in query.chars().take(12) {
                send(
                    &mut app,
                    Msg::Input(Event::Key(KeyEvent::new(
                        KeyCode::Char(c),
                        KeyModifiers::NONE,
                    ))),
                );
            }
            send(&mut app, Msg::Input(Event::Key(key("Enter"))));
        }
        if ctx.rng.one_in(4) {
            send(&mut app, Msg::Tick);
        }
        if app.quit {
            break;
        }
    }
    check_screen(&mut app, 80, 24, &pressed)?;
    // Any terminal size, down to a single cell (a resize can shrink it).
    let (width, height) = match ctx.rng.below(3) {
        0 => (160, 48),
        1 => (ctx.rng.range(1, 30) as u16, ctx.rng.range(1, 12) as u16),
        _ => (ctx.rng.range(1, 250) as u16, ctx.rng.range(1, 80) as u16),
    };
    check_screen(&mut app, width, height, &pressed)?;
    Ok(if opened {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}
