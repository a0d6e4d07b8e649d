//! The `medtracker` command: `serve` (default), `migrate`, `openapi`.

use std::process::ExitCode;

use medtracker::{app::App, config::Config, db, http::serve::shutdown_signal, openapi, telemetry};

const USAGE: &str = "usage: medtracker [serve | migrate | openapi]";

#[tokio::main]
async fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if command == "openapi" {
        print!(
            "{}",
            openapi::document_json(&medtracker::app::openapi_document())
        );
        return ExitCode::SUCCESS;
    }
    if !matches!(command.as_str(), "serve" | "migrate") {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("cannot read .env: {err}");
        return ExitCode::FAILURE;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init_logging(&config);
    if command == "migrate" {
        return match migrate(&config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        };
    }
    let app = match App::build(config).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    if let Ok(addr) = app.local_addr() {
        tracing::info!(%addr, "medtracker listening on http://{addr}");
    }
    app.run_until(shutdown_signal()).await;
    ExitCode::SUCCESS
}

async fn migrate(config: &Config) -> Result<(), String> {
    let db = db::connect(config)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db::migrate(&db)
        .await
        .map_err(|e| format!("cannot apply migrations: {e}"))?;
    medtracker::rekey::run(&db)
        .await
        .map_err(|e| e.to_string())?;
    db.close().await;
    tracing::info!("migrations applied");
    Ok(())
}
