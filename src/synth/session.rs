//! The persistent session: its binding, the JSON-RPC traffic of each turn in
//! events.ndjson, and record.json with the final message window.

use std::io;
use std::path::Path;

use serde_json::{json, Value};

use super::files::{create_private_dir, write_json, Ndjson};
use super::rng::Rng;
use super::script::{text_block, TurnScript};
use super::{
    iso, SynthSpec, AGENT_ARGV, AGENT_NAME, CWD, FLOW_NAME, MESSAGE_WINDOW, SESSION_HANDLE,
};
use crate::bundle::sha256::sha256_hex;

/// Where one turn's events landed in events.ndjson, and when it ended.
pub(super) struct TurnRange {
    pub(super) first_seq: usize,
    pub(super) last_seq: usize,
    pub(super) end_at: u64,
}

/// The session's timestamps that record.json reports.
#[derive(Default)]
pub(super) struct SessionTimes {
    pub(super) created: u64,
    agent_started: u64,
    last_prompt: u64,
    last_event: u64,
}

/// The flow's one persistent session (handle `main`): its binding, the open
/// events file and what record.json needs at the end.
pub(super) struct Session {
    pub(super) bundle_id: String,
    acp_id: String,
    pub(super) binding: Value,
    pub(super) events: Ndjson,
    pub(super) bound: bool,
    turns: u64,
    events_per_turn: usize,
    seed: u64,
    pub(super) times: SessionTimes,
}

impl Session {
    pub(super) fn create(
        dir: &Path,
        run_id: &str,
        spec: &SynthSpec,
        rng: &mut Rng,
    ) -> io::Result<Session> {
        let acp_id = format!("mock-{}", rng.uuid());
        let command = agent_command();
        let key = json!([command, AGENT_ARGV, CWD, SESSION_HANDLE]).to_string();
        // acpx hashes with SHA-1 here; any stable 8-hex digest has the same shape.
        let bundle_id = format!("{SESSION_HANDLE}-{}", &sha256_hex(key.as_bytes())[..8]);
        let run_suffix: String = {
            let skip = run_id.chars().count().saturating_sub(8);
            run_id.chars().skip(skip).collect()
        };
        let cwd_hash = &sha256_hex(CWD.as_bytes())[..8];
        let binding = json!({
            "key": key,
            "handle": SESSION_HANDLE,
            "bundleId": bundle_id,
            "name": format!("{FLOW_NAME}-{SESSION_HANDLE}-{cwd_hash}-{run_suffix}"),
            "agentName": AGENT_NAME,
            "agentCommand": command,
            "agentArgv": AGENT_ARGV,
            "cwd": CWD,
            "acpxRecordId": acp_id,
            "acpSessionId": acp_id
        });
        let session_dir = dir.join("sessions").join(&bundle_id);
        create_private_dir(&session_dir)?;
        Ok(Session {
            events: Ndjson::create(&session_dir.join("events.ndjson"))?,
            bundle_id,
            acp_id,
            binding,
            bound: false,
            turns: 0,
            events_per_turn: spec.session_events_per_turn,
            seed: spec.seed,
            times: SessionTimes::default(),
        })
    }

    fn relative(&self, file: &str) -> String {
        format!("sessions/{}/{file}", self.bundle_id)
    }

    pub(super) fn manifest_entry(&self) -> Value {
        json!({
            "id": self.bundle_id,
            "handle": SESSION_HANDLE,
            "bindingPath": self.relative("binding.json"),
            "recordPath": self.relative("record.json"),
            "eventsPath": self.relative("events.ndjson")
        })
    }

    fn event(&mut self, at: u64, direction: &str, message: Value) -> io::Result<()> {
        let event = json!({
            "seq": self.events.next_seq(),
            "at": iso(at),
            "direction": direction,
            "message": message
        });
        self.events.append(&event)
    }

    /// Appends one turn's JSON-RPC traffic (FORMAT §7.4): later turns re-spawn
    /// the agent, so they start with `initialize` + `session/load`.
    pub(super) fn write_turn(
        &mut self,
        rng: &mut Rng,
        script: &TurnScript,
        prepared_at: u64,
    ) -> io::Result<TurnRange> {
        let first_seq = self.events.next_seq();
        let mut at = prepared_at + rng.range(10, 40);
        if self.turns > 0 {
            self.times.agent_started = at;
            for (min_ms, max_ms, direction, message) in self.handshake() {
                at += rng.range(min_ms, max_ms);
                self.event(at, direction, message)?;
            }
            at += rng.range(150, 300);
        } else {
            self.times.agent_started = self.times.created.saturating_sub(700);
        }
        self.times.last_prompt = at;
        let prompt = json!({
            "jsonrpc": "2.0",
            "id": 2,
            "method": "session/prompt",
            "params": { "sessionId": self.acp_id, "prompt": [text_block(&script.prompt)] }
        });
        self.event(at, "outbound", prompt)?;
        let tokens = (1_200 + 350 * script.turn).min(200_000);
        for update in script.updates(tokens) {
            at += rng.range(0, 3);
            let params = json!({ "sessionId": self.acp_id, "update": update });
            self.event(
                at,
                "inbound",
                json!({ "jsonrpc": "2.0", "method": "session/update", "params": params }),
            )?;
        }
        at += rng.range(2, 6);
        let response = json!({ "jsonrpc": "2.0", "id": 2, "result": { "stopReason": "end_turn" } });
        self.event(at, "inbound", response)?;
        self.turns += 1;
        self.times.last_event = at;
        Ok(TurnRange {
            first_seq,
            last_seq: self.events.lines,
            end_at: at,
        })
    }

    fn handshake(&self) -> [(u64, u64, &'static str, Value); 4] {
        let initialize = json!({
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": 1,
                "clientCapabilities": { "fs": { "readTextFile": true, "writeTextFile": true }, "terminal": true },
                "clientInfo": { "name": "acpx", "version": "0.19.1" }
            }
        });
        let initialized = json!({
            "jsonrpc": "2.0",
            "id": 0,
            "result": {
                "protocolVersion": 1,
                "agentCapabilities": { "loadSession": true },
                "agentInfo": { "name": "acpx-synth-agent", "version": "0.0.1" }
            }
        });
        let load = json!({
            "jsonrpc": "2.0",
            "id": 1,
            "method": "session/load",
            "params": { "sessionId": self.acp_id, "cwd": CWD, "mcpServers": [] }
        });
        let loaded = json!({ "jsonrpc": "2.0", "id": 1, "result": {} });
        [
            (0, 0, "outbound", initialize),
            (250, 350, "inbound", initialized),
            (120, 200, "outbound", load),
            (3, 8, "inbound", loaded),
        ]
    }

    /// record.json after the last turn: only the newest `MESSAGE_WINDOW` messages.
    fn record(&self) -> Value {
        let first_turn = self.turns.saturating_sub(MESSAGE_WINDOW / 2 - 1).max(1);
        let messages: Vec<Value> = (first_turn..=self.turns)
            .flat_map(|turn| {
                let user_id = Rng(self.seed ^ turn.wrapping_mul(0xA24B_AED4_963E_E407)).uuid();
                TurnScript::new(turn, self.events_per_turn).messages(user_id)
            })
            .collect();
        let times = &self.times;
        // Whether turns carry usage updates depends only on the event budget.
        let reports_usage = TurnScript::new(1, self.events_per_turn).usage;
        let mut record = json!({
            "schema": "acpx.session.v1",
            "acpxRecordId": self.acp_id,
            "acpSessionId": self.acp_id,
            "agentCommand": agent_command(),
            "agentArgv": AGENT_ARGV,
            "cwd": CWD,
            "name": self.binding["name"],
            "createdAt": iso(times.created),
            "lastUsedAt": iso(times.last_event + 20),
            "lastSeq": self.events.lines,
            "lastRequestId": "2",
            "eventLog": {
                "active_path": self.relative("events.ndjson"),
                "segment_count": 1,
                "max_segment_bytes": 67_108_864,
                "max_segments": 1,
                "last_write_at": iso(times.last_event),
                "last_write_error": null
            },
            "closed": false,
            "agentStartedAt": iso(times.agent_started),
            "lastPromptAt": iso(times.last_prompt),
            "lastAgentExitCode": null,
            "lastAgentExitSignal": null,
            "lastAgentExitAt": iso(times.last_event + 400),
            "lastAgentDisconnectReason": "connection_close",
            "protocolVersion": 1,
            "agentCapabilities": { "loadSession": true },
            "title": null,
            "messages": messages,
            "updated_at": iso(times.last_event + 2),
            "cumulative_token_usage": {},
            "cumulative_cost": { "amount": self.turns as f64 / 100.0, "currency": "USD" },
            "request_token_usage": {},
            "acpx": {}
        });
        // Only usage updates fold into cumulative_cost; without them acpx omits it.
        if !reports_usage {
            if let Value::Object(fields) = &mut record {
                fields.shift_remove("cumulative_cost");
            }
        }
        record
    }

    /// Flushes events and writes binding.json and record.json.
    pub(super) fn close(self, dir: &Path) -> io::Result<()> {
        write_json(&dir.join(self.relative("binding.json")), &self.binding)?;
        write_json(&dir.join(self.relative("record.json")), &self.record())?;
        self.events.close()
    }
}

/// The agent's command line, as acpx records it.
pub(super) fn agent_command() -> String {
    AGENT_ARGV.join(" ")
}
