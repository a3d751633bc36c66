use std::process::ExitCode;

use blog::config::{Config, LogFormat};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = blog::cli::Cli::parse();
    // A configuration that does not load is reported by `run` below.
    let format = Config::load(cli.config.as_deref())
        .map(|c| c.log_format)
        .unwrap_or_default();
    let log = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")),
        )
        .with_writer(std::io::stderr)
        // Colour for people at a terminal; plain text in files and journals.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        );
    match format {
        LogFormat::Text => log.init(),
        LogFormat::Json => log.json().init(),
    }
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
