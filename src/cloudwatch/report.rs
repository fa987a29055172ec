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
    fn warnings(&self) -> Vec<String> {
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
        if self.points == 0 {
            out.push(format!("{id}: no data points"));
        }
        out
    }

    /// Earlier pages are `PartialData` whenever CloudWatch paginates; only the last one counts,
    /// plus any error on any page.
    fn status_warning(&self) -> Option<String> {
        let id = &self.id;
        let bad = self
            .statuses
            .iter()
            .enumerate()
            .find(|(_, s)| !matches!(s.as_str(), "Complete" | "PartialData"));
        if let Some((i, s)) = bad {
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
