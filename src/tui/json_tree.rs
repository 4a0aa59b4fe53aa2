//! A JSON value as foldable lines: objects and arrays can be folded to one
//! line (`{…} 3 keys`), keyed by their JSON-pointer path. `lines_capped`
//! stops building at a line count and only counts the rest, so a value of
//! millions of lines costs a screenful and a count.

use std::collections::HashSet;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Key(String),
    Punct(String),
    String(String),
    Number(String),
    Literal(String),
    Summary(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonLine {
    pub depth: usize,
    /// JSON pointer of the value that starts on this line.
    pub path: String,
    /// The line opens an object or array that can be folded.
    pub foldable: bool,
    pub folded: bool,
    pub tokens: Vec<Token>,
}

/// Flattens `value` into lines, honouring folded paths.
pub fn lines(value: &Value, folded: &HashSet<String>) -> Vec<JsonLine> {
    lines_capped(value, folded, usize::MAX).0
}

/// The first `max` lines of `lines(value, folded)` and how many follow.
pub fn lines_capped(value: &Value, folded: &HashSet<String>, max: usize) -> (Vec<JsonLine>, usize) {
    let mut out = Out {
        lines: Vec::new(),
        max,
        more: 0,
    };
    push(value, None, String::new(), 0, true, folded, &mut out);
    (out.lines, out.more)
}

struct Out {
    lines: Vec<JsonLine>,
    max: usize,
    /// Lines past `max`, counted rather than built.
    more: usize,
}

impl Out {
    fn push(&mut self, line: JsonLine) {
        self.lines.push(line);
    }

    fn full(&self) -> bool {
        self.lines.len() >= self.max
    }
}

/// How many lines `value` takes unfolded (what lies past the cap; folds
/// there cannot have been made on screen).
fn count(value: &Value) -> usize {
    match value {
        Value::Object(map) if !map.is_empty() => 2 + map.values().map(count).sum::<usize>(),
        Value::Array(items) if !items.is_empty() => 2 + items.iter().map(count).sum::<usize>(),
        _ => 1,
    }
}

fn push(
    value: &Value,
    key: Option<&str>,
    path: String,
    depth: usize,
    last: bool,
    folded: &HashSet<String>,
    out: &mut Out,
) {
    if out.full() {
        out.more += if folded.contains(&path) {
            1
        } else {
            count(value)
        };
        return;
    }
    let mut tokens = Vec::new();
    if let Some(key) = key {
        tokens.push(Token::Key(json_string(key)));
        tokens.push(Token::Punct(": ".to_string()));
    }
    let comma = if last { "" } else { "," };
    let (open, close, children): (&str, &str, Vec<(Option<String>, &Value)>) = match value {
        Value::Object(map) => (
            "{",
            "}",
            map.iter().map(|(k, v)| (Some(k.clone()), v)).collect(),
        ),
        Value::Array(items) => ("[", "]", items.iter().map(|v| (None, v)).collect()),
        scalar => {
            tokens.push(scalar_token(scalar));
            tokens.push(Token::Punct(comma.to_string()));
            out.push(JsonLine {
                depth,
                path,
                foldable: false,
                folded: false,
                tokens,
            });
            return;
        }
    };
    if children.is_empty() {
        tokens.push(Token::Punct(format!("{open}{close}{comma}")));
        out.push(JsonLine {
            depth,
            path,
            foldable: false,
            folded: false,
            tokens,
        });
        return;
    }
    let is_folded = folded.contains(&path);
    if is_folded {
        let what = match value {
            Value::Object(_) => format!("{} keys", children.len()),
            _ => format!("{} items", children.len()),
        };
        tokens.push(Token::Punct(format!("{open}…{close}")));
        tokens.push(Token::Summary(format!(" {what}")));
        tokens.push(Token::Punct(comma.to_string()));
        out.push(JsonLine {
            depth,
            path,
            foldable: true,
            folded: true,
            tokens,
        });
        return;
    }
    tokens.push(Token::Punct(open.to_string()));
    out.push(JsonLine {
        depth,
        path: path.clone(),
        foldable: true,
        folded: false,
        tokens,
    });
    let count = children.len();
    for (i, (child_key, child)) in children.into_iter().enumerate() {
        let segment = match &child_key {
            Some(k) => k.replace('~', "~0").replace('/', "~1"),
            None => i.to_string(),
        };
        push(
            child,
            child_key.as_deref(),
            format!("{path}/{segment}"),
            depth + 1,
            i + 1 == count,
            folded,
            out,
        );
    }
    if out.full() {
        out.more += 1;
        return;
    }
    out.push(JsonLine {
        depth,
        path: format!("{path}#end"),
        foldable: false,
        folded: false,
        tokens: vec![Token::Punct(format!("{close}{comma}"))],
    });
}

fn scalar_token(value: &Value) -> Token {
    match value {
        Value::String(s) => Token::String(json_string(s)),
        Value::Number(n) => Token::Number(n.to_string()),
        other => Token::Literal(other.to_string()),
    }
}

/// The most of a string a line shows (a line is a screen's width; a
/// string of 50 MB would otherwise be encoded at every frame).
const STRING_SHOWN: usize = 1024;

/// A string as JSON writes it (`\u001b`, not Rust's `\u{1b}`); a long one
/// cut, the cut marked `…` inside the quotes.
fn json_string(s: &str) -> String {
    let mut cut = s.len().min(STRING_SHOWN);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let shown = serde_json::to_string(&s[..cut]).unwrap_or_else(|_| format!("{s:?}"));
    if cut == s.len() {
        return shown;
    }
    format!("{}…\"", shown.strip_suffix('"').unwrap_or(&shown))
}

/// The text of a line without styling (tests, search).
pub fn line_text(line: &JsonLine) -> String {
    let mut text = "  ".repeat(line.depth);
    for token in &line.tokens {
        match token {
            Token::Key(s)
            | Token::Punct(s)
            | Token::String(s)
            | Token::Number(s)
            | Token::Literal(s)
            | Token::Summary(s) => text.push_str(s),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_prints_and_folds() {
        let value = json!({"a": 1, "b": {"c": [true, null]}, "e": {}});
        let all: Vec<String> = lines(&value, &HashSet::new())
            .iter()
            .map(line_text)
            .collect();
        assert_eq!(
            all,
            [
                "{",
                "  \"a\": 1,",
                "  \"b\": {",
                "    \"c\": [",
                "      true,",
                "      null",
                "    ]",
                "  },",
                "  \"e\": {}",
                "}"
            ]
        );
        let folded: HashSet<String> = ["/b".to_string()].into();
        let text: Vec<String> = lines(&value, &folded).iter().map(line_text).collect();
        assert_eq!(text[2], "  \"b\": {…} 1 keys,");
        assert_eq!(text.len(), 5);
    }

    #[test]
    fn a_capped_tree_builds_the_first_lines_and_counts_the_rest() {
        let value = json!({"a": [1, 2, {"b": [3, 4]}], "c": {"d": null}, "e": "x"});
        let all = lines(&value, &HashSet::new());
        for max in 0..=all.len() + 1 {
            let (first, more) = lines_capped(&value, &HashSet::new(), max);
            assert_eq!(first, all[..max.min(all.len())], "max {max}");
            assert_eq!(first.len() + more, all.len(), "max {max}");
        }
        let long = json!({"s": "é".repeat(STRING_SHOWN)});
        let text: Vec<String> = lines(&long, &HashSet::new())
            .iter()
            .map(line_text)
            .collect();
        assert_eq!(
            text[1],
            format!("  \"s\": \"{}…\"", "é".repeat(STRING_SHOWN / 2))
        );
        let big = Value::Array((0..100_000).map(|i| json!({"i": i})).collect());
        let (first, more) = lines_capped(&big, &HashSet::new(), 50);
        assert_eq!((first.len(), more), (50, 2 + 100_000 * 3 - 50));
    }
}
