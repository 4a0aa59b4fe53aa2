//! A run shown while its trace is still being indexed (progressive open):
//! the partial run replaces the loading screen, is brought up to date as
//! indexing goes on, and gives way to the full run under the same cursor.

use std::path::PathBuf;

use super::action::Action;
use super::app::{App, Screen};
use super::message::Effect;
use super::run_view::RunView;

impl App {
    /// A run shown while its trace is still being indexed: opened from the
    /// loading screen, or brought up to date if already shown.
    pub(super) fn run_partial(
        &mut self,
        path: PathBuf,
        run: std::sync::Arc<crate::model::Run>,
        done: u64,
        total: u64,
    ) -> Vec<Effect> {
        match &mut self.screen {
            Screen::Loading { path: loading, .. } if *loading == path => {
                let mut view = RunView::new(run);
                view.graph_mode = self.config.graph;
                view.tab = self.config.tab;
                view.indexing = Some((done, total));
                if self.open_at_end {
                    view.apply(Action::LastStep, 1);
                }
                let effects = view.inspect_effect().into_iter().collect();
                self.screen = Screen::Run(Box::new(view));
                effects
            }
            Screen::Run(view)
                if view.indexing.is_some() && view.run.bundle.root == run.bundle.root =>
            {
                view.replace_run(run);
                view.indexing = Some((done, total));
                view.inspect_effect().into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    /// The fully indexed run replaces the partial one under the cursor (a
    /// cursor at the newest indexed step follows to the newest step).
    pub(super) fn partial_completed(
        &mut self,
        run: std::sync::Arc<crate::model::Run>,
    ) -> Vec<Effect> {
        let Screen::Run(view) = &mut self.screen else {
            return Vec::new();
        };
        view.replace_run(run);
        view.indexing = None;
        if std::mem::take(&mut self.open_at_end) {
            view.apply(Action::LastStep, 1);
        }
        if let Some(speed) = self.play_on_load.take() {
            view.apply(Action::FirstStep, 1);
            view.playback = Some(super::playback::Playback::new(speed));
        }
        let mut effects: Vec<Effect> = view.inspect_effect().into_iter().collect();
        if std::mem::take(&mut self.continue_on_load) {
            effects.extend(self.open_resume_dialog());
        }
        effects
    }
}
