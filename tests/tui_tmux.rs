//! Runs `scripts/tmux-e2e.sh` against the binary cargo built for the tests (or
//! `SCHOOLTECH_BIN`): the full-screen program in a real terminal. Skipped (with a message) when
//! tmux is not installed.

mod tmux;

#[test]
fn end_to_end_in_tmux() {
    if !tmux::have_tmux() {
        return;
    }
    tmux::run_script("tmux-e2e.sh", &[]);
}
