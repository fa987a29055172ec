//! A teaching picture of GetRecords calls on one shard: calls per second against the limit,
//! one row of call marks per reader, and records in flight, all on one time axis.

use super::axis::{self, Ticks};
use super::frame::{self, Figure};
use super::grid::{self, Axes};
use super::legend::{self, Entry, Swatch};
use super::line::{self, Ctx};
use super::style::{self, INK, LIMIT, NOTE_SIZE, TICK_SIZE};
use super::Result;
use super::{CallMark, Timeline};
use plotters::chart::ChartBuilder;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{Circle, Cross, Rectangle};
use plotters::prelude::{AreaSeries, DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor};
use std::ops::Range;
use std::path::Path;

const WIDTH: u32 = 1200;
const HEADER: u32 = 56;
const CALLS_H: u32 = 190;
const FLIGHT_H: u32 = 250;
/// Room above each panel for its caption.
const CAPTION_H: u32 = 34;
/// At most this many per-second bars; longer windows use wider buckets.
const MAX_BUCKETS: f64 = 300.0;

const OK: RGBColor = RGBColor(44, 160, 44);
const EMPTY: RGBColor = RGBColor(140, 140, 140);
const ACCEPTED: RGBColor = RGBColor(120, 144, 180);
const THROTTLED: RGBColor = RGBColor(214, 39, 40);
const FLIGHT: RGBColor = RGBColor(31, 119, 180);
const STRIPE: RGBColor = RGBColor(246, 246, 246);

pub(super) fn write(stem: &Path, t: &Timeline) -> Result<()> {
    frame::write(stem, &Picture { t })
}

/// Canvas size for `t`: fixed width, height growing with the number of readers.
pub(super) fn size(t: &Timeline) -> (u32, u32) {
    (
        WIDTH,
        HEADER + CALLS_H + rows_height(t.rows.len()) + FLIGHT_H,
    )
}

fn row_height(n: usize) -> u32 {
    if n <= 8 {
        44
    } else {
        30
    }
}

fn rows_height(n: usize) -> u32 {
    CAPTION_H + n.max(1) as u32 * row_height(n) + 8
}

struct Picture<'a> {
    t: &'a Timeline,
}

impl Figure for Picture<'_> {
    fn size(&self) -> (u32, u32) {
        size(self.t)
    }

    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let t = self.t;
        let top = frame::header(root, &t.title, None)?;
        let entries = self.legend();
        let (_, body) = root.split_vertically(top);
        let w = body.dim_in_pixel().0;
        let (left, side) = body.split_horizontally(w.saturating_sub(legend::width(&entries)));
        legend::draw(&side, &entries, CAPTION_H as i32)?;
        let (calls, rest) = left.split_vertically(CALLS_H);
        let (rows, flight) = rest.split_vertically(rows_height(t.rows.len()));
        let p = Panels::new(t);
        p.calls(&calls)?;
        p.rows(&rows)?;
        p.flight(&flight)
    }
}

impl Picture<'_> {
    fn legend(&self) -> Vec<Entry> {
        let mut e = vec![
            entry(
                "call returned records",
                Swatch::Dot {
                    color: OK,
                    filled: true,
                },
            ),
            entry(
                "call returned nothing",
                Swatch::Dot {
                    color: EMPTY,
                    filled: false,
                },
            ),
            entry("call throttled", Swatch::Cross(THROTTLED)),
            entry("calls/s accepted", Swatch::Block(ACCEPTED)),
            entry("calls/s throttled", Swatch::Block(THROTTLED)),
        ];
        if limit(&self.t.limit_label).is_some() {
            let swatch = Swatch::Line {
                color: LIMIT,
                width: 2,
                marker: None,
                dashed: true,
                band: false,
            };
            e.push(entry(&format!("limit {}", self.t.limit_label), swatch));
        }
        e.push(entry("records in flight / unread", Swatch::Area(FLIGHT)));
        e
    }
}

fn entry(label: &str, swatch: Swatch) -> Entry {
    Entry {
        label: label.to_string(),
        swatch,
    }
}

/// The first number in `label` ("5 calls/s" gives 5; digit group separators are ignored).
fn limit(label: &str) -> Option<f64> {
    let start = label.find(|c: char| c.is_ascii_digit())?;
    let tail = &label[start..];
    let end = tail
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '_')))
        .unwrap_or(tail.len());
    let digits: String = tail[..end]
        .chars()
        .filter(|c| !matches!(c, ',' | '_'))
        .collect();
    digits
        .trim_end_matches('.')
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
}

/// Everything the three panels share: the time window and the left margin.
struct Panels<'a> {
    t: &'a Timeline,
    window: Range<f64>,
    y_area: u32,
    ticks: Ticks,
}

impl<'a> Panels<'a> {
    fn new(t: &'a Timeline) -> Panels<'a> {
        let window = window(t);
        let names = t
            .rows
            .iter()
            .map(|r| style::text_size(&r.reader, TICK_SIZE).0);
        let names = names.max().unwrap_or(0) + 28;
        let numbers = grid::y_area(["00000".to_string()]);
        Panels {
            t,
            ticks: Ticks::for_range(&window),
            window,
            y_area: names.max(numbers).min(WIDTH / 4),
        }
    }

    /// Draws `caption` above the plot of `area`, aligned with the plot's left edge.
    fn caption<DB>(&self, area: &DrawingArea<DB, Shift>, caption: &str) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let font = style::text(NOTE_SIZE + 3.0, true, INK, HPos::Left, VPos::Top);
        area.draw_text(caption, &font, (self.y_area as i32 + 8, 8))?;
        Ok(())
    }

    /// Builds a panel chart on `area` over the window with y range `y`; `x_axis` adds tick
    /// labels and the time description under it.
    fn chart<'b, DB>(
        &self,
        area: &'b DrawingArea<DB, Shift>,
        y: Range<f64>,
        x_axis: bool,
    ) -> Result<Ctx<'b, DB, RangedCoordf64>>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let chart = ChartBuilder::on(area)
            .margin_top(CAPTION_H)
            .margin_right(28)
            .margin_left(8)
            .margin_bottom(if x_axis { 0 } else { 6 })
            .x_label_area_size(if x_axis { grid::X_AREA } else { 0 })
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(self.window.clone(), y)?;
        Ok(chart)
    }

    /// Top band: stacked calls per second (accepted, throttled) against the limit line.
    fn calls<DB>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        self.caption(area, "GetRecords calls per second on the shard")?;
        let buckets = self.buckets();
        let lim = limit(&self.t.limit_label);
        let peak = buckets.iter().map(|b| b.1 + b.2).fold(0.0, f64::max);
        let y = 0.0..(peak.max(lim.unwrap_or(0.0)).max(1.0) * 1.25);
        let yt = Ticks::for_range(&y);
        let mut chart = self.chart(area, y, false)?;
        self.mesh(&mut chart, "calls/s", &|v| yt.format(*v), 4)?;
        for (x, ok, thr) in buckets {
            let st = ACCEPTED.filled();
            chart.draw_series([Rectangle::new([(x.start, 0.0), (x.end, ok)], st)])?;
            let st = THROTTLED.filled();
            chart.draw_series([Rectangle::new([(x.start, ok), (x.end, ok + thr)], st)])?;
        }
        if let Some(l) = lim {
            line::draw_hline(&mut chart, l, &format!("limit {}", self.t.limit_label))?;
        }
        Ok(())
    }

    /// Per-bucket (x extent with a small gap, accepted calls/s, throttled calls/s).
    fn buckets(&self) -> Vec<(Range<f64>, f64, f64)> {
        let Range { start, end } = self.window;
        let width = ((end - start) / MAX_BUCKETS).ceil().max(1.0);
        let first = start.floor();
        let n = ((end - first) / width).ceil().max(1.0) as usize;
        let mut counts = vec![(0.0, 0.0); n];
        for (t, mark) in self.t.rows.iter().flat_map(|r| &r.calls) {
            if !self.window.contains(t) {
                continue;
            }
            let i = (((t - first) / width) as usize).min(n - 1);
            match mark {
                CallMark::Throttled => counts[i].1 += 1.0,
                _ => counts[i].0 += 1.0,
            }
        }
        let gap = width * 0.08;
        let bucket = |i: usize| {
            let lo = (first + i as f64 * width).max(start);
            let hi = (first + (i + 1) as f64 * width).min(end);
            (lo + gap).min(hi)..(hi - gap).max(lo)
        };
        let per_s = |c: f64| c / width;
        counts
            .into_iter()
            .enumerate()
            .map(|(i, (ok, thr))| (bucket(i), per_s(ok), per_s(thr)))
            .collect()
    }

    /// Middle panel: one striped row per reader with a mark per call.
    fn rows<DB>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        self.caption(area, "GetRecords calls per reader")?;
        let n = self.t.rows.len();
        let mut chart = self.chart(area, 0.0..n.max(1) as f64, false)?;
        let (w0, w1) = (self.window.start, self.window.end);
        // Rows are counted from the top, the y axis from the bottom: row i spans n-i-1..n-i.
        let stripes = (0..n).step_by(2).map(|i| (n - i - 1) as f64);
        let stripes = stripes.map(|k| Rectangle::new([(w0, k), (w1, k + 1.0)], STRIPE.filled()));
        chart.draw_series(stripes)?;
        self.mesh(&mut chart, "", &|_| String::new(), 0)?;
        let r = if row_height(n) > 40 { 7 } else { 5 };
        for (i, row) in self.t.rows.iter().enumerate() {
            let y = (n - i) as f64 - 0.5;
            self.row_name(area, &chart, &row.reader, y)?;
            let calls = row.calls.iter().filter(|(t, _)| self.window.contains(t));
            for (t, mark) in calls {
                draw_mark(&mut chart, (*t, y), *mark, r)?;
            }
        }
        if n == 0 {
            frame::note(&chart.plotting_area().strip_coord_spec(), "no readers")?;
        }
        Ok(())
    }

    /// Writes a reader's name right-aligned left of its row.
    fn row_name<DB>(
        &self,
        area: &DrawingArea<DB, Shift>,
        chart: &Ctx<'_, DB, RangedCoordf64>,
        name: &str,
        y: f64,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (px, py) = chart.backend_coord(&(self.window.start, y));
        let (bx, by) = area.get_base_pixel();
        let name = style::fit(name, TICK_SIZE, false, self.y_area.saturating_sub(20));
        let font = style::text(TICK_SIZE, false, INK, HPos::Right, VPos::Center);
        area.draw_text(&name, &font, (px - bx - 10, py - by))?;
        Ok(())
    }

    /// Lower panel: records in flight as a filled step line.
    fn flight<DB>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        self.caption(area, "records in flight / unread")?;
        let steps = self.steps();
        let y = axis::values(steps.iter().map(|p| p.1), true);
        let yt = Ticks::for_range(&y);
        let mut chart = self.chart(area, y, true)?;
        self.mesh(&mut chart, "records", &|v| yt.format(*v), 5)?;
        if steps.is_empty() {
            return frame::note(&chart.plotting_area().strip_coord_spec(), "no data");
        }
        let series =
            AreaSeries::new(steps, 0.0, FLIGHT.mix(0.25)).border_style(FLIGHT.stroke_width(2));
        chart.draw_series(series)?;
        Ok(())
    }

    /// The in-flight series as a step path clipped to the window, held to the window's end.
    fn steps(&self) -> Vec<(f64, f64)> {
        let mut pts: Vec<(f64, f64)> = self
            .t
            .in_flight
            .iter()
            .copied()
            .filter(|(t, v)| axis::usable(*t) && axis::usable(*v))
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Range { start, end } = self.window;
        let mut out: Vec<(f64, f64)> = vec![];
        for (t, v) in pts {
            let t = t.clamp(start, end);
            if let Some(&(_, prev)) = out.last() {
                out.push((t, prev));
            }
            out.push((t, v));
        }
        if let Some(&(t, v)) = out.last() {
            if t < end {
                out.push((end, v));
            }
        }
        out
    }

    /// Grid and axes of a panel; every panel shares the time ticks.
    fn mesh<DB>(
        &self,
        chart: &mut Ctx<'_, DB, RangedCoordf64>,
        y_desc: &str,
        y_fmt: &dyn Fn(&f64) -> String,
        y_ticks: usize,
    ) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let axes = Axes {
            x_desc: "time (s)",
            y_desc,
            x_fmt: &|v| self.ticks.format(*v),
            y_fmt,
            x_ticks: 12,
            y_ticks,
        };
        grid::mesh(chart, &axes)
    }
}

/// The shown window: the requested one when it is a proper interval, else the data's extent.
fn window(t: &Timeline) -> Range<f64> {
    let (a, b) = t.window_s;
    if axis::usable(a) && axis::usable(b) && b > a {
        return a..b;
    }
    let calls = t.rows.iter().flat_map(|r| r.calls.iter().map(|c| c.0));
    axis::padded(calls.chain(t.in_flight.iter().map(|p| p.0)), 0.0)
}

/// One call's mark: green dot (records), hollow grey circle (empty), red X (throttled).
fn draw_mark<DB>(
    chart: &mut Ctx<'_, DB, RangedCoordf64>,
    at: (f64, f64),
    mark: CallMark,
    r: i32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    match mark {
        CallMark::Ok { records } if records > 0 => {
            chart.draw_series([Circle::new(at, r, OK.filled())])?;
        }
        CallMark::Ok { .. } | CallMark::Empty => {
            chart.draw_series([Circle::new(at, r, EMPTY.stroke_width(2))])?;
        }
        CallMark::Throttled => {
            chart.draw_series([Cross::new(at, r - 1, THROTTLED.stroke_width(3))])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_first_number() {
        assert_eq!(limit("5 calls/s"), Some(5.0));
        assert_eq!(limit("limit: 1,000 calls/s."), Some(1000.0));
        assert_eq!(limit("2.5/s"), Some(2.5));
        assert_eq!(limit("no limit"), None);
    }
}
