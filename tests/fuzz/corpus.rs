//! The seed corpus: the real bundles, read in place (`sample-runs/`,
//! `tests/fixtures/bundles/`, `../shared/bundles/` when present), plus the
//! shipped tours and key bindings. Loaded once per test binary.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::rng::Rng;

/// One seed file: where it came from and its bytes.
pub struct Seed {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub struct Corpus {
    /// Every bundle folder.
    pub bundles: Vec<PathBuf>,
    /// Bundles small enough to copy and fully exercise per case.
    pub small_bundles: Vec<PathBuf>,
    pub traces: Vec<Seed>,
    pub sessions: Vec<Seed>,
    pub manifests: Vec<Seed>,
    pub flows: Vec<Seed>,
    pub records: Vec<Seed>,
    /// Projections and other JSON documents.
    pub other_json: Vec<Seed>,
    pub tours: Vec<Seed>,
    pub keymaps: Vec<Seed>,
    /// Every NDJSON line of every bundle, for splicing.
    pub lines: Vec<Vec<u8>>,
    /// Object keys seen anywhere in the corpus (mutations favour them).
    pub keys: Vec<String>,
    /// Short string values seen in the corpus (ids, paths, types).
    pub strings: Vec<String>,
}

/// A bundle is copied and exercised whole per case below this size.
const SMALL_BUNDLE: u64 = 600 << 10;

pub fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(load)
}

fn load() -> Corpus {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bundles = super::common::all_bundles();
    assert!(
        bundles.len() >= 8,
        "the seed corpus needs the bundles of sample-runs/ at least"
    );
    let mut corpus = Corpus {
        small_bundles: bundles
            .iter()
            .filter(|b| tree_size(b) <= SMALL_BUNDLE)
            .cloned()
            .collect(),
        bundles,
        traces: Vec::new(),
        sessions: Vec::new(),
        manifests: Vec::new(),
        flows: Vec::new(),
        records: Vec::new(),
        other_json: Vec::new(),
        tours: Vec::new(),
        keymaps: Vec::new(),
        lines: Vec::new(),
        keys: Vec::new(),
        strings: Vec::new(),
    };
    let mut keys = BTreeSet::new();
    let mut strings = BTreeSet::new();
    for bundle in corpus.bundles.clone() {
        for file in files_of(&bundle) {
            let Ok(bytes) = fs::read(&file) else { continue };
            let name = super::common::short(&file);
            let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if file_name.ends_with(".ndjson") {
                for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    if let Ok(value) = serde_json::from_slice::<Value>(line) {
                        harvest(&value, &mut keys, &mut strings);
                    }
                    corpus.lines.push(line.to_vec());
                }
            } else if file_name.ends_with(".json") {
                if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
                    harvest(&value, &mut keys, &mut strings);
                }
            }
            let seed = Seed { name, bytes };
            match file_name {
                "trace.ndjson" => corpus.traces.push(seed),
                "events.ndjson" => corpus.sessions.push(seed),
                "manifest.json" => corpus.manifests.push(seed),
                "flow.json" => corpus.flows.push(seed),
                "record.json" => corpus.records.push(seed),
                n if n.ends_with(".json") => corpus.other_json.push(seed),
                _ => {}
            }
        }
    }
    for tour in files_of(&base.join("assets/tours")) {
        if let Ok(bytes) = fs::read(&tour) {
            let name = super::common::short(&tour);
            corpus.tours.push(Seed { name, bytes });
        }
    }
    let keys_file = base.join("assets/keys.toml");
    corpus.keymaps.push(Seed {
        name: "assets/keys.toml".to_string(),
        bytes: fs::read(&keys_file).expect("assets/keys.toml"),
    });
    corpus.keys = keys.into_iter().collect();
    corpus.strings = strings.into_iter().collect();
    for (what, list) in [
        ("traces", &corpus.traces),
        ("sessions", &corpus.sessions),
        ("manifests", &corpus.manifests),
        ("flows", &corpus.flows),
        ("records", &corpus.records),
        ("tours", &corpus.tours),
    ] {
        assert!(!list.is_empty(), "the seed corpus has no {what}");
    }
    println!(
        "corpus: {} bundles ({} small), {} traces, {} session logs, {} NDJSON lines, {} keys, {} strings{}",
        corpus.bundles.len(),
        corpus.small_bundles.len(),
        corpus.traces.len(),
        corpus.sessions.len(),
        corpus.lines.len(),
        corpus.keys.len(),
        corpus.strings.len(),
        if super::common::shared_present() { "" } else { " (../shared/bundles absent)" }
    );
    corpus
}

fn harvest(value: &Value, keys: &mut BTreeSet<String>, strings: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                keys.insert(k.clone());
                harvest(v, keys, strings);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| harvest(v, keys, strings)),
        Value::String(s) if s.len() <= 80 => {
            strings.insert(s.clone());
        }
        _ => {}
    }
}

/// Every regular file under `dir`, sorted (symlinks are not followed).
pub fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            out.extend(files_of(&entry.path()));
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    out
}

fn tree_size(dir: &Path) -> u64 {
    files_of(dir)
        .iter()
        .filter_map(|f| fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// A seed's bytes; large NDJSON seeds are cut to a random window of lines
/// so a case stays cheap (the whole file is still reachable by chance).
pub fn window(rng: &mut Rng, seed: &Seed, max_lines: usize) -> Vec<u8> {
    let lines: Vec<&[u8]> = seed.bytes.split_inclusive(|&b| b == b'\n').collect();
    if lines.len() <= max_lines || rng.one_in(20) {
        return seed.bytes.clone();
    }
    // Keep the first line (run_started / initialize) most of the time.
    let start = if rng.one_in(2) {
        0
    } else {
        rng.below(lines.len() - max_lines)
    };
    lines[start..start + max_lines].concat()
}
