//! Horizontal bar charts (tornado style): one labelled bar per row, longest first, on a shared
//! x axis from zero, each with a whisker over its interval when the chart has them.

use super::frame::{self, Figure};
use super::grid::{self, Axes};
use super::style::{self, INK, NOTE_SIZE, TICK_SIZE};
use super::Bars;
use super::Result;
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::Color;

pub(super) fn write(stem: &Path, bars: &Bars) -> Result<()> {
    frame::write(stem, &BarFigure(bars))
}

use std::path::Path;

struct BarFigure<'a>(&'a Bars);

impl Figure for BarFigure<'_> {
    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let b = self.0;
        let top = frame::header(root, &b.title, b.subtitle.as_deref())?;
        let (_, body) = root.split_vertically(top);
        let rows: Vec<&(String, f64)> = b.rows.iter().filter(|r| r.1.is_finite()).collect();
        let whiskers: Vec<Option<(f64, f64)>> = (b.rows.iter().enumerate())
            .filter(|(_, r)| r.1.is_finite())
            .map(|(i, _)| b.whiskers.get(i).copied())
            .collect();
        let label_w = rows
            .iter()
            .map(|r| style::text_size(&r.0, TICK_SIZE).0)
            .max()
            .unwrap_or(0)
            .min(520)
            + 24;
        let x_max = rows.iter().map(|r| r.1).fold(0.0f64, f64::max).max(b.x_max);
        let x_max = (whiskers.iter().flatten())
            .map(|w| w.1)
            .filter(|h| h.is_finite())
            .fold(x_max, f64::max);
        let n = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&body)
            .margin(12)
            .margin_right(40)
            .x_label_area_size(grid::X_AREA)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..x_max, 0.0..n)?;
        let axes = Axes {
            x_desc: &b.x_label,
            y_desc: "",
            x_fmt: &|v| format!("{v:.1}"),
            y_fmt: &|_| String::new(),
            x_ticks: 10,
            y_ticks: 0,
        };
        grid::mesh(&mut chart, &axes)?;
        let color = style::look(0).color;
        for (i, (label, v)) in rows.iter().map(|r| (&r.0, r.1)).enumerate() {
            let y = n - i as f64;
            let rect = Rectangle::new([(0.0, y - 0.8), (v, y - 0.2)], color.mix(0.8).filled());
            chart.draw_series(std::iter::once(rect))?;
            let mut note_x = v;
            if let Some((lo, hi)) = whiskers[i].filter(|w| w.0.is_finite() && w.1.is_finite()) {
                let ink = INK.stroke_width(2);
                let lines = [
                    vec![(lo, y - 0.5), (hi, y - 0.5)],
                    vec![(lo, y - 0.65), (lo, y - 0.35)],
                    vec![(hi, y - 0.65), (hi, y - 0.35)],
                ];
                chart.draw_series(lines.into_iter().map(|l| PathElement::new(l, ink)))?;
                note_x = note_x.max(hi);
            }
            let (px, py) = chart.backend_coord(&(0.0, y - 0.5));
            let font = style::text(TICK_SIZE, false, INK, HPos::Right, VPos::Center);
            let label = style::fit(label, TICK_SIZE, false, 520);
            body.draw(&Text::new(label, (px - 8, py - top as i32), font))?;
            let note = style::text(NOTE_SIZE, false, INK, HPos::Left, VPos::Center);
            body.draw(&Text::new(
                format!("{v:.2}"),
                (chart.backend_coord(&(note_x, 0.0)).0 + 6, py - top as i32),
                note,
            ))?;
        }
        if rows.is_empty() {
            frame::note(&chart.plotting_area().strip_coord_spec(), "no data")?;
        }
        Ok(())
    }
}
