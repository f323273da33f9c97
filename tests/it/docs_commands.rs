//! The shell commands the docs show, checked against the real command line:
//! every `athm …` line of a shell block in `README.md` and `docs/` parses
//! (a renamed flag or command fails here, not in a reader's terminal), and
//! every `just …` line names a recipe of the justfile. (The commands that
//! run on any machine run in `cli.rs`: `migrate`, `healthcheck`.)

use std::path::{Path, PathBuf};

use athm_app::Cli;
use clap::Parser;
use clap::error::ErrorKind;

/// A command line of a doc: where it is, and its words without the
/// leading `VAR=value` assignments.
#[derive(Debug)]
struct Shown {
    place: String,
    words: Vec<String>,
}

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// README.md and every docs/*.md.
fn docs() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let docs = std::fs::read_dir(root().join("docs")).expect("docs/ is readable");
    files.extend(
        docs.filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "md")),
    );
    files.sort();
    files
}

/// The command lines of the shell blocks of `file` (continuations joined,
/// `$ ` prompts and `#` comments dropped, `&&` chains split).
fn shell_commands(file: &Path) -> Vec<Shown> {
    let text = std::fs::read_to_string(file).expect("the doc is readable");
    let name = file
        .strip_prefix(root())
        .unwrap_or(file)
        .display()
        .to_string();
    let mut shown = Vec::new();
    let mut in_shell = false;
    let mut pending = String::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(fence) = trimmed.strip_prefix("```") {
            in_shell = !in_shell && matches!(fence, "sh" | "bash" | "shell" | "console");
            continue;
        }
        if !in_shell {
            continue;
        }
        let line = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
        if let Some(start) = line.strip_suffix('\\') {
            pending.push_str(start);
            continue;
        }
        let full = std::mem::take(&mut pending) + line;
        let command = full.split(" #").next().unwrap_or_default();
        for part in command.split("&&") {
            let Some(words) = shlex::split(part) else {
                panic!("{name}:{}: unbalanced quotes in {part:?}", number + 1);
            };
            let words: Vec<String> = words
                .into_iter()
                .skip_while(|word| is_assignment(word))
                .collect();
            if !words.is_empty() {
                shown.push(Shown {
                    place: format!("{name}:{}", number + 1),
                    words,
                });
            }
        }
    }
    shown
}

/// `NAME=value`, as a shell reads a leading assignment.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// Every command line the docs show.
fn every_shown() -> Vec<Shown> {
    docs()
        .iter()
        .flat_map(|file| shell_commands(file))
        .collect()
}

#[test]
fn every_athm_command_in_the_docs_parses() {
    let athm: Vec<Shown> = every_shown()
        .into_iter()
        .filter(|shown| shown.words[0] == "athm")
        .collect();
    assert!(athm.len() >= 10, "only {} athm commands found", athm.len());
    let failures: Vec<String> = athm
        .iter()
        .filter_map(|shown| match Cli::try_parse_from(&shown.words) {
            Ok(_) => None,
            Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
                None
            }
            Err(e) => Some(format!("{}: {}\n{e}", shown.place, shown.words.join(" "))),
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_just_command_in_the_docs_is_a_recipe() {
    let justfile = std::fs::read_to_string(root().join("justfile")).expect("the justfile");
    let recipes: Vec<&str> = justfile
        .lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|line| line.split([' ', ':']).next())
        .collect();
    let failures: Vec<String> = every_shown()
        .into_iter()
        .filter(|shown| shown.words[0] == "just" && shown.words.len() > 1)
        .filter(|shown| !recipes.contains(&shown.words[1].as_str()))
        .map(|shown| format!("{}: {}", shown.place, shown.words.join(" ")))
        .collect();
    assert!(
        failures.is_empty(),
        "no such recipe:\n{}",
        failures.join("\n")
    );
}
