//! Which limit binds at a point that misses its objectives, decided from what its runs counted:
//! invocations Lambda rejected, how busy the functions were, reads throttled and by which limit,
//! records lost, and otherwise the wait for the next read or push (the propagation delay).

use super::slo::Slo;
use crate::experiment::Experiment;
use crate::model::RunReport;
use crate::sweep::metric::Metric;
use crate::sweep::stats::PointSummaries;
use crate::sweep::SweepResult;

/// What a point's runs counted that its metrics do not carry.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counters {
    /// The busiest consumer's share of its lanes' time spent in its function (billed time over
    /// the run's length times its peak concurrency), averaged over the replicates: near 1 when
    /// the function cannot keep up.
    pub busy_share: f64,
}

/// A function busy this share of the time or more is what holds its records back.
pub(super) const BUSY: f64 = 0.8;

/// Per point of `exp`, in point order: the counters of its runs in `res`.
pub fn counters(exp: &Experiment, res: &SweepResult) -> Vec<Counters> {
    exp.points
        .iter()
        .map(|p| {
            let runs = res.point_runs(p.index);
            let busy = runs.iter().map(|r| busy_share(&r.report)).sum::<f64>();
            Counters {
                busy_share: busy / runs.len().max(1) as f64,
            }
        })
        .collect()
}

/// The busiest consumer's busy share in one run (0 for a run without invocations).
pub fn busy_share(r: &RunReport) -> f64 {
    let run_ms = r.simulated_s * 1e3;
    (r.consumers.iter())
        .filter(|c| c.peak_concurrency > 0 && run_ms > 0.0)
        .map(|c| c.billed_ms / (run_ms * f64::from(c.peak_concurrency)))
        .fold(0.0, f64::max)
}

/// What binds at a point that misses some of `slos`: its metrics `m` and, when its runs are at
/// hand, their counters `c` (None: how busy the functions were is not known). The checks follow a
/// record: Lambda rejecting invocations, functions that cannot keep up, reads throttled (by bytes
/// or by calls), records lost; when none of these happened, what the records wait for is the
/// next poll or push.
pub fn binding(m: &PointSummaries, c: Option<Counters>, slos: &[Slo]) -> String {
    if let Some(b) = deploy_binding(m, slos) {
        return b;
    }
    let busy = c.map(|c| c.busy_share);
    if m[Metric::ThrottledInvocations].mean > 0.0 {
        "concurrency: Lambda rejects invocations (account limit or reserved concurrency)".into()
    } else if let Some(b) = busy.filter(|&b| b >= BUSY) {
        format!(
            "function duration: consumers do not keep up with the records (the busiest \
             consumer's function runs {:.0}% of the time)",
            100.0 * b
        )
    } else if m[Metric::ThrottledReadsPerMin].mean > 0.0 {
        if m[Metric::ThrottledReadsBytesShare].mean > 0.5 {
            "read bytes: the shared read-bytes limit per shard (2 MiB/s on Kinesis) throttles reads"
                .into()
        } else {
            "read calls: the shared GetRecords call limit per shard (5 per second on Kinesis; \
             undocumented on DynamoDB Streams, which throttles more than two readers) throttles \
             reads"
                .into()
        }
    } else if m[Metric::RecordsExpired].mean > 0.0 || m[Metric::RecordsDiscarded].mean > 0.0 {
        "errors and retries: records are discarded or expire".into()
    } else {
        match busy {
            Some(b) => format!(
                "propagation delay: records wait {:.0} ms on average from write to delivery for \
                 the next poll or push; no read or invocation is throttled and the busiest \
                 function runs {:.0}% of the time",
                m[Metric::DeliveryLatency].mean,
                100.0 * b
            ),
            None => {
                "function duration or propagation delay: no read or invocation is throttled".into()
            }
        }
    }
}

/// The control plane, when every objective a point misses is on its deployment (`deploy_*`).
pub(super) fn deploy_binding(m: &PointSummaries, slos: &[Slo]) -> Option<String> {
    let missed: Vec<&Slo> = slos.iter().filter(|s| !s.met(m)).collect();
    let on_deploy = |s: &&Slo| {
        matches!(
            s.metric,
            Metric::DeploySeconds | Metric::DeployThrottled | Metric::DeployFailed
        )
    };
    (!missed.is_empty() && missed.iter().all(on_deploy)).then(|| {
        format!(
            "the control plane: {:.1} subscriber(s) fail to deploy, {:.0} control-plane calls throttled",
            m[Metric::DeployFailed].mean,
            m[Metric::DeployThrottled].mean
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::stats::PointSummary;

    fn with(values: &[(Metric, f64)]) -> PointSummaries {
        PointSummaries::from_fn(|m| PointSummary {
            n: 1,
            mean: values.iter().find(|v| v.0 == m).map_or(0.0, |v| v.1),
            ci95: 0.0,
        })
    }

    #[test]
    fn missed_deployment_objectives_blame_the_control_plane() {
        let m = with(&[
            (Metric::DeployFailed, 2.0),
            (Metric::ThrottledReadsPerMin, 5.0),
        ]);
        let deploy = [Slo::parse("deploy_failed < 1").unwrap()];
        let b = deploy_binding(&m, &deploy).unwrap();
        assert!(b.starts_with("the control plane: 2.0 subscriber(s)"), "{b}");
        // An objective missed elsewhere keeps the data-plane diagnosis.
        let both = [
            deploy[0].clone(),
            Slo::parse("throttled_reads_per_min < 1").unwrap(),
        ];
        assert_eq!(deploy_binding(&m, &both), None);
        assert_eq!(deploy_binding(&m, &[]), None);
        assert!(binding(&m, None, &both).starts_with("read calls"));
    }

    #[test]
    fn a_busy_function_binds_before_the_throttles_it_causes_and_after_rejected_invocations() {
        let busy = Some(Counters { busy_share: 0.95 });
        let idle = Some(Counters { busy_share: 0.1 });
        let throttled = with(&[(Metric::ThrottledReadsPerMin, 30.0)]);
        assert!(binding(&throttled, busy, &[]).starts_with("function duration"));
        assert!(binding(&throttled, idle, &[]).starts_with("read calls"));
        let rejected = with(&[(Metric::ThrottledInvocations, 3.0)]);
        assert!(binding(&rejected, busy, &[]).starts_with("concurrency"));
        let quiet = with(&[(Metric::DeliveryLatency, 200.0)]);
        let b = binding(&quiet, idle, &[]);
        assert!(
            b.starts_with("propagation delay: records wait 200 ms"),
            "{b}"
        );
        assert!(binding(&quiet, None, &[]).contains("function duration or propagation"));
    }
}
