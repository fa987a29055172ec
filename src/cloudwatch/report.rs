//! What reading an export found worth knowing: per series (order, duplicates, gaps, status) and
//! for the export (queries skipped, messages from CloudWatch).

use super::time;

/// The order the points of a series came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Ascending,
    /// Newest first: the CLI's default (`ScanBy` `TimestampDescending`).
    Descending,
    /// Neither: sorted while reading.
    Mixed,
}

/// How one series was cleaned.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesNotes {
    pub id: String,
    pub period_s: u32,
    /// The `StatusCode` of each result entry (page) it came in, in file order.
    pub statuses: Vec<String>,
    pub order: Order,
    /// Points at a timestamp already seen; the later one in file order was kept.
    pub duplicates: usize,
    /// Of those, how many had a different value from the point kept.
    pub conflicting: usize,
    /// Runs of missing periods between two points.
    pub gaps: usize,
    pub missing_periods: u64,
    /// The last point before the first gap and the first point after it.
    pub first_gap: Option<(i64, i64)>,
    /// Steps between points that are not a whole number of periods.
    pub misaligned: usize,
    /// The shortest step between two points, in seconds (none with fewer than two points).
    pub shortest_step: Option<i64>,
    /// Points with a negative value (no metric sim reads can be negative), and the first.
    pub negative: usize,
    pub first_negative: Option<(i64, f64)>,
    pub points: usize,
}

/// A query or statistic that yields no series, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub id: String,
    /// The metric or expression, as named in the file.
    pub what: String,
    pub reason: String,
    /// Points that were in the results for it.
    pub points: usize,
}

/// Everything a reader noticed; [`Report::warnings`] says it in sentences.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// One per series returned, in the same order.
    pub series: Vec<SeriesNotes>,
    pub skipped: Vec<Skipped>,
    /// Export-wide remarks: CloudWatch's messages, a NextToken left over, queries without results.
    pub notes: Vec<String>,
}

impl Report {
    /// The notes of the series with this Id, if it is one.
    pub fn notes_of(&self, id: &str) -> Option<&SeriesNotes> {
        self.series.iter().find(|n| n.id == id)
    }

    /// The export-wide notes, and those of the series with these Ids: what a reader of only
    /// those series should be told.
    pub fn warnings_for(&self, ids: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .series
            .iter()
            .filter(|n| ids.contains(&n.id.as_str()))
            .flat_map(SeriesNotes::warnings)
            .collect();
        // A note about one query starts with its Id and a colon; the others are export-wide.
        let ours = |n: &&String| {
            let id = n.split(": ").next().unwrap_or("");
            ids.contains(&id) || !self.series.iter().any(|s| s.id == id)
        };
        out.extend(self.notes.iter().filter(ours).cloned());
        out
    }

    /// One sentence per thing the user should know, in file order.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.series.iter().flat_map(SeriesNotes::warnings).collect();
        out.extend(self.skipped.iter().map(|s| {
            let dropped = match s.points {
                0 => String::new(),
                n => format!(" ({n} points ignored)"),
            };
            format!("{}: {}: {}{dropped}", s.id, s.what, s.reason)
        }));
        out.extend(self.notes.iter().cloned());
        out
    }
}

impl SeriesNotes {
    /// Why the series cannot be used as data, if it cannot: CloudWatch answered with an error
    /// status, its points are closer together than its period (an export that does not match
    /// its queries file: per-minute points read as daily ones give rates 1,440 times too low), or
    /// it has negative values.
    pub fn unusable(&self) -> Option<String> {
        let id = &self.id;
        if let Some((i, s)) = self.error_status() {
            return Some(format!(
                "{id}: StatusCode {s} in result entry {}: CloudWatch did not return this series' data (expected Complete)",
                i + 1
            ));
        }
        if let Some(step) = self.shortest_step.filter(|&s| s < i64::from(self.period_s)) {
            return Some(format!(
                "{id}: points {step} s apart, but the query's Period is {} s: the export does not match its queries file",
                self.period_s
            ));
        }
        if let Some((t, v)) = self.first_negative {
            return Some(format!(
                "{id}: {} negative values, the first {v} at {}: this metric cannot be negative",
                self.negative,
                time::format(t)
            ));
        }
        None
    }

    /// The first result entry whose status is an error (not Complete or PartialData).
    fn error_status(&self) -> Option<(usize, &str)> {
        self.statuses
            .iter()
            .enumerate()
            .find(|(_, s)| !matches!(s.as_str(), "Complete" | "PartialData"))
            .map(|(i, s)| (i, s.as_str()))
    }

    /// One sentence per thing the user should know.
    pub fn warnings(&self) -> Vec<String> {
        let id = &self.id;
        let mut out = Vec::new();
        if self.order == Order::Mixed {
            out.push(format!(
                "{id}: timestamps were out of order; sorted oldest first"
            ));
        }
        if self.duplicates > 0 {
            out.push(format!(
                "{id}: {} timestamps appeared more than once; kept the later entry in the file ({} with a different value)",
                self.duplicates, self.conflicting
            ));
        }
        if let Some((before, after)) = self.first_gap {
            out.push(format!(
                "{id}: {} missing {} s periods in {} gaps, the first between {} and {}",
                self.missing_periods,
                self.period_s,
                self.gaps,
                time::format(before),
                time::format(after)
            ));
        }
        if self.misaligned > 0 {
            out.push(format!(
                "{id}: {} steps between points are not a whole number of {} s periods",
                self.misaligned, self.period_s
            ));
        }
        out.extend(self.status_warning());
        if let Some((t, v)) = self.first_negative {
            out.push(format!(
                "{id}: {} negative values, the first {v} at {}",
                self.negative,
                time::format(t)
            ));
        }
        if self.points == 0 {
            out.push(format!("{id}: no data points"));
        }
        out
    }

    /// Earlier pages are `PartialData` whenever CloudWatch paginates; only the last one counts,
    /// plus any error on any page.
    fn status_warning(&self) -> Option<String> {
        let id = &self.id;
        if let Some((i, s)) = self.error_status() {
            return Some(format!(
                "{id}: StatusCode {s} in result entry {}: data may be missing",
                i + 1
            ));
        }
        match self.statuses.last().map(String::as_str) {
            Some("PartialData") => Some(format!(
                "{id}: the last page is PartialData: CloudWatch had more points than were saved (fetch the next pages with NextToken)"
            )),
            _ => None,
        }
    }
}
