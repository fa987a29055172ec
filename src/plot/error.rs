//! Why a chart could not be drawn or written ([`PlotError`]).

use crate::fsio::WriteError;
use plotters::drawing::DrawingAreaErrorKind;

/// The plot layer's error: a backend's drawing error, a PNG encoding error, or a file not
/// written; a wrapped error is the source, so the command line prints it after the message.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// An error of a plotters backend (its message only: plotters gives it no source).
    #[error("{0}")]
    Draw(Box<dyn std::error::Error + Send + Sync>),
    /// Rendering one format (`SVG` or `PNG`) failed.
    #[error("cannot render the {format} chart")]
    Render {
        format: &'static str,
        source: Box<PlotError>,
    },
    #[error(transparent)]
    Png(#[from] png::EncodingError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl<E: std::error::Error + Send + Sync + 'static> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(Box::new(e))
    }
}

/// A plot function's result.
pub type Result<T> = std::result::Result<T, PlotError>;
