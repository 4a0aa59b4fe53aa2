//! The terminal UI: app state, actions, keymap, panes, overlays, theme and
//! terminal setup. The only module that imports ratatui or crossterm.
//!
//! The loop (serie, gitui): input and workers post `Msg`s into one channel;
//! the UI thread blocks on it, applies `App::update` to everything queued,
//! and draws once, only when something changed. Nothing runs while idle.

pub mod action;
pub mod app;
pub mod browser;
pub mod dialog;
pub mod graph;
pub mod input;
pub mod inspect;
pub mod json_tree;
pub mod keymap;
pub mod message;
pub mod pager;
pub mod playback;
pub mod run_view;
pub mod search;
pub mod terminal;
pub mod theme;
pub mod timetravel_effects;
pub mod tour;
pub mod ui;
pub mod workers;

use std::path::PathBuf;
use std::sync::mpsc;

use anyhow::Result;
use crossterm::event;

use app::{App, Screen};
use browser::BrowserState;
use keymap::Keymap;
use message::Msg;
use theme::Theme;
use workers::Workers;

/// What to open first.
#[derive(Debug, Clone)]
pub enum Start {
    Browser(PathBuf),
    Run(PathBuf),
    /// Open a run and start playing it at a speed (`reel play`).
    Play(PathBuf, playback::Speed),
}

impl Start {
    /// The runs directory the start target lives in.
    pub fn runs_dir(&self) -> PathBuf {
        match self {
            Start::Browser(dir) => dir.clone(),
            Start::Run(path) | Start::Play(path, _) => {
                path.parent().map(PathBuf::from).unwrap_or_default()
            }
        }
    }
}

/// Builds the app for a start target with the user's keys and theme.
pub fn new_app(start: Start) -> App {
    let (keymap, keys_error) = Keymap::load();
    let loading = |path| Screen::Loading {
        path,
        done: 0,
        total: 0,
    };
    let (screen, play) = match start {
        Start::Browser(dir) => (Screen::Browser(BrowserState::new(dir)), None),
        Start::Run(path) => (loading(path), None),
        Start::Play(path, speed) => (loading(path), Some(speed)),
    };
    let mut app = App::new(screen, keymap, Theme::from_env());
    app.play_on_load = play;
    app.notice = keys_error.map(|e| format!("keys file ignored: {e}"));
    app
}

/// Runs the TUI until the user quits.
pub fn run(start: Start) -> Result<()> {
    run_recorded(start, None)
}

/// Runs the TUI, recording every frame into an asciicast file if asked.
pub fn run_recorded(start: Start, record: Option<&std::path::Path>) -> Result<()> {
    // Finish or roll back a rewind/undo that a crash interrupted before
    // anything is shown from this runs directory.
    let recovered = crate::timetravel::recovery::recover(&start.runs_dir()).unwrap_or_default();
    let mut app = new_app(start);
    if !recovered.is_empty() {
        app.notice = Some(format!(
            "finished {} interrupted rewind/undo operation(s)",
            recovered.len()
        ));
    }
    event_loop(app, None, record, "reel")
}

/// Runs a tour in the TUI: `n` goes to the next stop, `p` back to the
/// previous one, `q` leaves.
pub fn run_tour(
    player: crate::demo::player::TourPlayer,
    record: Option<&std::path::Path>,
    title: &str,
) -> Result<()> {
    let (keymap, _) = Keymap::load();
    let screen = Screen::Loading {
        path: PathBuf::new(),
        done: 0,
        total: 0,
    };
    let app = App::new(screen, keymap, Theme::from_env());
    event_loop(app, Some(player), record, title)
}

fn event_loop(
    mut app: App,
    tour: Option<crate::demo::player::TourPlayer>,
    record: Option<&std::path::Path>,
    title: &str,
) -> Result<()> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    let mut recording = match record {
        Some(path) => Some((
            crate::demo::asciicast::Recorder::new(size.width, size.height, title)
                .map_err(anyhow::Error::msg)?,
            path.to_path_buf(),
            std::time::Instant::now(),
        )),
        None => None,
    };
    let (tx, rx) = mpsc::channel::<Msg>();
    let workers = Workers::new(tx.clone());
    let input = input::spawn(tx.clone());
    if tour.is_none() {
        for effect in app.start() {
            workers.run(effect);
        }
    }
    let mut tour = tour.map(tour::TourState::new);
    if let Some(state) = &mut tour {
        state.advance(&mut app);
    }
    let mut draw = |app: &mut App, guard: &mut terminal::TerminalGuard| -> Result<()> {
        guard.terminal.draw(|frame| ui::draw(frame, app))?;
        if let Some((recorder, _, started)) = &mut recording {
            recorder.set_time(started.elapsed().as_secs_f64());
            recorder.frame(app).map_err(anyhow::Error::msg)?;
        }
        Ok(())
    };
    draw(&mut app, &mut guard)?;
    let mut follower = Follower::default();
    follower.follow(&app, &tx);
    loop {
        // Block until something happens; wake on a timer only while
        // playing, during a timed tour pause, or (every 2 s) while a live
        // run is open, to notice a writer that stopped.
        let interval = [
            app.tick_interval(),
            tour.as_ref().and_then(tour::TourState::until_due),
        ]
        .into_iter()
        .flatten()
        .min();
        let first = if let Some(interval) = interval {
            match rx.recv_timeout(interval) {
                Ok(msg) => msg,
                Err(mpsc::RecvTimeoutError::Timeout) => Msg::Tick,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(msg) => msg,
                Err(_) => break,
            }
        };
        // Apply everything queued, then draw once.
        let mut pending = vec![first];
        pending.extend(rx.try_iter());
        let mut changed = false;
        for msg in pending {
            changed |= !is_noise(&msg);
            if let Some(state) = &mut tour {
                if state.key(&msg, &mut app) {
                    continue;
                }
            }
            for effect in app.update(msg) {
                workers.run(effect);
            }
        }
        if let Some(state) = &mut tour {
            changed |= state.maybe_advance(&mut app);
        }
        if app.quit {
            break;
        }
        changed |= pager::open_asked(&mut app, &mut guard, &input)?;
        follower.follow(&app, &tx);
        if changed {
            draw(&mut app, &mut guard)?;
        }
    }
    if let Some((recorder, path, _)) = &recording {
        recorder.save(path).map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// Keeps a file watcher on what the app shows: the open run's folder, or
/// the browsed runs directory. Changes arrive as messages.
#[derive(Default)]
struct Follower {
    target: Option<(Option<PathBuf>, Option<PathBuf>)>,
    watcher: Option<crate::watch::Watcher>,
}

impl Follower {
    fn follow(&mut self, app: &App, tx: &mpsc::Sender<Msg>) {
        let target = app.watched();
        if target == self.target {
            return;
        }
        self.watcher = None;
        if let Some((run, runs_dir)) = &target {
            let tx = tx.clone();
            // Without a watcher the viewer still works, it just won't follow.
            self.watcher = crate::watch::watch(run.as_deref(), runs_dir.as_deref(), move |event| {
                let _ = tx.send(match event {
                    crate::watch::WatchEvent::Run(path) => Msg::RunChanged(path),
                    crate::watch::WatchEvent::RunsDir(path) => Msg::RunsDirChanged(path),
                });
            })
            .ok();
        }
        self.target = target;
    }
}

/// Input that changes nothing on screen: mouse motion (mouse capture
/// reports every move), key releases, focus changes.
fn is_noise(msg: &Msg) -> bool {
    use event::{Event, KeyEventKind, MouseEventKind};
    match msg {
        Msg::Input(Event::Mouse(mouse)) => {
            matches!(mouse.kind, MouseEventKind::Moved | MouseEventKind::Drag(_))
        }
        Msg::Input(Event::Key(key)) => key.kind == KeyEventKind::Release,
        Msg::Input(Event::FocusGained | Event::FocusLost) => true,
        _ => false,
    }
}
