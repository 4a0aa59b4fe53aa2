//! Bundle files: private directories and files (modes 0700/0600, as acpx),
//! pretty JSON, append-only NDJSON, the streamed steps.json and run.json
//! projections, and content-addressed artifacts.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::bundle::sha256::sha256_hex;

pub(super) fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// acpx writes every bundle file with mode 0600.
fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// `JSON.stringify(value, null, 2) + "\n"`, which serde's pretty printer matches.
pub(super) fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    let mut out = BufWriter::new(create_private_file(path)?);
    serde_json::to_writer_pretty(&mut out, value)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes run.json with the `"steps": []` placeholder replaced by the content
/// of steps.json, re-indented one level, so the steps are never all in memory.
pub(super) fn write_run_projection(path: &Path, run: &Value, steps_path: &Path) -> io::Result<()> {
    const PLACEHOLDER: &str = "\n  \"steps\": []";
    let text = serde_json::to_string_pretty(run)?;
    let at = text
        .find(PLACEHOLDER)
        .ok_or_else(|| io::Error::other("run projection lacks the steps placeholder"))?;
    let (head, tail) = (
        &text[..at + PLACEHOLDER.len() - 2],
        &text[at + PLACEHOLDER.len()..],
    );
    let mut out = BufWriter::with_capacity(1 << 16, create_private_file(path)?);
    out.write_all(head.as_bytes())?;
    let mut steps = BufReader::with_capacity(1 << 16, File::open(steps_path)?);
    let mut line = Vec::new();
    let mut first = true;
    while steps.read_until(b'\n', &mut line)? > 0 {
        if !first {
            out.write_all(b"\n  ")?;
        }
        out.write_all(line.strip_suffix(b"\n").unwrap_or(&line))?;
        first = false;
        line.clear();
    }
    out.write_all(tail.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// An append-only NDJSON file (trace or session events).
pub(super) struct Ndjson {
    out: BufWriter<File>,
    line: Vec<u8>,
    pub(super) lines: usize,
    pub(super) bytes: u64,
}

impl Ndjson {
    pub(super) fn create(path: &Path) -> io::Result<Self> {
        Ok(Ndjson {
            out: BufWriter::with_capacity(1 << 16, create_private_file(path)?),
            line: Vec::with_capacity(2048),
            lines: 0,
            bytes: 0,
        })
    }

    pub(super) fn next_seq(&self) -> usize {
        self.lines + 1
    }

    pub(super) fn append(&mut self, record: &Value) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        self.lines += 1;
        self.bytes += self.line.len() as u64;
        Ok(())
    }

    pub(super) fn close(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// steps.json written one record at a time, formatted like `JSON.stringify(steps, null, 2)`.
pub(super) struct StepsWriter {
    out: BufWriter<File>,
    buf: Vec<u8>,
    count: usize,
}

impl StepsWriter {
    pub(super) fn create(path: &Path) -> io::Result<Self> {
        let out = BufWriter::with_capacity(1 << 16, create_private_file(path)?);
        Ok(StepsWriter {
            out,
            buf: Vec::with_capacity(4096),
            count: 0,
        })
    }

    pub(super) fn push(&mut self, step: &Value) -> io::Result<()> {
        self.buf.clear();
        serde_json::to_writer_pretty(&mut self.buf, step)?;
        self.out
            .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
        for (i, line) in self.buf.split(|&byte| byte == b'\n').enumerate() {
            if i > 0 {
                self.out.write_all(b"\n  ")?;
            }
            self.out.write_all(line)?;
        }
        self.count += 1;
        Ok(())
    }

    pub(super) fn close(mut self) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

#[derive(Clone, Copy)]
pub(super) enum Media {
    Text,
    Json,
}

/// Content-addressed `artifacts/sha256-<hex>.<ext>`, each written once.
pub(super) struct Artifacts {
    dir: PathBuf,
    written: HashSet<String>,
}

impl Artifacts {
    pub(super) fn new(dir: PathBuf) -> Self {
        Artifacts {
            dir,
            written: HashSet::new(),
        }
    }

    /// Stores the bytes (unless already stored) and returns their `FlowArtifactRef`.
    pub(super) fn put(&mut self, bytes: &[u8], media: Media) -> io::Result<Value> {
        let (ext, media_type) = match media {
            Media::Text => ("txt", "text/plain"),
            Media::Json => ("json", "application/json"),
        };
        let hex = sha256_hex(bytes);
        let name = format!("sha256-{hex}.{ext}");
        if !self.written.contains(&name) {
            let mut file = create_private_file(&self.dir.join(&name))?;
            file.write_all(bytes)?;
            self.written.insert(name.clone());
        }
        Ok(json!({
            "path": format!("artifacts/{name}"),
            "mediaType": media_type,
            "bytes": bytes.len(),
            "sha256": hex
        }))
    }

    pub(super) fn put_json(&mut self, value: &Value) -> io::Result<Value> {
        let mut bytes = serde_json::to_vec_pretty(value)?;
        bytes.push(b'\n');
        self.put(&bytes, Media::Json)
    }
}
