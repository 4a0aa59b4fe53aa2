//! The sessions of a bundle: the manifest's, then folders found on disk,
//! then ids only the trace names, each once, in the order the trace first
//! names them (ids that are not plain folder names are left out).

mod common;

use std::fs;
use std::path::Path;

use reel::bundle::Bundle;

#[test]
fn sessions_only_the_trace_names_come_once_in_first_named_order() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bundles/2026-11-23T173742329Z-gen-timeout-acp-788bd196");
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("run");
    common::copy_dir(&fixture, &dir);
    fs::create_dir(dir.join("sessions/zz-extra")).expect("extra folder");
    let named = [
        "main-4401cd67",
        "s-b",
        "s-b",
        "s-a",
        "main-4401cd67",
        "s-b",
        "../x",
        "s-c",
    ];
    let mut trace = String::new();
    for (i, session) in named.iter().enumerate() {
        // Events without a session in between, as in real traces.
        trace.push_str(&format!(
            "{{\"seq\":{},\"type\":\"session_bound\",\"sessionId\":\"{session}\"}}\n{{\"seq\":{},\"type\":\"node_heartbeat\"}}\n",
            2 * i + 1,
            2 * i + 2
        ));
    }
    fs::write(dir.join("trace.ndjson"), trace).expect("trace");
    let bundle = Bundle::open(&dir).expect("open");
    let ids: Vec<&str> = bundle.sessions.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["main-4401cd67", "zz-extra", "s-b", "s-a", "s-c"]);
}
