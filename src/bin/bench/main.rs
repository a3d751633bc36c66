//! Benchmarks, each beside a reference measured in the same run:
//! `cargo run --release --bin bench -- SCENARIO` with SCENARIO one of
//! `read`, `footprint`, `scaling`, `inbox`, `fanout` (or `all`). Everything
//! runs on loopback, is bounded in time and stops by itself. `inbox` signs
//! `BENCH_INBOX_REQUESTS` requests (10,000) before it starts the clock.

mod browser;
mod fanout;
mod inbox;
mod load;
mod read;
mod scaling;
mod seed;
mod signing;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let scenario = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if scenario == "__serve" {
        // The server under test, configured through BLOG_* variables; its
        // log (RUST_LOG, warnings by default) goes to standard output.
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .init();
        return match blog::cli::Cli::parse_from(["blog", "serve"]).run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let result = match scenario.as_str() {
        "read" => read::run().await,
        "footprint" => read::footprint().await,
        "scaling" => scaling::run().await,
        "inbox" => inbox::run().await,
        "fanout" => fanout::run().await,
        "all" => {
            async {
                scaling::run().await?;
                read::footprint().await?;
                read::run().await?;
                inbox::run().await?;
                fanout::run().await
            }
            .await
        }
        other => Err(anyhow::anyhow!(
            "unknown scenario {other}: use read, footprint, scaling, inbox, fanout or all"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench failed: {err:#}");
            ExitCode::FAILURE
        }
    }
}
