//! Cost-versus-latency scatter plots: points coloured by group, each labelled where there is
//! room, with the Pareto frontier (smaller is better on both axes) ringed and joined.

use super::axis::{self, Ticks};
use super::frame::{self, Figure};
use super::grid::{self, Axes};
use super::legend::{self, Entry, Swatch};
use super::style::{self, Marker, INK, MUTED, NOTE_SIZE};
use super::Result;
use super::ScatterPoint;
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{Circle, EmptyElement, Text};
use plotters::prelude::{DashedLineSeries, DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;
use std::path::Path;

const PLOT_TOP: u32 = 12;
const POINT_R: i32 = 6;
const RING_R: i32 = 10;
const LABEL_SIZE: f64 = NOTE_SIZE;

pub(super) fn write(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[ScatterPoint],
) -> Result<()> {
    let points: Vec<&ScatterPoint> = points
        .iter()
        .filter(|p| axis::usable(p.x) && axis::usable(p.y))
        .collect();
    let mut groups: Vec<&str> = vec![];
    for p in &points {
        if !groups.contains(&p.group.as_str()) {
            groups.push(&p.group);
        }
    }
    let frontier = frontier(&points);
    let fig = Scatter {
        title,
        x_label,
        y_label,
        points,
        groups,
        frontier,
    };
    frame::write(stem, &fig)
}

struct Scatter<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    /// Usable points only.
    points: Vec<&'a ScatterPoint>,
    /// Group names in order of first appearance.
    groups: Vec<&'a str>,
    /// Indices into `points` of the frontier, by increasing x (and so decreasing y).
    frontier: Vec<usize>,
}

/// Indices of the points not beaten on both coordinates, by increasing x. Of points with equal
/// coordinates only the first is kept.
fn frontier(points: &[&ScatterPoint]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        let (p, q) = (points[a], points[b]);
        p.x.total_cmp(&q.x).then(p.y.total_cmp(&q.y))
    });
    let mut best = f64::INFINITY;
    let mut out = vec![];
    for i in order {
        if points[i].y < best {
            best = points[i].y;
            out.push(i);
        }
    }
    out
}

type Ctx<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Figure for Scatter<'_> {
    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let top = frame::header(root, self.title, None)?;
        let entries = self.legend();
        let (_, body) = root.split_vertically(top);
        let w = body.dim_in_pixel().0;
        let (plot, side) = body.split_horizontally(w.saturating_sub(legend::width(&entries)));
        legend::draw(&side, &entries, PLOT_TOP as i32)?;
        self.draw_plot(&plot)
    }
}

impl Scatter<'_> {
    fn legend(&self) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| Entry {
                label: g.to_string(),
                swatch: Swatch::Dot {
                    color: style::group_color(i),
                    filled: true,
                },
            })
            .collect();
        entries.push(Entry {
            label: "Pareto frontier".into(),
            swatch: Swatch::Line {
                color: INK,
                width: 2,
                marker: None,
                dashed: true,
                band: false,
            },
        });
        entries.push(Entry {
            label: "on the frontier".into(),
            swatch: Swatch::Ring,
        });
        entries
    }

    fn draw_plot<DB>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let x = axis::padded(self.points.iter().map(|p| p.x), 0.08);
        let y = axis::padded(self.points.iter().map(|p| p.y), 0.1);
        let (xt, yt) = (Ticks::for_range(&x), Ticks::for_range(&y));
        let samples = [
            y.start,
            y.end,
            (y.start + y.end) / 2.0,
            y.start + (y.end - y.start) / 7.0,
        ];
        let mut chart = ChartBuilder::on(area)
            .margin_top(PLOT_TOP)
            .margin_right(28)
            .margin_left(8)
            .margin_bottom(10)
            .x_label_area_size(grid::X_AREA)
            .y_label_area_size(grid::y_area(samples.map(|v| yt.format(v))))
            .build_cartesian_2d(x, y)?;
        let axes = Axes {
            x_desc: self.x_label,
            y_desc: self.y_label,
            x_fmt: &|v| xt.format(*v),
            y_fmt: &|v| yt.format(*v),
            x_ticks: 10,
            y_ticks: 8,
        };
        grid::mesh(&mut chart, &axes)?;
        if self.points.is_empty() {
            return frame::note(&chart.plotting_area().strip_coord_spec(), "no data");
        }
        self.draw_frontier(&mut chart)?;
        self.draw_points(&chart)?;
        self.draw_labels(&mut chart)
    }

    /// The dashed staircase bounding the region the frontier dominates, and rings on its points.
    fn draw_frontier<DB>(&self, chart: &mut Ctx<'_, DB>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let st = INK.mix(0.75).stroke_width(2);
        chart.draw_series(DashedLineSeries::new(self.staircase(), 10, 6, st))?;
        let rings = self
            .frontier
            .iter()
            .map(|&i| Circle::new(self.xy(i), RING_R, INK.stroke_width(2)));
        chart.draw_series(rings)?;
        Ok(())
    }

    /// Corners of the frontier staircase: right from each frontier point, then down to the next.
    fn staircase(&self) -> Vec<(f64, f64)> {
        let corners: Vec<(f64, f64)> = self.frontier.iter().map(|&i| self.xy(i)).collect();
        let mut path = vec![];
        for pair in corners.windows(2) {
            path.push(pair[0]);
            path.push((pair[1].0, pair[0].1));
        }
        path.extend(corners.last());
        path
    }

    fn draw_points<DB>(&self, chart: &Ctx<'_, DB>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        for (g, name) in self.groups.iter().enumerate() {
            let at = self.points.iter().filter(|p| p.group == *name);
            let color = style::group_color(g);
            let at = at.map(|p| (p.x, p.y));
            style::markers(chart.plotting_area(), at, Marker::Circle, POINT_R, color)?;
        }
        Ok(())
    }

    /// Labels placed greedily, frontier points first, beside their point where they overlap
    /// neither another label nor a point; other labels that find no room are left out.
    fn draw_labels<DB>(&self, chart: &mut Ctx<'_, DB>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let bounds = Box2 {
            x0: xr.start,
            y0: yr.start,
            x1: xr.end,
            y1: yr.end,
        };
        let centres: Vec<(i32, i32)> = (0..self.points.len())
            .map(|i| chart.backend_coord(&self.xy(i)))
            .collect();
        let mut taken: Vec<Box2> = centres.iter().map(|&c| Box2::around(c, RING_R)).collect();
        let corners: Vec<(i32, i32)> = self
            .staircase()
            .iter()
            .map(|c| chart.backend_coord(c))
            .collect();
        taken.extend(corners.windows(2).map(|s| Box2::spanning(s[0], s[1], 3)));
        let rest = (0..self.points.len()).filter(|i| !self.frontier.contains(i));
        for i in self.frontier.iter().copied().chain(rest) {
            let on_frontier = self.frontier.contains(&i);
            let label = &self.points[i].label;
            let size = style::text_size(label, LABEL_SIZE);
            let own = Box2::around(centres[i], RING_R);
            let others: Vec<Box2> = taken.iter().copied().filter(|b| *b != own).collect();
            let Some(spot) = place(centres[i], size, &bounds, &others, on_frontier) else {
                continue;
            };
            taken.push(spot);
            let color = if on_frontier { INK } else { MUTED };
            let font = style::text(LABEL_SIZE, on_frontier, color, HPos::Left, VPos::Top);
            let offset = (spot.x0 - centres[i].0, spot.y0 - centres[i].1);
            let text = EmptyElement::at(self.xy(i)) + Text::new(label.clone(), offset, font);
            chart.draw_series(std::iter::once(text))?;
        }
        Ok(())
    }

    fn xy(&self, i: usize) -> (f64, f64) {
        (self.points[i].x, self.points[i].y)
    }
}

/// A pixel rectangle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Box2 {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Box2 {
    fn around((x, y): (i32, i32), r: i32) -> Box2 {
        Box2 {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }

    /// The box around the segment from `a` to `b`, widened by `pad` on every side.
    fn spanning(a: (i32, i32), b: (i32, i32), pad: i32) -> Box2 {
        Box2 {
            x0: a.0.min(b.0) - pad,
            y0: a.1.min(b.1) - pad,
            x1: a.0.max(b.0) + pad,
            y1: a.1.max(b.1) + pad,
        }
    }

    fn overlaps(&self, o: &Box2) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn inside(&self, o: &Box2) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

/// The first free spot for a `w`×`h` label beside the point at `(x, y)`. Frontier points
/// (`frontier`) try left and below first, away from the staircase that leaves them to the right;
/// other points try right, left, above, below, then the diagonals. Frontier labels fall back to
/// the first spot inside `bounds` even if it is not free; other labels to none.
fn place(
    (x, y): (i32, i32),
    (w, h): (u32, u32),
    bounds: &Box2,
    taken: &[Box2],
    frontier: bool,
) -> Option<Box2> {
    let (w, h, d) = (w as i32, h as i32, RING_R + 3);
    let right = (x + d, y - h / 2);
    let left = (x - d - w, y - h / 2);
    let above = (x - w / 2, y - d - h);
    let below = (x - w / 2, y + d);
    let below_left = (x - d - w + 4, y + d - 4);
    let below_right = (x + d - 4, y + d - 4);
    let above_left = (x - d - w + 4, y - d - h + 4);
    let above_right = (x + d - 4, y - d - h + 4);
    let corners = if frontier {
        [
            left,
            below_left,
            below,
            above_left,
            below_right,
            right,
            above,
            above_right,
        ]
    } else {
        [
            right,
            left,
            above,
            below,
            above_right,
            below_right,
            above_left,
            below_left,
        ]
    };
    let boxes = corners.map(|(x0, y0)| Box2 {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    });
    let mut inside = boxes.into_iter().filter(|b| b.inside(bounds));
    let first = inside.clone().next();
    let free = inside.find(|b| taken.iter().all(|t| !t.overlaps(b)));
    free.or(if frontier { first } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f64, y: f64) -> ScatterPoint {
        ScatterPoint {
            label: String::new(),
            group: String::new(),
            x,
            y,
        }
    }

    #[test]
    fn frontier_keeps_undominated_points_by_x() {
        let pts = [
            pt(3.0, 1.0),
            pt(1.0, 5.0),
            pt(2.0, 6.0),
            pt(2.0, 2.0),
            pt(1.0, 5.0),
        ];
        let refs: Vec<&ScatterPoint> = pts.iter().collect();
        assert_eq!(frontier(&refs), vec![1, 3, 0]);
        assert!(frontier(&[]).is_empty());
    }
}
