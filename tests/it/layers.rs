//! Imports point one way: a module of `src/` may import only from the
//! layers before it, in the order the README's "For developers" writes
//! down: its `layers:` line for the crate's top-level modules, and one line
//! per folder (`engine:`, `scenario:`, ...) for the files inside it. A file
//! in a folder may import the folder's files listed before it, and anything
//! of the top-level layers below its folder; the folder's `mod.rs` (its
//! face) may use all of its files. A new module must be placed in the order
//! before it can be used. Test-only code (`#[cfg(test)]` items) is left
//! out, and so are comments and string literals; code after a test-only
//! item is checked like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::common::repo_file;

/// The README line that starts with `{label}:`, split on commas.
fn order(readme: &str, label: &str) -> Option<Vec<String>> {
    let prefix = format!("{label}:");
    let line = readme.lines().find(|l| l.starts_with(&prefix))?;
    Some(
        line[prefix.len()..]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// The code of a Rust file with comments, the contents of string and
/// character literals, and every `#[cfg(test)]` item taken out (an item
/// ends at its matching closing brace, or at its `;`).
fn code_of(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            i += body
                + rest[body..]
                    .find(&close)
                    .map_or(rest.len() - body, |e| e + close.len());
            code.push_str("\"\"");
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            i += j + 1;
            code.push_str("\"\"");
        } else if let Some(len) = char_literal(rest) {
            i += len;
            code.push_str("' '");
        } else {
            let c = rest.chars().next().unwrap();
            code.push(c);
            i += c.len_utf8();
        }
    }
    without_test_items(&code)
}

/// `r"`, `r#"`, `br##"`...: how many `#` the raw string uses.
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.len() - s.trim_start_matches('#').len();
    s[hashes..].starts_with('"').then_some(hashes)
}

/// The length of a character literal at the start of `s` (`'{'`,
/// `'\n'`, `'\''`), or None for a lifetime (`'a`).
fn char_literal(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('\'')?;
    if let Some(esc) = rest.strip_prefix('\\') {
        return Some(2 + 1 + esc.find('\'')?);
    }
    let c = rest.chars().next()?;
    rest[c.len_utf8()..]
        .starts_with('\'')
        .then_some(2 + c.len_utf8())
}

/// `code` (comments and literals already out) less each `#[cfg(test)]`
/// item.
fn without_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let (mut depth, mut end) = (0usize, item.len());
        for (k, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 1 => {
                    end = k + 1;
                    break;
                }
                '}' => depth = depth.saturating_sub(1),
                ';' if depth == 0 => {
                    end = k + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The paths a use tree at the start of `s` names, each cut to its first
/// two segments: `model::Model` gives `[model, Model]`,
/// `{model, stats::{a, b}}` gives `[model]` and `[stats, a]`...
fn use_paths(s: &str) -> Vec<Vec<String>> {
    fn ident(s: &str) -> &str {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        &s[..end]
    }
    /// The top-level entries of a brace group starting after its `{`.
    fn group(s: &str) -> Vec<&str> {
        let (mut depth, mut from, mut out) = (0usize, 0, Vec::new());
        for (k, c) in s.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.push(&s[from..k]);
                    return out;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(&s[from..k]);
                    from = k + 1;
                }
                _ => {}
            }
        }
        out.push(&s[from..]);
        out
    }
    let s = s.trim_start();
    if let Some(inner) = s.strip_prefix('{') {
        return group(inner).into_iter().flat_map(use_paths).collect();
    }
    let first = ident(s);
    if first.is_empty() {
        return Vec::new();
    }
    let after = s[first.len()..].trim_start();
    let Some(next) = after.strip_prefix("::") else {
        return vec![vec![first.to_string()]];
    };
    let next = next.trim_start();
    let seconds: Vec<String> = match next.strip_prefix('{') {
        Some(inner) => group(inner)
            .into_iter()
            .map(|e| ident(e.trim_start()).to_string())
            .collect(),
        None => vec![ident(next).to_string()],
    };
    seconds
        .into_iter()
        .map(|second| {
            let mut path = vec![first.to_string()];
            if !second.is_empty() && second != "self" {
                path.push(second);
            }
            path
        })
        .collect()
}

/// Every path the code names after `prefix` (`crate::` or `super::`), cut
/// to two segments; a prefix preceded by an identifier character
/// (`leadsim_crate::`) is not one.
fn imports(code: &str, prefix: &str) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        found.extend(use_paths(&code[at + prefix.len()..]));
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import that points up the order, as "file imports module".
/// `folders` holds each folder's order of files.
fn violations(
    src: &Path,
    layers: &[String],
    folders: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let rank = |list: &[String], name: &str| list.iter().position(|m| m == name);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let shown = rel.display().to_string();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let module = &parts[0];
        let Some(mine) = rank(layers, module) else {
            out.push(format!("{shown} is in no layer"));
            continue;
        };
        if parts.len() > 2 {
            out.push(format!("{shown} is nested deeper than one folder"));
            continue;
        }
        // Within a folder: the file's place in the folder's order (None
        // for the folder's face, `mod.rs`, which may use all its files).
        let inner: Option<(&Vec<String>, usize)> = match parts.get(1) {
            Some(name) if name != "mod" => {
                let Some(list) = folders.get(module) else {
                    out.push(format!("{shown}: the README lists no `{module}:` order"));
                    continue;
                };
                let Some(at) = rank(list, name) else {
                    out.push(format!("{shown} is in no `{module}:` layer"));
                    continue;
                };
                Some((list, at))
            }
            _ => None,
        };
        let sibling = |used: &str, out: &mut Vec<String>| {
            if let Some((list, at)) = inner {
                if rank(list, used).is_some_and(|theirs| theirs >= at) {
                    out.push(format!(
                        "{shown} imports `{module}::{used}`, a layer above `{}`",
                        parts[1]
                    ));
                }
            }
        };
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for path in imports(&code, "crate::") {
            let used = &path[0];
            if used == module {
                if let Some(second) = path.get(1) {
                    sibling(second, &mut out);
                }
                continue;
            }
            match rank(layers, used) {
                Some(theirs) if theirs < mine => {}
                Some(_) => out.push(format!(
                    "{shown} imports `{used}`, a layer above `{module}`"
                )),
                None => out.push(format!("{shown} imports `{used}`, which is in no layer")),
            }
        }
        if parts.len() == 2 {
            for path in imports(&code, "super::") {
                sibling(&path[0], &mut out);
            }
        }
    }
    out
}

/// The folders of `src/` and their orders from the README.
fn folder_orders(readme: &str, src: &Path) -> BTreeMap<String, Vec<String>> {
    let mut folders = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if let Some(list) = order(readme, &name) {
                folders.insert(name, list);
            }
        }
    }
    folders
}

#[test]
fn imports_point_down_the_layers_the_readme_lists() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let layers = order(&readme, "layers").expect("the README has a `layers:` line");
    let src = repo_file("src");
    let folders = folder_orders(&readme, &src);
    let found = violations(&src, &layers, &folders);
    assert!(
        found.is_empty(),
        "imports that point up the layers (README, \"For developers\"):\n  {}",
        found.join("\n  ")
    );
    // Every folder's order names exactly its files.
    for (folder, list) in &folders {
        let mut files: Vec<String> = std::fs::read_dir(src.join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter_map(|f| f.strip_suffix(".rs").map(String::from))
            .filter(|f| f != "mod")
            .collect();
        files.sort();
        let mut listed = list.clone();
        listed.sort();
        assert_eq!(
            listed, files,
            "the README's `{folder}:` line lists its files"
        );
    }
}

/// The source tree keeps its shape: at most 12 files at `src/`'s top level
/// (the pipeline; the commands built on a run sit in `analyses/`), no file
/// over 800 lines, and no function over 120.
#[test]
fn the_source_tree_keeps_its_shape() {
    let src = repo_file("src");
    let top = std::fs::read_dir(&src)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "rs")
        })
        .count();
    assert!(top <= 12, "{top} files at src/'s top level (at most 12)");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        let lines = text.lines().count();
        if lines > 800 {
            problems.push(format!("{rel}: {lines} lines (at most 800)"));
        }
        for (name, len) in long_functions(&text, 120) {
            problems.push(format!("{rel}: fn {name} is {len} lines (at most 120)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The functions of a file longer than `most` lines, from the line of
/// their `fn` to their closing brace, indented as the `fn` is.
fn long_functions(text: &str, most: usize) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let signature = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
        ]
        .iter()
        .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = signature else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
            let len = end + 2;
            if len > most {
                out.push((name, len));
            }
        }
    }
    out
}

/// The check itself finds an upward import, in both forms, across a
/// folder, and after a test-only item; it ignores comments, strings and
/// tests.
#[test]
fn the_layer_check_sees_upward_imports() {
    let text = "//! crate::report in a comment\nuse crate::{model::Model, report::{csv, json}};\nfn f() { crate::stats::mean(); let s = \"crate::plot {\"; }\n#[cfg(test)]\nfn helper() { crate::plot::x(); }\nfn g() { crate::sweep::run(); }\n#[cfg(test)]\nmod tests { use crate::plot; fn t() { let c = '{'; } }\n";
    let found: BTreeSet<String> = imports(&code_of(text), "crate::")
        .into_iter()
        .map(|p| p[0].clone())
        .collect();
    assert_eq!(
        found,
        ["model", "report", "stats", "sweep"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("model.rs"), "use crate::report::x;\n").unwrap();
    std::fs::write(src.join("report.rs"), "use crate::model::y;\n").unwrap();
    std::fs::create_dir(src.join("engine")).unwrap();
    std::fs::write(src.join("engine/mod.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("engine/a.rs"), "use super::b::Thing;\n").unwrap();
    std::fs::write(
        src.join("engine/b.rs"),
        "#[cfg(test)]\nfn t() {}\nuse crate::engine::{a::Other, Sim};\n",
    )
    .unwrap();
    let layers = ["model", "engine", "report"].map(String::from);
    let folders = BTreeMap::from([("engine".to_string(), vec!["a".into(), "b".into()])]);
    assert_eq!(
        violations(src, &layers, &folders),
        vec![
            "engine/a.rs imports `engine::b`, a layer above `a`".to_string(),
            "model.rs imports `report`, a layer above `model`".to_string(),
        ]
    );
    // b imports a (below it) and the folder's face: both allowed; with the
    // order reversed, b's import is the upward one.
    let long = format!(
        "fn big() {{\n{}}}\nfn small() {{\n}}\n",
        "    x;\n".repeat(130)
    );
    assert_eq!(long_functions(&long, 120), vec![("big".to_string(), 132)]);
    let reversed = BTreeMap::from([("engine".to_string(), vec!["b".into(), "a".into()])]);
    assert_eq!(
        violations(src, &layers, &reversed),
        vec![
            "engine/b.rs imports `engine::a`, a layer above `b`".to_string(),
            "model.rs imports `report`, a layer above `model`".to_string(),
        ]
    );
}
