//! Shared helpers for the integration tests.
//!
//! Everything here works on the raw bundle files with `serde_json::Value`; the
//! expectations are computed independently of the `reel` library, whose only
//! use in these tests is the `reel` binary under test.

#![allow(dead_code)]

pub mod readonly;

use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Bundle discovery
// ---------------------------------------------------------------------------

/// `../shared/bundles` next to the crate (present on CI and dev machines),
/// or under `$REEL_SHARED_DIR` when that was set at build time (build.rs).
pub fn shared_bundles_root() -> PathBuf {
    PathBuf::from(env!("REEL_SHARED_DIR")).join("bundles")
}

/// Whether `../shared/bundles` existed when the tests were built (the
/// `reel_shared` cfg, which also decides which tests are ignored). Built
/// with it, it must still be there.
pub fn shared_present() -> bool {
    let present = cfg!(reel_shared);
    if present {
        assert!(
            shared_bundles_root().is_dir(),
            "{} existed at build time and is gone: rebuild (`touch build.rs`)",
            shared_bundles_root().display()
        );
    }
    present
}

/// Project-owned bundle roots (they may be absent or empty).
pub fn project_roots() -> Vec<PathBuf> {
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![
        base.join("sample-runs"),
        base.join("tests/fixtures/bundles"),
    ];
    // Extra roots for local experiments, e.g. freshly generated acpx runs.
    if let Some(extra) = std::env::var_os("REEL_EXTRA_BUNDLES") {
        roots.extend(std::env::split_paths(&extra));
    }
    roots
}

fn is_transient(name: &OsStr) -> bool {
    name.to_string_lossy().starts_with("acpx-write-")
}

/// Every directory under `root` (recursively, including `root`) that holds a
/// `manifest.json`. Transient `acpx-write-*` folders are skipped. Sorted.
pub fn find_bundles(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if !dir.is_dir() {
        return;
    }
    if dir.join("manifest.json").is_file() {
        out.push(dir.to_path_buf());
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if is_transient(&entry.file_name()) {
            continue;
        }
        // Follows symlinks, so a symlinked bundle is found too.
        if path.is_dir() {
            walk(&path, out);
        }
    }
}

/// Shared bundles: every one when built with `../shared/bundles` (at least
/// one, or the test fails), none with a note otherwise.
pub fn shared_bundles() -> Vec<PathBuf> {
    if !shared_present() {
        println!(
            "note: {} was absent at build time: only the project's bundles are checked",
            shared_bundles_root().display()
        );
        return Vec::new();
    }
    let found = find_bundles(&shared_bundles_root());
    assert!(
        !found.is_empty(),
        "no bundle under {}",
        shared_bundles_root().display()
    );
    found
}

/// The project's own bundles (`sample-runs/`, `tests/fixtures/bundles/`),
/// which always exist: an empty list fails the test.
pub fn project_bundles() -> Vec<PathBuf> {
    let found: Vec<PathBuf> = project_roots()
        .iter()
        .flat_map(|r| find_bundles(r))
        .collect();
    assert!(!found.is_empty(), "the project's bundles are missing");
    found
}

/// Every bundle the tests should cover: the shared ones plus the project's.
pub fn all_bundles() -> Vec<PathBuf> {
    let mut all = shared_bundles();
    all.extend(project_bundles());
    all
}

/// Call at the end of a test that iterated over bundles (or attempts of
/// them): it must have checked something, with or without `../shared`.
pub fn assert_checked_some(checked: usize) {
    println!("checked {checked} bundle(s)");
    assert!(checked > 0, "no bundle was checked");
}

/// A readable short name for messages: path relative to the shared root or
/// the crate dir.
pub fn short(path: &Path) -> String {
    let shared = shared_bundles_root();
    if let Ok(rel) = path.strip_prefix(&shared) {
        return format!("shared/{}", rel.display());
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Ok(rel) = path.strip_prefix(base) {
        return rel.display().to_string();
    }
    path.display().to_string()
}

/// A real 0.19.1 bundle by its folder name under `acpx-0.19.1/`, or, when
/// the tests were built without `../shared`, a project bundle of the same
/// flow (`sample-runs/` has one for each the tests ask for: none fails).
pub fn real_bundle(name: &str) -> PathBuf {
    let shared = shared_bundles_root().join("acpx-0.19.1").join(name);
    if shared_present() && shared.join("manifest.json").is_file() {
        return shared;
    }
    let flow_name = format!("gen-{name}");
    project_bundles()
        .into_iter()
        .find(|b| {
            read_json_opt(&b.join("manifest.json"))
                .and_then(|m| m["flowName"].as_str().map(|s| s == flow_name))
                .unwrap_or(false)
        })
        .unwrap_or_else(|| panic!("no {name} bundle, shared or the project's"))
}

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub cmdline: String,
}

impl Output {
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    pub fn describe(&self) -> String {
        format!(
            "`{}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline,
            self.code,
            truncate(&self.stdout, 3000),
            truncate(&self.stderr, 3000)
        )
    }

    /// Parse stdout as one JSON document (panics with context otherwise).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}",
                self.describe()
            )
        })
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes total)", &s[..end], s.len())
}

const TIMEOUT: Duration = Duration::from_secs(180);

/// Run `reel` with `args`; asserts it neither panicked nor hung.
pub fn reel<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let cmdline = std::iter::once("reel".to_string())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
    command.args(&args);
    run_command(command, cmdline)
}

/// `reel` run in `cwd` with extra environment variables.
pub fn reel_in<I, S>(cwd: &Path, envs: &[(&str, &OsStr)], args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let cmdline = std::iter::once(format!("(in {}) reel", cwd.display()))
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new(env!("CARGO_BIN_EXE_reel"));
    command.args(&args).current_dir(cwd);
    for (key, value) in envs {
        command.env(key, value);
    }
    run_command(command, cmdline)
}

/// Runs a prepared `reel` command to its end; asserts it neither panicked
/// nor hung.
pub fn run_command(mut command: Command, cmdline: String) -> Output {
    // Nothing goes into the user's snapshot cache, unless a test names one.
    let names_cache = command
        .get_envs()
        .any(|(key, _)| key == "XDG_CACHE_HOME" || key == "REEL_NO_INDEX_CACHE");
    if !names_cache {
        command.env("REEL_NO_INDEX_CACHE", "1");
    }
    let mut child = command
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start reel: {e}"));
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for reel") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{cmdline}` did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_thread.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned();
    let out = Output {
        code: status.code(),
        stdout,
        stderr,
        cmdline,
    };
    assert_no_panic(&out);
    out
}

pub fn assert_no_panic(out: &Output) {
    assert!(
        out.code.is_some(),
        "reel was killed by a signal:\n{}",
        out.describe()
    );
    assert_ne!(out.code, Some(101), "reel panicked:\n{}", out.describe());
    assert!(
        !out.stderr.contains("panicked"),
        "reel panicked:\n{}",
        out.describe()
    );
}

/// Run `reel`, require exit 0 and return stdout parsed as JSON.
pub fn reel_json<I, S>(args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = reel(args);
    assert_eq!(out.code, Some(0), "expected success:\n{}", out.describe());
    out.json()
}

/// Like `reel_json` but returns an error description instead of panicking.
pub fn try_reel_json<I, S>(args: I) -> Result<Value, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = reel(args);
    if out.code != Some(0) {
        return Err(format!("expected success:\n{}", out.describe()));
    }
    serde_json::from_str(&out.stdout)
        .map_err(|e| format!("stdout is not JSON ({e}):\n{}", out.describe()))
}

/// Run `f` over `items` on a few threads; returns results in input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("worker result"))
        .collect()
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// Recursive copy (regular files and directories; symlinks are followed).
pub fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap_or_else(|e| panic!("mkdir {}: {e}", dst.display()));
    for entry in fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if from.is_dir() {
            copy_dir(&from, &to);
        } else {
            fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("copy {} -> {}: {e}", from.display(), to.display()));
            // Source files may be read-only; the tests modify their copies.
            let mut perms = fs::metadata(&to).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            fs::set_permissions(&to, perms).unwrap();
        }
    }
    let mut perms = fs::metadata(dst).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(dst, perms).unwrap();
}

pub fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

pub fn read_json_opt(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

pub fn write_json(path: &Path, value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap();
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The events of an NDJSON file: every complete (`\n`-terminated), non-blank
/// line, plus an unterminated last line only if it parses. Panics on a
/// complete line that is not JSON (real bundles never have one).
pub fn read_ndjson(path: &Path) -> Vec<Value> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_ndjson(&bytes, &path.display().to_string())
}

pub fn parse_ndjson(bytes: &[u8], name: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut line_no = 0;
    while !rest.is_empty() {
        line_no += 1;
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                let v: Value = serde_json::from_slice(line)
                    .unwrap_or_else(|e| panic!("{name}:{line_no}: not JSON: {e}"));
                out.push(v);
            }
            None => {
                if let Ok(v) = serde_json::from_slice::<Value>(rest) {
                    out.push(v);
                }
                rest = &[];
            }
        }
    }
    out
}

/// Number of events in an NDJSON file (0 when the file is absent).
pub fn count_ndjson(path: &Path) -> usize {
    if path.is_file() {
        read_ndjson(path).len()
    } else {
        0
    }
}

// ---------------------------------------------------------------------------
// Independent model of a bundle
// ---------------------------------------------------------------------------

pub struct RawBundle {
    pub dir: PathBuf,
    pub manifest: Value,
    pub flow: Value,
    pub trace: Vec<Value>,
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn or_null(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

impl RawBundle {
    pub fn load(dir: &Path) -> RawBundle {
        let manifest = read_json(&dir.join("manifest.json"));
        let flow_rel = manifest
            .pointer("/paths/flow")
            .and_then(Value::as_str)
            .unwrap_or("flow.json");
        let trace_rel = manifest
            .pointer("/paths/trace")
            .and_then(Value::as_str)
            .unwrap_or("trace.ndjson");
        let flow = read_json(&dir.join(flow_rel));
        let trace = read_ndjson(&dir.join(trace_rel));
        RawBundle {
            dir: dir.to_path_buf(),
            manifest,
            flow,
            trace,
        }
    }

    pub fn run_id(&self) -> &str {
        str_of(&self.manifest, "runId").unwrap_or("")
    }

    /// Flow nodes in `flow.json` object order.
    pub fn flow_nodes(&self) -> Vec<(String, Value)> {
        match self.flow.get("nodes") {
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            _ => Vec::new(),
        }
    }

    /// `nodeType ?? kind ?? "unknown"` from the flow definition.
    pub fn node_type(&self, node_id: &str) -> String {
        self.flow
            .get("nodes")
            .and_then(|n| n.get(node_id))
            .map(node_type_of)
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// The last `run_completed` / `run_failed` event, if the run ended.
    pub fn terminal_event(&self) -> Option<&Value> {
        self.trace
            .iter()
            .rev()
            .find(|e| matches!(str_of(e, "type"), Some("run_completed" | "run_failed")))
    }

    pub fn status(&self) -> Value {
        let manifest_status = or_null(self.manifest.get("status"));
        if manifest_status == "running" {
            if let Some(end) = self.terminal_event() {
                let fallback = if str_of(end, "type") == Some("run_completed") {
                    "completed"
                } else {
                    "failed"
                };
                let status = end
                    .pointer("/payload/status")
                    .and_then(Value::as_str)
                    .unwrap_or(fallback);
                return json!(status);
            }
        }
        manifest_status
    }

    pub fn attempts(&self) -> Vec<Attempt> {
        // Index the events by attemptId once (bundles can have thousands).
        let mut by_attempt: HashMap<&str, Vec<&Value>> = HashMap::new();
        for e in &self.trace {
            if let Some(a) = str_of(e, "attemptId") {
                by_attempt.entry(a).or_default().push(e);
            }
        }
        let end = self.terminal_event();
        let mut out = Vec::new();
        for e in &self.trace {
            if str_of(e, "type") != Some("node_started") {
                continue;
            }
            let attempt_id = str_of(e, "attemptId").unwrap_or("").to_string();
            let node_id = str_of(e, "nodeId").unwrap_or("").to_string();
            let events = by_attempt
                .get(attempt_id.as_str())
                .cloned()
                .unwrap_or_default();
            let outcome_ev = events
                .iter()
                .find(|x| str_of(x, "type") == Some("node_outcome"))
                .copied();
            let session_id = events
                .iter()
                .find_map(|x| x.get("sessionId").filter(|s| s.is_string()))
                .cloned()
                .unwrap_or(Value::Null);
            let seq_start = seq_of(e);
            let (outcome, finished_at, seq_end, duration_ms) = match outcome_ev {
                Some(o) => (
                    or_null(o.pointer("/payload/outcome")),
                    or_null(o.get("at")),
                    seq_of(o),
                    or_null(o.pointer("/payload/durationMs")),
                ),
                None => {
                    let last = events.iter().map(|x| seq_of(x)).max().unwrap_or(seq_start);
                    match end {
                        // Cut short by the run's end: it ran until then.
                        Some(end) => (
                            json!("cancelled"),
                            or_null(end.get("at")),
                            last,
                            match (str_of(end, "at"), str_of(e, "at")) {
                                (Some(until), Some(from)) => {
                                    json!(epoch_ms(until) - epoch_ms(from))
                                }
                                _ => Value::Null,
                            },
                        ),
                        None => (json!("running"), Value::Null, last, Value::Null),
                    }
                }
            };
            out.push(Attempt {
                attempt_id,
                node_type: self.node_type(&node_id),
                node_id,
                outcome,
                started_at: or_null(e.get("at")),
                finished_at,
                seq_start,
                seq_end,
                session_id,
                duration_ms,
                outcome_payload: outcome_ev.and_then(|o| o.get("payload").cloned()),
            });
        }
        out
    }

    /// Distinct artifact paths referenced anywhere in the trace.
    pub fn artifact_refs(&self) -> BTreeSet<String> {
        let mut refs = BTreeSet::new();
        for e in &self.trace {
            collect_refs(e, &mut refs);
        }
        refs
    }

    pub fn session_events_path(&self, entry: &Value) -> PathBuf {
        let id = str_of(entry, "id").unwrap_or("");
        match str_of(entry, "eventsPath") {
            Some(p) => self.dir.join(p),
            None => self.dir.join("sessions").join(id).join("events.ndjson"),
        }
    }

    /// `sessions/<id>/events.ndjson` for a session bundle id.
    pub fn events_path_for(&self, session_id: &str) -> PathBuf {
        let entry = self
            .manifest
            .get("sessions")
            .and_then(Value::as_array)
            .and_then(|s| s.iter().find(|e| str_of(e, "id") == Some(session_id)));
        match entry {
            Some(e) => self.session_events_path(e),
            None => self
                .dir
                .join("sessions")
                .join(session_id)
                .join("events.ndjson"),
        }
    }

    /// The expected `reel show --json` object.
    pub fn expected_show(&self) -> Value {
        let attempts = self.attempts();
        let visited: BTreeSet<&str> = attempts.iter().map(|a| a.node_id.as_str()).collect();
        let nodes: Vec<Value> = self
            .flow_nodes()
            .iter()
            .map(|(id, def)| {
                json!({
                    "id": id,
                    "nodeType": node_type_of(def),
                    "visited": visited.contains(id.as_str()),
                })
            })
            .collect();
        let sessions: Vec<Value> = self
            .manifest
            .get("sessions")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|s| {
                        json!({
                            "id": or_null(s.get("id")),
                            "handle": or_null(s.get("handle")),
                            "events": count_ndjson(&self.session_events_path(s)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let refs = self.artifact_refs();
        let missing = refs.iter().filter(|p| !self.dir.join(p).exists()).count();
        json!({
            "runId": or_null(self.manifest.get("runId")),
            "flowName": or_null(self.manifest.get("flowName")),
            "runTitle": or_null(self.manifest.get("runTitle")),
            "status": self.status(),
            "startedAt": or_null(self.manifest.get("startedAt")),
            "finishedAt": or_null(self.manifest.get("finishedAt")),
            "traceEvents": self.trace.len(),
            "nodes": nodes,
            "attempts": attempts.iter().map(Attempt::to_json).collect::<Vec<_>>(),
            "sessions": sessions,
            "artifacts": {"referenced": refs.len(), "missing": missing},
        })
    }

    /// Expected `nodes` and `outputs` of `reel state --at <attempt idx>`.
    /// Outputs whose value cannot be determined from the files (an ok attempt
    /// without output, or an unreadable output artifact) are returned in the
    /// second map as "either absent or null".
    pub fn expected_state(&self, attempts: &[Attempt], idx: usize) -> ExpectedState {
        let seq = attempts[idx].seq_end;
        let mut nodes = Vec::new();
        let mut outputs = Map::new();
        let mut uncertain = BTreeSet::new();
        for (id, def) in self.flow_nodes() {
            let visible: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| a.node_id == id && a.seq_start <= seq)
                .collect();
            let state = match visible.iter().max_by_key(|a| a.seq_start) {
                None => "not_visited".to_string(),
                Some(latest) if latest.seq_end <= seq => {
                    match latest.outcome.as_str().unwrap_or("") {
                        "ok" => "done".to_string(),
                        other => other.to_string(),
                    }
                }
                Some(_) => "running".to_string(),
            };
            nodes.push(json!({
                "id": id,
                "nodeType": node_type_of(&def),
                "state": state,
                "attempts": visible.len(),
            }));
            let latest_ok = visible
                .iter()
                .filter(|a| a.outcome == "ok" && a.seq_end <= seq)
                .max_by_key(|a| a.seq_start);
            if let Some(a) = latest_ok {
                match a.output(&self.dir) {
                    Some(v) => {
                        outputs.insert(id.clone(), v);
                    }
                    None => {
                        uncertain.insert(id.clone());
                    }
                }
            }
        }
        ExpectedState {
            seq,
            nodes: Value::Array(nodes),
            outputs: Value::Object(outputs),
            uncertain_outputs: uncertain,
        }
    }
}

pub struct ExpectedState {
    pub seq: u64,
    pub nodes: Value,
    pub outputs: Value,
    pub uncertain_outputs: BTreeSet<String>,
}

pub fn node_type_of(def: &Value) -> String {
    str_of(def, "nodeType")
        .or_else(|| str_of(def, "kind"))
        .unwrap_or("unknown")
        .to_string()
}

pub fn seq_of(e: &Value) -> u64 {
    e.get("seq").and_then(Value::as_u64).unwrap_or(0)
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if map.contains_key("path") && map.contains_key("mediaType") {
                if let Some(p) = map.get("path").and_then(Value::as_str) {
                    out.insert(p.to_string());
                }
            }
            for x in map.values() {
                collect_refs(x, out);
            }
        }
        Value::Array(list) => {
            for x in list {
                collect_refs(x, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub attempt_id: String,
    pub node_id: String,
    pub node_type: String,
    pub outcome: Value,
    pub started_at: Value,
    pub finished_at: Value,
    pub seq_start: u64,
    pub seq_end: u64,
    pub session_id: Value,
    pub duration_ms: Value,
    /// `node_outcome.payload`, when the attempt finished.
    pub outcome_payload: Option<Value>,
}

impl Attempt {
    pub fn to_json(&self) -> Value {
        json!({
            "attemptId": self.attempt_id,
            "nodeId": self.node_id,
            "nodeType": self.node_type,
            "outcome": self.outcome,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "seqStart": self.seq_start,
            "seqEnd": self.seq_end,
            "sessionId": self.session_id,
            "durationMs": self.duration_ms,
        })
    }

    /// The node output recorded by this attempt's `node_outcome`.
    pub fn output(&self, dir: &Path) -> Option<Value> {
        let payload = self.outcome_payload.as_ref()?;
        if let Some(v) = payload.get("outputInline") {
            return Some(v.clone());
        }
        let art = payload.get("outputArtifact")?;
        let path = dir.join(str_of(art, "path")?);
        let text = fs::read_to_string(path).ok()?;
        match str_of(art, "mediaType") {
            Some("application/json") => serde_json::from_str(&text).ok(),
            Some("text/plain") => Some(Value::String(text)),
            _ => None,
        }
    }

    /// Read a text artifact named by `key` in the outcome payload.
    pub fn artifact_text(&self, dir: &Path, key: &str) -> Option<String> {
        let art = self.outcome_payload.as_ref()?.get(key)?;
        fs::read_to_string(dir.join(str_of(art, "path")?)).ok()
    }
}

// ---------------------------------------------------------------------------
// Comparing JSON
// ---------------------------------------------------------------------------

/// Compare `actual` against `expected`, pushing one message per difference.
/// Objects are compared on the expected keys only (extra keys in the output
/// are allowed) unless `exact`; arrays must have the same length.
pub fn diff_json(
    actual: &Value,
    expected: &Value,
    path: &str,
    exact: bool,
    errs: &mut Vec<String>,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) if !exact => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => diff_json(av, ev, &p, false, errs),
                    None => errs.push(format!("{p}: missing, expected {}", brief(ev))),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                errs.push(format!(
                    "{path}: array length {} != expected {}",
                    a.len(),
                    e.len()
                ));
            }
            for (i, (av, ev)) in a.iter().zip(e.iter()).enumerate() {
                let before = errs.len();
                diff_json(av, ev, &format!("{path}[{i}]"), exact, errs);
                // One broken element is enough to show for long arrays.
                if errs.len() > before + 20 {
                    break;
                }
            }
        }
        _ => {
            if actual != expected {
                errs.push(format!(
                    "{path}: got {}, expected {}",
                    brief(actual),
                    brief(expected)
                ));
            }
        }
    }
}

pub fn brief(v: &Value) -> String {
    truncate(&v.to_string(), 300)
}

/// Panic with all collected failures (capped) if there are any.
pub fn finish(what: &str, errs: Vec<String>) {
    if errs.is_empty() {
        return;
    }
    let shown: Vec<&String> = errs.iter().take(60).collect();
    panic!(
        "{what}: {} difference(s){}\n{}",
        errs.len(),
        if errs.len() > shown.len() {
            " (first 60 shown)"
        } else {
            ""
        },
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// True if `haystack` contains `name` immediately followed by `:<digits>`.
pub fn mentions_file_line(haystack: &str, name: &str) -> bool {
    haystack.match_indices(name).any(|(i, _)| {
        let rest = &haystack[i + name.len()..];
        rest.starts_with(':') && rest[1..].starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Epoch milliseconds of an acpx timestamp (`2026-11-23T17:41:55.357Z`),
/// by the civil-from-days algorithm (no date crate, and not reel's parser).
pub fn epoch_ms(iso: &str) -> i64 {
    let num = |range: std::ops::Range<usize>| -> i64 {
        iso.get(range)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad timestamp {iso:?}"))
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let millis = if iso.as_bytes().get(19) == Some(&b'.') {
        num(20..23)
    } else {
        0
    };
    ((days * 24 + num(11..13)) * 60 + num(14..16)) * 60_000 + num(17..19) * 1000 + millis
}
