//! Points as they came (any order, pages overlapping) to one point per timestamp, oldest first,
//! with what was done noted.

use super::report::{Order, SeriesNotes};

/// Sorts, removes duplicate timestamps (the later entry in file order wins: a later page or a
/// later fetch saw any late-arriving data) and counts gaps.
pub(super) fn clean(
    id: &str,
    period_s: u32,
    statuses: Vec<String>,
    raw: Vec<(i64, f64)>,
) -> (Vec<(i64, f64)>, SeriesNotes) {
    let order = order_of(&raw);
    let mut sorted = raw;
    // Stable: among equal timestamps the file order survives, so the last is the latest.
    sorted.sort_by_key(|p| p.0);
    let (points, duplicates, conflicting) = dedupe(sorted);
    let gaps = gaps(&points, period_s);
    let negative = points.iter().filter(|p| p.1 < 0.0).count();
    let notes = SeriesNotes {
        id: id.to_string(),
        period_s,
        statuses,
        order,
        duplicates,
        conflicting,
        gaps: gaps.count,
        missing_periods: gaps.missing,
        first_gap: gaps.first,
        misaligned: gaps.misaligned,
        shortest_step: points.windows(2).map(|w| w[1].0 - w[0].0).min(),
        negative,
        first_negative: points.iter().find(|p| p.1 < 0.0).copied(),
        points: points.len(),
    };
    (points, notes)
}

fn order_of(points: &[(i64, f64)]) -> Order {
    if points.windows(2).all(|w| w[0].0 <= w[1].0) {
        Order::Ascending
    } else if points.windows(2).all(|w| w[0].0 >= w[1].0) {
        Order::Descending
    } else {
        Order::Mixed
    }
}

/// Keeps the last of each run of equal timestamps; counts the others and those that differed.
fn dedupe(sorted: Vec<(i64, f64)>) -> (Vec<(i64, f64)>, usize, usize) {
    let mut out: Vec<(i64, f64)> = Vec::with_capacity(sorted.len());
    let (mut duplicates, mut conflicting) = (0, 0);
    for p in sorted {
        match out.last_mut() {
            Some(last) if last.0 == p.0 => {
                duplicates += 1;
                // Bit equality: NaN never reaches here, and -0.0 vs 0.0 is a real difference.
                conflicting += usize::from(last.1.to_bits() != p.1.to_bits());
                *last = p;
            }
            _ => out.push(p),
        }
    }
    (out, duplicates, conflicting)
}

#[derive(Debug, Default, PartialEq)]
struct Gaps {
    count: usize,
    missing: u64,
    first: Option<(i64, i64)>,
    misaligned: usize,
}

fn gaps(points: &[(i64, f64)], period_s: u32) -> Gaps {
    let period = i64::from(period_s.max(1));
    let mut g = Gaps::default();
    for w in points.windows(2) {
        let step = w[1].0 - w[0].0;
        if step % period != 0 {
            g.misaligned += 1;
        } else if step > period {
            g.count += 1;
            g.missing += (step / period - 1) as u64;
            g.first.get_or_insert((w[0].0, w[1].0));
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_first_pages_come_out_oldest_first_without_complaint() {
        let raw = vec![(240, 5.0), (180, 4.0), (120, 3.0), (60, 2.0), (0, 1.0)];
        let (points, notes) = clean("m1", 60, vec!["Complete".into()], raw);
        assert_eq!(
            points,
            [(0, 1.0), (60, 2.0), (120, 3.0), (180, 4.0), (240, 5.0)]
        );
        assert_eq!(notes.order, Order::Descending);
        assert_eq!((notes.duplicates, notes.gaps, notes.misaligned), (0, 0, 0));
    }

    #[test]
    fn duplicates_keep_the_later_entry_and_are_counted() {
        let raw = vec![(120, 3.0), (60, 2.0), (60, 2.5), (0, 1.0), (120, 3.0)];
        let (points, notes) = clean("m1", 60, vec![], raw);
        assert_eq!(points, [(0, 1.0), (60, 2.5), (120, 3.0)]);
        assert_eq!(notes.order, Order::Mixed);
        assert_eq!((notes.duplicates, notes.conflicting), (2, 1));
    }

    #[test]
    fn gaps_count_missing_periods_and_name_the_first() {
        let raw = vec![
            (0, 1.0),
            (60, 1.0),
            (240, 1.0),
            (300, 1.0),
            (420, 1.0),
            (450, 1.0),
        ];
        let (_, notes) = clean("m1", 60, vec![], raw);
        assert_eq!(notes.gaps, 2);
        assert_eq!(notes.missing_periods, 3);
        assert_eq!(notes.first_gap, Some((60, 240)));
        assert_eq!(notes.misaligned, 1);
    }
}
