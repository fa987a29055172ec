//! An experiment's architectures: its points grouped by their values on every axis but the
//! consumer count, each group named by those values. `sim plan` answers per architecture, and a
//! sweep over assumption sets names each one's deciding assumption; both group points here, so
//! an architecture has one name.

use super::{Experiment, Point};

impl Experiment {
    /// The axis of consumer counts: the first whose path ends in `.count`, else the x axis.
    pub fn count_axis(&self) -> Option<usize> {
        self.axes
            .iter()
            .position(|a| a.path.ends_with(".count"))
            .or(self.x_axis)
    }

    /// The name of the architecture of point `p`: its values on every axis but the count axis
    /// (`label=value`, or the model's name for the `model` axis), or `base model` when there are
    /// none.
    pub fn architecture(&self, p: &Point) -> String {
        let count = self.count_axis();
        let parts: Vec<String> = (p.values.iter().enumerate())
            .filter(|(i, _)| Some(*i) != count)
            .map(|(i, (path, v))| match path.as_str() {
                "model" => v.display(),
                _ => format!("{}={}", self.axes[i].label, v.display()),
            })
            .collect();
        if parts.is_empty() {
            "base model".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The points grouped by [`Experiment::architecture`], each group with its name and its
    /// points' indices, in first-seen order.
    pub fn architectures(&self) -> Vec<(String, Vec<usize>)> {
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for p in &self.points {
            let name = self.architecture(p);
            match groups.iter_mut().find(|g| g.0 == name) {
                Some(g) => g.1.push(p.index),
                None => groups.push((name, vec![p.index])),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn architectures_are_named_by_every_axis_but_the_count() {
        let exp = super::Experiment::open(Path::new("experiments/propagation.toml"), None).unwrap();
        let count = exp.count_axis().expect("a count axis");
        assert!(exp.axes[count].path.ends_with(".count"));
        let groups = exp.architectures();
        assert!(groups.len() > 1, "{groups:?}");
        let all: usize = groups.iter().map(|g| g.1.len()).sum();
        assert_eq!(all, exp.points.len());
        for (name, points) in &groups {
            assert!(!name.contains(&exp.axes[count].label), "{name}");
            for &p in points {
                assert_eq!(&exp.architecture(&exp.points[p]), name);
            }
        }
    }
}
