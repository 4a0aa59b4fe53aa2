//! `manifest.json` (`acpx.flow-run-bundle.v1`): the entry point of a bundle.
//! Every field but the schema is optional here; unknown fields are ignored.

use serde::{Deserialize, Serialize};

pub const BUNDLE_SCHEMA: &str = "acpx.flow-run-bundle.v1";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub flow_name: Option<String>,
    #[serde(default)]
    pub run_title: Option<String>,
    #[serde(default)]
    pub flow_path: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub trace_schema: Option<String>,
    #[serde(default)]
    pub paths: ManifestPaths,
    #[serde(default)]
    pub sessions: Vec<ManifestSession>,
    /// reel's addition on a fork: where it branched off. Anything but an
    /// object there is ignored (the bundle stays readable).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_lineage"
    )]
    pub lineage: Option<ManifestLineage>,
}

/// `manifest.lineage` of a fork (reel's extra field, which acpx ignores).
/// Lenient: a field of the wrong type is as good as absent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ManifestLineage {
    #[serde(default, deserialize_with = "lenient")]
    pub parent_run_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub attempt_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_patch: Option<serde_json::Value>,
}

fn lenient_lineage<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ManifestLineage>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// A string field, or `None` when it is anything else.
fn lenient<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(value.as_str().map(str::to_string))
}

/// `manifest.paths`: always the defaults in every bundle seen so far, but a
/// reader starts from here rather than hard-coding them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestPaths {
    #[serde(default)]
    pub flow: Option<String>,
    #[serde(default)]
    pub trace: Option<String>,
    #[serde(default)]
    pub run_projection: Option<String>,
    #[serde(default)]
    pub live_projection: Option<String>,
    #[serde(default)]
    pub steps_projection: Option<String>,
    #[serde(default)]
    pub sessions_dir: Option<String>,
    #[serde(default)]
    pub artifacts_dir: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestSession {
    pub id: String,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub binding_path: Option<String>,
    #[serde(default)]
    pub record_path: Option<String>,
    #[serde(default)]
    pub events_path: Option<String>,
}

impl ManifestPaths {
    /// `(field name, value or default)` for every file path of the bundle.
    pub fn with_defaults(&self) -> [(&'static str, String); 7] {
        let or = |v: &Option<String>, d: &str| v.clone().unwrap_or_else(|| d.to_string());
        [
            ("flow", or(&self.flow, "flow.json")),
            ("trace", or(&self.trace, "trace.ndjson")),
            (
                "runProjection",
                or(&self.run_projection, "projections/run.json"),
            ),
            (
                "liveProjection",
                or(&self.live_projection, "projections/live.json"),
            ),
            (
                "stepsProjection",
                or(&self.steps_projection, "projections/steps.json"),
            ),
            ("sessionsDir", or(&self.sessions_dir, "sessions")),
            ("artifactsDir", or(&self.artifacts_dir, "artifacts")),
        ]
    }
}
