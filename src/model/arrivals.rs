//! Record arrivals on one shard, generated lazily up to the time someone looks.
//!
//! Each producer contributes a [`Source`] per shard: a (possibly time-varying) Poisson or
//! constant-rate process thinned to the shard's share of the partition keys. Nothing is scheduled on
//! the event queue: records are generated in time order when a reader needs the log up to time `t`,
//! so cost grows with records generated, never with events. With a chunk length `q > 0`, each
//! interval of length `q` becomes one chunk whose count is drawn in one step (aggregate mode).

use super::spec::{ArrivalKind, Profile};
use crate::dist::{round_u64, Dist};
use crate::engine::rng::SimRng;
use crate::engine::Nanos;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};
use std::sync::Arc;

/// One producer's arrivals on one shard.
pub struct Source {
    /// Records per nanosecond at multiplier 1.
    rate: f64,
    kind: ArrivalKind,
    size: Dist,
    profile: Arc<[(Nanos, f64)]>,
    seg: usize,
    rng: SimRng,
    /// Next arrival (exact mode).
    next: Nanos,
    /// Fractional records carried between chunks (constant arrivals, aggregate mode).
    carry: f64,
    /// Chance that a record is written twice (0: never, and no draw is made).
    dup_p: f64,
    /// The size of every record when sizes are fixed (the draw needs no random number).
    fixed_size: Option<u64>,
    /// For a flat profile (one step): `rate` times its multiplier, the rate `advance` would
    /// compute for every record (the same product, so the same bits); `None` otherwise.
    flat_rate: Option<f64>,
}

/// The arrival `work` units of (rate x time) after `t` at the flat rate `r > 0` (never before
/// `t + 1`; `Nanos::MAX` past the end of time). The two float conversions and the overflow check
/// are skipped when both operands are below 2^62, where they cannot change the answer.
#[inline(always)]
fn flat_step(t: Nanos, work: f64, r: f64) -> Nanos {
    const SMALL: Nanos = 1 << 62;
    let dt = work / r;
    if t < SMALL && dt < SMALL as f64 {
        // `t as f64 + dt` is below 2^63, so the check in `advance` passes; `dt.max(1.0)` lies in
        // [1, 2^62), where truncating through i64 is what `as Nanos` does.
        // SAFETY: the value is finite and in range for i64.
        return t + unsafe { dt.max(1.0).to_int_unchecked::<i64>() } as Nanos;
    }
    if (t as f64 + dt) < Nanos::MAX as f64 {
        t + dt.max(1.0) as Nanos
    } else {
        Nanos::MAX
    }
}

/// A record's size in bytes (at least 1): `fixed` when the size law is fixed, else drawn.
#[inline(always)]
fn draw_size(fixed: Option<u64>, size: &Dist, rng: &mut SimRng) -> u64 {
    match fixed {
        Some(b) => b,
        None => round_u64(size.sample(rng)).max(1),
    }
}

/// A flat Poisson [`Source`] taken out of it while a run of records is generated: the same draws
/// as record by record, with the random number generator's state and the next arrival in locals
/// the compiler keeps in registers, instead of behind the source, stored back after every draw.
/// This is the loop body of generating records, most of the work of a run whose readers fall
/// behind.
pub struct FlatRun {
    next: Nanos,
    rng: SimRng,
    fixed_size: Option<u64>,
    size: Dist,
    r: f64,
}

impl FlatRun {
    /// Time of the next arrival.
    #[inline(always)]
    pub fn next_time(&self) -> Nanos {
        self.next
    }

    /// The arrival at [`FlatRun::next_time`], `(time, bytes)`, after drawing the one after it.
    #[inline(always)]
    pub fn pop(&mut self) -> (Nanos, u64) {
        let t = self.next;
        let bytes = draw_size(self.fixed_size, &self.size, &mut self.rng);
        let work: f64 = Exp1.sample(&mut self.rng);
        self.next = flat_step(t, work, self.r);
        (t, bytes)
    }
}

/// A record or chunk produced by a source.
pub struct Arrival {
    pub t_first: Nanos,
    pub t_last: Nanos,
    pub count: u64,
    pub bytes: u64,
}

impl Source {
    /// A source starting at time 0. `rate` is in records per second for this shard.
    pub fn new(
        rate_per_s: f64,
        kind: ArrivalKind,
        size: Dist,
        profile: Arc<[(Nanos, f64)]>,
        mut rng: SimRng,
        chunk: Nanos,
    ) -> Source {
        let mut s = Source {
            rate: rate_per_s / 1e9,
            kind,
            fixed_size: fixed_size(&size),
            size,
            profile,
            seg: 0,
            next: 0,
            carry: 0.0,
            dup_p: 0.0,
            flat_rate: None,
            rng: rng.clone(),
        };
        if s.profile.len() == 1 {
            s.flat_rate = Some(s.rate * s.profile[0].1);
        }
        s.next = if chunk > 0 {
            0
        } else {
            // Random phase for constant sources so that shards do not write in lockstep.
            let first = match kind {
                ArrivalKind::Poisson => s.advance(0, Exp1.sample(&mut rng)),
                ArrivalKind::Constant => s.advance(0, rand::Rng::random::<f64>(&mut rng)),
            };
            s.rng = rng;
            first
        };
        s
    }

    /// Makes each record written a second time with probability `p`.
    pub fn with_duplicates(mut self, p: f64) -> Source {
        self.dup_p = p;
        self
    }

    /// How many of `count` records just written are written again (0 without a draw when the
    /// source never duplicates).
    pub fn draw_duplicates(&mut self, count: u64) -> u64 {
        crate::dist::binomial(&mut self.rng, count, self.dup_p)
    }

    /// True when the source never writes a record twice (no duplicate draw is ever made).
    #[inline]
    pub fn never_duplicates(&self) -> bool {
        self.dup_p <= 0.0
    }

    /// A source for a child shard opened at `start`: this source's rate times `share`, the same
    /// arrival kind, sizes and profile, drawing from `rng`.
    pub fn child(&self, share: f64, start: Nanos, mut rng: SimRng, chunk: Nanos) -> Source {
        let mut s = Source {
            rate: self.rate * share,
            kind: self.kind,
            size: self.size.clone(),
            fixed_size: self.fixed_size,
            profile: self.profile.clone(),
            seg: self.seg,
            next: start,
            carry: 0.0,
            dup_p: self.dup_p,
            // The same product `advance` would compute: (rate x share) x multiplier.
            flat_rate: (self.profile.len() == 1).then(|| self.rate * share * self.profile[0].1),
            rng: rng.clone(),
        };
        if chunk == 0 {
            s.next = match self.kind {
                ArrivalKind::Poisson => s.advance(start, Exp1.sample(&mut rng)),
                ArrivalKind::Constant => s.advance(start, rand::Rng::random::<f64>(&mut rng)),
            };
            s.rng = rng;
        }
        s
    }

    /// Time of the next arrival (exact mode); `u64::MAX` if none.
    #[inline]
    pub fn next_time(&self) -> Nanos {
        self.next
    }

    fn multiplier_at(&mut self, t: Nanos) -> (f64, Nanos) {
        while self.seg + 1 < self.profile.len() && self.profile[self.seg + 1].0 <= t {
            self.seg += 1;
        }
        let end = self.profile.get(self.seg + 1).map_or(Nanos::MAX, |s| s.0);
        (self.profile[self.seg].1, end)
    }

    /// The time at which `work` units of (rate x time) have accumulated after `t`.
    #[inline]
    fn advance(&mut self, mut t: Nanos, mut work: f64) -> Nanos {
        if let Some(r) = self.flat_rate {
            // The loop below on its single, unending segment, without the segment lookup.
            return if r > 0.0 {
                flat_step(t, work, r)
            } else {
                Nanos::MAX
            };
        }
        loop {
            let (m, seg_end) = self.multiplier_at(t);
            let r = self.rate * m;
            if r > 0.0 {
                let dt = work / r;
                if (t as f64 + dt) < seg_end as f64 {
                    return t + dt.max(1.0) as Nanos;
                }
                work -= r * (seg_end - t) as f64;
            }
            if seg_end == Nanos::MAX {
                return Nanos::MAX;
            }
            t = seg_end;
        }
    }

    #[inline]
    fn draw_size(&mut self) -> u64 {
        draw_size(self.fixed_size, &self.size, &mut self.rng)
    }

    /// The source's rate when it is Poisson with a flat profile and a positive rate: then
    /// [`Source::pop_flat`] may replace [`Source::pop_exact`].
    #[inline]
    pub fn flat_poisson(&self) -> Option<f64> {
        match (self.kind, self.flat_rate) {
            (ArrivalKind::Poisson, Some(r)) if r > 0.0 => Some(r),
            _ => None,
        }
    }

    /// [`Source::pop_exact`] for a source whose [`Source::flat_poisson`] rate is `r`: the same
    /// draws in the same order, returning `(time, bytes)` (one [`FlatRun::pop`]).
    #[inline(always)]
    pub fn pop_flat(&mut self, r: f64) -> (Nanos, u64) {
        let mut run = self.flat_run(r);
        let popped = run.pop();
        self.finish_flat(run);
        popped
    }

    /// Starts popping records one by one from a source whose [`Source::flat_poisson`] rate is
    /// `r`; [`Source::finish_flat`] puts the state back.
    #[inline]
    pub fn flat_run(&self, r: f64) -> FlatRun {
        FlatRun {
            next: self.next,
            rng: self.rng.clone(),
            fixed_size: self.fixed_size,
            size: self.size.clone(),
            r,
        }
    }

    /// Takes back the state of a finished [`FlatRun`].
    #[inline]
    pub fn finish_flat(&mut self, run: FlatRun) {
        self.next = run.next;
        self.rng = run.rng;
    }

    /// Produces the arrival at `next_time()` (exact mode) and draws the one after.
    #[inline]
    pub fn pop_exact(&mut self) -> Arrival {
        let t = self.next;
        let bytes = self.draw_size();
        let work = match self.kind {
            ArrivalKind::Poisson => Exp1.sample(&mut self.rng),
            ArrivalKind::Constant => 1.0,
        };
        self.next = self.advance(t, work);
        Arrival {
            t_first: t,
            t_last: t,
            count: 1,
            bytes,
        }
    }

    /// Draws the records of the interval `[a, a + q)` (aggregate mode): `(count, bytes)`.
    pub fn draw_chunk(&mut self, a: Nanos, q: Nanos) -> (u64, u64) {
        let (m, _) = self.multiplier_at(a);
        let mean = self.rate * m * q as f64;
        let count = match self.kind {
            ArrivalKind::Poisson if mean > 0.0 => {
                Poisson::new(mean).map_or(0.0, |p| p.sample(&mut self.rng)) as u64
            }
            ArrivalKind::Poisson => 0,
            ArrivalKind::Constant => {
                let total = mean + self.carry;
                let n = total.floor();
                self.carry = total - n;
                n as u64
            }
        };
        let bytes = if count <= 16 {
            (0..count).map(|_| self.draw_size()).sum()
        } else {
            let sd = (self.size.variance() * count as f64).sqrt();
            let z: f64 = StandardNormal.sample(&mut self.rng);
            ((self.size.mean() * count as f64 + sd * z).round() as u64).max(count)
        };
        (count, bytes)
    }
}

/// What [`Source::draw_size`] returns for every record when sizes are fixed.
fn fixed_size(size: &Dist) -> Option<u64> {
    match *size {
        Dist::Fixed(v) => Some(round_u64(v).max(1)),
        _ => None,
    }
}

/// Expands a rate profile into `(start, multiplier)` steps covering `[0, duration]`, the first at 0.
/// On/off durations are drawn from `rng`, so the burst schedule is shared by every shard.
pub(crate) fn profile_steps(
    profile: &Profile,
    duration: Nanos,
    rng: &mut SimRng,
) -> Vec<(Nanos, f64)> {
    match profile {
        Profile::Flat => vec![(0, 1.0)],
        Profile::OnOff { on, off, high, low } => {
            let mut steps = Vec::new();
            let mut t = 0;
            let mut high_now = true;
            while t <= duration {
                let (d, m) = if high_now { (on, *high) } else { (off, *low) };
                steps.push((t, m));
                t += (d.sample(rng).round() as Nanos).max(1);
                high_now = !high_now;
            }
            steps
        }
        Profile::Periodic {
            period,
            multipliers,
        } => {
            let step = (*period / multipliers.len() as Nanos).max(1);
            let count = (duration / step + 1) as usize;
            (0..count)
                .map(|i| (i as Nanos * step, multipliers[i % multipliers.len()]))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;
    use rand::Rng;

    /// The flat step written plainly: the rule `flat_step` must keep.
    fn reference_step(t: Nanos, work: f64, r: f64) -> Nanos {
        let dt = work / r;
        if (t as f64 + dt) < Nanos::MAX as f64 {
            t + dt.max(1.0) as Nanos
        } else {
            Nanos::MAX
        }
    }

    #[test]
    fn the_flat_step_advances_like_the_general_rule() {
        let mut rng = stream(5, &[1]);
        let edges = [
            0,
            1,
            (1 << 62) - 1,
            1 << 62,
            (1 << 62) + 1,
            1 << 63,
            Nanos::MAX - 1,
        ];
        let works = [0.0, 1e-300, 0.5, 1.0, 4.0e18, 4.7e18, 1e30, f64::MAX];
        let rates = [1e-12, 1e-9, 4e-7, 1.0, 3.0];
        for &t in &edges {
            for &w in &works {
                for &r in &rates {
                    assert_eq!(flat_step(t, w, r), reference_step(t, w, r), "{t} {w} {r}");
                }
            }
        }
        for _ in 0..200_000 {
            let t = rng.random::<u64>() >> rng.random_range(0..64);
            let e: f64 = Exp1.sample(&mut rng);
            let w = e * 10f64.powi(rng.random_range(-3..20));
            let r = 10f64.powi(rng.random_range(-12..2)) * rng.random::<f64>().max(1e-9);
            assert_eq!(flat_step(t, w, r), reference_step(t, w, r), "{t} {w} {r}");
        }
    }

    #[test]
    fn popping_a_flat_source_draws_like_popping_it_exactly() {
        let sizes = [
            Dist::Fixed(1024.0),
            Dist::LogNormal {
                mu: 7.0,
                sigma: 0.9,
            },
        ];
        for size in sizes {
            let make = || {
                Source::new(
                    250.0,
                    ArrivalKind::Poisson,
                    size.clone(),
                    Arc::from(vec![(0, 1.5)]),
                    stream(9, &[2, 3]),
                    0,
                )
            };
            let (mut a, mut b) = (make(), make());
            let r = b.flat_poisson().expect("a flat Poisson source");
            for i in 0..50_000 {
                let x = a.pop_exact();
                assert_eq!((x.t_last, x.bytes), b.pop_flat(r), "record {i}");
                assert_eq!(a.next_time(), b.next_time());
            }
        }
    }
}
