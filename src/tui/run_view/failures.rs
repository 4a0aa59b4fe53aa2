//! `]` / `[`: the cursor to the next or previous step that did not succeed
//! (failed, timed out, cut short by an interrupt), with a notice saying
//! which one it is.

use super::RunView;

impl RunView {
    pub(super) fn jump_failure(&mut self, forward: bool) {
        let run = &self.run;
        let failures: Vec<usize> = run.failure_steps().collect();
        if failures.is_empty() {
            self.notice = Some("no step failed in this run".to_string());
            return;
        }
        let current = self.current_attempt();
        let target = if forward {
            run.next_failure(current)
        } else {
            current.and_then(|i| run.prev_failure(i))
        };
        let Some(target) = target else {
            let side = if forward { "after" } else { "before" };
            self.notice = Some(format!("no failed step {side} this one"));
            return;
        };
        let position = failures.iter().position(|&i| i == target).unwrap_or(0);
        let attempt = &run.attempts[target];
        self.notice = Some(format!(
            "failure {}/{}: step {} {} {}",
            position + 1,
            failures.len(),
            target + 1,
            crate::tui::ui::text::clean(run.attempt_id(attempt)),
            attempt.outcome.name()
        ));
        self.step_to(target);
    }
}
