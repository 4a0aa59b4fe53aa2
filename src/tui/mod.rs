//! The terminal UI: app state, actions, keymap, panes, overlays, theme and
//! terminal setup. The only module that imports ratatui or crossterm.
//!
//! The loop (serie, gitui): input and workers post `Msg`s into one channel;
//! the UI thread blocks on it, applies `App::update` to everything queued,
//! and draws once, only when something changed. Nothing runs while idle.

pub mod action;
mod allocator;
pub mod app;
mod app_dialogs;
mod app_loading;
mod app_mouse;
pub mod browser;
pub mod clipboard;
pub mod config;
pub mod dialog;
pub mod fault;
pub mod graph;
pub mod input;
pub mod inspect;
pub mod json_tree;
pub mod keymap;
pub mod message;
pub mod pager;
pub mod playback;
pub mod resume;
pub mod resume_app;
pub mod resume_effects;
pub mod run_view;
pub mod search;
pub mod signals;
pub mod terminal;
pub mod theme;
pub mod timetravel_effects;
pub mod tour;
pub mod ui;
pub mod workers;

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;

use anyhow::Result;
use crossterm::event;

use app::{App, Screen};
use browser::BrowserState;
use fault::Fault;
use keymap::Keymap;
use message::Msg;
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
            // Absolute: a bare `RUNID` (parent "") still names its folder.
            Start::Run(path) | Start::Play(path, _) => crate::timetravel::layout::locate_run(path)
                .map(|located| located.runs_dir)
                .unwrap_or_else(|_| path.parent().map(PathBuf::from).unwrap_or_default()),
        }
    }
}

/// Builds the app for a start target with the user's keys and settings.
pub fn new_app(start: Start) -> App {
    let (keymap, keys_error) = Keymap::load();
    let (config, config_error) = config::Config::load();
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
    let mut app = App::new(screen, keymap, config.theme());
    app.play_on_load = play;
    let problems: Vec<String> = keys_error
        .map(|e| format!("keys file ignored: {e}"))
        .into_iter()
        .chain(config_error)
        .collect();
    app.settings_problem = (!problems.is_empty()).then(|| problems.join(" · "));
    app.config = config;
    app
}

/// How the viewer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A terminating signal (its number) shut it down.
    Signal(i32),
}

impl Ended {
    /// The process exit status: 0, or 128 + the signal.
    pub fn exit_code(self) -> i32 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(signal) => signals::exit_code(signal),
        }
    }
}

/// Runs the TUI until the user quits (or a signal ends it).
pub fn run(start: Start) -> Result<Ended> {
    run_recorded(start, None)
}

/// Runs the TUI, recording every frame into an asciicast file if asked.
pub fn run_recorded(start: Start, record: Option<&std::path::Path>) -> Result<Ended> {
    // Finish or roll back a rewind/undo that a crash interrupted before
    // anything is shown from this runs directory.
    let recovered = crate::timetravel::recovery::recover(&start.runs_dir()).unwrap_or_default();
    let mut app = new_app(start);
    if let Some(summary) = crate::timetravel::recovery::summary(&recovered) {
        app.notice = Some(summary);
    }
    event_loop(app, None, record, "reel")
}

/// Runs a tour in the TUI: `n` goes to the next stop, `p` back to the
/// previous one, `q` leaves.
pub fn run_tour(
    player: crate::demo::player::TourPlayer,
    record: Option<&std::path::Path>,
    title: &str,
) -> Result<Ended> {
    let (keymap, _) = Keymap::load();
    let screen = Screen::Loading {
        path: PathBuf::new(),
        done: 0,
        total: 0,
    };
    let app = App::new(screen, keymap, config::Config::load().0.theme());
    event_loop(app, Some(player), record, title)
}

fn event_loop(
    mut app: App,
    tour: Option<crate::demo::player::TourPlayer>,
    record: Option<&std::path::Path>,
    title: &str,
) -> Result<Ended> {
    allocator::return_large_blocks_on_free();
    let (tx, rx) = mpsc::channel::<Msg>();
    // Before the terminal is taken: a signal from then on finds a loop to
    // give the terminal back.
    let signal_watch = signals::SignalWatch::start(tx.clone());
    let mut guard = terminal::TerminalGuard::enter()
        .map_err(|err| anyhow::anyhow!("the viewer needs a terminal: {err}"))?;
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
    let mut draws = 0u64;
    let mut draw = |app: &mut App, guard: &mut terminal::TerminalGuard| -> Result<()> {
        draws += 1;
        if draws > 1 && fault::is(Fault::DrawError) {
            return Err(std::io::Error::other("injected fault: draw-error").into());
        }
        guard.terminal.draw(|frame| ui::draw(frame, app))?;
        if let Some((recorder, _, started)) = &mut recording {
            recorder.set_time(started.elapsed().as_secs_f64());
            recorder.frame(app).map_err(anyhow::Error::msg)?;
        }
        Ok(())
    };
    if let Err(err) = draw(&mut app, &mut guard) {
        return draw_failed(err);
    }
    fault::panic_if(Fault::UiPanic, "ui-panic");
    while fault::is(Fault::UiHang) {
        thread::park();
    }
    let mut follower = Follower::default();
    follower.follow(&app, &tx);
    let ended = 'run: loop {
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
                Err(mpsc::RecvTimeoutError::Disconnected) => break Ended::Quit,
            }
        } else {
            match rx.recv() {
                Ok(msg) => msg,
                Err(_) => break Ended::Quit,
            }
        };
        // Apply everything queued, then draw once.
        let mut pending = vec![first];
        pending.extend(rx.try_iter());
        let mut changed = false;
        for msg in pending {
            // The loop's own messages: shutdown, suspension, a dead worker.
            match msg {
                Msg::Signal(signal) if signals::is_suspend(signal) => {
                    suspend(&mut guard)?;
                    changed = true;
                    continue;
                }
                Msg::Signal(signal) => break 'run Ended::Signal(signal),
                Msg::Fatal(message) => return Err(anyhow::Error::msg(message)),
                Msg::Input(event::Event::Key(key)) if is_suspend_key(&key) => {
                    suspend(&mut guard)?;
                    changed = true;
                    continue;
                }
                _ => {}
            }
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
            break Ended::Quit;
        }
        changed |= pager::open_asked(&mut app, &mut guard, &input)?;
        changed |= clipboard::write_asked(&mut app);
        follower.follow(&app, &tx);
        if changed {
            if let Err(err) = draw(&mut app, &mut guard) {
                break draw_failed(err)?;
            }
        }
    };
    // A continuation still running is stopped as acpx stops on ctrl-c and
    // waited for, briefly, so no driver goes on writing after the viewer
    // (were reel to die first, the driver gets SIGINT from the kernel).
    if app.stop_resume_for_exit() {
        let _ = draw(&mut app, &mut guard);
        let deadline = std::time::Instant::now() + RESUME_STOP_WAIT;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(msg) if App::ends_resume(&msg) => break,
                // A signal while stopping: the signal thread ends a second one.
                Ok(Msg::Signal(signal)) if !signals::is_suspend(signal) => break,
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    // From here a signal ends the process at once (cleanup is short).
    signal_watch.shutting_down();
    drop(guard);
    if let Some((recorder, path, _)) = &recording {
        recorder.save(path).map_err(anyhow::Error::msg)?;
    }
    // The terminal is the user's again; an index snapshot being saved
    // finishes (a signal still ends the process at once).
    crate::bundle::index_cache::wait_for_saves(SNAPSHOT_SAVE_WAIT);
    Ok(ended)
}

/// How long leaving waits for an index snapshot being saved (a few hundred
/// ms for a run of a million steps).
const SNAPSHOT_SAVE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long leaving waits for a stopped continuation to end (acpx writes
/// `run_failed` and closes its agent sessions).
const RESUME_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// ctrl-z: a key in raw mode (the terminal sends no SIGTSTP then).
fn is_suspend_key(key: &event::KeyEvent) -> bool {
    key.kind == event::KeyEventKind::Press
        && key.code == event::KeyCode::Char('z')
        && key.modifiers.contains(event::KeyModifiers::CONTROL)
}

/// Leaves the terminal to the shell until continued (`fg`).
fn suspend(guard: &mut terminal::TerminalGuard) -> Result<()> {
    #[cfg(unix)]
    guard.suspend()?;
    #[cfg(not(unix))]
    let _ = guard;
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

/// Input can no longer be read: the end, as for SIGHUP if the terminal
/// hung up, else with the error.
pub(crate) fn input_failed(err: &std::io::Error) -> Msg {
    if hung_up() {
        return Msg::Signal(signals::SIGHUP);
    }
    Msg::Fatal(format!("reading the terminal failed: {err}"))
}

/// A failed draw ends the loop; writing to a terminal that hung up is
/// the end its SIGHUP brings, not an error (nowhere to print it either).
fn draw_failed(err: anyhow::Error) -> Result<Ended> {
    if hung_up() {
        Ok(Ended::Signal(signals::SIGHUP))
    } else {
        Err(err)
    }
}

/// A terminal that hung up (its window closed) no longer answers as one.
#[cfg(unix)]
fn hung_up() -> bool {
    use std::io::IsTerminal;
    !std::io::stdout().is_terminal()
}

#[cfg(not(unix))]
fn hung_up() -> bool {
    false
}
