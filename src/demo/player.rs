//! Running a tour: each command becomes an action on the viewer's app,
//! carried out to completion before the next, so a tour shows the same
//! frames every time. Stops are the `pause` lines: `n` runs to the next
//! stop, `p` replays from the start to the previous one. Forks happen in a
//! temporary copy of the run's folder: a tour never changes real runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::tour::{Pane as TourPane, Pause, Speed as TourSpeed, Tab as TourTab, Tour, TourStep};
use crate::model::discovery::resolve_run;
use crate::tui::action::Action;
use crate::tui::app::{App, Screen};
use crate::tui::inspect::InspectorTab;
use crate::tui::message::Effect;
use crate::tui::playback::{Playback, Speed};
use crate::tui::run_view::Pane;
use crate::tui::workers::settle;

/// What a command asks of the clock after it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Go straight on.
    Next,
    /// Stay this long (a `pause` with a duration).
    For(Duration),
    /// Stay until the viewer presses `n` (a `pause key`).
    Key,
    /// Playback is running: tick until it stops.
    Playing,
}

pub struct TourPlayer {
    pub tour: Tour,
    /// Index of the next command to run.
    pub next: usize,
    scratch: Option<super::scratch::Scratch>,
    /// Forks made so far (they get fixed ids: `<run>-tour<n>`).
    forks: usize,
}

impl TourPlayer {
    pub fn new(tour: Tour) -> TourPlayer {
        TourPlayer {
            tour,
            next: 0,
            scratch: None,
            forks: 0,
        }
    }

    pub fn finished(&self) -> bool {
        self.next >= self.tour.steps.len()
    }

    /// Runs the next command; returns how long to hold on the result.
    pub fn step(&mut self, app: &mut App) -> Result<Hold, String> {
        let Some(line) = self.tour.steps.get(self.next).cloned() else {
            return Ok(Hold::Key);
        };
        self.next += 1;
        let at = |message: String| format!("line {}: {message}", line.line);
        // A new command closes what the last one left open (a diff report).
        if !matches!(line.step, TourStep::Pause(_)) {
            app.dialog = None;
        }
        match &line.step {
            TourStep::Fork(label) => {
                self.forks += 1;
                let path = fork_here(app, label.clone(), self.forks).map_err(at)?;
                app.screen = Screen::Loading {
                    path: path.clone(),
                    done: 0,
                    total: 0,
                };
                settle(app, vec![Effect::LoadRun(path)]);
                if let Screen::Run(view) = &mut app.screen {
                    view.apply(Action::LastStep, 1);
                    let effects = view.inspect_effect().into_iter().collect();
                    settle(app, effects);
                }
            }
            TourStep::Open(spec) => self.open(app, spec).map_err(at)?,
            TourStep::Caption { title, text } => app.caption = Some((title.clone(), text.clone())),
            TourStep::Pause(Pause::For(duration)) => return Ok(Hold::For(*duration)),
            TourStep::Pause(Pause::Key) => return Ok(Hold::Key),
            step => {
                let effects = run_step(app, step, self.scratch.as_ref().map(|s| s.dir.as_path()))
                    .map_err(at)?;
                settle(app, effects);
                if matches!(step, TourStep::Play(_)) {
                    return Ok(Hold::Playing);
                }
            }
        }
        Ok(Hold::Next)
    }

    /// Runs commands until the next stop (a pause, playback or the end).
    pub fn run_to_stop(&mut self, app: &mut App) -> Result<Hold, String> {
        loop {
            if self.finished() {
                return Ok(Hold::Key);
            }
            match self.step(app)? {
                Hold::Next => continue,
                other => return Ok(other),
            }
        }
    }

    /// Opens a run: the tour's folder resolution, then a scratch copy of
    /// its runs folder so forks never touch the original.
    fn open(&mut self, app: &mut App, spec: &str) -> Result<(), String> {
        let source = resolve_run(spec, None).map_err(|e| e.to_string())?;
        let scratch = self.scratch_dir()?;
        let name = source.file_name().ok_or("a run folder has a name")?;
        let copy = scratch.join(name);
        if !copy.exists() {
            super::scratch::copy_tree(&source, &copy)
                .map_err(|e| format!("{}: {e}", copy.display()))?;
        }
        app.caption = None;
        app.dialog = None;
        app.screen = Screen::Loading {
            path: copy.clone(),
            done: 0,
            total: 0,
        };
        settle(app, vec![Effect::LoadRun(copy)]);
        let copy_error = match &app.screen {
            Screen::Run(_) => return Ok(()),
            Screen::Failed { message, .. } => format!("cannot open {spec}: {message}"),
            _ => format!("cannot open {spec}"),
        };
        // The original's error (what `show` gives) names the user's file,
        // not the scratch copy.
        Err(crate::model::Run::open(&source).map_or_else(|e| e.to_string(), |_| copy_error))
    }

    fn scratch_dir(&mut self) -> Result<PathBuf, String> {
        if self.scratch.is_none() {
            self.scratch = Some(super::scratch::Scratch::create()?);
        }
        self.scratch
            .as_ref()
            .map(|s| s.dir.clone())
            .ok_or_else(|| "no scratch folder".to_string())
    }
}

/// One command that acts on the open run.
fn run_step(
    app: &mut App,
    step: &TourStep,
    _scratch: Option<&Path>,
) -> Result<Vec<Effect>, String> {
    let Screen::Run(view) = &mut app.screen else {
        return Err("no run is open (an `open` line must come first)".to_string());
    };
    match step {
        TourStep::Step(spec) => {
            let position = view
                .run
                .find_attempt(spec)
                .ok_or_else(|| format!("no attempt {spec:?} in this run"))?;
            view.go_to_step(position);
        }
        TourStep::Node(id) => {
            let node = view
                .run
                .bundle
                .flow
                .node_position(id)
                .ok_or_else(|| format!("no node {id:?} in this flow"))?;
            let first = *view
                .run
                .node_attempts
                .of(node)
                .first()
                .ok_or_else(|| format!("node {id:?} never ran"))?;
            view.go_to_step(first as usize);
        }
        TourStep::First => return Ok(app.act(Action::FirstStep)),
        TourStep::Last => return Ok(app.act(Action::LastStep)),
        TourStep::Focus(pane) => {
            view.focus = match pane {
                TourPane::Graph => Pane::Graph,
                TourPane::Timeline => Pane::Timeline,
                TourPane::Inspector => Pane::Inspector,
            }
        }
        TourStep::Tab(tab) => {
            let action = match tab {
                TourTab::Session => Action::TabSession,
                TourTab::Attempt => Action::TabAttempt,
                TourTab::Events => Action::TabEvents,
            };
            return Ok(app.act(action));
        }
        TourStep::Search(query) => {
            view.search.query = query.clone();
            view.search.running = true;
            return Ok(vec![Effect::Search {
                run: view.run.clone(),
                query: query.clone(),
            }]);
        }
        TourStep::Mark => return Ok(app.act(Action::Mark)),
        TourStep::Diff => return Ok(app.act(Action::Diff)),
        TourStep::Fork(_) => {}
        TourStep::Play(speed) => {
            let speed = match speed {
                TourSpeed::Times(n) => Speed::Times(*n),
                TourSpeed::Real => Speed::Real,
            };
            view.playback = Some(Playback::new(speed));
        }
        TourStep::Open(_) | TourStep::Caption { .. } | TourStep::Pause(_) => {}
    }
    let _ = InspectorTab::Session;
    Ok(view.inspect_effect().into_iter().collect())
}

/// Forks the open run at the cursor, in the tour's scratch folder, with an
/// id and a time derived from the run so the tour replays identically.
fn fork_here(app: &App, label: Option<String>, n: usize) -> Result<PathBuf, String> {
    let Screen::Run(view) = &app.screen else {
        return Err("no run is open (an `open` line must come first)".to_string());
    };
    let attempt = view
        .current_attempt()
        .ok_or("the cursor is before the first step")?;
    let run = &view.run;
    let last_event = run
        .bundle
        .trace
        .entries()
        .last()
        .and_then(|e| e.at())
        .unwrap_or(0);
    let options = crate::timetravel::fork::ForkOptions {
        label,
        input_patch: None,
        sandbox: true,
        now_ms: last_event + 1,
        // The id is the bundle's: only its plain characters make a name.
        run_id: Some(format!(
            "{}-tour{n}",
            crate::timetravel::runid::slug(&run.run_id())
        )),
    };
    crate::timetravel::fork::fork(run, attempt, &options)
        .map(|summary| summary.dir)
        .map_err(|e| e.to_string())
}
