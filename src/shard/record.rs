//! One replication as a file: what `simulate --shard` writes and `merge` reads back —
//! every field of [`sim::Replication`], bit for bit.
//!
//! Binary, little-endian, versioned: the 8-byte magic `PPLANREP`, the record format
//! version (u32), the numbers of error causes and time parts this build counts (u32 each;
//! a build that counts otherwise cannot read the record), the payload's length (u64),
//! the payload, and its FNV-1a hash (u64). The payload opens with the run's key
//! ([`super::run_key`]: seed, replications, version and inputs), so a record copied from
//! another run's directory is refused. Floats are stored as their bits, so NaN,
//! infinities, −0 and f32 series come back exactly; counts keep all 64 (or 128) bits.
//! The encoder destructures every struct it writes, so a field added to a replication
//! without a place in the record does not compile.

use super::hash::fnv1a64;
use crate::sim::{
    AbandonObs, Cause, ClassObs, CoarseClassBucket, FineClassBucket, Part, Replication, SpanCounts,
};

pub const MAGIC: &[u8; 8] = b"PPLANREP";
pub const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 4 + 4 + 8;

/// Why a record could not be read (the caller names the file).
#[derive(Debug, PartialEq, Eq)]
pub struct Bad {
    pub message: String,
    pub hint: &'static str,
}

const HINT_RERUN: &str = "run this shard again (`peakplan simulate FILE --shard I/N --out DIR`)";

fn bad(message: String, hint: &'static str) -> Bad {
    Bad { message, hint }
}

/// The record of one replication of the run `run_key` names.
pub fn encode(rep: &Replication, run_key: u64) -> Vec<u8> {
    let mut e = Enc(Vec::with_capacity(1024));
    e.u64(run_key);
    e.replication(rep);
    let payload = e.0;
    let mut out = Vec::with_capacity(HEADER + payload.len() + 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(Cause::COUNT as u32).to_le_bytes());
    out.extend_from_slice(&(Part::COUNT as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&fnv1a64(&payload).to_le_bytes());
    out
}

/// Reads a record back, header first: a foreign file, a newer format, a truncated or a
/// damaged record each get their own message. Returns the run's key and the replication.
pub fn decode(bytes: &[u8]) -> Result<(u64, Replication), Bad> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(8)]).into_owned();
        return Err(bad(
            format!(
                "not a peakplan replication record (it starts with {shown:?}, not \"PPLANREP\")"
            ),
            "pass directories written by `peakplan simulate FILE --shard I/N --out DIR`",
        ));
    }
    if bytes.len() < HEADER {
        return Err(bad(
            format!(
                "truncated: {} bytes, shorter than a record's {HEADER}-byte header",
                bytes.len()
            ),
            HINT_RERUN,
        ));
    }
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let version = word(8);
    if version > VERSION {
        return Err(bad(
            format!(
                "written by a newer peakplan (record format {version}; this one reads up to {VERSION})"
            ),
            "merge with the peakplan that ran the shards",
        ));
    }
    let (causes, parts) = (word(12), word(16));
    if (causes as usize, parts as usize) != (Cause::COUNT, Part::COUNT) {
        return Err(bad(
            format!(
                "counts {causes} error causes and {parts} time parts, this peakplan {} and {}",
                Cause::COUNT,
                Part::COUNT
            ),
            "merge with the peakplan that ran the shards",
        ));
    }
    let len = u64::from_le_bytes(bytes[20..28].try_into().expect("8 bytes"));
    let whole = (HEADER as u64)
        .checked_add(len)
        .and_then(|n| n.checked_add(8));
    if whole != Some(bytes.len() as u64) {
        return Err(bad(
            format!(
                "truncated or padded: {} bytes, where its header announces {} of payload plus {} of header and checksum",
                bytes.len(),
                len,
                HEADER + 8
            ),
            HINT_RERUN,
        ));
    }
    let payload = &bytes[HEADER..bytes.len() - 8];
    let sum = u64::from_le_bytes(bytes[bytes.len() - 8..].try_into().expect("8 bytes"));
    if fnv1a64(payload) != sum {
        return Err(bad(
            "damaged: its checksum does not match its contents".into(),
            HINT_RERUN,
        ));
    }
    let mut d = Dec {
        bytes: payload,
        at: 0,
    };
    let rep = d.u64().zip(d.replication()).ok_or_else(|| {
        bad(
            format!("malformed: its payload ends early (at byte {})", d.at),
            HINT_RERUN,
        )
    })?;
    if d.at != payload.len() {
        return Err(bad(
            format!(
                "malformed: {} bytes left over after the replication",
                payload.len() - d.at
            ),
            HINT_RERUN,
        ));
    }
    Ok(rep)
}

struct Enc(Vec<u8>);

impl Enc {
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u128(&mut self, v: u128) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn f32(&mut self, v: f32) {
        self.u32(v.to_bits());
    }
    fn opt(&mut self, v: Option<f64>) {
        match v {
            None => self.0.push(0),
            Some(x) => {
                self.0.push(1);
                self.f64(x);
            }
        }
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    fn seq<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.len(items.len());
        for item in items {
            each(self, item);
        }
    }

    fn replication(&mut self, r: &Replication) {
        let Replication {
            index,
            events,
            window_s,
            classes,
            resource_mean,
            resource_max,
            resource_fine,
            in_flight_end,
            slo_spans,
        } = r;
        self.u32(*index);
        self.u64(*events);
        self.f64(*window_s);
        self.seq(classes, Self::class);
        self.seq(resource_mean, |e, v| e.f64(*v));
        self.seq(resource_max, |e, v| e.f64(*v));
        self.seq(resource_fine, |e, s| e.seq(s, |e, v| e.f32(*v)));
        self.seq(in_flight_end, |e, v| e.u64(*v));
        self.seq(slo_spans, |e, s| e.seq(s, Self::span));
    }

    fn class(&mut self, c: &ClassObs) {
        let ClassObs {
            arrivals,
            completed,
            errors,
            latency_s_quantiles,
            latency_s_sum,
            wait_s_sum,
            waited,
            started,
            sojourn_s_sum_all,
            ended,
            parts_ns_sum,
            jobs_failed,
            sessions_evicted,
            conflicts,
            websocket_drops,
            cache_lookups,
            cache_hits,
            abandon,
            in_system_mean,
            arrivals_total,
            completed_total,
            errors_total,
            fine,
            coarse,
        } = c;
        self.u64(*arrivals);
        self.u64(*completed);
        errors.iter().for_each(|v| self.u64(*v));
        latency_s_quantiles.iter().for_each(|v| self.opt(*v));
        self.f64(*latency_s_sum);
        self.f64(*wait_s_sum);
        self.u64(*waited);
        self.u64(*started);
        self.f64(*sojourn_s_sum_all);
        self.u64(*ended);
        parts_ns_sum.iter().for_each(|v| self.u128(*v));
        for v in [
            *jobs_failed,
            *sessions_evicted,
            *conflicts,
            *websocket_drops,
            *cache_lookups,
            *cache_hits,
        ] {
            self.u64(v);
        }
        self.abandon(abandon);
        self.f64(*in_system_mean);
        self.u64(*arrivals_total);
        self.u64(*completed_total);
        errors_total.iter().for_each(|v| self.u64(*v));
        self.seq(fine, |e, b| {
            let FineClassBucket {
                arrivals,
                completed,
                errors,
                latency_s_sum,
            } = b;
            e.u32(*arrivals);
            e.u32(*completed);
            e.u32(*errors);
            e.f32(*latency_s_sum);
        });
        self.seq(coarse, |e, b| {
            let CoarseClassBucket {
                completed,
                latency_s_p50,
                latency_s_p95,
                latency_s_p99,
            } = b;
            e.u64(*completed);
            e.opt(*latency_s_p50);
            e.opt(*latency_s_p95);
            e.opt(*latency_s_p99);
        });
    }

    fn abandon(&mut self, a: &AbandonObs) {
        let AbandonObs {
            wasted_completions,
            failed_after,
            wasted_odoo_cpu_ns,
            wasted_db_ns,
            resubmissions,
            wasted_completions_total,
        } = a;
        self.u64(*wasted_completions);
        self.u64(*failed_after);
        self.u128(*wasted_odoo_cpu_ns);
        self.u128(*wasted_db_ns);
        self.u64(*resubmissions);
        self.u64(*wasted_completions_total);
    }

    fn span(&mut self, s: &SpanCounts) {
        let SpanCounts {
            arrivals,
            completed,
            failed,
            slow,
            quantile_s,
        } = s;
        self.u64(*arrivals);
        self.u64(*completed);
        self.u64(*failed);
        self.u64(*slow);
        self.opt(*quantile_s);
    }
}

/// Reads the payload; `None` when it ends early or holds an impossible length or tag.
struct Dec<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Dec<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.at.checked_add(N)?;
        let b = self.bytes.get(self.at..end)?.try_into().ok()?;
        self.at = end;
        Some(b)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn u128(&mut self) -> Option<u128> {
        self.take().map(u128::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.u64().map(f64::from_bits)
    }
    fn f32(&mut self) -> Option<f32> {
        self.u32().map(f32::from_bits)
    }
    fn opt(&mut self) -> Option<Option<f64>> {
        match self.take::<1>()?[0] {
            0 => Some(None),
            1 => self.f64().map(Some),
            _ => None,
        }
    }
    fn array<T: Default + Copy, const N: usize>(
        &mut self,
        mut each: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<[T; N]> {
        let mut out = [T::default(); N];
        for v in &mut out {
            *v = each(self)?;
        }
        Some(out)
    }
    /// A sequence; its length is checked against the bytes left (each item takes at least
    /// one), so a damaged length cannot ask for a huge allocation.
    fn seq<T>(&mut self, mut each: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = usize::try_from(self.u64()?).ok()?;
        if n > self.bytes.len() - self.at {
            return None;
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(each(self)?);
        }
        Some(out)
    }

    fn replication(&mut self) -> Option<Replication> {
        Some(Replication {
            index: self.u32()?,
            events: self.u64()?,
            window_s: self.f64()?,
            classes: self.seq(Self::class)?,
            resource_mean: self.seq(Self::f64)?,
            resource_max: self.seq(Self::f64)?,
            resource_fine: self.seq(|d| d.seq(Self::f32))?,
            in_flight_end: self.seq(Self::u64)?,
            slo_spans: self.seq(|d| d.seq(Self::span))?,
        })
    }

    fn class(&mut self) -> Option<ClassObs> {
        Some(ClassObs {
            arrivals: self.u64()?,
            completed: self.u64()?,
            errors: self.array(Self::u64)?,
            latency_s_quantiles: self.array(Self::opt)?,
            latency_s_sum: self.f64()?,
            wait_s_sum: self.f64()?,
            waited: self.u64()?,
            started: self.u64()?,
            sojourn_s_sum_all: self.f64()?,
            ended: self.u64()?,
            parts_ns_sum: self.array(Self::u128)?,
            jobs_failed: self.u64()?,
            sessions_evicted: self.u64()?,
            conflicts: self.u64()?,
            websocket_drops: self.u64()?,
            cache_lookups: self.u64()?,
            cache_hits: self.u64()?,
            abandon: self.abandon()?,
            in_system_mean: self.f64()?,
            arrivals_total: self.u64()?,
            completed_total: self.u64()?,
            errors_total: self.array(Self::u64)?,
            fine: self.seq(|d| {
                Some(FineClassBucket {
                    arrivals: d.u32()?,
                    completed: d.u32()?,
                    errors: d.u32()?,
                    latency_s_sum: d.f32()?,
                })
            })?,
            coarse: self.seq(|d| {
                Some(CoarseClassBucket {
                    completed: d.u64()?,
                    latency_s_p50: d.opt()?,
                    latency_s_p95: d.opt()?,
                    latency_s_p99: d.opt()?,
                })
            })?,
        })
    }

    fn abandon(&mut self) -> Option<AbandonObs> {
        Some(AbandonObs {
            wasted_completions: self.u64()?,
            failed_after: self.u64()?,
            wasted_odoo_cpu_ns: self.u128()?,
            wasted_db_ns: self.u128()?,
            resubmissions: self.u64()?,
            wasted_completions_total: self.u64()?,
        })
    }

    fn span(&mut self) -> Option<SpanCounts> {
        Some(SpanCounts {
            arrivals: self.u64()?,
            completed: self.u64()?,
            failed: self.u64()?,
            slow: self.u64()?,
            quantile_s: self.opt()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replication holding the values a text format would lose.
    fn awkward() -> Replication {
        let class = ClassObs {
            arrivals: u64::MAX,
            completed: 1,
            errors: [7; Cause::COUNT],
            latency_s_quantiles: [Some(f64::NAN), None, Some(-0.0)],
            latency_s_sum: f64::INFINITY,
            wait_s_sum: f64::NEG_INFINITY,
            sojourn_s_sum_all: f64::MIN_POSITIVE / 3.0,
            parts_ns_sum: [u128::MAX; Part::COUNT],
            abandon: AbandonObs {
                wasted_odoo_cpu_ns: u128::MAX - 1,
                ..AbandonObs::default()
            },
            fine: vec![FineClassBucket {
                arrivals: u32::MAX,
                completed: 2,
                errors: 3,
                latency_s_sum: f32::from_bits(1),
            }],
            coarse: vec![CoarseClassBucket {
                completed: 4,
                latency_s_p50: Some(0.1 + 0.2),
                latency_s_p95: None,
                latency_s_p99: Some(f64::MAX),
            }],
            ..ClassObs::default()
        };
        Replication {
            index: 3,
            events: 1 << 40,
            window_s: 1.0 / 3.0,
            classes: vec![class.clone(), ClassObs::default()],
            resource_mean: vec![f64::NAN, 1e-310],
            resource_max: vec![0.0, -0.0],
            resource_fine: vec![vec![f32::NAN, f32::INFINITY, 0.1], Vec::new()],
            in_flight_end: vec![u64::MAX, 0],
            slo_spans: vec![vec![SpanCounts {
                quantile_s: Some(f64::EPSILON),
                ..SpanCounts::default()
            }]],
        }
    }

    #[test]
    fn every_bit_comes_back() {
        let bytes = encode(&awkward(), 42);
        let (key, back) = decode(&bytes).unwrap();
        assert_eq!(key, 42);
        // Encoding is a function of the bits: equal bytes, equal replication.
        assert_eq!(encode(&back, key), bytes);
        assert!(back.resource_mean[0].is_nan());
        assert_eq!(back.resource_max[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.classes[0].parts_ns_sum[0], u128::MAX);
        assert_eq!(back.resource_fine[0][2].to_bits(), 0.1f32.to_bits());
    }

    #[test]
    fn a_damaged_record_is_refused_by_name() {
        let bytes = encode(&awkward(), 1);
        let msg = |b: &[u8]| decode(b).unwrap_err().message;
        assert!(msg(&bytes[..bytes.len() - 1]).contains("truncated"));
        assert!(msg(&bytes[..20]).contains("truncated"));
        assert!(msg(b"{\"format\": \"peakplan-result\"}").contains("not a peakplan"));
        assert!(msg(b"").contains("not a peakplan"));
        let mut flipped = bytes.clone();
        flipped[HEADER + 5] ^= 1;
        assert!(msg(&flipped).contains("checksum"));
        let mut newer = bytes.clone();
        newer[8] = 9;
        assert!(msg(&newer).contains("newer"));
        let mut long = bytes.clone();
        long.push(0);
        assert!(msg(&long).contains("truncated or padded"));
    }
}
