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
    times.sort_unstable();
    println!(
        "check: {} candidates ({passed} pass) in {:.2} s; per check median {:.1} µs, \
         p99 {:.1} µs, max {:.1} µs; {:.0} checks/s",
        pool.len(),
        total.as_secs_f64(),
        micros(percentile(&times, 0.50)),
        micros(percentile(&times, 0.99)),
        micros(times.last().copied().unwrap_or_default()),
        pool.len() as f64 / total.as_secs_f64(),
    );
}

fn bench_generate(rules: &EffectiveRules, style: GeneratorStyle) {
    let ctx = CheckContext::default();
    let mut rng = StdRng::seed_from_u64(SEED);
    let start = Instant::now();
    for _ in 0..GENERATED {
        black_box(generate(rules, style, &ctx, &mut rng));
    }
    let total = start.elapsed();
    println!(
        "generate {style:?}: {GENERATED} in {:.2} s; {:.1} µs each; {:.0} passwords/s",
        total.as_secs_f64(),
        micros(total) / GENERATED as f64,
        GENERATED as f64 / total.as_secs_f64(),
    );
}

fn main() {
    let rules = PasswordRules::default().effective(None);
    let mut rng = StdRng::seed_from_u64(SEED);
    let pool = candidates(&rules, &mut rng);
    bench_check(&rules, &pool);
    bench_generate(&rules, GeneratorStyle::Passphrase);
    bench_generate(&rules, GeneratorStyle::Simple);
}
