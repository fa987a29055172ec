//! Axes and grid shared by every chart: light grid lines, short tick labels, axis descriptions,
//! and the room they need.

use super::style::{self, AXIS_SIZE, INK, TICK_SIZE};
use super::Result;
use plotters::chart::ChartContext;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, BLACK, TRANSPARENT};

/// Length of tick marks in pixels (labels sit twice as far from the axis).
const TICK: i32 = 5;
/// Height reserved under the plot for x tick labels and the x description.
pub(super) const X_AREA: u32 = 56;

/// How the two axes are labelled.
pub(super) struct Axes<'f> {
    pub x_desc: &'f str,
    pub y_desc: &'f str,
    pub x_fmt: &'f dyn Fn(&f64) -> String,
    pub y_fmt: &'f dyn Fn(&f64) -> String,
    /// Approximate number of x ticks.
    pub x_ticks: usize,
    /// Approximate number of y ticks; 0 hides y ticks and horizontal grid lines.
    pub y_ticks: usize,
}

/// Draws grid, axes, tick labels and descriptions for `chart`.
pub(super) fn mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    axes: &Axes<'_>,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let tick = style::text(TICK_SIZE, false, INK, HPos::Center, VPos::Center);
    let desc = style::text(AXIS_SIZE, false, INK, HPos::Center, VPos::Center);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(axes.x_ticks)
        .y_labels(axes.y_ticks)
        .x_label_formatter(axes.x_fmt)
        .y_label_formatter(axes.y_fmt)
        .label_style(tick)
        .axis_desc_style(desc)
        .set_all_tick_mark_size(TICK)
        .bold_line_style(BLACK.mix(0.1))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.mix(0.6));
    if !axes.x_desc.is_empty() {
        mesh.x_desc(axes.x_desc);
    }
    if !axes.y_desc.is_empty() {
        mesh.y_desc(axes.y_desc);
    }
    if axes.y_ticks == 0 {
        mesh.disable_y_mesh();
    }
    mesh.draw()?;
    Ok(())
}

/// Width to reserve left of the plot for y tick labels like `samples` plus the rotated y
/// description.
pub(super) fn y_area(samples: impl IntoIterator<Item = String>) -> u32 {
    let widest = samples
        .into_iter()
        .map(|s| style::text_size(&s, TICK_SIZE).0)
        .max()
        .unwrap_or(0);
    let desc = style::text_size("Mg", AXIS_SIZE).1;
    widest + 2 * TICK as u32 + desc + 16
}
