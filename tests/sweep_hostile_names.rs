//! Outside text cannot hide or forge lines of a sweep dry run, nor send an escape sequence to
//! the terminal (issue 23, part 4), on Samba AD: a display name in the directory and a
//! name in the MIS export, each with a newline, a title sequence and "hide" (SGR 8).

mod common;
mod support;

use chrono::{Duration, NaiveDate, Utc};
use common::st;
use support::engines::Engine;
use support::TestServer;

support::engines::both_engines!(outside_names_with_a_newline_cannot_forge_a_line_of_the_sweep_plan);

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn outside_names_with_a_newline_cannot_forge_a_line_of_the_sweep_plan(engine: &Engine) {
    let server = TestServer::samba();
    let cfg = server.write_config();
    engine.configure(&cfg);
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(
        "\n[mis]\nmode = \"leavers\"\nid_column = \"Id\"\nusername_column = \"AD Username\"\n\
         first_name_column = \"Forename\"\nlast_name_column = \"Surname\"\nrole_column = \"Role\"\n\
         leaving_date_column = \"Leaving Date\"\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let hostile = "Grace Hall\n  nothing else would change\u{1b}]2;pwned\u{7}\u{1b}[8m";
    server.ldapmodify(&format!(
        "dn: {}\nchangetype: modify\nreplace: displayName\ndisplayName:: {}\n",
        server.user_dn("grace.hall"),
        b64(hostile.as_bytes())
    ));
    let csv = server.dir.join("mis-leavers.csv");
    std::fs::write(
        &csv,
        "Id,AD Username,Forename,Surname,Role,Leaving Date\r\n,grace.hall,Grace,Hall,Pupil,2026-10-15\r\n\
         ,no.one,\"No\n  - disable head.teacher\u{1b}]2;pwned\u{7}\u{1b}[8m\",One,Pupil,2026-10-15\r\n",
    )
    .unwrap();
    let fixed = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let d = fixed
        .max(Utc::now().date_naive() + Duration::days(1))
        .to_string();
    let plan = st(
        &cfg,
        &["--as-of", &d, "sweep", "--mis", csv.to_str().unwrap()],
        None,
    );
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert!(all.contains("grace.hall"), "{all}");
    assert!(
        all.contains("No\\x0a  - disable head.teacher\\x1b]2;pwned\\x07\\x1b[8m"),
        "the MIS cell is shown, visibly: {all}"
    );
    assert!(
        !all.lines()
            .any(|l| l.trim_start().starts_with("- disable head.teacher")),
        "an MIS cell made a line of its own:\n{all}"
    );
    assert!(
        !all.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached the terminal: {all:?}"
    );
    assert!(
        !all.lines()
            .any(|l| l.trim_start().starts_with("nothing else would change")),
        "a display name made a line of its own:\n{all}"
    );
}
