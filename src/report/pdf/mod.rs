//! The capacity-review PDF: title page, executive summary, assumptions, per-class and
//! resource tables, the charts as vector graphics, and an appendix on method.
//!
//! Built with krilla (pure Rust, typst's PDF backend): text is real, selectable text in the
//! embedded DejaVu Sans (subset), charts are plotters' SVGs drawn through krilla-svg with a
//! font database holding only that font, so nothing depends on the machine's fonts. The
//! bytes are deterministic: the document date is the scenario start, never the wall clock.
//! Every figure is read from the result; this file only chooses words and layout.

mod layout;

use super::RenderError;
use super::charts::{self, Chart};
use super::estate;
use super::font;
use super::numbers::{self, grouped};
use super::time::Clock;
use crate::result::{ClassResult, SimulationResult};
use crate::stats::Estimate;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::{Data, Document};
use krilla_svg::{SurfaceExt, SvgSettings};
use layout::{Align, Flow, Ink, Op};
use std::sync::Arc;

fn est(e: Option<&Estimate>, scale: f64, digits: usize) -> String {
    numbers::est(e, scale, digits, " ± ")
}

fn ms(e: Option<&Estimate>) -> String {
    numbers::ms(e, " ± ")
}

fn long_date(clock: &Clock) -> String {
    clock.format(0.0, "%A %-d %B %Y, %H:%M")
}

fn title_page(f: &mut Flow, r: &SimulationResult, clock: &Clock) {
    let s = &r.scenario;
    f.space(120.0);
    f.line("Capacity review", 30.0, true, Ink::Accent);
    f.space(6.0);
    f.line(&s.name, 20.0, false, Ink::Black);
    f.space(30.0);
    f.key_values(
        &[
            ("Date".into(), long_date(clock)),
            (
                "Horizon".into(),
                format!(
                    "{:.1} h from {} ({})",
                    s.horizon_s / 3600.0,
                    s.start_local,
                    s.timezone
                ),
            ),
            ("Replications".into(), r.run.replications.to_string()),
            ("Seed".into(), r.run.seed.to_string()),
            ("peakplan".into(), format!("version {}", r.peakplan_version)),
            (
                "Result format".into(),
                format!("{} version {}", r.format, r.format_version),
            ),
        ],
        11.0,
    );
    f.space(20.0);
    f.paragraph(
        "Every figure in this review is read from the simulation result. A ± figure is the \
         half-width of a 95 % confidence interval over the independent replications. The date \
         is the start of the simulated horizon.",
        9.5,
    );
}

fn executive_summary(f: &mut Flow, r: &SimulationResult) {
    f.heading("1  Executive summary");
    let warnings = super::warnings::sentences(r);
    if !warnings.is_empty() {
        f.paragraph(
            "Read these first — limits reached and classes failing, which averages over \
             5-minute buckets and over the horizon do not show:",
            10.5,
        );
        for w in &warnings {
            f.paragraph(&format!("• {}{}.", w[..1].to_uppercase(), &w[1..]), 10.5);
        }
        f.space(6.0);
    }
    let busiest = r
        .resources
        .iter()
        .filter_map(|x| x.utilisation_peak.as_ref().map(|p| (x, p)))
        .max_by(|a, b| a.1.value.total_cmp(&b.1.value));
    if let Some((x, p)) = busiest {
        f.paragraph(
            &format!(
                "Busiest resource: {} at {:.1} % of its capacity in its busiest {:.0}-minute \
                 bucket (from {}); {} over the whole observation window.",
                if x.label.is_empty() {
                    &x.name
                } else {
                    &x.label
                },
                p.value * 100.0,
                r.series.fine_bucket_s / 60.0,
                p.start_local,
                est(x.utilisation.as_ref(), 100.0, 1) + " %"
            ),
            10.5,
        );
    }
    let b = &r.bottleneck;
    let bucket_min = r.series.fine_bucket_s / 60.0;
    let first = match (&b.resource, &b.at) {
        (Some(name), Some(at)) => format!(
            "First bottleneck: {name}, the first resource to reach {:.0} % in a {bucket_min:.0}-minute \
             bucket: {:.0} % from {}.",
            b.threshold * 100.0,
            at.value * 100.0,
            at.start_local
        ),
        _ if !warnings.is_empty() => format!(
            "First bottleneck by {bucket_min:.0}-minute averages: no resource reached {:.0} % in any \
             bucket — but see the limits and failures listed above.",
            b.threshold * 100.0
        ),
        _ => format!(
            "First bottleneck: none — no resource reached its limit or {:.0} % in any \
             {bucket_min:.0}-minute bucket, and no class failed above {:.0} %.",
            b.threshold * 100.0,
            r.warnings.failing_share * 100.0
        ),
    };
    let dominant = match (&b.dominant_error, b.dominant_error_per_s) {
        (Some(cause), Some(rate)) => format!(" Dominant error: {cause}, {rate:.3} per second."),
        _ => " No request failed in the observation window.".to_string(),
    };
    f.paragraph(&(first + &dominant), 10.5);
    f.paragraph(
        "This scenario format defines no service-level objectives yet, so there is no pass/fail \
         verdict: read the busiest bucket and the worst hours below against your own targets.",
        9.5,
    );
    f.subheading("Worst hour per class");
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            let (p95, at) = c
                .worst_latency_s_p95
                .as_ref()
                .map_or(("—".into(), "—".into()), |p| {
                    (format!("{:.1}", p.value * 1e3), p.start_local.clone())
                });
            let (peak, peak_at) = c
                .peak_arrivals_per_s
                .as_ref()
                .map_or(("—".into(), "—".into()), |p| {
                    (format!("{:.2}", p.value), p.start_local.clone())
                });
            vec![c.name.clone(), p95, at, peak, peak_at]
        })
        .collect();
    f.table(
        &[
            "class",
            "worst p95 (ms)",
            "in the hour from",
            "peak arrivals/s",
            "from",
        ],
        &rows,
        &[
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Right,
            Align::Left,
        ],
    );
    f.subheading("Errors");
    // Only the causes that occurred: a column of zeros per cause would not fit the page.
    let causes: Vec<&String> = r
        .classes
        .first()
        .map_or(Vec::new(), |c| c.errors_per_s.keys().collect())
        .into_iter()
        .filter(|cause| {
            r.classes
                .iter()
                .any(|c| c.totals.errors.get(*cause).copied().unwrap_or(0) > 0)
        })
        .collect();
    let rows: Vec<Vec<String>> = r.classes.iter().map(|c| error_row(c, &causes)).collect();
    let mut header = vec!["class", "errors (% of arrivals)"];
    header.extend(causes.iter().map(|c| c.as_str()));
    let mut align = vec![Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, header.len() - 1));
    f.table(&header, &rows, &align);
    f.paragraph(
        "Per-cause columns are errors per second; causes that never occurred are left out.",
        8.5,
    );
}

fn error_row(c: &ClassResult, causes: &[&String]) -> Vec<String> {
    let mut row = vec![c.name.clone(), est(Some(&c.error_ratio), 100.0, 2)];
    row.extend(
        causes
            .iter()
            .map(|cause| est(c.errors_per_s.get(*cause), 1.0, 3)),
    );
    row
}

fn assumptions(f: &mut Flow, r: &SimulationResult) {
    let s = &r.scenario;
    f.heading("2  Assumptions");
    f.key_values(
        &[
            (
                "Horizon".into(),
                format!("{:.1} h ({:.0} s)", s.horizon_s / 3600.0, s.horizon_s),
            ),
            ("Start".into(), format!("{} local time", s.start_local)),
            ("Time zone".into(), s.timezone.clone()),
            (
                "Warm-up".into(),
                format!(
                    "{:.0} min, discarded from every estimate",
                    s.warmup_s / 60.0
                ),
            ),
            (
                "Observation window".into(),
                format!(
                    "{:.1} h (horizon minus warm-up)",
                    (s.horizon_s - s.warmup_s) / 3600.0
                ),
            ),
            (
                "Replications".into(),
                format!("{} independent, seed {}", r.run.replications, r.run.seed),
            ),
            (
                "Time buckets".into(),
                format!(
                    "{:.0} min for counts and levels, {:.0} min for latency percentiles",
                    r.series.fine_bucket_s / 60.0,
                    r.series.coarse_bucket_s / 60.0
                ),
            ),
        ],
        9.5,
    );
    let Some(c) = &r.configuration else {
        f.paragraph(
            "This result was written before results recorded the configuration simulated: \
             see the scenario file named above for the estate and the calendar.",
            9.0,
        );
        return;
    };
    f.subheading("Estate simulated");
    f.key_values(&estate::lines(c), 9.0);
    f.paragraph(
        "Totals in brackets and the usable connections are the capacities the utilisation \
         figures below are measured against. Odoo CPU is not a shared resource in the model: \
         each HTTP worker spends its CPU time without contention (as on a core of its own), so pods have no core count.",
        8.5,
    );
    f.subheading("Calendar events");
    let events = estate::events(c);
    if events.is_empty() {
        f.paragraph("None: the weekly baseline alone.", 9.0);
    } else {
        f.key_values(&events, 9.0);
        f.paragraph(
            "Times are local; an event's multiplier ramps linearly from 1 over its ramp-up, \
             holds, and ramps back over its ramp-down; overlapping events multiply.",
            8.5,
        );
    }
}

fn class_table(f: &mut Flow, r: &SimulationResult) {
    f.heading("3  Results per workload class");
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                est(Some(&c.arrivals_per_s), 1.0, 2),
                est(Some(&c.throughput_per_s), 1.0, 2),
                ms(c.latency_s_p50.as_ref()),
                ms(c.latency_s_p95.as_ref()),
                ms(c.latency_s_p99.as_ref()),
                est(Some(&c.error_ratio), 100.0, 2),
            ]
        })
        .collect();
    let mut align = vec![Align::Left];
    align.extend([Align::Right; 6]);
    f.table(
        &[
            "class",
            "arrivals/s",
            "throughput/s",
            "p50 (ms)",
            "p95 (ms)",
            "p99 (ms)",
            "errors %",
        ],
        &rows,
        &align,
    );
    f.paragraph(
        "Latency runs from arrival at the pod to the response, over completed requests; rates \
         are per second of the observation window.",
        8.5,
    );
}

fn breakdown_table(f: &mut Flow, r: &SimulationResult) {
    let pod_cpu = r.has_pod_cpu();
    let Some(first) = r.classes.first() else {
        return;
    };
    let parts = first.time_breakdown.parts(pod_cpu);
    let rows: Vec<Vec<String>> =
        r.classes
            .iter()
            .map(|c| {
                let mut row = vec![c.name.clone()];
                row.extend(
                    c.time_breakdown.parts(pod_cpu).iter().map(|(_, _, e)| {
                        e.map_or("—".into(), |e| format!("{:.1}", e.mean * 1e3))
                    }),
                );
                row
            })
            .collect();
    let mut header = vec!["class"];
    header.extend(parts.iter().map(|(_, label, _)| *label));
    let mut align = vec![Align::Left];
    align.extend(vec![Align::Right; parts.len()]);
    f.paragraph(
        "Where the time went, ms per completed request (the parts add up to the mean latency):",
        9.0,
    );
    f.table(&header, &rows, &align);
    if pod_cpu {
        f.paragraph(
            "odoo cpu is the CPU time a request demanded; pod cpu wait the rest of its CPU \
             phases, spent sharing its pod's cores (estate.odoo.cpu) with the pod's other \
             processes.",
            8.5,
        );
    }
}

fn resource_table(f: &mut Flow, r: &SimulationResult) {
    f.heading("4  Resources");
    let rows: Vec<Vec<String>> = r
        .resources
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                x.capacity.map_or("—".into(), |c| format!("{c}")),
                est(Some(&x.level_mean), 1.0, 2),
                format!("{:.0}", x.level_max.mean),
                est(x.utilisation.as_ref(), 100.0, 1),
                x.utilisation_peak
                    .as_ref()
                    .map_or("—".into(), |p| format!("{:.1}", p.value * 100.0)),
                x.utilisation_peak
                    .as_ref()
                    .map_or("—".into(), |p| p.start_local.clone()),
            ]
        })
        .collect();
    let mut align = vec![Align::Left];
    align.extend([Align::Right; 5]);
    align.push(Align::Left);
    f.table(
        &[
            "resource",
            "capacity",
            "mean level",
            "max",
            "utilisation %",
            "busiest %",
            "busiest from",
        ],
        &rows,
        &align,
    );
}

fn charts_section(f: &mut Flow, list: &[Chart], warmup_s: f64) {
    f.new_page();
    f.heading("5  Charts");
    for (i, c) in list.iter().enumerate() {
        let aspect = charts::WIDTH as f32 / c.height() as f32;
        f.chart(
            i,
            aspect,
            &format!(
                "Figure {}. The shaded band at the start is the {:.0}-minute warm-up, left out of \
                 every estimate.",
                i + 1,
                warmup_s / 60.0
            ),
        );
    }
}

fn appendix(f: &mut Flow, r: &SimulationResult) {
    f.new_page();
    f.heading("Appendix: method");
    f.key_values(
        &[
            (
                "Replications".into(),
                format!(
                    "{} independent runs, seed {}",
                    r.run.replications, r.run.seed
                ),
            ),
            ("Events processed".into(), grouped(r.run.events)),
            (
                "Confidence intervals".into(),
                "Student-t, 95 %, on the per-replication values".into(),
            ),
            (
                "Percentile error".into(),
                format!(
                    "at most {:.2} % relative (histogram resolution)",
                    r.run.percentile_relative_error * 100.0
                ),
            ),
            (
                "Result format".into(),
                format!("{} version {}", r.format, r.format_version),
            ),
            ("peakplan".into(), format!("version {}", r.peakplan_version)),
        ],
        9.5,
    );
    f.paragraph(
        "Each replication simulates the whole horizon with its own random streams derived from \
         the seed; a figure is the mean of the per-replication values and its ± the half-width \
         of the Student-t 95 % interval on that mean (none with a single replication). \
         Percentiles are computed per replication from a log-linear histogram, then averaged. \
         Time series include the warm-up, so charts show the whole calendar; the estimates \
         exclude it. The same scenario and seed give the same result, and this document the \
         same bytes.",
        9.0,
    );
}

fn rgb_of(ink: Ink) -> rgb::Color {
    match ink {
        Ink::Black => rgb::Color::new(20, 20, 20),
        Ink::Grey => rgb::Color::new(100, 100, 100),
        Ink::Accent => rgb::Color::new(0, 84, 140),
        Ink::Shade => rgb::Color::new(238, 242, 246),
    }
}

fn fill(ink: Ink) -> Fill {
    Fill {
        paint: rgb_of(ink).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn svg_tree(svg: &str) -> Result<usvg::Tree, RenderError> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(font::regular().to_vec());
    db.load_font_data(font::bold().to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let opts = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: Arc::new(db),
        ..Default::default()
    };
    usvg::Tree::from_str(svg, &opts).map_err(|e| RenderError(format!("chart SVG: {e}")))
}

/// Paints the laid-out pages, with a footer and page numbers.
fn paint(
    r: &SimulationResult,
    pages: &[Vec<Op>],
    trees: &[usvg::Tree],
    clock: &Clock,
) -> Result<Vec<u8>, RenderError> {
    let regular =
        Font::new(Data::from(font::regular()), 0).ok_or_else(|| RenderError("font".into()))?;
    let bold = Font::new(Data::from(font::bold()), 0).ok_or_else(|| RenderError("font".into()))?;
    let mut doc = Document::new();
    let mut meta = krilla::metadata::Metadata::new()
        .title(format!("Capacity review: {}", r.scenario.name))
        .creator(format!("peakplan {}", r.peakplan_version))
        .language("en".into());
    if let Some((y, mo, d, h, mi)) = clock.start_parts() {
        let date = krilla::metadata::DateTime::new(y.clamp(0, 9999) as u16)
            .month(mo as u8)
            .day(d as u8)
            .hour(h as u8)
            .minute(mi as u8);
        meta = meta.creation_date(date);
    }
    doc.set_metadata(meta);
    let n = pages.len();
    for (i, ops) in pages.iter().enumerate() {
        let settings =
            PageSettings::from_wh(layout::PAGE_W, layout::PAGE_H).expect("A4 is a valid size");
        let mut page = doc.start_page_with(settings);
        let mut s = page.surface();
        let footer = format!(
            "peakplan capacity review · {} · page {} of {}",
            r.scenario.name,
            i + 1,
            n
        );
        let footer_op = Op::Text {
            x: layout::MARGIN,
            y: layout::PAGE_H - 34.0,
            size: 8.0,
            bold: false,
            ink: Ink::Grey,
            text: footer,
        };
        for op in ops.iter().chain(std::iter::once(&footer_op)) {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    ink,
                    text,
                } => {
                    s.set_fill(Some(fill(*ink)));
                    let f = if *b { bold.clone() } else { regular.clone() };
                    s.draw_text(
                        Point::from_xy(*x, *y),
                        f,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rule {
                    x,
                    y,
                    w,
                    width,
                    ink,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(x + w, *y);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: rgb_of(*ink).into(),
                            width: *width,
                            ..Default::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Rect { x, y, w, h, ink } => {
                    let mut pb = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        pb.push_rect(rect);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(fill(*ink)));
                        s.draw_path(&path);
                    }
                }
                Op::Chart { index, x, y, w, h } => {
                    let size = Size::from_wh(*w, *h).expect("chart box is not empty");
                    s.push_transform(&Transform::from_translate(*x, *y));
                    s.draw_svg(&trees[*index], size, SvgSettings::default());
                    s.pop();
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| RenderError(format!("PDF: {e:?}")))
}

/// The capacity-review PDF of a simulation result.
pub fn render(r: &SimulationResult) -> Result<Vec<u8>, RenderError> {
    let clock = Clock::new(&r.scenario);
    let list = charts::charts(r);
    let trees = list
        .iter()
        .map(|c| svg_tree(&charts::svg(c, r)?))
        .collect::<Result<Vec<_>, _>>()?;
    let mut f = Flow::new();
    title_page(&mut f, r, &clock);
    f.new_page();
    executive_summary(&mut f, r);
    assumptions(&mut f, r);
    f.new_page();
    class_table(&mut f, r);
    breakdown_table(&mut f, r);
    resource_table(&mut f, r);
    charts_section(&mut f, &list, r.scenario.warmup_s);
    appendix(&mut f, r);
    paint(r, &f.pages, &trees, &clock)
}
