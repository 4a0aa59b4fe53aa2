//! The loop plan: which rounds run, the flow's nodes and its definition snapshot.

use std::io;

use serde_json::{json, Value};

use super::{invalid_input, FLOW_NAME, MIN_ATTEMPTS, PREPARE_DETAIL, SESSION_HANDLE};

const DEFAULT_HEARTBEAT_MS: u64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Round {
    /// work (acp) -> check -> count
    Acp,
    /// step -> count
    Step,
    /// check -> count (re-run the checks)
    Retry,
}

impl Round {
    fn attempts(self) -> usize {
        match self {
            Round::Acp => 3,
            Round::Step | Round::Retry => 2,
        }
    }

    /// The `count` output value that routes to this round.
    pub(super) fn route(self) -> &'static str {
        match self {
            Round::Acp => "acp",
            Round::Step => "yes",
            Round::Retry => "retry",
        }
    }
}

/// Rounds follow the `acp_every` pattern; the last one is adjusted so that
/// prepare + rounds + done is exactly the requested attempt count.
#[derive(Debug)]
pub(super) struct Plan {
    acp_every: usize,
    pattern_rounds: usize,
    /// Attempts left over after the pattern rounds: 0, 1 or 2.
    remainder: usize,
}

impl Plan {
    pub(super) fn new(attempts: usize, acp_every: usize) -> io::Result<Plan> {
        if attempts < MIN_ATTEMPTS {
            return Err(invalid_input(format!(
                "a synthesized bundle needs at least {MIN_ATTEMPTS} attempts, got {attempts}"
            )));
        }
        let mut plan = Plan {
            acp_every: acp_every.max(1),
            pattern_rounds: 0,
            remainder: 0,
        };
        let budget = attempts - 2; // prepare and done
        let mut used = 0;
        while used + plan.pattern(plan.pattern_rounds).attempts() <= budget {
            used += plan.pattern(plan.pattern_rounds).attempts();
            plan.pattern_rounds += 1;
        }
        plan.remainder = budget - used;
        Ok(plan)
    }

    fn pattern(&self, round: usize) -> Round {
        if round % self.acp_every == 0 {
            Round::Acp
        } else {
            Round::Step
        }
    }

    /// The rounds in order. With at least `MIN_ATTEMPTS` the first is always `Acp`
    /// (prepare's only edge leads to `work`).
    pub(super) fn rounds(&self) -> impl Iterator<Item = Round> + '_ {
        let last = self.pattern_rounds - 1;
        (0..self.pattern_rounds).flat_map(move |round| {
            let base = self.pattern(round);
            let rounds: &'static [Round] = match (round == last, self.remainder, base) {
                (true, 2, Round::Acp) => &[Round::Acp, Round::Retry],
                (true, 2, _) => &[Round::Step, Round::Retry],
                (true, 1, Round::Acp) => &[Round::Step, Round::Retry],
                (true, 1, _) => &[Round::Acp],
                (_, _, Round::Acp) => &[Round::Acp],
                _ => &[Round::Step],
            };
            rounds.iter().copied()
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Node {
    Prepare,
    Work,
    Check,
    Step,
    Count,
    Done,
}

impl Node {
    pub(super) const COUNT: usize = 6;

    pub(super) fn id(self) -> &'static str {
        match self {
            Node::Prepare => "prepare",
            Node::Work => "work",
            Node::Check => "check",
            Node::Step => "step",
            Node::Count => "count",
            Node::Done => "done",
        }
    }

    pub(super) fn node_type(self) -> &'static str {
        match self {
            Node::Work => "acp",
            Node::Prepare | Node::Check => "action",
            Node::Step | Node::Count | Node::Done => "compute",
        }
    }

    /// Must agree with `heartbeatMs` in [`flow_definition`].
    pub(super) fn heartbeat_ms(self) -> u64 {
        match self {
            Node::Work => 1_000,
            Node::Step | Node::Count => 0,
            Node::Prepare | Node::Check | Node::Done => DEFAULT_HEARTBEAT_MS,
        }
    }
}

pub(super) fn flow_definition() -> Value {
    json!({
        "schema": "acpx.flow-definition-snapshot.v1",
        "name": FLOW_NAME,
        "run": { "hasTitle": true },
        "startAt": "prepare",
        "nodes": {
            "prepare": {
                "nodeType": "action",
                "statusDetail": PREPARE_DETAIL,
                "actionExecution": "function",
                "hasRun": true,
                "hasExec": false,
                "hasParse": false
            },
            "work": {
                "nodeType": "acp",
                "heartbeatMs": Node::Work.heartbeat_ms(),
                "session": { "handle": SESSION_HANDLE },
                "cwd": { "mode": "default" },
                "hasPrompt": true,
                "hasParse": true
            },
            "check": {
                "nodeType": "action",
                "actionExecution": "shell",
                "hasRun": false,
                "hasExec": true,
                "hasParse": true
            },
            "step": { "nodeType": "compute", "heartbeatMs": 0, "hasRun": true },
            "count": { "nodeType": "compute", "heartbeatMs": 0, "hasRun": true },
            "done": { "nodeType": "compute", "hasRun": true }
        },
        "edges": [
            { "from": "prepare", "to": "work" },
            { "from": "work", "to": "check" },
            { "from": "check", "to": "count" },
            { "from": "step", "to": "count" },
            {
                "from": "count",
                "switch": {
                    "on": "$.more",
                    "cases": { "acp": "work", "yes": "step", "retry": "check", "no": "done" }
                }
            }
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_hits_every_attempt_count_exactly() {
        for acp_every in 0..7 {
            for attempts in MIN_ATTEMPTS..300 {
                let plan = Plan::new(attempts, acp_every).expect("valid plan");
                let rounds: Vec<Round> = plan.rounds().collect();
                let total: usize = 2 + rounds.iter().map(|round| round.attempts()).sum::<usize>();
                assert_eq!(total, attempts, "acp_every {acp_every}");
                assert_eq!(rounds[0], Round::Acp, "prepare leads to work");
            }
        }
        for attempts in 0..MIN_ATTEMPTS {
            let error = Plan::new(attempts, 4).expect_err("too few attempts");
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        }
    }
}
