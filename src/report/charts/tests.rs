//! The charts' data model: scales, floors, references and bands, read from shipped
//! scenarios' golden results (tests/golden/) — what is drawn, before any pixel.

use super::draw::smooth_pieces;
use super::*;
use crate::result::SimulationResult;

fn golden(name: &str) -> SimulationResult {
    let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("golden result");
    serde_json::from_str(&text).expect("a result")
}

fn find<'a>(list: &'a [Chart], stem: &str) -> &'a Chart {
    list.iter()
        .find(|c| c.stem == stem)
        .unwrap_or_else(|| panic!("no chart {stem}"))
}

fn flat(values: &[f64], floor: f64) -> Panel {
    Panel {
        y_desc: String::new(),
        y_top: None,
        y_floor: floor,
        lines: vec![Line {
            label: String::new(),
            colour: RGBColor(0, 0, 0),
            points: values.iter().map(|v| (0.0, Some(*v))).collect(),
            style: Style::Plain,
        }],
        references: Vec::new(),
    }
}

#[test]
fn a_zero_series_is_not_blown_up() {
    // Flat zero: a unit axis, the line at the bottom.
    assert_eq!(flat(&[0.0; 10], 0.0).scale().0, 1.0);
    // Noise around zero stays at the bottom of its floor, not scaled to fill the panel.
    assert_eq!(flat(&[0.0, 1e-4, 0.0, 2e-5], 1.0).scale().0, 1.2);
    // Without a floor the same noise would fill it: the floor is what keeps it flat.
    assert!(flat(&[0.0, 1e-4, 0.0, 2e-5], 0.0).scale().0 < 2e-4);
    // Real activity above the floor sets the scale.
    assert_eq!(flat(&[0.0, 37.0], 1.0).scale().0, 40.0);
}

#[test]
fn the_backlog_of_a_quiet_estate_is_drawn_at_the_bottom() {
    // marketplace-backlog's listen backlog holds about 1e-4 requests at its busiest.
    let r = golden("marketplace-backlog");
    let list = charts(&r);
    let backlog = &find(&list, "backlog").panels[0];
    let max = backlog.lines[0]
        .points
        .iter()
        .filter_map(|p| p.1)
        .fold(0.0, f64::max);
    assert!(
        max > 0.0 && max < 0.01,
        "the level this test is about: {max}"
    );
    let (top, shown) = backlog.scale();
    assert!(top >= 1.0, "a backlog of {max} requests scaled to {top}");
    assert!(shown.is_empty(), "144 slots are off a scale of {top}");
}

#[test]
fn slo_targets_sit_on_their_class_latency_chart_for_their_window() {
    let r = golden("retail-black-friday");
    let list = charts(&r);
    let checkout = &find(&list, "latency-checkout").panels[0];
    assert_eq!(checkout.references.len(), 1);
    let t = &checkout.references[0];
    assert_eq!(t.kind, RefKind::Target);
    assert_eq!(t.value, 1500.0);
    assert!(t.label.contains("checkout-p95-flash-sale") && t.label.contains("p95 < 1.5 s"));
    // Drawn over the flash sale only: 20:00 → 22:00 on the first day.
    assert_eq!(t.span_h, Some((20.0, 22.0)));
    // browse's `over` objective draws its 2 s threshold over the whole horizon.
    let browse = &find(&list, "latency-browse").panels[0];
    assert_eq!(browse.references.len(), 1);
    assert_eq!(browse.references[0].value, 2000.0);
    assert_eq!(browse.references[0].span_h, None);
    // Error budgets draw nothing on a latency chart.
    assert!(
        find(&list, "latency-back-office").panels[0]
            .references
            .is_empty()
    );
}

#[test]
fn utilisation_has_the_bottleneck_threshold_and_events_are_on_every_chart() {
    let r = golden("retail-black-friday");
    let list = charts(&r);
    let u = &find(&list, "utilisation").panels[0];
    let line = &u.references[0];
    assert_eq!((line.kind, line.value), (RefKind::Threshold, 90.0));
    assert_eq!(u.scale().1.len(), 1, "the 90 % line is on a 100 % axis");
    for c in &list {
        let names: Vec<&str> = c.events.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            ["black-friday-campaign", "friday-flash-sale"],
            "{}",
            c.stem
        );
    }
    let sale = &list[0].events[1];
    assert_eq!((sale.start_h, sale.end_h), (20.0, 22.0));
}

#[test]
fn a_cron_class_is_left_out_of_the_demand_chart_with_a_note() {
    let r = golden("retail-black-friday");
    let demand = find(&charts(&r), "demand").panels.len();
    assert_eq!(
        demand, 3,
        "browse, checkout, back-office; not stock-scheduler"
    );
    let list = charts(&r);
    let note = find(&list, "demand").note.as_deref().unwrap();
    assert!(note.contains("stock-scheduler 4.00/h"), "{note}");
}

#[test]
fn job_classes_get_a_queue_job_chart() {
    let list = charts(&golden("marketplace-backlog"));
    let q = find(&list, "queue-job");
    assert_eq!(q.panels.len(), 2);
    assert_eq!(q.panels[0].y_floor, 1.0);
    // stock-sync-age's target on the age panel.
    let age = &q.panels[1];
    assert!(
        age.references
            .iter()
            .any(|r| r.label.contains("stock-sync-age"))
    );
    assert!(
        charts(&golden("retail-black-friday"))
            .iter()
            .all(|c| c.stem != "queue-job")
    );
}

#[test]
fn lines_are_cut_where_they_turn_back() {
    // A spike down and up: cut at its tip, both pieces keeping it.
    let p = [(0, 100), (1, 100), (2, 10), (3, 100), (4, 100)];
    assert_eq!(smooth_pieces(&p), vec![0..3, 2..5]);
    // A gentle curve stays whole.
    let q = [(0, 100), (10, 95), (20, 85), (30, 80)];
    assert_eq!(smooth_pieces(&q), vec![0..4]);
    assert_eq!(smooth_pieces(&[(0, 0)]), vec![0..1]);
}
