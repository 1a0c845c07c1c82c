//! The `schooltech` binary: parse the command line, run, turn errors into exit codes
//! (`schooltech::error::exit`): 0 done or nothing found; 1 a check or report found something;
//! 2 bad usage or input; 3 directory unreachable or bind refused; 4 refused by policy
//! (protected); 5 local failure (store, disk, permissions).

use clap::Parser;
use schooltech::cli::{self, Cli};

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCHOOLTECH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("schooltech={level},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Warnings quote values from outside: nothing in them may act on the terminal.
        .with_writer(|| schooltech::cli::output::Visible::new(std::io::stderr()))
        .with_target(false)
        .without_time()
        .try_init();
}

fn main() {
    // Before any thread starts: no child process inherits the bind password.
    schooltech::config::take_bind_password_env();
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(schooltech::error::exit::LOCAL);
        }
    };
    let code = runtime.block_on(async {
        let result = match &cli.command {
            Some(cmd) => cli::run(&cli, cmd).await,
            None => match cli::context(&cli) {
                Ok(ctx) => schooltech::tui::run(ctx).await,
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(code) => code,
            Err(e) => schooltech::cli::output::report_error(&e, cli.json_errors()),
        }
    });
    drop(runtime);
    std::process::exit(code);
}
