//! What a chart shows, as plain data: the series and points of line charts, bars, scatter points
//! and the GetRecords timeline, and the charts' pixel size. The renderers beside this file read
//! these; nothing here draws.

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
    /// An interval (low, high) per bar, drawn as a whisker across its end; empty: none.
    pub whiskers: Vec<(f64, f64)>,
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
