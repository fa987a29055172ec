//! The document tree every import reader builds (from JSON or YAML) before it is read as a
//! template, a Terraform plan or a CLI output: values with the line and column they were written
//! at, and the caps that keep a hostile file's tree bounded.

use std::fmt;

/// The deepest nesting read: CloudFormation, Terraform and CLI outputs nest a few tens deep.
pub(crate) const MAX_DEPTH: usize = 128;
/// The most values (scalars, lists and maps) one file may hold: a Terraform plan of a thousand
/// resources has about a hundred thousand. With [`MAX_BYTES`] it bounds an import's memory: a
/// 25 MB template of 120,000 resources, just under the cap, peaks at about 210 MiB.
pub(crate) const MAX_NODES: usize = 500_000;
/// The largest file read.
pub(crate) const MAX_BYTES: u64 = 32 << 20;

/// A place in a file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub v: Val,
    pub at: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    /// A number as written (JSON number, or a YAML plain scalar that reads as one).
    Num(String),
    Str(String),
    List(Vec<Node>),
    /// Keys in file order, each with where it was written.
    Map(Vec<(String, Pos, Node)>),
    /// A template value the importer could not resolve (a parameter without a default, an
    /// import from another stack), with why; only intrinsic resolution makes these.
    Unknown(String),
}

impl Node {
    pub(crate) fn new(v: Val, at: Pos) -> Node {
        Node { v, at }
    }

    /// The value of `key` when this is a map holding it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            Val::Map(m) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, n)| n),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(String, Pos, Node)] {
        match &self.v {
            Val::Map(m) => m,
            _ => &[],
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match &self.v {
            Val::List(l) => l,
            _ => &[],
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.v {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self.v, Val::Map(_))
    }

    /// What this value is, for a message ("a string", "a list", ...).
    pub(crate) fn kind(&self) -> &'static str {
        match self.v {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::List(_) => "a list",
            Val::Map(_) => "a map",
            Val::Unknown(_) => "an unresolved value",
        }
    }
}

/// Counts values against [`MAX_NODES`] and nesting against [`MAX_DEPTH`] while a reader builds
/// the tree; each check returns the message to place at the value that broke the cap.
#[derive(Default)]
pub(crate) struct Budget {
    nodes: usize,
}

/// A cap a file broke.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Cap {
    #[error(
        "more than {MAX_NODES} values: larger than any template, plan or CLI output sim imports"
    )]
    Values,
    #[error(
        "nested more than {MAX_DEPTH} levels deep: deeper than any template, plan or CLI output"
    )]
    Depth,
}

impl Budget {
    pub(crate) fn node(&mut self) -> Result<(), Cap> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Cap::Values);
        }
        Ok(())
    }

    pub(crate) fn depth(depth: usize) -> Result<(), Cap> {
        if depth > MAX_DEPTH {
            return Err(Cap::Depth);
        }
        Ok(())
    }
}
