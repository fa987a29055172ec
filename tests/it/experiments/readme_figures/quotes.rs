//! What the README says: each quote's own words with `{}` where a figure stands, the figure's
//! name and how the README rounds it, and the README's text to find them in.

use serde_json::{json, Value};
use std::collections::BTreeMap;

/// How the README rounds a figure.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fmt {
    /// To this many significant digits (thousands separated by commas).
    Sig(u32),
    /// To this many decimals.
    Fixed(usize),
    /// "no" for 0, else the number to two significant digits.
    No,
    /// A list of keys, each in backquotes: "`a`, `b` and `c`".
    Keys,
    /// A string as is.
    Text,
}

/// The README's words around some figures: `{}` where each stands, in order.
pub(crate) struct Quote {
    pub words: &'static str,
    pub figures: &'static [(&'static str, Fmt)],
}

use Fmt::*;

/// Every figure the README quotes, in the order it quotes them.
pub(crate) const QUOTES: &[Quote] = &[
    Quote {
        words: "so there are {} throttled reads up to five subscribers, about {} a minute at six, and then linear growth (about {} a minute at 30)",
        figures: &[("hot.throttled.standard.up_to_5", No), ("hot.throttled.standard.6", Sig(1)), ("hot.throttled.standard.30", Sig(2))],
    },
    Quote {
        words: "on average about {} s at 15 subscribers and {} s at 30",
        figures: &[("hot.age_avg_s.standard.15", Sig(1)), ("hot.age_avg_s.standard.30", Sig(2))],
    },
    Quote {
        words: "IteratorAge stays flat at about {} ms",
        figures: &[("hot.age_avg_ms.efo.mean", Sig(2))],
    },
    Quote {
        words: "the worst per-minute average is about {} s, {} s and {} s",
        figures: &[("power.worst_s.dynamodb-streams", Sig(2)), ("power.worst_s.dynamodb-fanout-function", Sig(2)), ("power.worst_s.power-api-kinesis", Sig(2))],
    },
    Quote {
        words: "and the maxima about {} s, {} s and {} s (post: 60-70 s, 40 s, 30 s; the first is about {} times the post's",
        figures: &[("power.max_s.dynamodb-streams", Sig(3)), ("power.max_s.dynamodb-fanout-function", Sig(2)), ("power.max_s.power-api-kinesis", Sig(2)), ("power.max_over_post", Sig(2))],
    },
    Quote {
        words: "about {} ms with one polling consumer, about {} ms with five, about {} ms with enhanced fan-out",
        figures: &[("propagation.delivery_ms.shared.1", Sig(1)), ("propagation.delivery_ms.shared.5", Sig(1)), ("propagation.delivery_ms.efo.mean", Sig(2))],
    },
    Quote {
        words: "the central stream throttles about {} reads a minute and delivers in about {} s from the first write; the router cuts throttling to about {} a minute and latency to about {} s, at one more hop and about ${} a month more, and spreads one item's changes over streams that deliver about {} s apart (their order is lost); enhanced fan-out delivers in about {} ms without a throttle, for about ${} a month",
        figures: &[
            ("readers.throttled.central", Sig(2)),
            ("readers.first_write_s.central", Sig(3)),
            ("readers.throttled.router", Sig(2)),
            ("readers.first_write_s.router", Sig(1)),
            ("readers.cost_more.router", Sig(1)),
            ("readers.skew_s.router", Sig(1)),
            ("readers.first_write_ms.efo", Sig(2)),
            ("readers.cost.efo", Sig(2)),
        ],
    },
    Quote {
        words: "IteratorAge (about ${}, ${} and ${} a month)",
        figures: &[("cost.power.dynamodb-streams", Sig(2)), ("cost.power.dynamodb-fanout-function", Sig(2)), ("cost.power.power-api-kinesis", Sig(3))],
    },
    Quote {
        words: "the best values are also run with {} other seeds",
        figures: &[("calibrate.noise_seeds", Sig(1))],
    },
    Quote {
        words: "On the example (default screen, {} runs): loss {} from {} for the model as written, noise floor {} ({} to {}); per series IteratorAge Average {}, Maximum {}, throttled reads {}. The screen picks {}; `throttle_backoff.max` comes out at {} s (near-best {}–{} s; hidden: 30 s)",
        figures: &[
            ("calibrate.runs", Sig(3)),
            ("calibrate.loss", Fixed(3)),
            ("calibrate.loss_as_written", Fixed(3)),
            ("calibrate.noise_floor", Fixed(3)),
            ("calibrate.noise_low", Fixed(3)),
            ("calibrate.noise_high", Fixed(3)),
            ("calibrate.error.iterator_age_avg", Fixed(2)),
            ("calibrate.error.iterator_age_max", Fixed(2)),
            ("calibrate.error.throttled", Fixed(2)),
            ("calibrate.screen_picks", Keys),
            ("calibrate.throttle_backoff_max_s", Fixed(1)),
            ("calibrate.throttle_backoff_max_s.near_low", Fixed(1)),
            ("calibrate.throttle_backoff_max_s.near_high", Fixed(1)),
        ],
    },
    Quote {
        words: "--runs 48`, {} runs) recovers {} ms (hidden 500 ms) and {} s (hidden 30 s), at loss {} against a noise floor of {} ({} to {})",
        figures: &[
            ("calibrate_fit.runs", Sig(2)),
            ("calibrate_fit.min_call_interval_ms", Sig(2)),
            ("calibrate_fit.throttle_backoff_max_s", Fixed(1)),
            ("calibrate_fit.loss", Fixed(3)),
            ("calibrate_fit.noise_floor", Fixed(3)),
            ("calibrate_fit.noise_low", Fixed(3)),
            ("calibrate_fit.noise_high", Fixed(3)),
        ],
    },
    Quote {
        words: "up to 4 subscribers the worst IteratorAge is at most {} s over the 32 sets (most sets keep it under 30 s, not all: some throttle even one subscriber); at 5 it depends on the assumptions ({} s to {} s), most on how a Lambda poller decides it has caught up (`{}`); from 6 on it is at least {} s in every set whose readers read. In {} of the sets, from {} subscribers on, every read call is throttled and no record is read at all: IteratorAge then has no sample, and the band's `min` shows 0 for it.",
        figures: &[
            ("bands.age_max_s.standard.up_to_4.max", Sig(2)),
            ("bands.age_max_s.standard.5.min", Sig(1)),
            ("bands.age_max_s.standard.5.max", Sig(2)),
            ("bands.deciding.age_max.standard.5", Text),
            ("bands.age_max_s.standard.from_6.min", Sig(2)),
            ("bands.age_max_s.standard.starved_sets", Fixed(0)),
            ("bands.age_max_s.standard.starved_from", Fixed(0)),
        ],
    },
    Quote {
        words: "Beyond the knee the throttle backoff decides (its cap, `{}`, at 6 subscribers)",
        figures: &[("bands.deciding.age_max.standard.6", Text)],
    },
    Quote {
        words: "${} to ${} a month at 30 subscribers over the 32 sets, decided most by how often a subscription pushes (`{}`,",
        figures: &[
            ("bands.cost.efo.30.min", Sig(4)),
            ("bands.cost.efo.30.max", Sig(4)),
            ("bands.deciding.cost.efo.30", Text),
        ],
    },
    Quote {
        words: "one function polling the shipped standard model's four shards: median {} ms, p99 {} ms",
        figures: &[("latency.standard.1.p50_ms", Sig(2)), ("latency.standard.1.p99_ms", Sig(2))],
    },
    Quote {
        words: "With ten functions sharing the shards (the model as shipped), the median is about {} s and the worst p99 about {} s",
        figures: &[("latency.standard.10.p50_s", Sig(2)), ("latency.standard.10.p99_s", Sig(2))],
    },
    Quote {
        words: "records read but waiting for the previous batch add about {} ms on average",
        figures: &[("latency.standard.10.to_handler_ms", Sig(2))],
    },
    Quote {
        words: "median {} ms, p99 {} ms, of which {} ms is the propagation (delivery) and on average {} ms the wait",
        figures: &[("latency.efo.1.p50_ms", Sig(2)), ("latency.efo.1.p99_ms", Sig(2)), ("latency.efo.1.delivery_ms", Sig(2)), ("latency.efo.1.wait_ms", Sig(2))],
    },
    Quote {
        words: "medians from {} s to {} s and p99 from {} s to {} s",
        figures: &[("latency.dynamodb.p50_s.min", Sig(2)), ("latency.dynamodb.p50_s.max", Sig(2)), ("latency.dynamodb.p99_s.min", Sig(2)), ("latency.dynamodb.p99_s.max", Sig(2))],
    },
];

/// A figure's value `v` as the README writes it, rounded by `fmt`.
pub(crate) fn show(v: &Value, fmt: Fmt) -> String {
    match fmt {
        Text => v
            .as_str()
            .unwrap_or_else(|| panic!("{v} is not text"))
            .to_string(),
        Keys => {
            let keys: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|k| format!("`{}`", k.as_str().unwrap()))
                .collect();
            match keys.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            }
        }
        No if v.as_f64() == Some(0.0) => "no".into(),
        No => show(v, Sig(2)),
        Sig(n) => sig(v.as_f64().unwrap(), n),
        Fixed(d) => commas(&format!("{:.*}", d, v.as_f64().unwrap())),
    }
}

/// `x` to `n` significant digits.
fn sig(x: f64, n: u32) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let e = x.abs().log10().floor() as i32;
    let drop = e - n as i32 + 1;
    if drop > 0 {
        let unit = 10f64.powi(drop);
        commas(&format!("{:.0}", (x / unit).round() * unit))
    } else {
        commas(&format!("{:.*}", (-drop) as usize, x))
    }
}

/// Commas between thousands in the integer part of a formatted number.
fn commas(s: &str) -> String {
    let (sign, s) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!(
        "{sign}{out}{}",
        frac.map_or(String::new(), |f| format!(".{f}"))
    )
}

/// The README's text with every run of white space one space, so quotes may span its line breaks.
pub(crate) fn readme() -> String {
    let text = std::fs::read_to_string(super::root().join("README.md")).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `quote`'s words with its figures from `values` in place; the error names a missing figure.
pub(crate) fn fill(quote: &Quote, values: &BTreeMap<String, Value>) -> Result<String, String> {
    let mut parts = quote.words.split("{}");
    let mut out = parts.next().unwrap().to_string();
    for (part, (name, fmt)) in parts.zip(quote.figures) {
        let v = values
            .get(*name)
            .ok_or_else(|| format!("no figure `{name}`"))?;
        out += &show(v, *fmt);
        out += part;
    }
    assert_eq!(
        quote.words.matches("{}").count(),
        quote.figures.len(),
        "{}",
        quote.words
    );
    Ok(out)
}

#[test]
fn figures_are_rounded_as_the_readme_writes_them() {
    let n = |x: f64, f| show(&json!(x), f);
    assert_eq!(n(2097.5, Sig(2)), "2,100");
    assert_eq!(n(97.0, Sig(1)), "100");
    assert_eq!(n(951.0, Sig(1)), "1,000");
    assert_eq!(n(0.866, Sig(1)), "0.9");
    assert_eq!(n(112.525, Sig(3)), "113");
    assert_eq!(n(2406.4, Sig(4)), "2,406");
    assert_eq!(n(0.26723, Fixed(3)), "0.267");
    assert_eq!(n(0.0, No), "no");
    assert_eq!(n(3.0, No), "3.0");
    assert_eq!(show(&json!(["a", "b", "c"]), Keys), "`a`, `b` and `c`");
}
