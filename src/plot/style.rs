//! Shared look: embedded fonts, text styles, the series palette and marker shapes.

use super::Result;
use plotters::coord::CoordTranslate;
use plotters::element::{Circle, EmptyElement, PathElement, Polygon, Rectangle};
use plotters::prelude::{DrawingArea, DrawingBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, RGBColor, ShapeStyle, TextStyle, WHITE,
};
use std::sync::Once;

/// Font family name every text style uses; backed by the embedded DejaVu Sans.
const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) as "sans-serif", once per process, so rendering
/// never depends on system fonts.
pub(super) fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both fonts are valid TrueType files embedded by the `dejavu` crate; a failure here would
        // surface as a font error on the first text drawn, never as a panic.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Near-black used for titles, axes and labels.
pub(super) const INK: RGBColor = RGBColor(40, 40, 40);
/// Mid grey for subtitles and secondary text.
pub(super) const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Colour of reference lines (limits).
pub(super) const LIMIT: RGBColor = RGBColor(200, 30, 30);

/// Font sizes in plotters units (about 1.24 × the em size in pixels).
pub(super) const TITLE_SIZE: f64 = 30.0;
pub(super) const SUBTITLE_SIZE: f64 = 19.0;
pub(super) const AXIS_SIZE: f64 = 20.0;
pub(super) const TICK_SIZE: f64 = 17.0;
pub(super) const LEGEND_SIZE: f64 = 17.0;
pub(super) const NOTE_SIZE: f64 = 15.0;

/// A text style in the embedded font, anchored at `(h, v)`.
pub(super) fn text(size: f64, bold: bool, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    TextStyle {
        font: FontDesc::new(FontFamily::Name(FAMILY), size, style),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Width and height in pixels of `s` in the regular font of `size` (0 when it cannot be
/// measured).
pub(super) fn text_size(s: &str, size: f64) -> (u32, u32) {
    measure(s, size, false)
}

/// Width and height in pixels of `s` at `size`, bold or regular.
pub(super) fn measure(s: &str, size: f64, bold: bool) -> (u32, u32) {
    register_fonts();
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FAMILY), size, style)
        .box_size(s)
        .unwrap_or((0, 0))
}

/// `s` shortened with an ellipsis so that it is at most `max_w` pixels wide at `size`.
pub(super) fn fit(s: &str, size: f64, bold: bool, max_w: u32) -> String {
    if measure(s, size, bold).0 <= max_w {
        return s.to_string();
    }
    let mut chars: Vec<char> = s.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if measure(&cut, size, bold).0 <= max_w {
            return cut;
        }
    }
    "…".to_string()
}

/// Twelve distinct colours (Tableau 10 plus two darker tones), readable on white.
const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(57, 59, 121),
    RGBColor(173, 73, 74),
];

/// Marker shapes; series beyond the palette size cycle through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// How the series with a given index is drawn: colour, marker and dash pattern.
#[derive(Clone, Copy, Debug)]
pub(super) struct Look {
    pub color: RGBColor,
    pub marker: Marker,
    pub dashed: bool,
}

/// The look of series `i`: the first 12 get distinct colours, solid lines and circles; later
/// ones reuse the colours with other markers and dashed lines.
pub(super) fn look(i: usize) -> Look {
    const MARKERS: [Marker; 4] = [
        Marker::Circle,
        Marker::Square,
        Marker::Triangle,
        Marker::Diamond,
    ];
    let round = i / PALETTE.len();
    Look {
        color: PALETTE[i % PALETTE.len()],
        marker: MARKERS[round % MARKERS.len()],
        dashed: round % 2 == 1,
    }
}

/// The colour for group `i` of a scatter plot.
pub(super) fn group_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws a marker of radius about `r` pixels at each of `at`, with a thin white outline so
/// overlapping markers stay distinct.
pub(super) fn markers<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: impl IntoIterator<Item = CT::From>,
    shape: Marker,
    r: i32,
    color: RGBColor,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    let fill: ShapeStyle = color.filled();
    let edge: ShapeStyle = WHITE.stroke_width(1);
    for c in at {
        let base = EmptyElement::at(c);
        match shape {
            Marker::Circle => {
                area.draw(&(base + Circle::new((0, 0), r, fill) + Circle::new((0, 0), r, edge)))?
            }
            Marker::Square => {
                let sq = [(1 - r, 1 - r), (r - 1, r - 1)];
                area.draw(&(base + Rectangle::new(sq, fill) + Rectangle::new(sq, edge)))?
            }
            Marker::Triangle | Marker::Diamond => {
                let pts = vertices(shape, r);
                let mut closed = pts.clone();
                closed.push(pts[0]);
                let poly = Polygon::new(pts, fill);
                area.draw(&(base + poly + PathElement::new(closed, edge)))?
            }
        }
    }
    Ok(())
}

/// Corners of a triangle or diamond marker around the origin.
fn vertices(shape: Marker, r: i32) -> Vec<(i32, i32)> {
    match shape {
        Marker::Triangle => vec![(0, -r - 1), (r + 1, r - 1), (-r - 1, r - 1)],
        _ => vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
    }
}
