fn main() {
    let scale: f64 = std::env::args().nth(1).map(|a| a.parse().unwrap()).unwrap_or(1.0);
    let t = std::time::Instant::now();
    let rows = peakplan::validation::run_queue_cases(scale, 1, 2).unwrap();
    print!("{}", peakplan::validation::markdown(&rows));
    eprintln!("{:.1}s", t.elapsed().as_secs_f64());
}
