//! Time series averaged over replications, folded in one replication at a time.
//!
//! A replication's buckets are added into running sums as soon as it is gathered and then
//! dropped, so memory holds one set of sums plus the replications in flight — not every
//! replication's series. Sums are taken in replication-index order, so the floating-point
//! result is the same on any number of threads.

use crate::model::Model;
use crate::result::{ClassSeries, ResourceSeries, Series};
use crate::sim::{GaugeTable, Replication};

/// Running sum and count of an optional per-bucket value.
#[derive(Clone, Copy, Default)]
struct Mean {
    sum: f64,
    n: u32,
}

impl Mean {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.sum += v;
            self.n += 1;
        }
    }

    fn get(self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / f64::from(self.n))
    }
}

#[derive(Default)]
struct ClassSums {
    arrivals: Vec<f64>,
    completed: Vec<f64>,
    errors: Vec<f64>,
    latency_mean: Vec<Mean>,
    quantiles: [Vec<Mean>; 3],
    coarse_completed: Vec<f64>,
}

/// Series sums over the replications added so far.
pub struct SeriesSum {
    fine_s: f64,
    horizon_s: f64,
    replications: u32,
    classes: Vec<ClassSums>,
    resources: Vec<Vec<f64>>,
}

fn add_into(acc: &mut Vec<f64>, values: impl ExactSizeIterator<Item = f64>) {
    if acc.is_empty() {
        acc.resize(values.len(), 0.0);
    }
    for (a, v) in acc.iter_mut().zip(values) {
        *a += v;
    }
}

fn add_means(acc: &mut Vec<Mean>, values: impl ExactSizeIterator<Item = Option<f64>>) {
    if acc.is_empty() {
        acc.resize(values.len(), Mean::default());
    }
    for (a, v) in acc.iter_mut().zip(values) {
        a.add(v);
    }
}

impl SeriesSum {
    pub fn new(model: &Model) -> Self {
        SeriesSum {
            fine_s: model.stats.fine_bucket.as_secs_f64(),
            horizon_s: model.horizon.duration.as_secs_f64(),
            replications: 0,
            classes: (0..model.classes.len())
                .map(|_| ClassSums::default())
                .collect(),
            resources: vec![Vec::new(); GaugeTable::of(model).slots],
        }
    }

    /// Folds in the next replication (in index order) and empties its series.
    pub fn add(&mut self, rep: &mut Replication) {
        self.replications += 1;
        // Every bucket is full but the last, which the horizon may cut.
        let (fine_s, horizon_s) = (self.fine_s, self.horizon_s);
        let width_s = |b: usize| fine_s.min(horizon_s - b as f64 * fine_s);
        for (sums, obs) in self.classes.iter_mut().zip(&mut rep.classes) {
            let fine = std::mem::take(&mut obs.fine);
            let rate = |f: fn(&crate::sim::FineClassBucket) -> u32| {
                fine.iter()
                    .enumerate()
                    .map(move |(b, x)| f(x) as f64 / width_s(b))
            };
            add_into(&mut sums.arrivals, rate(|x| x.arrivals));
            add_into(&mut sums.completed, rate(|x| x.completed));
            add_into(&mut sums.errors, rate(|x| x.errors));
            let means = fine.iter().map(|x| {
                (x.completed > 0).then(|| f64::from(x.latency_s_sum) / f64::from(x.completed))
            });
            add_means(&mut sums.latency_mean, means);
            let coarse = std::mem::take(&mut obs.coarse);
            add_means(
                &mut sums.quantiles[0],
                coarse.iter().map(|x| x.latency_s_p50),
            );
            add_means(
                &mut sums.quantiles[1],
                coarse.iter().map(|x| x.latency_s_p95),
            );
            add_means(
                &mut sums.quantiles[2],
                coarse.iter().map(|x| x.latency_s_p99),
            );
            add_into(
                &mut sums.coarse_completed,
                coarse.iter().map(|x| x.completed as f64),
            );
        }
        for (sums, levels) in self.resources.iter_mut().zip(&mut rep.resource_fine) {
            let levels = std::mem::take(levels);
            add_into(sums, levels.into_iter().map(f64::from));
        }
    }

    /// The means over the replications added.
    pub fn finish(self, model: &Model) -> Series {
        let n = f64::from(self.replications.max(1));
        let mean = |v: Vec<f64>| v.into_iter().map(|x| x / n).collect::<Vec<f64>>();
        let opt = |v: Vec<Mean>| v.into_iter().map(Mean::get).collect::<Vec<Option<f64>>>();
        let classes = self
            .classes
            .into_iter()
            .zip(&model.classes)
            .map(|(s, c)| {
                let [p50, p95, p99] = s.quantiles;
                ClassSeries {
                    name: c.name.clone(),
                    arrivals_per_s: mean(s.arrivals),
                    throughput_per_s: mean(s.completed),
                    errors_per_s: mean(s.errors),
                    latency_s_mean: opt(s.latency_mean),
                    latency_s_p50: opt(p50),
                    latency_s_p95: opt(p95),
                    latency_s_p99: opt(p99),
                    coarse_completed: mean(s.coarse_completed),
                }
            })
            .collect();
        let mut sums = self.resources;
        let resources = GaugeTable::of(model)
            .gauges
            .into_iter()
            .map(|g| ResourceSeries {
                name: g.name,
                level_mean: mean(std::mem::take(&mut sums[g.slot])),
                // Filled by `summarize`, which knows the capacities.
                utilisation: None,
            })
            .collect();
        Series {
            fine_bucket_s: self.fine_s,
            coarse_bucket_s: model.stats.coarse_bucket.as_secs_f64(),
            classes,
            resources,
        }
    }
}
