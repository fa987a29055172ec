//! The teaching page of `sim teach`: one self-contained HTML file (its script, style and the runs'
//! data inline; nothing loaded, so it opens offline from file://) that animates the data
//! [`teach::data`](super::teach::data) computed.

use super::html::escape;
use serde_json::Value;

const SCRIPT: &str = include_str!("teach_page.js");
const STYLE: &str = include_str!("teach_page.css");

/// JSON text safe inside a `<script>` element: no `<` (so no `</script>`), and no line or
/// paragraph separators.
pub(crate) fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The whole page for `data`.
pub(crate) fn page(data: &Value) -> String {
    let name = data["experiment"].as_str().unwrap_or_default();
    let label = data["axis"]["label"].as_str().unwrap_or("readers");
    let title = format!("Teach the two-reader rule: {name}");
    let kinds: String = data["kinds"]
        .as_array()
        .map(|ks| {
            ks.iter()
                .enumerate()
                .map(|(i, k)| {
                    let id = k["id"].as_str().unwrap_or_default();
                    format!(
                        "<label><input type=\"radio\" name=\"kind\" value=\"{}\"{}> {}</label>\n",
                        escape(id),
                        if i == 0 { " checked" } else { "" },
                        escape(k["label"].as_str().unwrap_or_default())
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{t}</h1>
<p class="lede">{lede}</p>
<p class="lede">Every mark below is a call that <code>sim</code> simulated with its own model
(runs computed by <code>sim teach</code> and stored in this page; nothing here is drawn by hand).
Move the slider, switch the stream, press play.</p>
<form id="controls" onsubmit="return false">
<fieldset><legend>Playback</legend>
<button type="button" id="play" aria-pressed="false">Play</button>
<button type="button" id="step">Step</button>
<button type="button" id="restart">Restart</button>
<label>Speed <select id="speed">
<option value="0.25">0.25×</option><option value="0.5">0.5×</option>
<option value="1" selected>1×</option><option value="2">2×</option><option value="4">4×</option>
</select></label>
<span id="clock" aria-live="off"></span>
</fieldset>
<fieldset><legend>{label}</legend>
<input type="range" id="readers" min="0" max="0" step="1" value="0" aria-label="{label}">
<output id="readers-out" for="readers"></output>
</fieldset>
<fieldset><legend>Stream</legend>
{kinds}</fieldset>
</form>
<p id="caption" class="caption" aria-live="polite"></p>
<section aria-label="calls">
<h2>Every read call, one lane per reader</h2>
<div id="budget" class="budget" aria-live="off"></div>
<svg id="lanes" class="chart" role="img" aria-label="read calls per reader over time"></svg>
<p class="legend"><span class="k ok">●</span> call returned records
<span class="k empty">○</span> call found nothing new
<span class="k thr">✕</span> call throttled (the shard refused it)
<span class="k push">◆</span> records pushed (enhanced fan-out, no call)</p>
</section>
<section aria-label="positions">
<h2>Records arriving, and where each reader stands behind them</h2>
<svg id="records" class="chart" role="img" aria-label="records written and read"></svg>
</section>
<section aria-label="iterator age">
<h2>IteratorAge of each reader</h2>
<svg id="ages" class="chart" role="img" aria-label="IteratorAge per reader"></svg>
<p class="note">The line is the age of the oldest record a reader has not yet read (sampled every
<span id="stepms"></span> ms): the IteratorAge it reports when it reads it. Dots are the
IteratorAge of each read (the age of the last record it returned).</p>
</section>
<section aria-label="model">
<h2>The model and parameters shown</h2>
<div id="params"></div>
</section>
<section aria-label="workshop">
<h2>Presenting it</h2>
<p>Start at two readers on DynamoDB Streams and play: every call is served. Move to three: the
shard's per-second budget overflows and the third reader's calls turn into crosses; watch its
IteratorAge climb. Switch to Kinesis (fewer calls a second, polled once a second when idle) and
then to enhanced fan-out (no shared budget at all). Keys: space plays or pauses, → steps.</p>
</section>
<script type="application/json" id="data">{data}</script>
<script>{SCRIPT}</script>
</body>
</html>
"#,
        t = escape(&title),
        lede = escape(data["description"].as_str().unwrap_or_default()),
        label = escape(label),
        data = script_json(data),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_in_the_page_cannot_close_its_script_element() {
        let v = serde_json::json!({"experiment": "</script><b>", "kinds": [], "axis": {}});
        let html = page(&v);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only the page's own two"
        );
        assert!(html.contains("\\u003c/script>\\u003cb>"));
    }
}
