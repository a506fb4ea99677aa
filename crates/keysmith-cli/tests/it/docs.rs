//! The documentation stays true to the code.
//!
//! - docs/cli.md has a heading `` `keysmith CMD [SUB]` `` for every command
//!   and subcommand the binary lists, and no heading for one it does not
//!   have;
//! - every option a command's `--help` lists is named in that command's
//!   section (or its parent command's, or a section of options common to
//!   many commands), and every option an options table names exists;
//! - every relative link in README.md and docs/*.md points at a file that
//!   exists and, into a Markdown file, at a heading it has.

use assert_cmd::Command;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `keysmith WORDS --help`, which must succeed.
fn help(words: &[&str]) -> String {
    let out = Command::cargo_bin("keysmith")
        .unwrap()
        .args(words)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "`keysmith {} --help` failed: {}",
        words.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The indented lines of the help section that starts with `title`
/// (`Commands:`, `Options:`), up to the first line that is not indented.
fn help_section<'a>(help: &'a str, title: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .collect()
}

/// The subcommands a help text lists, without clap's `help`.
fn subcommands(help: &str) -> Vec<String> {
    help_section(help, "Commands:")
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The long options (`--name`) in `text`.
fn long_options(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("--") {
        let after = &rest[at + 2..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let before = rest[..at].chars().next_back();
        if !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            found.insert(format!("--{name}"));
        }
        rest = &after[name.len()..];
    }
    found
}

/// The long options a help text defines, with their aliases.
fn help_options(help: &str) -> BTreeSet<String> {
    let mut options = BTreeSet::new();
    for line in help_section(help, "Options:") {
        let t = line.trim_start();
        let defines = t.starts_with("--")
            || (t.starts_with('-') && t[1..].starts_with(|c: char| c.is_ascii_alphanumeric()));
        if defines || t.starts_with("[alias") {
            options.extend(long_options(t));
        }
    }
    options
}

/// Every command of the binary, as its words after `keysmith`, with its
/// help text.
fn binary_commands() -> BTreeMap<Vec<String>, String> {
    let mut commands = BTreeMap::new();
    for name in subcommands(&help(&[])) {
        let text = help(&[&name]);
        for sub in subcommands(&text) {
            let sub_help = help(&[&name, &sub]);
            commands.insert(vec![name.clone(), sub], sub_help);
        }
        commands.insert(vec![name], text);
    }
    commands
}

/// A Markdown file's lines outside fenced code blocks, with their numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// The text of a heading line, without its `#`s.
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    (rest.len() < line.len() && rest.starts_with(' ')).then(|| rest.trim())
}

/// The words of a command heading: `` `keysmith apikey check` `` gives
/// `["apikey", "check"]`.
fn command_heading(title: &str) -> Option<Vec<String>> {
    let inner = title.strip_prefix('`')?.strip_suffix('`')?;
    let mut words = inner.split(' ');
    (words.next() == Some("keysmith")).then(|| words.map(str::to_owned).collect())
}

/// A section of docs/cli.md: its heading and text up to the next heading.
struct Section {
    title: String,
    line: usize,
    text: String,
}

fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for (n, line) in prose_lines(text) {
        match heading(line) {
            Some(title) => out.push(Section {
                title: title.to_owned(),
                line: n,
                text: String::new(),
            }),
            None => {
                if let Some(s) = out.last_mut() {
                    s.text.push_str(line);
                    s.text.push('\n');
                }
            }
        }
    }
    out
}

/// The options named in the first cell of the rows of a section's tables.
fn table_options(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix('|'))
        .filter_map(|row| {
            // A `|` escaped as `\|` stays inside its cell.
            let cell = row.replace("\\|", "/");
            cell.split('|').next().map(long_options)
        })
        .flatten()
        .collect()
}

fn cli_md() -> (PathBuf, String) {
    let path = root().join("docs/cli.md");
    let text = read(&path);
    (path, text)
}

#[test]
fn every_command_is_documented_and_every_documented_command_exists() {
    let (path, text) = cli_md();
    let commands = binary_commands();
    let documented: BTreeMap<Vec<String>, usize> = sections(&text)
        .iter()
        .filter_map(|s| command_heading(&s.title).map(|w| (w, s.line)))
        .collect();
    assert!(
        commands.len() > 20 && documented.len() > 20,
        "too few commands found: the parsing of `--help` or of {} is broken",
        path.display()
    );
    let mut problems: Vec<String> = commands
        .keys()
        .filter(|w| !documented.contains_key(*w))
        .map(|w| {
            format!(
                "no heading for `keysmith {}`, a command of the binary (write ### `keysmith {}`)",
                w.join(" "),
                w.join(" ")
            )
        })
        .collect();
    problems.extend(
        documented
            .iter()
            .filter(|(w, _)| !commands.contains_key(*w))
            .map(|(w, line)| {
                format!(
                    "line {line}: `keysmith {}` is not a command of the binary",
                    w.join(" ")
                )
            }),
    );
    assert!(
        problems.is_empty(),
        "{} and the binary's commands disagree:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
}

#[test]
fn every_option_is_documented_and_every_documented_option_exists() {
    let (path, text) = cli_md();
    let commands = binary_commands();
    let sections = sections(&text);
    let by_command: BTreeMap<Vec<String>, &Section> = sections
        .iter()
        .filter_map(|s| command_heading(&s.title).map(|w| (w, s)))
        .collect();
    let common: BTreeSet<String> = sections
        .iter()
        .filter(|s| s.title.starts_with("Options every"))
        .flat_map(|s| long_options(&s.text))
        .collect();
    let global = help_options(&help(&[]));
    assert!(
        global.contains("--source"),
        "`keysmith --help` lists no --source: the parsing of its options is broken"
    );
    let mut problems = Vec::new();
    for option in &global {
        if !common.contains(option) {
            problems.push(format!(
                "{option} (an option of every command) is not in an \"Options every …\" section"
            ));
        }
    }
    for (words, help_text) in &commands {
        let name = format!("keysmith {}", words.join(" "));
        let Some(section) = by_command.get(words) else {
            continue; // reported by the test above
        };
        let mut named = long_options(&section.text);
        if words.len() > 1
            && let Some(parent) = by_command.get(&words[..1])
        {
            named.extend(long_options(&parent.text));
        }
        for option in help_options(help_text).difference(&global) {
            if !named.contains(option) && !common.contains(option) {
                problems.push(format!(
                    "`{name} --help` lists {option}, which its section (line {}) does not name",
                    section.line
                ));
            }
        }
        // A table may list the options of the command or of its
        // subcommands (options they share).
        let mut existing = help_options(help_text);
        for (other, other_help) in &commands {
            if other.len() > words.len() && other.starts_with(words) {
                existing.extend(help_options(other_help));
            }
        }
        for option in table_options(&section.text).difference(&existing) {
            problems.push(format!(
                "the table of `{name}` (line {}) names {option}, which `{name} --help` does not list",
                section.line
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} and the binary disagree:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces
/// as hyphens.
fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (a repeated one gets `-1`,
/// `-2`, … as on GitHub).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        if let Some(title) = heading(line) {
            let base = slug(title);
            let n = seen.entry(base.clone()).or_insert(0);
            out.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
    }
    out
}

/// The targets of the inline links `[text](target)` in a Markdown file's
/// prose, with their line numbers.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push((n, target.to_owned()));
            rest = &after[end..];
        }
    }
    out
}

/// README.md and every Markdown file under docs/.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let docs = root().join("docs");
    for entry in std::fs::read_dir(&docs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn every_relative_link_points_at_an_existing_file_and_heading() {
    let files = markdown_files();
    assert!(files.len() > 1, "no Markdown files under docs/");
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = read(file);
        let shown = file
            .strip_prefix(root())
            .unwrap_or(file)
            .display()
            .to_string();
        for (line, target) in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !dest.exists() {
                broken.push(format!("{shown}:{line}: ({target}): no file {path}"));
                continue;
            }
            if !anchor.is_empty()
                && dest.extension().is_some_and(|e| e == "md")
                && !anchors(&read(&dest)).contains(anchor)
            {
                broken.push(format!(
                    "{shown}:{line}: ({target}): {} has no heading with the anchor #{anchor}",
                    if path.is_empty() { &shown } else { path }
                ));
            }
        }
    }
    assert!(
        checked > 10,
        "too few relative links found: the link parsing is broken"
    );
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

/// The parsers above, on small inputs, so that a test that passes has
/// looked at something.
#[test]
fn the_parsers_find_what_they_look_for() {
    assert_eq!(slug("`POST /v1/leaks/github`"), "post-v1leaksgithub");
    assert_eq!(slug("Python → keysmith"), "python--keysmith");
    assert_eq!(
        command_heading("`keysmith apikey check`"),
        Some(vec!["apikey".to_owned(), "check".to_owned()])
    );
    assert_eq!(command_heading("Exit status"), None);
    assert_eq!(
        long_options("`--no-lower`, x--y, `--min-digits N` --"),
        ["--min-digits", "--no-lower"].map(String::from).into()
    );
    assert_eq!(
        table_options("| `--a X` | b --c |\n| `--case x\\|y` | z |\ntext --d\n"),
        ["--a", "--case"].map(String::from).into()
    );
    let help = "Usage: x\n\nCommands:\n  new  Make\n  help  Print\n\nOptions:\n      --prefix <P>\n          [alias: --pre]\n          - fast: --not-this\n  -n, --count <N>\n\nAfter --help text\n";
    assert_eq!(subcommands(help), ["new"]);
    assert_eq!(
        help_options(help),
        ["--count", "--pre", "--prefix"].map(String::from).into()
    );
    assert_eq!(
        link_targets("[a](b.md#c) and [d](https://e)\n```\n[f](g)\n```\n"),
        vec![(1, "b.md#c".to_owned()), (1, "https://e".to_owned())]
    );
    assert!(anchors("# A b\n## A b\n```\n# not\n```\n").contains("a-b-1"));
}
