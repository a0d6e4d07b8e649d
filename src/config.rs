//! Every environment variable the server reads, typed and validated once at start-up.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use thiserror::Error;

#[derive(Debug, Error)]
#[error("invalid configuration: {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Test,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct RateLimits {
    pub enabled: bool,
    pub login_per_min: u32,
    pub register_per_min: u32,
    pub demo_per_min: u32,
    /// Signed-in requests under `/api/v1`, per account.
    pub account_per_min: u32,
}

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
    pub app_env: AppEnv,
    pub log_format: LogFormat,
    pub session_idle_timeout: Duration,
    pub session_absolute_timeout: Duration,
    pub lockout_threshold: u32,
    pub lockout_duration: Duration,
    pub rate_limits: RateLimits,
    pub cors_allowed_origins: Vec<String>,
    pub trust_forwarded_for: bool,
    /// The origin (scheme://host[:port]) of `PUBLIC_URL`, without path.
    pub public_origin: Option<String>,
    pub docs_enabled: bool,
    pub metrics_token: Option<String>,
    pub demo_lifetime: Duration,
    pub demo_sweep_interval: Duration,
    pub request_timeout: Duration,
    pub db_max_connections: Option<u32>,
    pub db_acquire_timeout: Duration,
}

impl std::fmt::Debug for Config {
    // The metrics token is a secret and the database URL may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind_addr", &self.bind_addr)
            .field("app_env", &self.app_env)
            .field("database", &self.database_url.split(':').next())
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Reads the process environment (after `.env`, which `main` loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&std::env::vars().collect())
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let reader = VarReader { vars };
        let app_env = match reader.get("APP_ENV").unwrap_or("development") {
            "development" => AppEnv::Development,
            "test" => AppEnv::Test,
            "production" => AppEnv::Production,
            other => {
                return Err(reader.bad(
                    "APP_ENV",
                    format!("`{other}` is not one of development, test, production"),
                ));
            }
        };
        let production = app_env == AppEnv::Production;
        let log_format = match reader.get("LOG_FORMAT") {
            None if app_env == AppEnv::Development => LogFormat::Pretty,
            None => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(reader.bad("LOG_FORMAT", format!("`{other}` is not pretty or json")));
            }
        };
        let public_origin = match reader.get("PUBLIC_URL") {
            Some(url) => Some(origin_of(url).ok_or_else(|| {
                reader.bad("PUBLIC_URL", "must be an http:// or https:// URL".into())
            })?),
            None if production => {
                return Err(reader.bad("PUBLIC_URL", "is required when APP_ENV=production".into()));
            }
            None => None,
        };
        let cors_default = if production {
            ""
        } else {
            "http://localhost:3000"
        };
        let cors_allowed_origins = reader
            .get("CORS_ALLOWED_ORIGINS")
            .unwrap_or(cors_default)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                origin_of(s).ok_or_else(|| {
                    reader.bad(
                        "CORS_ALLOWED_ORIGINS",
                        format!("`{s}` is not an http(s) origin"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let database_url = reader
            .get("DATABASE_URL")
            .unwrap_or("sqlite://medtracker.db")
            .to_owned();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(reader.bad(
                "DATABASE_URL",
                "must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        let db_max_connections = match reader.get("DB_MAX_CONNECTIONS") {
            None => None,
            Some(_) => Some(reader.number("DB_MAX_CONNECTIONS", 1, 1, 1000)?),
        };
        Ok(Self {
            database_url,
            bind_addr: reader.parsed("BIND_ADDR", "127.0.0.1:8000")?,
            app_env,
            log_format,
            session_idle_timeout: reader.seconds("SESSION_IDLE_TIMEOUT_SECS", 1800)?,
            session_absolute_timeout: reader.seconds("SESSION_ABSOLUTE_TIMEOUT_SECS", 43_200)?,
            lockout_threshold: reader.number("LOCKOUT_THRESHOLD", 5, 1, 1_000_000)?,
            lockout_duration: reader.seconds("LOCKOUT_SECS", 900)?,
            rate_limits: RateLimits {
                enabled: reader.boolean("RATE_LIMIT_ENABLED", true)?,
                login_per_min: reader.number("RATE_LIMIT_LOGIN_PER_MIN", 10, 1, 1_000_000)?,
                register_per_min: reader.number("RATE_LIMIT_REGISTER_PER_MIN", 5, 1, 1_000_000)?,
                demo_per_min: reader.number("RATE_LIMIT_DEMO_PER_MIN", 3, 1, 1_000_000)?,
                account_per_min: reader.number("RATE_LIMIT_ACCOUNT_PER_MIN", 1200, 1, 1_000_000)?,
            },
            cors_allowed_origins,
            trust_forwarded_for: reader.boolean("TRUST_FORWARDED_FOR", false)?,
            public_origin,
            docs_enabled: reader.boolean("DOCS_ENABLED", !production)?,
            metrics_token: reader.get("METRICS_TOKEN").map(str::to_owned),
            demo_lifetime: reader.seconds("DEMO_LIFETIME_SECS", 3600)?,
            demo_sweep_interval: reader.seconds("DEMO_SWEEP_INTERVAL_SECS", 60)?,
            request_timeout: reader.seconds("REQUEST_TIMEOUT_SECS", 30)?,
            db_max_connections,
            db_acquire_timeout: reader.seconds("DB_ACQUIRE_TIMEOUT_SECS", 5)?,
        })
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }

    /// Settings that are valid but risky, each as one line for the start-up log.
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut warnings = Vec::new();
        if self.is_production() && self.metrics_token.is_none() {
            warnings.push(
                "METRICS_TOKEN is not set: /metrics is open to anyone who can reach this server; \
                 set METRICS_TOKEN or keep /metrics off the public network",
            );
        }
        warnings
    }
}

struct VarReader<'a> {
    vars: &'a HashMap<String, String>,
}

impl VarReader<'_> {
    /// An empty value counts as unset, as it does in most `.env` tooling.
    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn bad(&self, variable: &'static str, reason: String) -> ConfigError {
        ConfigError { variable, reason }
    }

    fn parsed<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: &str,
    ) -> Result<T, ConfigError> {
        let raw = self.get(name).unwrap_or(default);
        raw.parse()
            .map_err(|_| self.bad(name, format!("`{raw}` is not a valid value")))
    }

    fn number(
        &self,
        name: &'static str,
        default: u32,
        min: u32,
        max: u32,
    ) -> Result<u32, ConfigError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        match raw.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(self.bad(
                name,
                format!("`{raw}` is not a whole number from {min} to {max}"),
            )),
        }
    }

    fn seconds(&self, name: &'static str, default: u32) -> Result<Duration, ConfigError> {
        self.number(name, default, 1, 100_000_000)
            .map(|s| Duration::from_secs(u64::from(s)))
    }

    fn boolean(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(self.bad(name, format!("`{other}` is not true or false"))),
        }
    }
}

/// `https://Example.org:8443/path` → `https://example.org:8443`; browsers send origins in this form.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    // Browsers leave the scheme's default port out of `Origin`, so the configured one must too.
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    }

    #[test]
    fn defaults_match_the_contract() {
        let config = Config::from_vars(&HashMap::new()).expect("defaults are valid");
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8000");
        assert_eq!(config.database_url, "sqlite://medtracker.db");
        assert_eq!(config.lockout_threshold, 5);
        assert_eq!(config.cors_allowed_origins, vec!["http://localhost:3000"]);
        assert!(config.docs_enabled);
        assert_eq!(config.log_format, LogFormat::Pretty);
    }

    #[test]
    fn production_requires_public_url() {
        let err = Config::from_vars(&vars(&[("APP_ENV", "production")])).err();
        assert_eq!(err.map(|e| e.variable), Some("PUBLIC_URL"));
        let config = Config::from_vars(&vars(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://Diary.example.org/app"),
        ]))
        .expect("valid");
        assert_eq!(
            config.public_origin.as_deref(),
            Some("https://diary.example.org")
        );
        assert!(config.cors_allowed_origins.is_empty());
        assert!(!config.docs_enabled);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (name, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDR", "localhost"),
            ("BIND_ADDR", "127.0.0.1"),
            ("APP_ENV", "prod"),
            ("LOG_FORMAT", "xml"),
            ("SESSION_IDLE_TIMEOUT_SECS", "0"),
            ("SESSION_IDLE_TIMEOUT_SECS", "-5"),
            ("SESSION_ABSOLUTE_TIMEOUT_SECS", "12h"),
            ("LOCKOUT_THRESHOLD", "many"),
            ("LOCKOUT_THRESHOLD", "0"),
            ("LOCKOUT_SECS", "1.5"),
            ("RATE_LIMIT_ENABLED", "perhaps"),
            ("RATE_LIMIT_LOGIN_PER_MIN", "0"),
            ("RATE_LIMIT_REGISTER_PER_MIN", "ten"),
            ("RATE_LIMIT_DEMO_PER_MIN", "99999999999"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            (
                "CORS_ALLOWED_ORIGINS",
                "http://localhost:3000,ftp://files.example",
            ),
            ("TRUST_FORWARDED_FOR", "sometimes"),
            ("PUBLIC_URL", "diary.example.org"),
            ("PUBLIC_URL", "https://user@diary.example.org"),
            ("DOCS_ENABLED", "on-ish"),
            ("DEMO_LIFETIME_SECS", "0"),
            ("DEMO_SWEEP_INTERVAL_SECS", "soon"),
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("DB_MAX_CONNECTIONS", "0"),
            ("DB_ACQUIRE_TIMEOUT_SECS", "x"),
        ] {
            let err = Config::from_vars(&vars(&[(name, value)])).err();
            assert_eq!(
                err.as_ref().map(|e| e.variable),
                Some(name),
                "{name}={value}"
            );
            let line = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(line.contains(name) && !line.contains('\n'), "{line}");
        }
    }

    #[test]
    fn every_variable_is_read() {
        let config = Config::from_vars(&vars(&[
            ("DATABASE_URL", "postgres://db/medtracker"),
            ("BIND_ADDR", "0.0.0.0:9000"),
            ("APP_ENV", "test"),
            ("LOG_FORMAT", "pretty"),
            ("SESSION_IDLE_TIMEOUT_SECS", "60"),
            ("SESSION_ABSOLUTE_TIMEOUT_SECS", "120"),
            ("LOCKOUT_THRESHOLD", "3"),
            ("LOCKOUT_SECS", "30"),
            ("RATE_LIMIT_ENABLED", "false"),
            ("RATE_LIMIT_LOGIN_PER_MIN", "7"),
            ("RATE_LIMIT_REGISTER_PER_MIN", "8"),
            ("RATE_LIMIT_DEMO_PER_MIN", "9"),
            ("RATE_LIMIT_ACCOUNT_PER_MIN", "11"),
            (
                "CORS_ALLOWED_ORIGINS",
                " https://a.example , https://B.example/ ",
            ),
            ("TRUST_FORWARDED_FOR", "true"),
            ("PUBLIC_URL", "https://diary.example.org"),
            ("DOCS_ENABLED", "false"),
            ("METRICS_TOKEN", "t0ken"),
            ("DEMO_LIFETIME_SECS", "600"),
            ("DEMO_SWEEP_INTERVAL_SECS", "5"),
            ("REQUEST_TIMEOUT_SECS", "10"),
            ("DB_MAX_CONNECTIONS", "12"),
            ("DB_ACQUIRE_TIMEOUT_SECS", "2"),
        ]))
        .expect("valid");
        let secs = Duration::from_secs;
        assert_eq!(config.database_url, "postgres://db/medtracker");
        assert_eq!(config.bind_addr.to_string(), "0.0.0.0:9000");
        assert_eq!(config.app_env, AppEnv::Test);
        assert_eq!(config.log_format, LogFormat::Pretty);
        assert_eq!(config.session_idle_timeout, secs(60));
        assert_eq!(config.session_absolute_timeout, secs(120));
        assert_eq!(config.lockout_threshold, 3);
        assert_eq!(config.lockout_duration, secs(30));
        let limits = &config.rate_limits;
        assert!(!limits.enabled);
        assert_eq!(
            (
                limits.login_per_min,
                limits.register_per_min,
                limits.demo_per_min,
                limits.account_per_min
            ),
            (7, 8, 9, 11)
        );
        assert_eq!(
            config.cors_allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.trust_forwarded_for);
        assert_eq!(
            config.public_origin.as_deref(),
            Some("https://diary.example.org")
        );
        assert!(!config.docs_enabled);
        assert_eq!(config.metrics_token.as_deref(), Some("t0ken"));
        assert_eq!(config.demo_lifetime, secs(600));
        assert_eq!(config.demo_sweep_interval, secs(5));
        assert_eq!(config.request_timeout, secs(10));
        assert_eq!(config.db_max_connections, Some(12));
        assert_eq!(config.db_acquire_timeout, secs(2));
    }

    #[test]
    fn other_defaults_match_the_contract() {
        let config = Config::from_vars(&HashMap::new()).expect("defaults are valid");
        let secs = Duration::from_secs;
        assert_eq!(config.app_env, AppEnv::Development);
        assert_eq!(config.session_idle_timeout, secs(1800));
        assert_eq!(config.session_absolute_timeout, secs(43_200));
        assert_eq!(config.lockout_duration, secs(900));
        let limits = &config.rate_limits;
        assert!(limits.enabled);
        assert_eq!(
            (
                limits.login_per_min,
                limits.register_per_min,
                limits.demo_per_min,
                limits.account_per_min
            ),
            (10, 5, 3, 1200)
        );
        assert!(!config.trust_forwarded_for);
        assert_eq!(config.public_origin, None);
        assert_eq!(config.metrics_token, None);
        assert_eq!(config.demo_lifetime, secs(3600));
        assert_eq!(config.demo_sweep_interval, secs(60));
        assert_eq!(config.request_timeout, secs(30));
        assert_eq!(config.db_max_connections, None);
        assert_eq!(config.db_acquire_timeout, secs(5));
        let test = Config::from_vars(&vars(&[("APP_ENV", "test")])).expect("valid");
        assert_eq!(test.log_format, LogFormat::Json);
    }

    #[test]
    fn production_without_a_metrics_token_is_warned_about() {
        let production = [
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://diary.example.org"),
        ];
        let open = Config::from_vars(&vars(&production)).expect("valid");
        let warnings = open.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("METRICS_TOKEN"), "{warnings:?}");

        let with_token = [production.as_slice(), &[("METRICS_TOKEN", "t0ken")]].concat();
        let guarded = Config::from_vars(&vars(&with_token)).expect("valid");
        assert!(guarded.warnings().is_empty());
        let development = Config::from_vars(&vars(&[])).expect("valid");
        assert!(development.warnings().is_empty(), "only production warns");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let config = Config::from_vars(&vars(&[("METRICS_TOKEN", " "), ("LOCKOUT_THRESHOLD", "")]))
            .expect("valid");
        assert_eq!(config.metrics_token, None);
        assert_eq!(config.lockout_threshold, 5);
    }

    #[test]
    fn origins_are_normalised_as_browsers_send_them() {
        for (url, origin) in [
            (
                "https://Diary.Example.org/app?x#y",
                Some("https://diary.example.org"),
            ),
            (
                "https://diary.example.org:443",
                Some("https://diary.example.org"),
            ),
            ("http://localhost:80/", Some("http://localhost")),
            (
                "https://diary.example.org:8443",
                Some("https://diary.example.org:8443"),
            ),
            ("http://localhost:3000", Some("http://localhost:3000")),
            ("ftp://files.example", None),
            ("https://", None),
            ("localhost:3000", None),
            ("https://a b.example", None),
        ] {
            assert_eq!(origin_of(url).as_deref(), origin, "{url}");
        }
    }
}
