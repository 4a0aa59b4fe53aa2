//! The fast trace index (skimmed lines, the file split in two halves indexed
//! in parallel and stitched) against the straightforward one (every line
//! parsed by serde, in one pass), on every trace we have and on synthesized
//! traces mutated at random: the same entries, strings, positions and
//! partial tails, or the same error naming the same line.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use reel::bundle::artifacts::collect_refs;
use reel::bundle::trace_file::index_trace_file_split;
use reel::bundle::TraceIndex;
use reel::synth::{write_bundle, SynthSpec};

mod common;

/// Every `trace.ndjson` below `dir`.
fn traces_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            traces_below(&path, out);
        } else if path.file_name().is_some_and(|n| n == "trace.ndjson") {
            out.push(path);
        }
    }
}

/// What a reading produced, comparable: the index, or the error's text.
fn outcome(result: Result<TraceIndex, reel::bundle::BundleError>) -> Result<TraceIndex, String> {
    result.map_err(|e| e.to_string())
}

/// The reference: one serde pass over the whole bytes.
fn reference(bytes: &[u8]) -> Result<TraceIndex, String> {
    outcome(TraceIndex::from_bytes_parsed(bytes))
}

/// The artifact references of the lines before `end` that name
/// `mediaType`, each parsed whole (what `show` found by reading the trace
/// again), or the number of the first such line a `Value` cannot hold.
fn parsed_refs(bytes: &[u8], end: usize) -> Result<BTreeSet<String>, usize> {
    let mut refs = BTreeSet::new();
    for (number, line) in bytes[..end].split(|&b| b == b'\n').enumerate() {
        // `show` read only the lines naming `mediaType` as values.
        if !line.windows(11).any(|w| w == b"\"mediaType\"") {
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(line).map_err(|_| number + 1)?;
        collect_refs(&value, &mut refs);
    }
    Ok(refs)
}

/// An index gathering references must give what the plain index gives
/// and the references of its lines; where a line cannot be read as a
/// `Value`, an error naming it (or the index's own error, for a line
/// before it).
fn check_gathered(
    gathered: Result<TraceIndex, String>,
    expected: &Result<TraceIndex, String>,
    bytes: &[u8],
    what: &str,
) {
    let end = match expected {
        Ok(index) => index.scan_position().offset as usize,
        Err(_) => bytes.len(),
    };
    match (gathered, expected, parsed_refs(bytes, end)) {
        (Ok(mut got), Ok(want), Ok(refs)) => {
            assert_eq!(got.artifact_refs(), Some(&refs), "references of {what}");
            // Compared as plain indexes (`PartialEq` counts the references).
            let plain_shape = format!("{:?}", got.entries());
            assert_eq!(
                plain_shape,
                format!("{:?}", want.entries()),
                "entries of {what}"
            );
            got.shrink_to_fit();
            assert_eq!(
                got.scan_position(),
                want.scan_position(),
                "position of {what}"
            );
        }
        (Err(got), _, Err(line)) => assert!(
            got.contains(&format!("trace.ndjson:{line}: "))
                || expected.as_ref().err() == Some(&got),
            "{what}: {got} (a Value fails at line {line})"
        ),
        (Err(got), Err(want), Ok(_)) => assert_eq!(&got, want, "error of {what}"),
        (got, _, refs) => panic!(
            "{what}: gathered {:?}, expected {:?}, parsed refs {refs:?}",
            got.map(|i| i.len()),
            expected.as_ref().map(TraceIndex::len)
        ),
    }
}

/// Checks the skimming pass and the split file reading against the
/// reference, for one file's bytes (written to `dir/trace.ndjson`), plain
/// and gathering artifact references.
fn check(dir: &Path, bytes: &[u8], what: &str) {
    let expected = reference(bytes);
    let skimmed = outcome(TraceIndex::from_bytes(bytes));
    assert_eq!(skimmed, expected, "skimming pass differs on {what}");
    let mut gathering = TraceIndex::gathering_refs();
    let gathered = gathering.extend(bytes, Path::new("trace.ndjson"));
    check_gathered(outcome(gathered.map(|_| gathering)), &expected, bytes, what);
    let file = dir.join("trace.ndjson");
    fs::write(&file, bytes).expect("write trace");
    // Split at the middle (from 0 bytes on), and not split at all.
    for split_from in [0, u64::MAX] {
        let read = index_trace_file_split(
            dir,
            &file,
            TraceIndex::gathering_refs(),
            split_from,
            &mut |_, _| {},
        );
        let gathered = read
            .map(|(index, _)| index)
            .map_err(|err| err.to_string().replace(&*dir.to_string_lossy(), ""));
        let gathered = gathered.map_err(|e| e.trim_start_matches('/').to_string());
        check_gathered(
            gathered,
            &expected,
            bytes,
            &format!("{what}, split {split_from}, gathering"),
        );
        let read = index_trace_file_split(
            dir,
            &file,
            TraceIndex::default(),
            split_from,
            &mut |_, _| {},
        );
        let (index, tail) = match read {
            Ok((mut index, tail)) => {
                index.shrink_to_fit();
                (Ok(index), Some(tail))
            }
            Err(err) => (
                Err(err.to_string().replace(&*dir.to_string_lossy(), "")),
                None,
            ),
        };
        match (&index, &expected) {
            (Ok(index), Ok(expected)) => {
                assert_eq!(index, expected, "split {split_from} differs on {what}");
                let end = index.scan_position().offset as usize;
                assert_eq!(tail.as_deref(), Some(&bytes[end..]), "tail of {what}");
            }
            (Err(got), Err(want)) => {
                // The reference names the file `trace.ndjson`, the file
                // reading its full path.
                let got = got.trim_start_matches('/');
                assert_eq!(got, want, "split {split_from} error differs on {what}");
            }
            _ => panic!(
                "split {split_from} on {what}: {:?} vs {:?}",
                index.as_ref().map(TraceIndex::len),
                expected.as_ref().map(TraceIndex::len)
            ),
        }
    }
}

#[test]
fn the_traces_in_this_repository_index_the_same() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut traces = Vec::new();
    traces_below(&root.join("sample-runs"), &mut traces);
    traces_below(&root.join("tests/fixtures"), &mut traces);
    assert!(traces.len() >= 5, "found only {traces:?}");
    let scratch = tempfile::tempdir().expect("temp dir");
    for trace in traces {
        let bytes = fs::read(&trace).expect("read trace");
        check(scratch.path(), &bytes, &trace.display().to_string());
    }
}

#[test]
#[cfg_attr(not(reel_shared), ignore = "needs ../shared/bundles")]
fn the_shared_bundles_index_the_same() {
    let mut traces = Vec::new();
    traces_below(&common::shared_bundles_root(), &mut traces);
    assert!(!traces.is_empty(), "no trace under the shared bundles");
    let scratch = tempfile::tempdir().expect("temp dir");
    for trace in traces {
        let bytes = fs::read(&trace).expect("read trace");
        check(scratch.path(), &bytes, &trace.display().to_string());
    }
}

/// xorshift64*: deterministic cases, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that make lines interesting to a JSON reader.
const NASTY: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u00e9",
    b"\\ud800",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"\t",
    b"\x01",
    b"\xff",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"1.5e3",
    b"-0",
    b"01",
    b"\"seq\":9,",
    b"\"type\":\"x\",",
    b"\"runId\":\"other\",",
    b"\"payload\":null,",
    b"\"durationMs\":-3,",
    b"\"outcome\":\"ok\",",
];

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) -> String {
    let at = rng.below(bytes.len());
    match rng.below(7) {
        0 => {
            let insert = NASTY[rng.below(NASTY.len())];
            bytes.splice(at..at, insert.iter().copied());
            format!("insert {:?} at {at}", String::from_utf8_lossy(insert))
        }
        1 => {
            let len = rng.below(40).min(bytes.len() - at);
            bytes.drain(at..at + len);
            format!("delete {len} at {at}")
        }
        2 => {
            bytes[at] = rng.next() as u8;
            format!("byte at {at}")
        }
        3 => {
            bytes.truncate(at);
            format!("truncate at {at}")
        }
        4 => {
            // Duplicate a whole line (a seq that does not increase).
            let start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| at + p + 1);
            let line = bytes[start..end].to_vec();
            bytes.splice(end..end, line);
            format!("duplicate line at {start}")
        }
        5 => {
            // A digit changed: seq, durations, times.
            match bytes[at..].iter().position(u8::is_ascii_digit) {
                Some(p) => {
                    bytes[at + p] = b'0' + rng.below(10) as u8;
                    format!("digit at {}", at + p)
                }
                None => "nothing".to_string(),
            }
        }
        _ => {
            // Keys renamed: a field dropped or a duplicate made.
            let keys: [&[u8]; 6] = [
                b"\"seq\"",
                b"\"type\"",
                b"\"nodeId\"",
                b"\"attemptId\"",
                b"\"payload\"",
                b"\"outcome\"",
            ];
            let from = keys[rng.below(keys.len())];
            let to = keys[rng.below(keys.len())];
            match memchr::memmem::find(&bytes[at..], from) {
                Some(p) => {
                    bytes.splice(at + p..at + p + from.len(), to.iter().copied());
                    format!("key at {}", at + p)
                }
                None => "nothing".to_string(),
            }
        }
    }
}

#[test]
fn synthesized_traces_index_the_same_whole_and_mutated() {
    let runs = tempfile::tempdir().expect("temp dir");
    let scratch = tempfile::tempdir().expect("temp dir");
    let spec = SynthSpec {
        attempts: 60,
        ..SynthSpec::default()
    };
    let summary = write_bundle(runs.path(), &spec).expect("synthesize");
    let original = fs::read(summary.dir.join("trace.ndjson")).expect("read trace");
    check(scratch.path(), &original, "the synthesized trace");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for case in 0..400 {
        let mut bytes = original.clone();
        let mut what = vec![format!("case {case}")];
        for _ in 0..1 + rng.below(3) {
            if bytes.is_empty() {
                break;
            }
            what.push(mutate(&mut rng, &mut bytes));
        }
        check(scratch.path(), &bytes, &what.join(", "));
    }
}
