//! Line charts (sweep results with markers and confidence bands) and CloudWatch-style per-minute
//! time series, sharing one layout: title on top, legend column on the right.

use super::axis::{self, LogAxis, Ticks};
use super::frame::{self, Figure};
use super::grid::{self, Axes};
use super::legend::{self, Entry, Swatch};
use super::style::{self, Look, LIMIT, NOTE_SIZE};
use super::Result;
use super::{LineChart, Point};
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{EmptyElement, PathElement, Polygon, Rectangle, Text};
use plotters::prelude::{DashedLineSeries, DrawingArea, DrawingBackend, LineSeries};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};
use std::ops::Range;
use std::path::Path;

/// Which of the two line styles to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// Thick lines with markers; y from zero only when the data is near it.
    Sweep,
    /// Thin lines without markers, y from zero, x exactly the data's extent.
    TimeSeries,
}

/// Space between the top of the body and the plot, also where the legend starts.
const PLOT_TOP: u32 = 12;
/// Series with more points than this get smaller markers, and none beyond `NO_MARKERS`.
const DENSE: usize = 40;
const NO_MARKERS: usize = 150;

pub(super) fn write(stem: &Path, chart: &LineChart, kind: Kind) -> Result<()> {
    frame::write(stem, &LineFigure { chart, kind })
}

pub(super) fn svg(chart: &LineChart, kind: Kind) -> Result<String> {
    frame::svg(&LineFigure { chart, kind })
}

struct LineFigure<'a> {
    chart: &'a LineChart,
    kind: Kind,
}

/// The chart's data with unusable points removed (and, on log axes, values clamped).
struct Data {
    series: Vec<Vec<Point>>,
    hline: Option<f64>,
}

impl Figure for LineFigure<'_> {
    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let c = self.chart;
        let top = frame::header(root, &c.title, c.subtitle.as_deref())?;
        let entries = self.legend();
        let (_, body) = root.split_vertically(top);
        let w = body.dim_in_pixel().0;
        let (plot, side) = body.split_horizontally(w.saturating_sub(legend::width(&entries)));
        legend::draw(&side, &entries, PLOT_TOP as i32)?;
        let data = Data::new(c);
        if c.log_y {
            self.draw_log(&plot, data)
        } else {
            self.draw_linear(&plot, data)
        }
    }
}

impl LineFigure<'_> {
    fn legend(&self) -> Vec<Entry> {
        let markers = self.kind == Kind::Sweep;
        let series = self.chart.series.iter().enumerate();
        let mut entries: Vec<Entry> = series
            .map(|(i, s)| {
                let look = style::look(i);
                Entry {
                    label: s.name.clone(),
                    swatch: Swatch::Line {
                        color: look.color,
                        width: self.line_width(),
                        marker: markers.then_some(look.marker),
                        dashed: look.dashed,
                        band: s.points.iter().any(|p| p.lo.is_some() && p.hi.is_some()),
                    },
                }
            })
            .collect();
        if let Some(label) = self.spread_label() {
            entries.push(Entry {
                label: label.to_string(),
                swatch: Swatch::Area(style::MUTED),
            });
        }
        entries
    }

    /// The spread legend label, when some point has a spread to draw.
    fn spread_label(&self) -> Option<&str> {
        let any = self
            .chart
            .series
            .iter()
            .flat_map(|s| &s.points)
            .any(|p| p.spread.is_some());
        self.chart.spread_label.as_deref().filter(|_| any)
    }

    fn line_width(&self) -> u32 {
        match self.kind {
            Kind::Sweep => 3,
            Kind::TimeSeries => 2,
        }
    }

    fn x_range(&self, data: &Data) -> Range<f64> {
        let xs = data.series.iter().flatten().map(|p| p.x);
        match self.kind {
            Kind::Sweep => axis::padded(xs, 0.03),
            Kind::TimeSeries => axis::padded(xs, 0.0),
        }
    }

    fn x_desc(&self) -> &str {
        match self.kind {
            Kind::TimeSeries if self.chart.x_label.is_empty() => "time (min)",
            _ => &self.chart.x_label,
        }
    }

    fn draw_linear<DB>(&self, area: &DrawingArea<DB, Shift>, data: Data) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let y = axis::values(data.y_values(), self.kind == Kind::TimeSeries);
        let ticks = Ticks::for_range(&y);
        let samples = [
            y.start,
            y.end,
            (y.start + y.end) / 2.0,
            y.start + (y.end - y.start) / 7.0,
        ];
        let y_area = grid::y_area(samples.map(|v| ticks.format(v)));
        self.draw_with(area, &data, y, &|v| ticks.format(*v), y_area)
    }

    fn draw_log<DB>(&self, area: &DrawingArea<DB, Shift>, data: Data) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let axis = LogAxis::new(data.y_values());
        let data = data.clamped(&axis);
        let (lo, hi) = (axis.range.start, axis.range.end);
        let samples = [lo, hi, lo * 2.0, lo * 5.0, hi / 2.0, hi / 5.0];
        let y_area = grid::y_area(samples.map(axis::log_label));
        let y = axis.range.clone().log_scale();
        self.draw_with(area, &data, y, &|v| axis::log_label(*v), y_area)
    }

    /// Builds the chart on `area` with the given y axis and draws everything on it.
    fn draw_with<DB, Y>(
        &self,
        area: &DrawingArea<DB, Shift>,
        data: &Data,
        y: Y,
        y_fmt: &dyn Fn(&f64) -> String,
        y_area: u32,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let x = self.x_range(data);
        let mut chart = ChartBuilder::on(area)
            .margin_top(PLOT_TOP)
            .margin_right(28)
            .margin_left(8)
            .margin_bottom(10)
            .x_label_area_size(grid::X_AREA)
            .y_label_area_size(y_area)
            .build_cartesian_2d(x.clone(), y)?;
        let x_ticks = Ticks::for_range(&x);
        let axes = Axes {
            x_desc: self.x_desc(),
            y_desc: &self.chart.y_label,
            x_fmt: &|v| x_ticks.format(*v),
            y_fmt,
            x_ticks: 10,
            y_ticks: 8,
        };
        grid::mesh(&mut chart, &axes)?;
        self.draw_data(&mut chart, data)?;
        if data.series.iter().all(|s| s.is_empty()) {
            frame::note(&chart.plotting_area().strip_coord_spec(), "no data")?;
        }
        Ok(())
    }

    fn draw_data<DB, Y>(&self, chart: &mut Ctx<'_, DB, Y>, data: &Data) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
        Y: Ranged<ValueType = f64>,
    {
        if self.spread_label().is_some() {
            for (i, pts) in data.series.iter().enumerate() {
                draw_spread(chart, pts, style::look(i))?;
            }
        }
        for (i, pts) in data.series.iter().enumerate() {
            draw_band(chart, pts, style::look(i))?;
        }
        if let (Some(y), Some((_, label))) = (data.hline, &self.chart.hline) {
            draw_hline(chart, y, label)?;
        }
        for (i, pts) in data.series.iter().enumerate() {
            draw_line(chart, pts, style::look(i), self.line_width())?;
        }
        if self.kind == Kind::Sweep {
            for (i, pts) in data.series.iter().enumerate() {
                draw_markers(chart, pts, style::look(i))?;
            }
        }
        Ok(())
    }
}

/// A chart with a linear f64 x axis and y axis `Y`.
pub(super) type Ctx<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>;

impl Data {
    fn new(chart: &LineChart) -> Data {
        let series = chart.series.iter().map(|s| clean(&s.points)).collect();
        let hline = chart
            .hline
            .as_ref()
            .map(|h| h.0)
            .filter(|y| axis::usable(*y));
        Data { series, hline }
    }

    /// Every y the axis must show: values, band edges and the reference line.
    fn y_values(&self) -> Vec<f64> {
        let pts = self.series.iter().flatten();
        let spread = |p: &Point| [p.spread.map(|s| s.0), p.spread.map(|s| s.1)];
        let edges = pts
            .flat_map(|p| [[Some(p.y), p.lo, p.hi], [None, spread(p)[0], spread(p)[1]]])
            .flatten()
            .flatten();
        edges.chain(self.hline).collect()
    }

    /// The data with every y, band edge and the reference line clamped to the log axis floor.
    fn clamped(self, axis: &LogAxis) -> Data {
        let clamp_point = |p: Point| Point {
            x: p.x,
            y: axis.clamp(p.y),
            lo: p.lo.map(|v| axis.clamp(v)),
            hi: p.hi.map(|v| axis.clamp(v)),
            spread: p.spread.map(|(a, b)| (axis.clamp(a), axis.clamp(b))),
        };
        let series = self.series.into_iter();
        Data {
            series: series
                .map(|s| s.into_iter().map(clamp_point).collect())
                .collect(),
            hline: self.hline.map(|v| axis.clamp(v)),
        }
    }
}

/// Points whose x and y are usable, with unusable band edges dropped.
fn clean(points: &[Point]) -> Vec<Point> {
    let ok = |v: Option<f64>| v.filter(|v| axis::usable(*v));
    points
        .iter()
        .filter(|p| axis::usable(p.x) && axis::usable(p.y))
        .map(|p| Point {
            lo: ok(p.lo),
            hi: ok(p.hi),
            spread: p
                .spread
                .filter(|(a, b)| axis::usable(*a) && axis::usable(*b)),
            ..*p
        })
        .collect()
}

/// Translucent bands over each run of consecutive points that have both band edges; a lone
/// point with a band gets a vertical error bar instead.
fn draw_band<DB, Y>(chart: &mut Ctx<'_, DB, Y>, pts: &[Point], look: Look) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64>,
{
    let fill = look.color.mix(0.18).filled();
    let bar = look.color.mix(0.5).stroke_width(2);
    for run in pts.split(|p| p.lo.is_none() || p.hi.is_none()) {
        let upper = run.iter().map(|p| (p.x, p.hi.unwrap_or(p.y)));
        let lower = run.iter().rev().map(|p| (p.x, p.lo.unwrap_or(p.y)));
        match run {
            [] => {}
            [_] => {
                let pts: Vec<_> = upper.chain(lower).collect();
                chart.draw_series(std::iter::once(PathElement::new(pts, bar)))?;
            }
            _ => {
                let pts: Vec<_> = upper.chain(lower).collect();
                chart.draw_series(std::iter::once(Polygon::new(pts, fill)))?;
            }
        }
    }
    Ok(())
}

/// The spread of each run of consecutive points that have one: a light fill in the series colour
/// with dotted edges, so it reads apart from the (darker, edgeless) confidence band.
fn draw_spread<DB, Y>(chart: &mut Ctx<'_, DB, Y>, pts: &[Point], look: Look) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64>,
{
    let fill = look.color.mix(0.08).filled();
    let edge = look.color.mix(0.6).stroke_width(1);
    for run in pts.split(|p| p.spread.is_none()) {
        let s = |p: &Point| p.spread.unwrap_or((p.y, p.y));
        let upper: Vec<(f64, f64)> = run.iter().map(|p| (p.x, s(p).1)).collect();
        let lower: Vec<(f64, f64)> = run.iter().map(|p| (p.x, s(p).0)).collect();
        match run {
            [] => {}
            [p] => {
                let bar = vec![(p.x, s(p).0), (p.x, s(p).1)];
                chart.draw_series(std::iter::once(PathElement::new(bar, edge)))?;
            }
            _ => {
                let ring: Vec<_> = upper.iter().chain(lower.iter().rev()).copied().collect();
                chart.draw_series(std::iter::once(Polygon::new(ring, fill)))?;
                chart.draw_series(DashedLineSeries::new(upper, 3, 4, edge))?;
                chart.draw_series(DashedLineSeries::new(lower, 3, 4, edge))?;
            }
        }
    }
    Ok(())
}

fn draw_line<DB, Y>(chart: &mut Ctx<'_, DB, Y>, pts: &[Point], look: Look, width: u32) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64>,
{
    let xy: Vec<(f64, f64)> = pts.iter().map(|p| (p.x, p.y)).collect();
    let st = look.color.stroke_width(width);
    if look.dashed {
        chart.draw_series(DashedLineSeries::new(xy, 12, 6, st))?;
    } else {
        chart.draw_series(LineSeries::new(xy, st))?;
    }
    Ok(())
}

fn draw_markers<DB, Y>(chart: &mut Ctx<'_, DB, Y>, pts: &[Point], look: Look) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64>,
{
    let r = match pts.len() {
        n if n > NO_MARKERS => return Ok(()),
        n if n > DENSE => 3,
        _ => 5,
    };
    let at = pts.iter().map(|p| (p.x, p.y));
    style::markers(chart.plotting_area(), at, look.marker, r, look.color)
}

/// A dashed red line across the plot at `y`, labelled at its right end (above the line, or
/// below it when the line runs along the top of the plot).
pub(super) fn draw_hline<DB, Y>(chart: &mut Ctx<'_, DB, Y>, y: f64, label: &str) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64>,
{
    let x = chart.x_range();
    let st = LIMIT.stroke_width(2);
    chart.draw_series(DashedLineSeries::new([(x.start, y), (x.end, y)], 10, 6, st))?;
    let py = chart.backend_coord(&(x.end, y)).1;
    let top = chart.plotting_area().get_y_axis_pixel_range().start;
    let below = py - top < 30;
    let (v, dy) = if below {
        (VPos::Top, 6)
    } else {
        (VPos::Bottom, -6)
    };
    let size = NOTE_SIZE + 1.0;
    let font = style::text(size, true, LIMIT, HPos::Right, v);
    let (w, h) = style::measure(label, size, true);
    let (w, h) = (w as i32, h as i32);
    let (y0, y1) = if below { (3, 9 + h) } else { (-9 - h, -3) };
    let backdrop = Rectangle::new([(-12 - w, y0), (-4, y1)], WHITE.mix(0.85).filled());
    let text =
        EmptyElement::at((x.end, y)) + backdrop + Text::new(label.to_string(), (-8, dy), font);
    chart.draw_series(std::iter::once(text))?;
    Ok(())
}
