//! The whole UI state and `update`: messages in, effects out. No terminal
//! and no I/O here, so every behaviour is testable without a screen.

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use super::action::Action;
use super::browser::BrowserState;
use super::dialog::Dialog;
use super::keymap::{Keymap, Mode};
use super::message::{Effect, Msg};
use super::run_view::RunView;
use super::theme::Theme;

#[derive(Debug)]
pub enum Screen {
    Browser(BrowserState),
    Loading {
        path: PathBuf,
        done: u64,
        total: u64,
    },
    Run(Box<RunView>),
    /// A run acpx has just created, whose trace holds no event yet: it is
    /// opened as soon as one is written (the watcher, or a retry each
    /// second).
    Starting {
        path: PathBuf,
    },
    /// A run that failed to open, with the reason.
    Failed {
        path: PathBuf,
        message: String,
    },
}

/// Where the renderer put things, for mouse hit-testing.
#[derive(Debug, Default, Clone)]
pub struct HitAreas {
    pub graph: Rect,
    pub timeline: Rect,
    pub inspector: Rect,
    /// Timeline rows on screen: (row rect, attempt position).
    pub timeline_rows: Vec<(Rect, usize)>,
    /// Graph node boxes on screen: (box rect, flow node index).
    pub graph_nodes: Vec<(Rect, usize)>,
    pub browser_rows: Vec<(Rect, usize)>,
}

pub struct App {
    pub screen: Screen,
    /// The browser to return to from a run opened from it.
    pub parked_browser: Option<BrowserState>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub help: bool,
    /// A modal dialog (confirmations, fork, reports, lineage).
    pub dialog: Option<Dialog>,
    pub quit: bool,
    /// Height of the main list area, for page up/down.
    pub page: usize,
    pub hits: HitAreas,
    /// Rows to redraw whole (emoji sequences terminals draw unevenly).
    pub unstable_rows: super::ui::unstable_rows::UnstableRows,
    /// Shown in the status bar until the next key (config errors …).
    pub notice: Option<String>,
    /// What was wrong with the keys or config file: the defaults are in use
    /// for the whole session, so it stays in the status bar and the help,
    /// not gone at the first key.
    pub settings_problem: Option<String>,
    /// The help overlay's first line, and whether it is taller than the
    /// screen (then j/k scroll it; else any key closes it).
    pub help_scroll: u16,
    pub help_scrollable: bool,
    /// Text to put on the clipboard and what it is ("attempt id"), for the
    /// loop to write (it owns the terminal).
    pub clipboard: Option<(String, &'static str)>,
    /// The user's settings (how a run opens).
    pub config: super::config::Config,
    /// A fixed "now" (epoch ms) for run ages, so snapshots are stable.
    pub fixed_now: Option<i64>,
    /// Open the next loaded run at its last step (after fork/rewind/undo).
    pub(super) open_at_end: bool,
    /// A tour caption shown over the screen: (title, text).
    pub caption: Option<(String, String)>,
    /// Start playing the next loaded run from its first step (`reel play`).
    pub play_on_load: Option<super::playback::Speed>,
    /// A continuation running on a worker (at most one at a time).
    pub resume: Option<super::resume::ResumeJob>,
    /// The newest resume plan asked for (older answers are dropped).
    pub plan_generation: u64,
    /// Open the continue dialog on the next loaded run ("fork and continue").
    pub continue_on_load: bool,
}

impl App {
    pub fn new(screen: Screen, keymap: Keymap, theme: Theme) -> App {
        App {
            screen,
            parked_browser: None,
            keymap,
            theme,
            help: false,
            settings_problem: None,
            help_scroll: 0,
            help_scrollable: false,
            clipboard: None,
            config: super::config::Config::default(),
            dialog: None,
            quit: false,
            page: 10,
            hits: HitAreas::default(),
            unstable_rows: Default::default(),
            notice: None,
            fixed_now: None,
            open_at_end: false,
            play_on_load: None,
            caption: None,
            resume: None,
            plan_generation: 0,
            continue_on_load: false,
        }
    }

    /// The effects to start with (list the runs, load the run …).
    pub fn start(&mut self) -> Vec<Effect> {
        match &self.screen {
            Screen::Browser(browser) => vec![Effect::ListRuns(browser.dir.clone())],
            Screen::Loading { path, .. } => vec![Effect::LoadRun(path.clone())],
            _ => Vec::new(),
        }
    }

    /// The folder the watcher should follow: the open run, or the browsed
    /// runs directory.
    pub fn watched(&self) -> Option<(Option<PathBuf>, Option<PathBuf>)> {
        match &self.screen {
            Screen::Run(view) => Some((Some(view.run.bundle.root.clone()), None)),
            Screen::Starting { path } => Some((Some(path.clone()), None)),
            Screen::Browser(browser) => Some((None, Some(browser.dir.clone()))),
            _ => None,
        }
    }

    /// How often the loop should wake without input: while playing (the
    /// playback clock), every 2 s while a live run is open (to notice a
    /// writer that died), every second while a run has not started, every
    /// 30 s on the browser (its ages). Otherwise never.
    pub fn tick_interval(&self) -> Option<std::time::Duration> {
        match &self.screen {
            Screen::Run(view) if view.playing() => {
                Some(std::time::Duration::from_millis(super::playback::TICK_MS))
            }
            Screen::Run(view) if view.live => Some(std::time::Duration::from_secs(2)),
            Screen::Starting { .. } => Some(std::time::Duration::from_secs(1)),
            // The rows say how long ago each run started ("5m ago").
            Screen::Browser(_) => Some(std::time::Duration::from_secs(30)),
            _ => None,
        }
    }

    pub fn mode(&self) -> Mode {
        match self.screen {
            Screen::Browser(_) => Mode::Browser,
            _ => Mode::Run,
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Input(Event::Key(key)) if key.kind != KeyEventKind::Release => self.key(key),
            Msg::Input(Event::Mouse(mouse)) => self.mouse(mouse),
            Msg::Input(_) => Vec::new(),
            Msg::LoadProgress { done, total } => {
                match &mut self.screen {
                    Screen::Loading {
                        done: d, total: t, ..
                    } => (*d, *t) = (done, total),
                    Screen::Run(view) if view.indexing.is_some() => {
                        view.indexing = Some((done, total));
                    }
                    _ => {}
                }
                Vec::new()
            }
            Msg::RunPartial {
                path,
                run,
                done,
                total,
            } => self.run_partial(path, run, done, total),
            Msg::RunLoaded { path, result } => {
                if let (Screen::Run(view), Ok(run)) = (&mut self.screen, &result) {
                    if view.indexing.is_some() && view.run.bundle.root == run.bundle.root {
                        return self.partial_completed(run.clone());
                    }
                }
                match (result, std::mem::take(&mut self.open_at_end)) {
                    (Ok(run), at_end) => {
                        let mut view = RunView::new(run);
                        view.graph_mode = self.config.graph;
                        view.tab = self.config.tab;
                        if at_end {
                            view.apply(Action::LastStep, 1);
                        }
                        if let Some(speed) = self.play_on_load.take() {
                            view.apply(Action::FirstStep, 1);
                            view.playback = Some(super::playback::Playback::new(speed));
                        }
                        let mut effects: Vec<Effect> = view.inspect_effect().into_iter().collect();
                        self.screen = Screen::Run(Box::new(view));
                        if std::mem::take(&mut self.continue_on_load) {
                            effects.extend(self.open_resume_dialog());
                        }
                        effects
                    }
                    (Err(_), at_end) if crate::model::discovery::not_started(&path) => {
                        self.open_at_end = at_end;
                        self.screen = Screen::Starting { path };
                        Vec::new()
                    }
                    (Err(message), _) => {
                        self.continue_on_load = false;
                        self.screen = Screen::Failed { path, message };
                        Vec::new()
                    }
                }
            }
            Msg::RunsListed { dir, result } => self.runs_listed(dir, result),
            Msg::RunCounted {
                path,
                attempts,
                status,
                life,
                error,
            } => {
                if let Screen::Browser(browser) = &mut self.screen {
                    if let Some(row) = browser.rows.iter_mut().find(|r| r.summary.path == path) {
                        row.attempts = Some(attempts);
                        row.status = status;
                        row.life = Some(life);
                        row.error = error;
                    }
                }
                Vec::new()
            }
            Msg::Inspected { request, content } => {
                if let Screen::Run(view) = &mut self.screen {
                    // Late answers for a step no longer shown are dropped.
                    if view.request().as_ref() == Some(&request) {
                        view.inspected = Some((request, content));
                    }
                }
                Vec::new()
            }
            Msg::Previewed {
                attempt,
                lines,
                rerun,
                continue_blocked,
            } => {
                if let Some(Dialog::Fork {
                    attempt: a,
                    preview,
                    can_continue,
                    ..
                }) = &mut self.dialog
                {
                    if *a == attempt {
                        *preview = Some(lines);
                        *can_continue = Some(continue_blocked.map_or(Ok(()), Err));
                        if let Screen::Run(view) = &mut self.screen {
                            let flow = &view.run.bundle.flow;
                            view.rerun_nodes = rerun
                                .iter()
                                .filter_map(|id| flow.node_position(id))
                                .collect();
                        }
                    }
                }
                Vec::new()
            }
            Msg::OperationDone { what, result } => {
                self.dialog = None;
                if result.is_err() {
                    self.continue_on_load = false;
                }
                match result {
                    Ok(path) => {
                        self.notice = Some(format!(
                            "{what}: done — {}",
                            crate::bundle::folder_name(&path)
                        ));
                        self.open_at_end = true;
                        self.reopen(path)
                    }
                    Err(err) => {
                        // The whole message, wrapped: a failure cut off at
                        // the status bar's edge explains nothing.
                        self.notice = Some(format!("{what} failed"));
                        self.dialog = Some(super::app_dialogs::report(
                            &format!("{what} failed"),
                            err.lines().map(str::to_string).collect(),
                        ));
                        Vec::new()
                    }
                }
            }
            Msg::Report { title, body } => {
                self.dialog = Some(Dialog::Report {
                    title,
                    body,
                    scroll: 0,
                });
                Vec::new()
            }
            Msg::RunChanged(path) => match &self.screen {
                Screen::Starting { path: starting } if *starting == path => {
                    vec![Effect::LoadRun(path)]
                }
                Screen::Run(view) if view.run.bundle.root == path => vec![Effect::Refresh {
                    run: view.run.clone(),
                }],
                _ => Vec::new(),
            },
            Msg::RunsDirChanged(dir) => match &self.screen {
                Screen::Browser(browser) if browser.dir == dir => vec![Effect::ListRuns(dir)],
                _ => Vec::new(),
            },
            Msg::Tick => {
                if let Screen::Starting { path } = &self.screen {
                    return vec![Effect::LoadRun(path.clone())];
                }
                if let Screen::Run(view) = &mut self.screen {
                    view.check_live();
                    view.tick_playback();
                    return view.inspect_effect().into_iter().collect();
                }
                Vec::new()
            }
            Msg::RunRefreshed(run) => match &mut self.screen {
                Screen::Run(view) if view.run.bundle.root == run.bundle.root => {
                    view.replace_run(run);
                    view.inspect_effect().into_iter().collect()
                }
                _ => Vec::new(),
            },
            // The event loop's own (shutdown, suspend), never sent here.
            Msg::Signal(_) | Msg::Fatal(_) => Vec::new(),
            Msg::ResumePlanned { generation, result } => self.resume_planned(generation, result),
            Msg::ResumeProgress { run_dir, next } => self.resume_progress(run_dir, next),
            Msg::ResumeFinished { run_dir, result } => self.resume_finished(run_dir, result),
            Msg::LineageListed { rows } => {
                self.dialog = Some(Dialog::Lineage { rows, selected: 0 });
                Vec::new()
            }
            Msg::Searched { query, hits } => {
                if let Screen::Run(view) = &mut self.screen {
                    if view.search.query == query {
                        view.search.running = false;
                        match hits {
                            Ok(hits) => {
                                view.search.hits = hits;
                                view.search.error = None;
                                // Like vim: the cursor goes to the first hit after it.
                                view.jump_hit(true);
                                return view.inspect_effect().into_iter().collect();
                            }
                            Err(err) => view.search.error = Some(err),
                        }
                    }
                }
                Vec::new()
            }
        }
    }

    fn runs_listed(
        &mut self,
        dir: PathBuf,
        result: Result<Vec<crate::model::discovery::RunSummary>, String>,
    ) -> Vec<Effect> {
        let Screen::Browser(browser) = &mut self.screen else {
            return Vec::new();
        };
        if browser.dir != dir {
            return Vec::new();
        }
        match result {
            Ok(rows) => {
                let paths = rows.iter().map(|r| r.path.clone()).collect();
                browser.set_rows(rows);
                vec![Effect::CountRuns(paths)]
            }
            Err(err) => {
                browser.loading = false;
                browser.error = Some(err);
                Vec::new()
            }
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.notice = None;
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if self.help {
            // j/k and the page keys scroll a help taller than the screen;
            // any other key closes it.
            let step: i32 = match key.code {
                KeyCode::Down | KeyCode::Char('j') if self.help_scrollable => 1,
                KeyCode::Up | KeyCode::Char('k') if self.help_scrollable => -1,
                KeyCode::PageDown | KeyCode::Char(' ') if self.help_scrollable => 10,
                KeyCode::PageUp if self.help_scrollable => -10,
                _ => {
                    self.help = false;
                    self.help_scroll = 0;
                    return Vec::new();
                }
            };
            self.help_scroll = self.help_scroll.saturating_add_signed(step as i16);
            return Vec::new();
        }
        if let Some(dialog) = self.dialog.as_mut() {
            let outcome = dialog.key(&key);
            return self.dialog_outcome(outcome);
        }
        // Text prompts take the keys before the keymap does.
        match &mut self.screen {
            Screen::Browser(browser) if browser.filtering => {
                browser.edit_filter(&key);
                return Vec::new();
            }
            Screen::Run(view) if view.search.input.is_some() => return search_prompt(view, &key),
            _ => {}
        }
        let Some(action) = self.keymap.action(self.mode(), &key) else {
            return Vec::new();
        };
        self.act(action)
    }

    /// Applies an action to the current screen.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                if !self.guard_leaving(super::resume_app::AfterStop::Quit) {
                    self.quit = true;
                }
                return Vec::new();
            }
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
                return Vec::new();
            }
            Action::Back => return self.back(),
            _ => {}
        }
        let page = self.page.max(1);
        match &mut self.screen {
            Screen::Browser(browser) => {
                if action == Action::Activate {
                    let chosen = browser.selected_row().map(|row| row.summary.path.clone());
                    if let Some(path) = chosen {
                        return self.open(path);
                    }
                }
                browser.apply(action, page);
                Vec::new()
            }
            Screen::Run(view) if matches!(action, Action::CopyAttemptId | Action::CopyRunId) => {
                self.clipboard = match action {
                    Action::CopyRunId => Some((view.run.run_id(), "run id")),
                    _ => view.current_attempt().map(|i| {
                        (
                            view.run.attempt_id(&view.run.attempts[i]).to_string(),
                            "attempt id",
                        )
                    }),
                };
                Vec::new()
            }
            Screen::Run(_) if action == Action::Continue => self.continue_action(),
            Screen::Run(_) if action == Action::StopContinue => self.stop_action(),
            Screen::Run(_)
                if matches!(
                    action,
                    Action::Fork
                        | Action::Rewind
                        | Action::Undo
                        | Action::Mark
                        | Action::Diff
                        | Action::Lineage
                ) =>
            {
                self.time_travel(action)
            }
            Screen::Run(view) => {
                if action == Action::Search {
                    view.search.input = Some(String::new());
                    return Vec::new();
                }
                view.apply(action, page);
                view.inspect_effect().into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    /// Opens a run after a time-travel operation, keeping the browser.
    pub(super) fn reopen(&mut self, path: PathBuf) -> Vec<Effect> {
        self.screen = Screen::Loading {
            path: path.clone(),
            done: 0,
            total: 0,
        };
        vec![Effect::LoadRun(path)]
    }

    fn open(&mut self, path: PathBuf) -> Vec<Effect> {
        let previous = std::mem::replace(
            &mut self.screen,
            Screen::Loading {
                path: path.clone(),
                done: 0,
                total: 0,
            },
        );
        if let Screen::Browser(browser) = previous {
            self.parked_browser = Some(browser);
        }
        vec![Effect::LoadRun(path)]
    }

    /// What the status bar says to a key that must wait for the
    /// continuation running now.
    pub(super) fn busy_notice(&self) -> String {
        let stop = self
            .keymap
            .key_for(super::keymap::Mode::Run, Action::StopContinue)
            .map_or("x".to_string(), |k| k.to_string());
        format!("a continuation is running: wait for it, or stop it ({stop}) first")
    }

    /// `q`/`Esc`: close what is open, back to the browser, or quit.
    fn back(&mut self) -> Vec<Effect> {
        if let Screen::Run(view) = &mut self.screen {
            if view.event_level {
                view.event_level = false;
                return Vec::new();
            }
        }
        let then = if self.parked_browser.is_some() {
            super::resume_app::AfterStop::Back
        } else {
            super::resume_app::AfterStop::Quit
        };
        if self.guard_leaving(then) {
            return Vec::new();
        }
        match self.parked_browser.take() {
            Some(browser) if !matches!(self.screen, Screen::Browser(_)) => {
                // Runs may have changed meanwhile (forks, live runs): re-list.
                let dir = browser.dir.clone();
                self.screen = Screen::Browser(browser);
                vec![Effect::ListRuns(dir)]
            }
            _ => {
                self.quit = true;
                Vec::new()
            }
        }
    }
}

/// Typing a search query: Enter runs it, Esc cancels.
fn search_prompt(view: &mut RunView, key: &KeyEvent) -> Vec<Effect> {
    let Some(input) = view.search.input.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => view.search.input = None,
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        KeyCode::Enter => {
            let query = input.trim().to_string();
            view.search.input = None;
            if query.is_empty() {
                return Vec::new();
            }
            view.search.query = query.clone();
            view.search.hits.clear();
            view.search.running = true;
            return vec![Effect::Search {
                run: view.run.clone(),
                query,
            }];
        }
        _ => {}
    }
    Vec::new()
}
