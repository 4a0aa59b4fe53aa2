//! The words of a tour line: comments, quoting and escapes (the lexical
//! rules in the module docs of `tour`).

/// Cuts a comment: a `#` at the start of a word, outside quotes.
pub(super) fn strip_comment(raw: &str) -> Result<&str, String> {
    let mut in_quote = false;
    let mut escaped = false;
    let mut previous_is_space = true;
    for (at, c) in raw.char_indices() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
        } else if c == '"' {
            in_quote = true;
        } else if c == '#' && previous_is_space {
            return Ok(&raw[..at]);
        }
        previous_is_space = c.is_whitespace();
    }
    if in_quote {
        return Err(unterminated());
    }
    Ok(raw)
}

pub(super) fn unterminated() -> String {
    "unterminated quote: close the string with `\"` on the same line".to_string()
}

/// Splits arguments: bare words and double-quoted strings.
pub(super) fn words(rest: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Ok(out),
            Some('"') => {
                let mut word = String::new();
                loop {
                    match chars.next() {
                        None => return Err(unterminated()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('"') => word.push('"'),
                            Some('\\') => word.push('\\'),
                            Some('n') => word.push('\n'),
                            Some('t') => word.push('\t'),
                            Some(other) => {
                                return Err(format!(
                                    "unknown escape `\\{other}` in a quoted string (use \\\", \\\\, \\n or \\t)"
                                ))
                            }
                            None => return Err(unterminated()),
                        },
                        Some(c) => word.push(c),
                    }
                }
                if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                    return Err(format!(
                        "a space must follow the closing quote of \"{word}\""
                    ));
                }
                out.push(word);
            }
            Some(first) => {
                let mut word = String::from(first);
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    word.push(c);
                }
                if word.contains('"') {
                    return Err(format!(
                        "unexpected quote in `{word}`: quote the whole argument"
                    ));
                }
                out.push(word);
            }
        }
    }
}

pub(super) fn args(
    command: &str,
    rest: &str,
    min: usize,
    max: usize,
    usage: &str,
) -> Result<Vec<String>, String> {
    let words = words(rest)?;
    if words.len() < min {
        let what = if min - words.len() == 1 && min > 1 {
            "an argument"
        } else if min > 1 {
            "arguments"
        } else {
            "its argument"
        };
        return Err(format!("`{command}` is missing {what}: {usage}"));
    }
    if let Some(extra) = words.get(max) {
        return Err(format!(
            "`{command}` has an extra argument `{extra}`: {usage}"
        ));
    }
    Ok(words)
}
