//! Imports point one way: a module of `src/` may import only from the
//! layers before it, in the order the README's "For developers" writes
//! down (its `layers:` line for the crate's top-level modules, its
//! `scenario:` line for the files of `src/scenario/`). A new module must be
//! placed in the order before it can be used.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::common::repo_file;

/// The README line that starts with `{label}:`, split on commas.
fn order(readme: &str, label: &str) -> Vec<String> {
    let prefix = format!("{label}:");
    let line = readme
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("the README's \"For developers\" has no `{prefix}` line"));
    line[prefix.len()..]
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The modules a file's code (comments and tests left out) names after
/// `prefix` (`crate::` or `super::`): `crate::model::Model` and
/// `crate::{model, stats::Estimate}` name `model` and `stats`.
fn imports(text: &str, prefix: &str) -> BTreeSet<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        // `super::` inside `crate::x::super::` does not occur; a `crate::`
        // preceded by an identifier character (`leadsim_crate::`) is not one.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of a brace group, nested groups skipped.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.insert(ident(item.trim()));
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
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
fn violations(src: &Path, layers: &[String], scenario: &[String]) -> Vec<String> {
    let rank = |list: &[String], name: &str| list.iter().position(|m| m == name);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let module = &parts[0];
        let Some(mine) = rank(layers, module) else {
            out.push(format!("{} is in no layer", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for used in imports(&text, "crate::") {
            match rank(layers, &used) {
                _ if used == *module => {}
                Some(theirs) if theirs < mine => {}
                Some(_) => out.push(format!(
                    "{} imports `{used}`, a layer above `{module}`",
                    rel.display()
                )),
                None => out.push(format!(
                    "{} imports `{used}`, which is in no layer",
                    rel.display()
                )),
            }
        }
        if module == "scenario" && parts.len() == 2 && parts[1] != "mod" {
            let Some(mine) = rank(scenario, &parts[1]) else {
                out.push(format!("{} is in no scenario layer", rel.display()));
                continue;
            };
            for used in imports(&text, "super::") {
                if let Some(theirs) = rank(scenario, &used) {
                    if theirs > mine {
                        out.push(format!(
                            "{} imports `scenario::{used}`, a layer above `{}`",
                            rel.display(),
                            parts[1]
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn imports_point_down_the_layers_the_readme_lists() {
    let readme = std::fs::read_to_string(repo_file("README.md")).unwrap();
    let layers = order(&readme, "layers");
    let scenario = order(&readme, "scenario");
    let found = violations(&repo_file("src"), &layers, &scenario);
    assert!(
        found.is_empty(),
        "imports that point up the layers (README, \"For developers\"):\n  {}",
        found.join("\n  ")
    );
}

/// The check itself finds an upward import, in both forms, and ignores
/// comments and tests.
#[test]
fn the_layer_check_sees_upward_imports() {
    let text = "//! crate::report in a comment\nuse crate::{model::Model, report::{csv, json}};\nfn f() { crate::stats::mean(); }\n#[cfg(test)]\nmod tests { use crate::plot; }\n";
    let found = imports(text, "crate::");
    assert_eq!(
        found,
        ["model", "report", "stats"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.rs"), "use crate::report::x;\n").unwrap();
    std::fs::write(dir.path().join("report.rs"), "use crate::model::y;\n").unwrap();
    let layers = ["model", "report"].map(String::from);
    assert_eq!(
        violations(dir.path(), &layers, &[]),
        vec!["model.rs imports `report`, a layer above `model`".to_string()]
    );
}
