//! The pieces of a self-contained HTML page: escaping, tables, sections, inline SVG, and the one
//! stylesheet (screen and print). Nothing here loads anything: no scripts, no fonts, no links to
//! follow for the page to render.

use std::fmt::Write;

/// `text` safe in HTML text and in quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #1b1f24; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; margin-top: 2em; }
.lede { color: #57606a; margin-top: 0; }
.answer { background: #f6f8fa; border-left: 4px solid #0969da; padding: 0.6em 1em; }
.answer li { margin: 0.3em 0; }
.ok { color: #1a7f37; font-weight: 600; }
.fail { color: #cf222e; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th { background: #f6f8fa; }
td.text, th.text { text-align: left; }
figure { margin: 1em 0; page-break-inside: avoid; break-inside: avoid; }
figure svg { width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { color: #57606a; font-size: 0.85em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  details { display: block; }
  details > pre { white-space: pre-wrap; }
  figure svg { border: none; }
}
"#;

/// A whole page: `title` in the head and the first heading, `body` (already HTML) below it.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{t}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = escape(title)
    )
}

/// A section with a heading.
pub(crate) fn section(id: &str, title: &str, inner: &str) -> String {
    format!(
        "<section id=\"{}\">\n<h2>{}</h2>\n{inner}</section>\n",
        escape(id),
        escape(title)
    )
}

/// A paragraph of plain text.
pub(crate) fn para(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A table of plain-text cells; the first `text_cols` columns are left-aligned text.
pub(crate) fn table(header: &[String], rows: &[Vec<String>], text_cols: usize) -> String {
    let class = |i: usize| if i < text_cols { " class=\"text\"" } else { "" };
    let mut out = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let _ = write!(out, "<th{}>{}</th>", class(i), escape(h));
    }
    out += "</tr></thead>\n<tbody>\n";
    for row in rows {
        out += "<tr>";
        for (i, c) in row.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", class(i), escape(c));
        }
        out += "</tr>\n";
    }
    out + "</tbody></table></div>\n"
}

/// A file's text, folded under its name.
pub(crate) fn source(name: &str, text: &str, open: bool) -> String {
    format!(
        "<details{}><summary><code>{}</code></summary>\n<pre><code>{}</code></pre></details>\n",
        if open { " open" } else { "" },
        escape(name),
        escape(text)
    )
}

/// An SVG document as an inline figure: without its XML prologue, scaled to the page width (a
/// `viewBox` is added from its size when it has none).
pub(crate) fn figure(caption: &str, svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let svg = &svg[start..];
    let svg = if svg.contains("viewBox") {
        svg.to_string()
    } else {
        with_view_box(svg)
    };
    format!(
        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
        svg.trim_end(),
        escape(caption)
    )
}

/// Adds `viewBox="0 0 W H"` to the opening `<svg` tag, from its `width` and `height`.
fn with_view_box(svg: &str) -> String {
    let open_end = svg.find('>').unwrap_or(svg.len());
    let tag = &svg[..open_end];
    let attr = |name: &str| {
        let key = format!(" {name}=\"");
        let from = tag.find(&key)? + key.len();
        let len = tag[from..].find('"')?;
        tag[from..from + len]
            .trim_end_matches("px")
            .parse::<f64>()
            .ok()
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => format!("<svg viewBox=\"0 0 {w} {h}\"{}", &svg[4..]),
        _ => svg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        let t = table(&["<b>".into()], &[vec!["<script>".into()]], 1);
        assert!(!t.contains("<script>") && t.contains("&lt;script&gt;"));
        let s = source("m.toml", "# <script>alert(1)</script>\n", true);
        assert!(!s.contains("<script>"), "{s}");
    }

    #[test]
    fn figures_scale_with_a_view_box() {
        let f = figure(
            "c",
            "<?xml version=\"1.0\"?>\n<svg width=\"1200\" height=\"700\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n",
        );
        assert!(
            f.contains("<svg viewBox=\"0 0 1200 700\" width=\"1200\""),
            "{f}"
        );
        assert!(!f.contains("<?xml"));
    }

    #[test]
    fn pages_have_a_print_stylesheet_and_load_nothing() {
        let p = page("t", "");
        assert!(p.contains("@media print"));
        for bad in ["<script", "<link", "@import", "url("] {
            assert!(!p.contains(bad), "{bad}");
        }
    }
}
