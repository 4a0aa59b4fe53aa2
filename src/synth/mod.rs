//! Synthesizes realistic acpx 0.19.1 flow run bundles of any size.
//!
//! The output is what `acpx flow run` leaves on disk for a long loop flow
//! (FORMAT.md §2–§9): the same files, key order, event orderings and
//! content-addressed artifacts as the real bundles, deterministic per seed.
//! It exists so benchmarks and tests can use bundles far larger than the
//! checked-in samples. Everything is streamed to disk, so memory stays bounded
//! however many attempts are requested.
//!
//! The flow (one outgoing edge per node, as acpx requires):
//!
//! ```text
//! prepare (function action) -> work (acp, session "main") -> check (shell) -> count
//! step (compute) -> count
//! count --$.more--> acp: work | yes: step | retry: check | no: done
//! ```
//!
//! Every `acp_every`-th loop round runs `work` then `check`; the other rounds
//! run `step`. A final round may re-run `check` ("retry") so that the number of
//! attempts comes out exact.
//!
//! Submodules: `plan` (loop rounds, nodes, flow definition), `writer` (the
//! trace writer and the run's projections), `nodes` (what each node does),
//! `script` (content of ACP turns and shell checks), `session` (the persistent
//! session's files), `files` (private files, NDJSON, steps.json, artifacts)
//! and `rng`.

mod files;
mod nodes;
mod plan;
mod rng;
mod script;
mod session;
#[cfg(test)]
mod tests;
mod writer;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::bundle::timestamp::format_iso_millis;

use self::files::create_private_dir;
use self::plan::Plan;
use self::rng::Rng;
use self::writer::Synth;

/// What to synthesize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSpec {
    /// Exact number of node attempts (= steps), the final `done` included. At least 7.
    pub attempts: usize,
    /// Session events per ACP turn, from the `session/prompt` request to its
    /// response (at least 3). Turns after the first add a 4-event reconnect handshake.
    pub session_events_per_turn: usize,
    /// Every `acp_every`-th loop round runs the ACP node (0 behaves like 1).
    pub acp_every: usize,
    /// Seed for every choice: run id suffix, session ids, timing jitter.
    pub seed: u64,
    /// Overrides the generated run id (the bundle directory name).
    pub run_id: Option<String>,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            attempts: 10_000,
            session_events_per_turn: 12,
            acp_every: 4,
            seed: 1,
            run_id: None,
        }
    }
}

/// What [`write_bundle`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSummary {
    pub run_id: String,
    /// The bundle directory, `<runs_dir>/<run_id>`.
    pub dir: PathBuf,
    pub attempts: usize,
    pub trace_events: usize,
    pub trace_bytes: u64,
    pub session_events: usize,
}

/// The smallest attempt count every loop shape can hit exactly.
pub const MIN_ATTEMPTS: usize = 7;

const FLOW_NAME: &str = "synth-loop";
const FLOW_PATH: &str = "/home/synth/project/flows/synth-loop.flow.ts";
const CWD: &str = "/home/synth/project";
const AGENT_NAME: &str = "mock";
const AGENT_ARGV: [&str; 2] = ["node", "/opt/acpx-synth/mock-agent.mjs"];
const SESSION_HANDLE: &str = "main";
const PREPARE_DETAIL: &str = "Prepare the synthetic workload";
/// 2026-01-02T03:04:05.678Z, the run id timestamp.
const START_MS: u64 = 1_767_323_045_678;
/// record.json keeps only this many messages (FORMAT §7.3).
const MESSAGE_WINDOW: u64 = 200;

/// Writes one complete bundle directory `<runs_dir>/<runId>/`.
///
/// Fails with `InvalidInput` for fewer than [`MIN_ATTEMPTS`] attempts or a run id
/// that is not a plain directory name, and with `AlreadyExists` if the bundle
/// directory exists (acpx never reuses one).
pub fn write_bundle(runs_dir: &Path, spec: &SynthSpec) -> io::Result<SynthSummary> {
    let plan = Plan::new(spec.attempts, spec.acp_every)?;
    let mut rng = Rng(spec.seed);
    let run_id = match &spec.run_id {
        Some(id) => validated_run_id(id)?,
        None => generated_run_id(&mut rng),
    };
    fs::create_dir_all(runs_dir)?;
    let dir = runs_dir.join(&run_id);
    create_private_dir(&dir)?;
    for sub in ["projections", "sessions", "artifacts"] {
        create_private_dir(&dir.join(sub))?;
    }
    let mut synth = Synth::new(dir, run_id, spec, rng)?;
    synth.run(&plan)?;
    synth.complete()
}

fn generated_run_id(rng: &mut Rng) -> String {
    let stamp: String = iso(START_MS)
        .chars()
        .filter(|c| !matches!(c, ':' | '.'))
        .collect();
    format!("{stamp}-{FLOW_NAME}-{:08x}", rng.next() as u32)
}

fn validated_run_id(id: &str) -> io::Result<String> {
    let plain = !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\']);
    if plain {
        Ok(id.to_owned())
    } else {
        Err(invalid_input(format!(
            "run id {id:?} is not a plain directory name"
        )))
    }
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// A point of the simulated clock (epoch ms) as acpx writes it
/// (`YYYY-MM-DDTHH:MM:SS.mmmZ`, JS `toISOString`).
fn iso(ms: u64) -> String {
    // The clock starts at START_MS and only moves forward: far below i64::MAX.
    format_iso_millis(ms as i64)
}
