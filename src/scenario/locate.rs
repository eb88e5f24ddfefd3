//! Finds where a field path (`partners[2].response_hours.lognormal.p90`)
//! sits in the scenario text, so validation errors can carry
//! `file:line:col` as parse errors do.
//!
//! It runs only on text that serde_json has already accepted, so it can be a
//! simple scanner; on anything unexpected it stops and locates less, never
//! panics.

use std::collections::HashMap;

/// Byte offsets of every value in a JSON document, by field path.
pub struct Locator<'t> {
    offsets: HashMap<String, usize>,
    line_starts: Vec<usize>,
    text: &'t str,
}

/// The 1-based column, in characters (as an editor counts), of byte
/// `offset` of a line starting at byte `line_start`.
pub fn char_column(text: &str, line_start: usize, offset: usize) -> usize {
    let end = offset.min(text.len());
    let start = line_start.min(end);
    // `get` stays safe should an offset fall inside a character.
    text.get(start..end)
        .map_or(end - start, |s| s.chars().count())
        + 1
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut offsets = HashMap::new();
        let mut scanner = Scanner {
            bytes: text.as_bytes(),
            at: 0,
        };
        let mut path = String::new();
        scanner.value(&mut path, &mut offsets);
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Locator {
            offsets,
            line_starts,
            text,
        }
    }

    /// 1-based (line, column) of the value at `path`, or of its nearest
    /// ancestor present in the file (a defaulted field is not in it).
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(&offset) = self.offsets.get(p) {
                let line = self.line_starts.partition_point(|&s| s <= offset);
                let column = char_column(self.text, self.line_starts[line - 1], offset);
                return Some((line, column));
            }
            if p.is_empty() {
                return None;
            }
            p = &p[..p.rfind(['.', '[']).unwrap_or(0)];
        }
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Reads a string starting at its opening quote; returns its raw content.
    fn string(&mut self) -> Option<String> {
        let start = self.at + 1;
        self.at += 1;
        while let Some(b) = self.peek() {
            match b {
                b'\\' => self.at += 2,
                b'"' => {
                    let raw = &self.bytes[start..self.at];
                    self.at += 1;
                    return serde_json::from_slice::<String>(&self.bytes[start - 1..self.at])
                        .ok()
                        .or_else(|| Some(String::from_utf8_lossy(raw).into_owned()));
                }
                _ => self.at += 1,
            }
        }
        None
    }

    fn value(&mut self, path: &mut String, out: &mut HashMap<String, usize>) -> Option<()> {
        self.skip_ws();
        out.insert(path.clone(), self.at);
        match self.peek()? {
            b'{' => {
                self.at += 1;
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => {
                            self.at += 1;
                            return Some(());
                        }
                        b',' => self.at += 1,
                        b'"' => {
                            let key = self.string()?;
                            self.skip_ws();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.at += 1;
                            let len = path.len();
                            if !path.is_empty() {
                                path.push('.');
                            }
                            path.push_str(&key);
                            self.value(path, out)?;
                            path.truncate(len);
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        b',' => self.at += 1,
                        _ => {
                            let len = path.len();
                            path.push_str(&format!("[{index}]"));
                            self.value(path, out)?;
                            path.truncate(len);
                            index += 1;
                        }
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        break;
                    }
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_values_and_falls_back_to_ancestors() {
        let text = "{\n  \"name\": \"x\",\n  \"partners\": [\n    {\"name\": \"a\"},\n    {\"name\": \"b\", \"response_hours\": {\"lognormal\": {\"median\": 4, \"p90\": 3}}}\n  ]\n}";
        let l = Locator::new(text);
        assert_eq!(l.locate("name"), Some((2, 11)));
        assert_eq!(
            l.locate("partners[1].response_hours.lognormal.p90"),
            Some((5, 72))
        );
        // `capacity` is not in the file: its partner is located instead.
        assert_eq!(l.locate("partners[0].capacity"), Some((4, 5)));
        assert_eq!(l.locate("house.capacity"), Some((1, 1)));
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "",
            "{",
            "[1, {\"a\": ",
            "\"\\",
            "{\"a\" 1}",
            "{\"é\": [1,,2]}",
        ] {
            let l = Locator::new(text);
            let _ = l.locate("a[0].b");
        }
    }
}
