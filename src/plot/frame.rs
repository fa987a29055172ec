//! From a figure to two files: the SVG is rendered into a string and the PNG into an RGB buffer
//! encoded here, then both are written atomically, so no reader ever sees half a chart.

use super::style::{self, INK, MUTED, SUBTITLE_SIZE, TITLE_SIZE};
use super::{PlotError, Result};
use crate::fsio;
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::WHITE;
use std::path::{Path, PathBuf};

/// Horizontal margin of the title, in pixels.
pub(super) const SIDE: i32 = 20;

/// Something that can draw itself on any plotters backend.
pub(super) trait Figure {
    /// Canvas size in pixels (width, height): the charts' common size unless a figure says.
    fn size(&self) -> (u32, u32) {
        super::CHART_SIZE
    }
    /// Draws the whole figure on `root`, which is already filled white.
    fn draw<DB>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static;
}

/// Renders `fig` and writes `<stem>.png` and `<stem>.svg`, each atomically.
pub(super) fn write(stem: &Path, fig: &impl Figure) -> Result<()> {
    style::register_fonts();
    let svg = render_svg(fig).map_err(rendering("SVG"))?;
    let png = render_png(fig).map_err(rendering("PNG"))?;
    fsio::write(&with_suffix(stem, "png"), &png)?;
    Ok(fsio::write(&with_suffix(stem, "svg"), svg.as_bytes())?)
}

/// Wraps an error in rendering `format` (`SVG` or `PNG`).
fn rendering(format: &'static str) -> impl FnOnce(PlotError) -> PlotError {
    move |e| PlotError::Render {
        format,
        source: Box::new(e),
    }
}

/// `stem` with `.ext` appended (not replacing any dot already in the name).
pub(super) fn with_suffix(stem: &Path, ext: &str) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// Renders `fig` as SVG text, for a page that carries its charts inline.
pub(super) fn svg(fig: &impl Figure) -> Result<String> {
    style::register_fonts();
    render_svg(fig).map_err(rendering("SVG"))
}

fn render_svg(fig: &impl Figure) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, fig.size()).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root)?;
        root.present()?;
    }
    Ok(out)
}

fn render_png(fig: &impl Figure) -> Result<Vec<u8>> {
    let (w, h) = fig.size();
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root)?;
        root.present()?;
    }
    encode_png(&rgb, w, h)
}

/// Encodes an 8-bit RGB buffer as PNG.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

/// Draws the title and optional subtitle at the top of `root`, shortened to fit the width;
/// returns the height they take.
pub(super) fn header<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: Option<&str>,
) -> Result<u32>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let max_w = root.dim_in_pixel().0.saturating_sub(2 * SIDE as u32);
    let title = style::fit(title, TITLE_SIZE, true, max_w);
    let bold = style::text(TITLE_SIZE, true, INK, HPos::Left, VPos::Top);
    root.draw_text(&title, &bold, (SIDE, 16))?;
    let Some(sub) = subtitle.filter(|s| !s.is_empty()) else {
        return Ok(56);
    };
    let sub = style::fit(sub, SUBTITLE_SIZE, false, max_w);
    let plain = style::text(SUBTITLE_SIZE, false, MUTED, HPos::Left, VPos::Top);
    root.draw_text(&sub, &plain, (SIDE, 50))?;
    Ok(80)
}

/// Writes a grey note (such as "no data") centred in `area`.
pub(super) fn note<DB>(area: &DrawingArea<DB, Shift>, msg: &str) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let style = style::text(style::AXIS_SIZE, false, MUTED, HPos::Center, VPos::Center);
    area.draw_text(msg, &style, (w as i32 / 2, h as i32 / 2))?;
    Ok(())
}
