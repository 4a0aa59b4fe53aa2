//! Issue 9 item 12, the rest: search streams huge artifacts and session
//! logs in bounded memory and finds what a whole read would; the pager is
//! fed the whole of each kind of source, sanitized, streaming, and stops
//! quietly when the pager goes away; `o` asks for the part under the
//! selection; the inspection worker drops a build that a newer request
//! overtook.

mod hostile;
mod support;

use std::io::{self, Write};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use crossterm::event::KeyCode;
use serde_json::Value;

use hostile::*;
use reel::model::Run;
use reel::tui::inspect::{InspectRequest, InspectorTab, PagerSource};
use reel::tui::message::{Effect, Msg};

#[global_allocator]
static ALLOC: Counting = Counting;

const BOUND: usize = 16 * MIB;

fn check_peak(what: &str, peak: usize) {
    eprintln!("{what}: peak {:.1} MiB", peak as f64 / MIB as f64);
    assert!(peak < BOUND, "{what} held {} MiB at once", peak / MIB);
}

/// Trace events parsed independently of the library.
fn trace_events(run: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(run.join("trace.ndjson"))
        .expect("trace")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn search_streams_a_300_mb_artifact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_sample(SHELL_BASIC, dir.path());
    let (stdout, _) = big_stdout(&path, 5_000_000);
    // A needle in the middle, in another case than the query.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path.join(&stdout))
        .expect("open");
    std::os::unix::fs::FileExt::write_at(&file, b"NeedleInTheStdout", 150_000_000).expect("write");
    let run = Run::open(&path).expect("open");
    let (hits, peak) = peak_of(|| reel::tui::search::search(&run, "needleinthestdout"));
    check_peak("searching a 300 MB artifact", peak);
    let expected: Vec<u32> = trace_events(&path)
        .iter()
        .filter(|e| e["type"] == "artifact_written" && e["artifact"]["path"] == stdout.as_str())
        .map(|e| e["seq"].as_u64().expect("seq") as u32)
        .collect();
    assert_eq!(hits.expect("search"), expected);
}

#[test]
fn search_streams_a_turn_of_150k_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, _) = huge_turn(dir.path(), 100_000, 50_000);
    let run = Run::open(&path).expect("open");
    for session in &run.bundle.sessions {
        session.index().expect("index");
    }
    let needle = chunk_text(77_777);
    let (hits, peak) = peak_of(|| reel::tui::search::search(&run, needle.trim()));
    check_peak("searching a 150k-event turn", peak);
    // The turn belongs to reply#1: its hit is that step's last event.
    let reply = &run.attempts[run.find_attempt("reply#1").expect("reply")];
    assert_eq!(hits.expect("search"), [reply.seq_end(&run.bundle.trace)]);
}

/// A writer that takes `room` bytes, then fails like a closed pipe.
struct Closing {
    got: Vec<u8>,
    room: usize,
}

impl Write for Closing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.got.len() >= self.room {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let n = buf.len().min(self.room - self.got.len());
        self.got.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that only counts.
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn fed(run: &Run, source: &PagerSource) -> String {
    let mut out = Vec::new();
    reel::tui::pager::feed(run, source, &mut out).expect("feed");
    String::from_utf8(out).expect("utf-8")
}

/// Pretty JSON documents one after another, parsed back.
fn documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .map(|v| v.expect("a JSON document"))
        .collect()
}

#[test]
fn the_pager_gets_the_whole_of_every_kind_of_source_sanitized() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = heartbeat_run(dir.path(), 1_000);
    let stderr = outcome_artifact(&path, "run_shell#1", "stderrArtifact");
    std::fs::write(path.join(&stderr), "a \u{1b}]0;title\u{7} b\n").expect("write");
    let run = Run::open(&path).expect("open");
    assert_eq!(
        fed(&run, &PagerSource::Artifact(stderr)),
        "a \u{241b}]0;title\u{2407} b\n"
    );
    // Every event of the step, in order, as the trace has them.
    let attempt = &run.attempts[run.find_attempt("run_shell#1").expect("step")];
    let source = PagerSource::TraceEvents {
        first: attempt.entry_start(),
        last: attempt.entry_end(),
    };
    let (_, peak) = peak_of(|| reel::tui::pager::feed(&run, &source, Counted(0)));
    check_peak("feeding 1,007 events", peak);
    let text = fed(&run, &source);
    let expected: Vec<Value> = trace_events(&path)
        .into_iter()
        .filter(|e| e["attemptId"] == "run_shell#1")
        .collect();
    assert_eq!(documents(&text), expected);
    // The inline output of a step.
    let finalize = &run.attempts[run.find_attempt("finalize#1").expect("step")];
    let inline = PagerSource::TraceValue {
        entry: finalize.outcome_entry().expect("outcome"),
        pointer: "/payload/outputInline".to_string(),
    };
    let outcome = trace_events(&path)
        .into_iter()
        .find(|e| e["type"] == "node_outcome" && e["attemptId"] == "finalize#1")
        .expect("outcome");
    assert_eq!(
        documents(&fed(&run, &inline)),
        [outcome["payload"]["outputInline"].clone()]
    );
    // A pager that quits early: the feed stops with the broken pipe.
    let mut closing = Closing {
        got: Vec::new(),
        room: 10_000,
    };
    let err = reel::tui::pager::feed(&run, &source, &mut closing).expect_err("closed");
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(closing.got.len(), 10_000);
}

#[test]
fn the_pager_gets_a_whole_turn_and_copies_a_line_too_large_to_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, events) = huge_turn(dir.path(), 3, 2);
    // One more chunk of 20 MB: copied raw, never parsed.
    let big = "z".repeat(20 << 20);
    let session = "mock-7ca355ab-9b12-477a-8a39-4d9845a6aa4b";
    insert_lines(&events, 13, 1, |seq, _| {
        format!(
            r#"{{"seq":{seq},"direction":"inbound","message":{{"method":"session/update","params":{{"sessionId":"{session}","update":{{"sessionUpdate":"agent_message_chunk","content":{{"type":"text","text":"{big}"}}}}}}}}}}"#
        )
    });
    let run = Run::open(&path).expect("open");
    let index = run.bundle.sessions[0].index().expect("index");
    let last = index.entries().last().expect("events").seq;
    let source = PagerSource::SessionEvents {
        session: "main-4401cd67".to_string(),
        first: 1,
        last,
    };
    // Measured into a sink: what the feed holds, not what it wrote.
    let (written, peak) = peak_of(|| {
        let mut sink = Counted(0);
        reel::tui::pager::feed(&run, &source, &mut sink).map(|()| sink.0)
    });
    check_peak("feeding a turn with a 20 MB line", peak);
    let text = fed(&run, &source);
    assert_eq!(written.expect("feed"), text.len());
    let expected: Vec<Value> = std::fs::read_to_string(&events)
        .expect("events")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(documents(&text), expected);
    assert_eq!(expected.len(), 19);
}

#[test]
fn o_asks_for_the_part_under_the_selection() {
    let path = sample(SHELL_BASIC);
    let mut app = support::run_app(path.clone());
    support::keys(&mut app, "j2");
    support::render(&mut app, 160, 48);
    // The selection starts on the summary: the first part with a whole,
    // the output, is what opens.
    support::press(&mut app, KeyCode::Char('o'));
    let view = support::view_mut(&mut app);
    let output = outcome_artifact(&path, "run_shell#1", "stdoutArtifact");
    assert!(matches!(
        view.pager.take(),
        Some(PagerSource::TraceValue { .. })
    ));
    // The last line is in the stderr part.
    support::press(&mut app, KeyCode::Tab);
    support::press(&mut app, KeyCode::Char('G'));
    support::press(&mut app, KeyCode::Char('o'));
    let stderr = outcome_artifact(&path, "run_shell#1", "stderrArtifact");
    assert_eq!(
        support::view_mut(&mut app).pager.take(),
        Some(PagerSource::Artifact(stderr))
    );
    assert_ne!(output, "", "the step has a stdout too");
    // Events: the heading opens them all, a row its own event.
    support::press(&mut app, KeyCode::Char('3'));
    support::render(&mut app, 160, 48);
    support::press(&mut app, KeyCode::Char('o'));
    let run = support::view(&app).run.clone();
    let step = &run.attempts[1];
    assert_eq!(
        support::view_mut(&mut app).pager.take(),
        Some(PagerSource::TraceEvents {
            first: step.entry_start(),
            last: step.entry_end()
        })
    );
    support::press(&mut app, KeyCode::Char('j'));
    support::press(&mut app, KeyCode::Char('o'));
    assert_eq!(
        support::view_mut(&mut app).pager.take(),
        Some(PagerSource::TraceEvents {
            first: step.entry_start(),
            last: step.entry_start()
        })
    );
}

#[test]
fn the_worker_drops_a_build_overtaken_by_a_newer_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = copy_sample(SHELL_BASIC, dir.path());
    big_stdout(&path, 2_000_000);
    let run = Arc::new(Run::open(&path).expect("open"));
    let (tx, rx) = mpsc::channel();
    let workers = reel::tui::workers::Workers::new(tx);
    let ask = |attempt: usize, tab| Effect::Inspect {
        run: run.clone(),
        request: InspectRequest {
            attempt,
            tab,
            session: None,
        },
    };
    // The huge build first, then what the user moved to, then a marker:
    // the worker answers in order, so anything for the huge build would
    // come before the marker's answer.
    workers.run(ask(1, InspectorTab::Attempt));
    workers.run(ask(0, InspectorTab::Attempt));
    workers.run(ask(3, InspectorTab::Events));
    let mut answered = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Msg::Inspected { request, .. }) => {
                let done = request.attempt == 3;
                answered.push(request.attempt);
                if done {
                    break;
                }
            }
            Ok(_) => {}
            Err(err) => panic!("no answer from the worker: {err} (got {answered:?})"),
        }
    }
    assert!(
        !answered.contains(&1),
        "the overtaken build answered: {answered:?}"
    );
}
