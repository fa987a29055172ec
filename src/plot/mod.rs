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
mod chart;
mod error;
mod frame;
mod grid;
mod legend;
mod line;
mod scatter;
mod style;
mod timeline;

#[cfg(test)]
mod tests;

pub use chart::{
    Bars, CallMark, LineChart, Point, ScatterPoint, Series, Timeline, TimelineRow, CHART_SIZE,
};

pub use error::{PlotError, Result};
use std::path::Path;

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

/// Writes `<stem>.png` and `<stem>.svg` (1200×700): horizontal bars from zero with their labels
/// on the left and their values at their ends.
pub fn bar_chart(stem: &Path, bars: &Bars) -> Result<()> {
    bars::write(stem, bars)
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

/// Writes `<stem>.png` and `<stem>.svg` (1200 wide; height grows with the number of readers):
/// a top band with stacked per-second call counts on the shard (accepted grey-blue, throttled
/// red) against the limit line; one row per reader with a green filled circle for each call that
/// returned records, a hollow grey circle for each empty call and a red X for each throttled
/// call; a lower panel with `in_flight` as a step line. All panels share the time axis; the
/// legend explains every mark.
pub fn timeline(stem: &Path, t: &Timeline) -> Result<()> {
    timeline::write(stem, t)
}
