//! `banyan`: the one binary. Serves the API, migrates, seeds demo data, imports and exports, manages
//! staff, verifies the audit chain, rotates keys and shows the configuration.

mod args;
mod backup;
mod book;
mod commands;
mod config;
mod demo;
mod demo_book;
mod demo_care;
mod demo_import;
mod demo_leads;
mod demo_merge;
mod demo_papers;
mod demo_performance;
mod demo_plans;
mod demo_rights;
mod demo_risk;
mod demo_survey;
mod demo_training;
mod demo_visits;
mod demo_wealth;
mod setup;

use anyhow::Result;
use args::*;
use banyan_app::access::Actor;
use clap::Parser;
use commands::*;
use config::{Config, Overrides};
use setup::*;

/// Runs the command; a failure is one line on standard error (its causes joined), exit status 1.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let listen_flag = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen, .. } => listen.clone(),
        _ => None,
    };
    let flags = Overrides {
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen: listen_flag,
        policy_file: cli.policy.clone(),
    };
    let (cfg, warnings) = Config::load(cli.config.as_deref(), &env, &flags)?;
    init_logging(&cfg);
    for w in &warnings {
        tracing::warn!("{w}");
        eprintln!("warning: {w}");
    }
    let system = Actor::system("system");
    match cli.command {
        Command::Config { command } => config_cmd(&cfg, command).await?,
        Command::Migrate => migrate_cmd(&cfg).await?,
        Command::Serve { .. } => {
            let app = open_serving(&cfg, false).await?;
            serve(app, &cfg, &cfg.listen).await?;
        }
        Command::Demo {
            customers,
            serve: and_serve,
            ..
        } => demo_cmd(&cfg, customers, and_serve).await?,
        Command::User { command } => user_cmd(&cfg, &system, command).await?,
        Command::Import { what } => import_cmd(&cfg, what).await?,
        Command::Book { command } => book::book_cmd(&cfg, command).await?,
        Command::Export { what } => export_cmd(&cfg, what).await?,
        Command::Audit { command } => audit_cmd(&cfg, command).await?,
        Command::Policy { command } => policy_cmd(&cfg, command).await?,
        Command::Notify { command } => notify_cmd(&cfg, command).await?,
        Command::Cases { command } => cases_cmd(&cfg, command).await?,
        Command::Calendar { command } => calendar_cmd(&cfg, command).await?,
        Command::Tasks { command } => tasks_cmd(&cfg, command).await?,
        Command::Keys { command } => keys_cmd(&cfg, &system, command).await?,
        Command::Backup { to } => backup::backup_cmd(&cfg, &system, &to).await?,
        Command::Restore { from } => backup::restore_cmd(&cfg, &system, &from).await?,
        Command::ReapplyErasures => backup::reapply_cmd(&cfg).await?,
    }
    Ok(())
}
