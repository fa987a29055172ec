//! Charts rendered from plain numbers into PNG and SVG files.
//!
//! This module knows nothing of AWS, model files or the simulator: callers hand it series of
//! numbers with names and labels, and get `<stem>.png` (for eyes) and `<stem>.svg` (for
//! documents) next to each other. Both files are rendered fully in memory and written atomically,
//! so an interrupted run never leaves a truncated chart. Text uses the embedded DejaVu Sans font,
//! so rendering does not depend on the fonts installed on the machine.
//!
//! Data is taken as it comes: NaN and infinite values are skipped, empty or single-point series
//! and all-zero data give a readable (if sparse) chart, and logarithmic axes clamp zero and
//! negative values to a floor instead of failing.

mod axis;
mod bars;
mod frame;
mod grid;
mod legend;
mod line;
mod scatter;
mod style;
mod timeline;

#[cfg(test)]
mod tests;

use anyhow::Result;
use std::path::Path;

/// Pixel size of line, time-series and scatter charts (width, height).
pub const CHART_SIZE: (u32, u32) = (1200, 700);

/// A named sequence of points, drawn as one line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// Drawn in this order (the caller sorts by x if that is what the line should follow).
    pub points: Vec<Point>,
}

/// One data point with an optional confidence band `lo..=hi` around `y`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    /// Lower edge of the confidence band at `x`; the band is drawn where both edges are given.
    pub lo: Option<f64>,
    /// Upper edge of the confidence band at `x`.
    pub hi: Option<f64>,
    /// A second, wider band `(low, high)` drawn beneath the confidence band: how far `y` moves
    /// when inputs the data cannot pin down vary (see [`LineChart::spread_label`]).
    pub spread: Option<(f64, f64)>,
}

impl Point {
    /// A point without a confidence band.
    pub fn new(x: f64, y: f64) -> Point {
        Point {
            x,
            y,
            lo: None,
            hi: None,
            spread: None,
        }
    }

    /// A point with a confidence band from `lo` to `hi`.
    pub fn with_band(x: f64, y: f64, lo: f64, hi: f64) -> Point {
        Point {
            x,
            y,
            lo: Some(lo),
            hi: Some(hi),
            spread: None,
        }
    }

    /// The point with a spread band from `low` to `high`.
    pub fn with_spread(self, low: f64, high: f64) -> Point {
        Point {
            spread: Some((low, high)),
            ..self
        }
    }
}

/// Everything a line or time-series chart shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// Bold heading at the top; shortened with "…" if wider than the chart.
    pub title: String,
    /// Grey line under the title (scenario, parameters).
    pub subtitle: Option<String>,
    /// x-axis description, with units, e.g. "consumers per shard".
    pub x_label: String,
    /// y-axis description, with units, e.g. "p99 read latency (ms)".
    pub y_label: String,
    /// One line per series, coloured in order.
    pub series: Vec<Series>,
    /// Logarithmic y axis spanning whole decades; values ≤ 0 are drawn on its bottom edge.
    pub log_y: bool,
    /// A labelled dashed red reference line at this y (a limit, a target).
    pub hline: Option<(f64, String)>,
    /// The legend entry of the points' spread bands (drawn hatched-light in each series'
    /// colour with dotted edges); needed for the spreads to show.
    pub spread_label: Option<String>,
}

/// Writes `<stem>.png` and `<stem>.svg` (1200×700): each series as a line with markers, in a
/// distinct colour (after 12 series colours repeat with other markers and dashed lines); where
/// points have both `lo` and `hi`, a translucent band in the series colour. The legend sits
/// beside the plot, never over it. NaN/infinite values are skipped; a chart without any
/// usable point says "no data". Parent folders are created.
pub fn line_chart(stem: &Path, chart: &LineChart) -> Result<()> {
    line::write(stem, chart, line::Kind::Sweep)
}

/// Writes `<stem>.png` and `<stem>.svg` (1200×700) in the style of a CloudWatch per-minute
/// graph: x is minutes since start (described as "time (min)" unless `chart.x_label` says
/// otherwise), one thin straight-segment line per series, no markers, and a linear y axis
/// starting at 0 for non-negative data (`log_y` is honoured if set). Bands and `hline` are drawn
/// as in [`line_chart`].
pub fn timeseries_chart(stem: &Path, chart: &LineChart) -> Result<()> {
    line::write(stem, chart, line::Kind::TimeSeries)
}

/// The SVG text [`timeseries_chart`] would write, for a page that carries its charts inline.
pub fn timeseries_svg(chart: &LineChart) -> Result<String> {
    line::svg(chart, line::Kind::TimeSeries)
}

/// A horizontal bar chart: one bar per row, drawn top to bottom in the given order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bars {
    pub title: String,
    pub subtitle: Option<String>,
    pub x_label: String,
    /// (label, length) per bar; non-finite lengths are skipped.
    pub rows: Vec<(String, f64)>,
    /// The x axis reaches at least this far (so charts of shares can all end at 1).
    pub x_max: f64,
}

/// Writes `<stem>.png` and `<stem>.svg` (1200×700): horizontal bars from zero with their labels
/// on the left and their values at their ends.
pub fn bar_chart(stem: &Path, bars: &Bars) -> Result<()> {
    bars::write(stem, bars)
}

/// One configuration in a cost-versus-latency scatter plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScatterPoint {
    /// Written next to the point.
    pub label: String,
    /// Points of the same group share a colour and a legend entry.
    pub group: String,
    pub x: f64,
    pub y: f64,
}

/// Writes `<stem>.png` and `<stem>.svg` (1200×700): each point coloured by group and labelled,
/// with the Pareto frontier (points no other point beats on both x and y, smaller being better
/// on both axes) ringed and joined by a dashed staircase. Labels that would overlap other labels
/// are left out, except those of frontier points. Points with NaN/infinite coordinates are
/// skipped.
pub fn scatter_frontier(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[ScatterPoint],
) -> Result<()> {
    scatter::write(stem, title, x_label, y_label, points)
}

/// A teaching picture of GetRecords calls on one shard over a short window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    pub title: String,
    /// Shown time window in seconds (start, end); calls outside it are not drawn.
    pub window_s: (f64, f64),
    /// One row per reader, top to bottom in this order.
    pub rows: Vec<TimelineRow>,
    /// The per-shard call limit as shown, e.g. "5 calls/s"; its first number is drawn as the
    /// limit line of the calls-per-second band (no line if it has no number).
    pub limit_label: String,
    /// (time in s, records in flight or unread), drawn as a step line in the lower panel.
    pub in_flight: Vec<(f64, f64)>,
}

/// The calls one reader made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelineRow {
    /// Row label, e.g. "consumer A".
    pub reader: String,
    /// (time in s, outcome) of each call.
    pub calls: Vec<(f64, CallMark)>,
}

/// Outcome of one GetRecords call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallMark {
    /// Returned this many records (0 is drawn like [`CallMark::Empty`]).
    Ok { records: u64 },
    /// Returned no records.
    Empty,
    /// Rejected by the shard's limit.
    Throttled,
}

/// Writes `<stem>.png` and `<stem>.svg` (1200 wide; height grows with the number of readers):
/// a top band with stacked per-second call counts on the shard (accepted grey-blue, throttled
/// red) against the limit line; one row per reader with a green filled circle for each call that
/// returned records, a hollow grey circle for each empty call and a red X for each throttled
/// call; a lower panel with `in_flight` as a step line. All panels share the time axis; the
/// legend explains every mark.
pub fn timeline(stem: &Path, t: &Timeline) -> Result<()> {
    timeline::write(stem, t)
}
