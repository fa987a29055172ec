//! Reading one source file as the layer checks see it: its text without unit-test modules,
//! plain comments and literal contents; its `use` statements and the crate paths its code names,
//! each resolved to a path from the crate root.

use std::collections::BTreeSet;

pub(super) fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// What starts at `c[i]`, if it is not code: a comment, a string or a character literal.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Lexeme {
    Comment,
    DocComment,
    Literal,
}

/// The end (exclusive) and kind of the comment or literal that starts at `c[i]`, if one does.
fn lexeme(c: &[char], i: usize) -> Option<(usize, Lexeme)> {
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let after_ident = i > 0 && is_ident(c[i - 1]);
    match c[i] {
        '/' if at(i + 1) == '/' => {
            let end = (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len());
            let doc = (at(i + 2) == '/' && at(i + 3) != '/') || at(i + 2) == '!';
            Some((
                end,
                if doc {
                    Lexeme::DocComment
                } else {
                    Lexeme::Comment
                },
            ))
        }
        '/' if at(i + 1) == '*' => {
            let (mut depth, mut k) = (0, i);
            while k < c.len() {
                if c[k] == '/' && at(k + 1) == '*' {
                    depth += 1;
                    k += 2;
                } else if c[k] == '*' && at(k + 1) == '/' {
                    depth -= 1;
                    k += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    k += 1;
                }
            }
            Some((k, Lexeme::Comment))
        }
        '"' => {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            Some(((k + 1).min(c.len()), Lexeme::Literal))
        }
        'r' if !after_ident || (i > 0 && c[i - 1] == 'b' && !(i > 1 && is_ident(c[i - 2]))) => {
            let hashes = (i + 1..c.len()).take_while(|&k| c[k] == '#').count();
            if at(i + 1 + hashes) != '"' {
                return None;
            }
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let end = (start..c.len())
                .find(|&k| c[k..].starts_with(&close))
                .map_or(c.len(), |k| k + close.len());
            Some((end, Lexeme::Literal))
        }
        '\'' if at(i + 1) == '\\' => {
            let end = (i + 3..c.len()).find(|&k| c[k] == '\'').unwrap_or(c.len());
            Some((end + 1, Lexeme::Literal))
        }
        '\'' if at(i + 2) == '\'' => Some((i + 3, Lexeme::Literal)),
        _ => None,
    }
}

/// The index just after the `}` that closes the `{` at `c[open]`, skipping comments and literals.
fn matching_brace(c: &[char], open: usize) -> usize {
    let (mut depth, mut k) = (0usize, open);
    while k < c.len() {
        if let Some((end, _)) = lexeme(c, k) {
            k = end;
            continue;
        }
        match c[k] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
        k += 1;
    }
    c.len()
}

/// If a test module's declaration starts at `c[i]` (just after its `#[cfg(test)]`): its name,
/// the index after it, and whether its body is inline.
fn test_module(c: &[char], mut i: usize) -> Option<(String, usize, bool)> {
    let skip_ws = |mut k: usize| {
        while k < c.len() && c[k].is_whitespace() {
            k += 1;
        }
        k
    };
    let word = |k: usize| -> String { c[k..].iter().take_while(|&&ch| is_ident(ch)).collect() };
    loop {
        i = skip_ws(i);
        if c.get(i) == Some(&'#') {
            i = (i..c.len()).find(|&k| c[k] == ']')? + 1;
        } else {
            break;
        }
    }
    if word(i) == "pub" {
        i += 3;
        if c.get(i) == Some(&'(') {
            i = (i..c.len()).find(|&k| c[k] == ')')? + 1;
        }
        i = skip_ws(i);
    }
    if word(i) != "mod" {
        return None;
    }
    i = skip_ws(i + 3);
    let name = word(i);
    i = skip_ws(i + name.len());
    match c.get(i) {
        Some('{') => Some((name, matching_brace(c, i), true)),
        Some(';') => Some((name, i + 1, false)),
        _ => None,
    }
}

/// A file's text as the checks read it: without its unit-test modules, plain comments and the
/// contents of literals (documentation comments kept); and the names of the test modules it
/// declares in files of their own.
pub(super) fn checked_text(text: &str) -> (String, Vec<String>) {
    const CFG_TEST: &str = "#[cfg(test)]";
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut test_files, mut i) = (String::new(), Vec::new(), 0);
    while i < c.len() {
        if c[i..].starts_with(&CFG_TEST.chars().collect::<Vec<_>>()) {
            if let Some((name, end, inline)) = test_module(&c, i + CFG_TEST.len()) {
                if !inline {
                    test_files.push(name);
                }
                i = end;
                continue;
            }
        }
        match lexeme(&c, i) {
            Some((end, Lexeme::DocComment)) => {
                out.extend(&c[i..end]);
                i = end;
            }
            Some((end, Lexeme::Comment)) => {
                out.extend(c[i..end].iter().filter(|&&ch| ch == '\n'));
                i = end;
            }
            Some((end, Lexeme::Literal)) => {
                out.push_str("\"\"");
                i = end;
            }
            None => {
                out.push(c[i]);
                i += 1;
            }
        }
    }
    (out, test_files)
}

/// Expands a `use` tree such as `super::{a, b::{c, d}}` into its paths (`x as y` kept whole).
pub(super) fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree = tree.replace(" ::", "::").replace(":: ", "::");
    let tree = tree
        .replace("{ ", "{")
        .replace(" }", "}")
        .replace(", ", ",");
    let Some(open) = tree.find('{') else {
        return vec![tree.trim().to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// `path` (as written in the file of module `module`) as a path from the crate root: relative to
/// `crate`, `super` or `self`, or to one of the module's own child modules (in `children`).
pub(super) fn resolve(
    module: &[String],
    path: &str,
    children: &BTreeSet<String>,
) -> Option<Vec<String>> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Vec<String> = match segs.next()? {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        child if children.contains(child) => [module, &[child.to_string()]].concat(),
        _ => return None,
    };
    for s in segs {
        if s == "super" {
            base.pop();
        } else {
            base.push(s.to_string());
        }
    }
    Some(base)
}

/// One `use` of a file: the name it brings in (`*` for a glob), its path from the crate root,
/// and whether it is a re-export (`pub use`).
pub(super) struct Import {
    pub name: String,
    pub path: Vec<String>,
    pub public: bool,
}

/// One file of src/ as the checks see it.
pub(super) struct File {
    pub rel: String,
    pub module: Vec<String>,
    pub code: String,
    pub imports: Vec<Import>,
    /// Every crate path the file's own code refers to (its re-exports excluded).
    pub refs: Vec<Vec<String>>,
}

/// The `use` statements and the other crate paths of `code`, the file of `module`.
pub(super) fn read_refs(module: &[String], code: &str, children: &BTreeSet<String>) -> File {
    let mut imports = Vec::new();
    let mut rest = String::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let (public, t) = match t.strip_prefix("pub") {
            Some(after) if after.starts_with('(') => {
                (true, after[after.find(')').unwrap() + 1..].trim_start())
            }
            Some(after) => (true, after.trim_start()),
            None => (false, t),
        };
        let Some(tree) = t.strip_prefix("use ") else {
            rest.push_str(line);
            rest.push('\n');
            continue;
        };
        let mut statement = tree.to_string();
        while !statement.contains(';') {
            let Some(next) = lines.next() else { break };
            statement.push(' ');
            statement.push_str(next);
        }
        let statement = statement.split(';').next().unwrap_or("");
        for tree in expand_use(statement) {
            let (path, alias) = match tree.split_once(" as ") {
                Some((p, a)) => (p.trim(), Some(a.trim())),
                None => (tree.as_str(), None),
            };
            let Some(full) = resolve(module, path, children) else {
                continue;
            };
            let name = alias.or(path.rsplit("::").next()).unwrap_or("");
            let name = match name {
                "self" => full.last().cloned().unwrap_or_default(),
                n => n.to_string(),
            };
            imports.push(Import {
                name,
                path: full,
                public,
            });
        }
    }
    // A re-export is the file's own use only when its code names it too (a glob: always).
    let words: BTreeSet<&str> = rest.split(|c: char| !is_ident(c)).collect();
    let mut refs: Vec<Vec<String>> = imports
        .iter()
        .filter(|i| !i.public || i.name == "*" || words.contains(i.name.as_str()))
        .map(|i| i.path.clone())
        .collect();
    for w in rest.split(|c: char| !(is_ident(c) || c == ':')) {
        if w.contains("::") {
            if let Some(full) = resolve(module, w.trim_end_matches(':'), children) {
                refs.push(full);
            }
        }
    }
    refs.retain(|r| !r.is_empty());
    File {
        rel: String::new(),
        module: module.to_vec(),
        code: code.to_string(),
        imports,
        refs,
    }
}

/// Whether `code` defines an item named `name` (not merely imports it).
pub(super) fn defines(code: &str, name: &str) -> bool {
    const KINDS: &[&str] = &[
        "fn",
        "struct",
        "enum",
        "trait",
        "type",
        "const",
        "static",
        "union",
        "mod",
        "macro_rules",
    ];
    let words: Vec<&str> = code
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .any(|w| KINDS.contains(&w[0]) && w[1] == name)
}
