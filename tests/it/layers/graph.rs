//! The file-level import graph of src/ and the circles in it: every path a file names traced
//! through imports and re-exports to the file that defines it, and the strongly connected
//! components of the graph, each shown as its shortest circle. A use is seen through the paths a
//! file writes: calling a method of a type defined elsewhere adds no edge.

use super::source::{defines, File};
use std::collections::{BTreeMap, VecDeque};

/// The index of the file that defines what `path` names, following imports and re-exports.
pub(super) fn defining_file(
    files: &[File],
    by_module: &BTreeMap<&[String], usize>,
    path: &[String],
) -> usize {
    let mut path = path.to_vec();
    for _ in 0..32 {
        let k = (0..=path.len())
            .rev()
            .find(|k| by_module.contains_key(&path[..*k]))
            .unwrap();
        let file = &files[by_module[&path[..k]]];
        if k == path.len() || path[k] == "*" || defines(&file.code, &path[k]) {
            return by_module[&path[..k]];
        }
        let named = file.imports.iter().find(|i| i.name == path[k]);
        let globbed = || {
            file.imports.iter().filter(|i| i.name == "*").find(|i| {
                let from = i.path[..i.path.len() - 1].to_vec();
                by_module.get(from.as_slice()).is_some_and(|&f| {
                    defines(&files[f].code, &path[k])
                        || files[f].imports.iter().any(|j| j.name == path[k])
                })
            })
        };
        match named.or_else(globbed) {
            Some(i) if i.name == "*" => {
                path = [&i.path[..i.path.len() - 1], &path[k..]].concat();
            }
            Some(i) => path = [&i.path[..], &path[k + 1..]].concat(),
            None => return by_module[&path[..k]],
        }
    }
    panic!("re-exports of {path:?} go round in a circle")
}

/// The file-level import graph: for each file, the files its code uses, each with one path that
/// makes it so.
pub(super) fn import_graph(files: &[File]) -> BTreeMap<String, BTreeMap<String, String>> {
    let by_module: BTreeMap<&[String], usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.module.as_slice(), i))
        .collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in files {
        let edges = graph.entry(f.rel.clone()).or_default();
        for r in &f.refs {
            let to = &files[defining_file(files, &by_module, r)];
            if to.rel != f.rel && !to.module.is_empty() {
                edges.entry(to.rel.clone()).or_insert_with(|| r.join("::"));
            }
        }
    }
    graph
}

/// The strongly connected components of `graph` with more than one node (Tarjan), each sorted.
pub(super) fn circles(graph: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        graph: &'a BTreeMap<String, BTreeMap<String, String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let graph = self.graph;
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in graph.get(v).into_iter().flat_map(|e| e.keys()) {
                if !self.index.contains_key(w.as_str()) {
                    self.visit(w);
                    self.low.insert(v, self.low[v].min(self.low[w.as_str()]));
                } else if self.stack.contains(&w.as_str()) {
                    self.low.insert(v, self.low[v].min(self.index[w.as_str()]));
                }
            }
            if self.low[v] == self.index[v] {
                let at = self.stack.iter().rposition(|x| *x == v).unwrap();
                let mut scc: Vec<String> = self.stack.drain(at..).map(str::to_string).collect();
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out.sort();
    t.out
}

/// The shortest circle through the first file of `scc`, each step with the path that makes it.
pub(super) fn circle_path(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    scc: &[String],
) -> String {
    let start = &scc[0];
    let mut came: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start.as_str()]);
    while let Some(v) = queue.pop_front() {
        for w in graph[v].keys().filter(|w| scc.contains(w)) {
            if w == start {
                let mut steps = vec![format!("{v} uses {}", graph[v][w])];
                let mut at = v;
                while at != start {
                    let prev = came[at];
                    steps.push(format!("{prev} uses {}", graph[prev][at]));
                    at = prev;
                }
                steps.reverse();
                return steps.join(", ");
            }
            if !came.contains_key(w.as_str()) {
                came.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("a strongly connected component has a circle through each of its files")
}
