//! `flow.json` (`acpx.flow-definition-snapshot.v1`): the graph of the flow.
//! Node order is authoring order (JSON object order), which is kept.

use serde_json::{Map, Value};

/// A node of the flow definition. `node_type` is `nodeType`, or the legacy
/// `kind`, or `"unknown"`; everything else stays in `fields` for display.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowNode {
    pub id: String,
    pub node_type: String,
    pub fields: Map<String, Value>,
}

impl FlowNode {
    /// `actionExecution` of action nodes (`shell` or `function`).
    pub fn action_execution(&self) -> Option<&str> {
        self.fields.get("actionExecution").and_then(Value::as_str)
    }

    pub fn status_detail(&self) -> Option<&str> {
        self.fields.get("statusDetail").and_then(Value::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FlowEdge {
    Direct {
        from: String,
        to: String,
    },
    /// `on` is a path into the output (`$.route`) or the result
    /// (`$result.outcome`); cases keep their authored order.
    Switch {
        from: String,
        on: String,
        cases: Vec<(String, String)>,
    },
}

impl FlowEdge {
    pub fn from(&self) -> &str {
        match self {
            FlowEdge::Direct { from, .. } | FlowEdge::Switch { from, .. } => from,
        }
    }

    /// Every node this edge can lead to.
    pub fn targets(&self) -> Vec<&str> {
        match self {
            FlowEdge::Direct { to, .. } => vec![to.as_str()],
            FlowEdge::Switch { cases, .. } => cases.iter().map(|(_, to)| to.as_str()).collect(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowDefinition {
    pub name: String,
    pub start_at: Option<String>,
    pub nodes: Vec<FlowNode>,
    pub edges: Vec<FlowEdge>,
    /// Edges that could not be understood, as written (shown generically).
    pub unknown_edges: Vec<Value>,
}

impl FlowDefinition {
    /// Builds the definition from parsed JSON. Fails only when the document is
    /// not an object or `nodes` is not an object; unknown parts are tolerated.
    pub fn from_value(value: Value) -> Result<Self, String> {
        let Value::Object(mut root) = value else {
            return Err("flow definition is not a JSON object".to_string());
        };
        let name = root
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let start_at = root
            .get("startAt")
            .and_then(Value::as_str)
            .map(str::to_string);
        let nodes = match root.remove("nodes") {
            Some(Value::Object(nodes)) => nodes.into_iter().map(parse_node).collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err("`nodes` is not a JSON object".to_string()),
        };
        let mut edges = Vec::new();
        let mut unknown_edges = Vec::new();
        if let Some(Value::Array(list)) = root.remove("edges") {
            for edge in list {
                match parse_edge(&edge) {
                    Some(parsed) => edges.push(parsed),
                    None => unknown_edges.push(edge),
                }
            }
        }
        Ok(FlowDefinition {
            name,
            start_at,
            nodes,
            edges,
            unknown_edges,
        })
    }

    pub fn node_position(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    pub fn node(&self, id: &str) -> Option<&FlowNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The outgoing edge of a node (acpx allows at most one).
    pub fn edge_from(&self, id: &str) -> Option<&FlowEdge> {
        self.edges.iter().find(|e| e.from() == id)
    }
}

fn parse_node((id, value): (String, Value)) -> FlowNode {
    let fields = match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let node_type = node_type_of(&fields).unwrap_or("unknown").to_string();
    FlowNode {
        id,
        node_type,
        fields,
    }
}

/// `nodeType`, or `kind` in bundles from the March 2026 builds.
pub fn node_type_of(fields: &Map<String, Value>) -> Option<&str> {
    fields
        .get("nodeType")
        .and_then(Value::as_str)
        .or_else(|| fields.get("kind").and_then(Value::as_str))
}

fn parse_edge(edge: &Value) -> Option<FlowEdge> {
    let from = edge.get("from")?.as_str()?.to_string();
    if let Some(to) = edge.get("to").and_then(Value::as_str) {
        return Some(FlowEdge::Direct {
            from,
            to: to.to_string(),
        });
    }
    let switch = edge.get("switch")?;
    let on = switch
        .get("on")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let cases = switch
        .get("cases")?
        .as_object()?
        .iter()
        .filter_map(|(case, to)| Some((case.clone(), to.as_str()?.to_string())))
        .collect();
    Some(FlowEdge::Switch { from, on, cases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_order_and_reads_legacy_kind() {
        let flow = FlowDefinition::from_value(json!({
            "name": "f", "startAt": "z",
            "nodes": {
                "z": {"nodeType": "acp"},
                "a": {"kind": "compute"},
                "m": {"nodeType": "decision", "options": {"x": "y"}},
                "q": {}
            },
            "edges": [
                {"from": "z", "to": "a"},
                {"from": "a", "switch": {"on": "$.route", "cases": {"yes": "z", "no": "m"}}},
                {"from": "m", "future": true}
            ]
        }))
        .expect("flow");
        let ids: Vec<_> = flow.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["z", "a", "m", "q"]);
        let types: Vec<_> = flow.nodes.iter().map(|n| n.node_type.as_str()).collect();
        assert_eq!(types, ["acp", "compute", "decision", "unknown"]);
        assert_eq!(flow.edges.len(), 2);
        assert_eq!(flow.unknown_edges.len(), 1);
        assert_eq!(
            flow.edge_from("a").map(FlowEdge::targets),
            Some(vec!["z", "m"])
        );
    }

    #[test]
    fn rejects_non_objects() {
        assert!(FlowDefinition::from_value(json!([1])).is_err());
        assert!(FlowDefinition::from_value(json!({"nodes": 3})).is_err());
    }
}
