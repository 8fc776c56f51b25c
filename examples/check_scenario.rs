//! Loads a scenario and prints its diagnostics or a one-line summary:
//! `cargo run --example check_scenario -- path/to/scenario.yaml`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: check_scenario FILE");
    match peakplan::scenario::load(std::path::Path::new(&path)) {
        Ok(m) => println!(
            "ok: {} ({} classes, {} events)",
            m.name,
            m.classes.len(),
            m.calendar.events.len()
        ),
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    }
}
