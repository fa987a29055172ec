//! Legends drawn in their own column beside the plot, so they never cover data.

use super::style::{self, Marker, INK, LEGEND_SIZE, MUTED};
use super::Result;
use plotters::coord::Shift;
use plotters::element::{Circle, Cross, PathElement, Rectangle};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle, WHITE};

/// What a legend row shows before its label.
#[derive(Clone, Copy, Debug)]
pub(super) enum Swatch {
    /// A line of `width` pixels, optionally dashed, with an optional marker and band behind it.
    Line {
        color: RGBColor,
        width: u32,
        marker: Option<Marker>,
        dashed: bool,
        band: bool,
    },
    /// A circle, filled or hollow.
    Dot { color: RGBColor, filled: bool },
    /// An X.
    Cross(RGBColor),
    /// A filled block (bars, areas).
    Block(RGBColor),
    /// A translucent area under a line.
    Area(RGBColor),
    /// A black ring around a point (highlighted points).
    Ring,
}

/// One legend row.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub label: String,
    pub swatch: Swatch,
}

const PAD: i32 = 12;
const SWATCH_W: i32 = 40;
const GAP: i32 = 10;
const ROW_H: i32 = 28;
/// Labels longer than this many pixels are shortened with an ellipsis.
const MAX_TEXT_W: u32 = 280;
/// Space between the legend box and the right edge of the canvas.
const RIGHT: i32 = 16;

/// Width in pixels of the column needed for `entries`; 0 when there are none.
pub(super) fn width(entries: &[Entry]) -> u32 {
    let text = entries
        .iter()
        .map(|e| style::text_size(&e.label, LEGEND_SIZE).0)
        .max();
    match text {
        None => 0,
        Some(t) => (2 * PAD + SWATCH_W + GAP + RIGHT + 8) as u32 + t.min(MAX_TEXT_W),
    }
}

/// Draws `entries` in a framed box at the top of `area`, starting `top` pixels down. Rows that
/// do not fit are summarised as "… and N more".
pub(super) fn draw<DB>(area: &DrawingArea<DB, Shift>, entries: &[Entry], top: i32) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = area.dim_in_pixel();
    let fit = ((h as i32 - top - 2 * PAD) / ROW_H).max(1) as usize;
    let shown = if entries.len() > fit { fit - 1 } else { fit };
    let rows = entries.len().min(fit);
    let right = w as i32 - RIGHT;
    let bottom = top + 2 * PAD + rows as i32 * ROW_H;
    area.draw(&Rectangle::new([(0, top), (right, bottom)], WHITE.filled()))?;
    let border = RGBColor(200, 200, 200).stroke_width(1);
    area.draw(&Rectangle::new([(0, top), (right, bottom)], border))?;
    let text_w = (right - 2 * PAD - SWATCH_W - GAP).max(10) as u32;
    for (i, e) in entries.iter().take(shown).enumerate() {
        let cy = top + PAD + i as i32 * ROW_H + ROW_H / 2;
        swatch(area, e.swatch, PAD, cy)?;
        let label = style::fit(&e.label, LEGEND_SIZE, false, text_w);
        let font = style::text(LEGEND_SIZE, false, INK, HPos::Left, VPos::Center);
        area.draw_text(&label, &font, (PAD + SWATCH_W + GAP, cy))?;
    }
    if shown < entries.len() {
        let cy = top + PAD + shown as i32 * ROW_H + ROW_H / 2;
        let more = format!("… and {} more", entries.len() - shown);
        let font = style::text(LEGEND_SIZE, false, MUTED, HPos::Left, VPos::Center);
        area.draw_text(&more, &font, (PAD, cy))?;
    }
    Ok(())
}

/// Draws one swatch spanning `SWATCH_W` pixels from `x0`, centred vertically on `cy`.
fn swatch<DB>(area: &DrawingArea<DB, Shift>, s: Swatch, x0: i32, cy: i32) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (x1, xm) = (x0 + SWATCH_W, x0 + SWATCH_W / 2);
    match s {
        Swatch::Line {
            color,
            width,
            marker,
            dashed,
            band,
        } => {
            if band {
                let fill = color.mix(0.2).filled();
                area.draw(&Rectangle::new([(x0, cy - 8), (x1, cy + 8)], fill))?;
            }
            line(area, (x0, x1, cy), color.stroke_width(width), dashed)?;
            if let Some(m) = marker {
                style::markers(area, [(xm, cy)], m, 5, color)?;
            }
        }
        Swatch::Dot { color, filled } => {
            let st = if filled {
                color.filled()
            } else {
                color.stroke_width(2)
            };
            area.draw(&Circle::new((xm, cy), 6, st))?;
        }
        Swatch::Cross(color) => area.draw(&Cross::new((xm, cy), 6, color.stroke_width(3)))?,
        Swatch::Block(color) => area.draw(&Rectangle::new(
            [(x0 + 8, cy - 8), (x1 - 8, cy + 8)],
            color.filled(),
        ))?,
        Swatch::Area(color) => {
            let fill = color.mix(0.25).filled();
            area.draw(&Rectangle::new([(x0 + 8, cy - 6), (x1 - 8, cy + 8)], fill))?;
            let top = color.stroke_width(2);
            area.draw(&PathElement::new(
                vec![(x0 + 8, cy - 6), (x1 - 8, cy - 6)],
                top,
            ))?;
        }
        Swatch::Ring => area.draw(&Circle::new((xm, cy), 9, INK.stroke_width(2)))?,
    }
    Ok(())
}

/// A horizontal swatch line from `x0` to `x1` at `y`, dashed as two strokes when asked.
fn line<DB>(
    area: &DrawingArea<DB, Shift>,
    (x0, x1, y): (i32, i32, i32),
    st: ShapeStyle,
    dashed: bool,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if dashed {
        let third = (x1 - x0) / 3;
        area.draw(&PathElement::new(vec![(x0, y), (x0 + third, y)], st))?;
        area.draw(&PathElement::new(vec![(x1 - third, y), (x1, y)], st))?;
    } else {
        area.draw(&PathElement::new(vec![(x0, y), (x1, y)], st))?;
    }
    Ok(())
}
