//! Timings for the password engine: `cargo bench --bench password_engine`.
//!
//! Checks 10,000 candidates (a deterministic mix of weak, strong, random and long ones) and
//! prints the median and 99th percentile time per check, then the generator's throughput.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use schooltech::domain::password::{
    check, generate, CheckContext, EffectiveRules, GeneratorStyle, PasswordRules,
};

const CANDIDATES: usize = 10_000;
const GENERATED: usize = 1_000;
const SEED: u64 = 2026;

/// The kinds of candidate, in the order [`candidates`] makes them.
const KINDS: [&str; 4] = [
    "  weak (Word2024!)",
    "  generated passphrase",
    "  random ASCII 6-24",
    "  long words 60-200",
];

const COMMON: &[&str] = &[
    "football",
    "liverpool",
    "sunshine",
    "monkey",
    "dragon",
    "password",
    "summer",
    "princess",
    "chelsea",
    "arsenal",
    "iloveyou",
    "welcome",
    "qwerty",
    "letmein",
    "school",
    "teacher",
];

/// One candidate of each kind in turn: weak (common word, year, `!`), generated passphrase,
/// random printable ASCII of 6 to 24 characters, and long (60 to 200 characters).
fn candidates(rules: &EffectiveRules, rng: &mut StdRng) -> Vec<String> {
    let ctx = CheckContext::default();
    (0..CANDIDATES)
        .map(|i| match i % 4 {
            0 => {
                let word = COMMON.choose(rng).copied().unwrap_or("football");
                let mut w = word.to_owned();
                w[..1].make_ascii_uppercase();
                format!("{w}{}!", rng.gen_range(1990..2030))
            }
            1 => generate(rules, GeneratorStyle::Passphrase, &ctx, rng),
            2 => {
                let len = rng.gen_range(6..=24);
                (0..len)
                    .map(|_| char::from(rng.gen_range(b'!'..=b'~')))
                    .collect()
            }
            _ => {
                let len = rng.gen_range(60..=200);
                let mut s = String::new();
                while s.chars().count() < len {
                    s.push_str(&generate(rules, GeneratorStyle::Simple, &ctx, rng));
                    s.push(' ');
                }
                s.chars().take(len).collect()
            }
        })
        .collect()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let last = sorted.len().saturating_sub(1);
    // Nearest rank; the index is within 0..=last by construction.
    let index = ((p * last as f64).round() as usize).min(last);
    sorted.get(index).copied().unwrap_or_default()
}

fn bench_check(rules: &EffectiveRules, pool: &[String]) {
    let ctx = CheckContext {
        username: Some("harry.hughes"),
        first_name: Some("Harry"),
        last_name: Some("Hughes"),
        school_name: Some("Oakfield Academy"),
        ..CheckContext::default()
    };
    // Warm up: zxcvbn builds its dictionaries on first use.
    for pw in pool.iter().take(100) {
        black_box(check(rules, pw, &ctx));
    }
    let mut times = Vec::with_capacity(pool.len());
    let mut passed = 0usize;
    let start = Instant::now();
    for pw in pool {
        let t = Instant::now();
        let verdict = black_box(check(rules, black_box(pw), &ctx));
        times.push(t.elapsed());
        passed += usize::from(verdict.is_ok());
    }
    let total = start.elapsed();
    println!(
        "check: {} candidates ({passed} pass) in {:.2} s, {:.0} checks/s",
        pool.len(),
        total.as_secs_f64(),
        pool.len() as f64 / total.as_secs_f64(),
    );
    report("  all", times.clone());
    for (kind, name) in KINDS.iter().enumerate() {
        let of_kind = times
            .iter()
            .skip(kind)
            .step_by(KINDS.len())
            .copied()
            .collect();
        report(name, of_kind);
    }
}

/// Prints median, p99 and max of `times`.
fn report(name: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    println!(
        "{name:>24}: median {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs",
        micros(percentile(&times, 0.50)),
        micros(percentile(&times, 0.99)),
        micros(times.last().copied().unwrap_or_default()),
    );
}

fn bench_generate(rules: &EffectiveRules, style: GeneratorStyle) {
    bench_generate_n(rules, style, GENERATED);
}

fn bench_generate_n(rules: &EffectiveRules, style: GeneratorStyle, n: usize) {
    let ctx = CheckContext::default();
    let mut rng = StdRng::seed_from_u64(SEED);
    let start = Instant::now();
    for _ in 0..n {
        black_box(generate(rules, style, &ctx, &mut rng));
    }
    let total = start.elapsed();
    println!(
        "generate {style:?}: {n} in {:.2} s; {:.1} µs each; {:.0} passwords/s",
        total.as_secs_f64(),
        micros(total) / n as f64,
        n as f64 / total.as_secs_f64(),
    );
}

/// Times inputs that are slow for zxcvbn (long repeats and dictionary-word runs).
fn bench_pathological(rules: &EffectiveRules) {
    let words = "otter lantern violet meadow pencil mango ".repeat(30);
    let inputs = [
        ("100 x 'a'", "a".repeat(100)),
        ("'ab' x 50", "ab".repeat(50)),
        ("'Aa1!' x 25", "Aa1!".repeat(25)),
        ("10,000 x 'a'", "a".repeat(10_000)),
        ("words x 200 chars", words.chars().take(200).collect()),
        ("'qwerty' x 17", "qwerty".repeat(17)),
    ];
    println!("slow inputs (max of 5 runs):");
    for (name, pw) in inputs {
        let slowest = (0..5)
            .map(|_| {
                let t = Instant::now();
                black_box(check(rules, black_box(&pw), &CheckContext::default()));
                t.elapsed()
            })
            .max()
            .unwrap_or_default();
        println!("{name:>24}: {:>8.1} µs", micros(slowest));
    }
}

fn main() {
    let rules = PasswordRules::default().effective(None);
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench targets too: a quick smoke test instead, whose
        // generated passwords must all pass the checker.
        let ctx = CheckContext::default();
        let mut rng = StdRng::seed_from_u64(SEED);
        let (mut passed, mut failed) = (0, 0);
        for _ in 0..20 {
            let p = generate(&rules, GeneratorStyle::Passphrase, &ctx, &mut rng);
            if check(&rules, &p, &ctx).is_ok() {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        println!("(smoke run; `cargo bench --bench password_engine` for figures)");
        println!("password_engine: {passed} passed, {failed} failed");
        if failed > 0 {
            std::process::exit(1);
        }
        return;
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let pool = candidates(&rules, &mut rng);
    bench_check(&rules, &pool);
    bench_pathological(&rules);
    bench_generate(&rules, GeneratorStyle::Passphrase);
    bench_generate(&rules, GeneratorStyle::Simple);
}
