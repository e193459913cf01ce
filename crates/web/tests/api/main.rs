//! HTTP-level integration tests. Every test runs twice: on SQLite and on PostgreSQL (a throwaway cluster
//! started from the installed binaries, with a fresh database per test). PostgreSQL is skipped only when
//! BANYAN_SKIP_POSTGRES=1; if its binaries are missing, the PostgreSQL half fails saying what to install.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_debug_implementations
)]

mod access;
mod acquisition;
mod acquisition_campaigns;
mod acquisition_effectiveness;
mod acquisition_import;
mod acquisition_meetings;
mod acquisition_onboarding;
mod acquisition_opening;
mod acquisition_papers;
mod acquisition_risk;
mod acquisition_survey;
mod acquisition_team;
mod acquisition_visits;
mod audit;
mod audit_archive;
mod audit_chain;
mod book;
mod book_catalogue;
mod book_figures;
mod book_files;
mod campaigns;
mod care;
mod care_support;
mod cases;
mod customers;
mod engagement;
mod erasure;
mod events;
mod harness;
mod idempotency;
mod input;
mod insight_followups;
mod merges;
mod monitoring;
mod months;
mod notify;
mod outbound;
mod performance;
mod review;
mod rewards;
mod rights;
mod sales;
mod second_factor;
mod segments;
mod service_accounts;
mod sso;
mod training;
mod wealth;
mod wealth_plan;
mod webhooks;

use harness::{Backend, Cluster, TestApp};
use libtest_mimic::{Arguments, Failed, Trial};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type TestFn = fn(TestApp) -> Pin<Box<dyn Future<Output = TestApp> + Send>>;

/// Registers async tests: each takes the app and gives it back for cleanup.
#[macro_export]
macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        pub fn all() -> Vec<(&'static str, $crate::TestFn)> {
            vec![$((stringify!($name), |a| Box::pin(async move { $name(&a).await; a }))),*]
        }
    };
}

fn run(backend: Backend, cluster: Option<Arc<Cluster>>, f: TestFn) -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failed::from(e.to_string()))?;
    rt.block_on(async move {
        let app = TestApp::spawn(backend, cluster.as_deref()).await;
        let app = tokio::spawn(f(app)).await.map_err(|e| {
            let msg = e.into_panic();
            let s = msg
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| msg.downcast_ref::<&str>().map(|s| (*s).to_owned()));
            Failed::from(s.unwrap_or_else(|| "test panicked".into()))
        })?;
        app.finish().await;
        Ok(())
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut tests: Vec<(&'static str, TestFn)> = Vec::new();
    tests.extend(access::all());
    tests.extend(acquisition::all());
    tests.extend(acquisition_import::all());
    tests.extend(acquisition_survey::all());
    tests.extend(acquisition_papers::all());
    tests.extend(acquisition_visits::all());
    tests.extend(acquisition_onboarding::all());
    tests.extend(acquisition_opening::all());
    tests.extend(acquisition_effectiveness::all());
    tests.extend(acquisition_risk::all());
    tests.extend(acquisition_team::all());
    tests.extend(acquisition_meetings::all());
    tests.extend(acquisition_campaigns::all());
    tests.extend(segments::all());
    tests.extend(engagement::all());
    tests.extend(notify::all());
    tests.extend(campaigns::all());
    tests.extend(care::all());
    tests.extend(care_support::all());
    tests.extend(wealth::all());
    tests.extend(wealth_plan::all());
    tests.extend(performance::all());
    tests.extend(training::all());
    tests.extend(rewards::all());
    tests.extend(book::all());
    tests.extend(book_figures::all());
    tests.extend(book_catalogue::all());
    tests.extend(book_files::all());
    tests.extend(monitoring::all());
    tests.extend(months::all());
    tests.extend(sales::all());
    tests.extend(insight_followups::all());
    tests.extend(events::all());
    tests.extend(customers::all());
    tests.extend(review::all());
    tests.extend(audit::all());
    tests.extend(audit_chain::all());
    tests.extend(audit_archive::all());
    tests.extend(input::all());
    tests.extend(cases::all());
    tests.extend(idempotency::all());
    tests.extend(service_accounts::all());
    tests.extend(sso::all());
    tests.extend(outbound::all());
    tests.extend(merges::all());
    tests.extend(rights::all());
    tests.extend(erasure::all());
    tests.extend(webhooks::all());
    tests.extend(second_factor::all());

    let skip_pg = banyan_testkit::skip_postgres();
    let wants_pg = !skip_pg
        && args.filter.as_deref().is_none_or(|f| {
            tests
                .iter()
                .any(|(n, _)| format!("postgres::{n}").contains(f))
        });
    let cluster: Option<Result<Arc<Cluster>, String>> =
        wants_pg.then(|| Cluster::start().map(Arc::new));

    let mut trials = Vec::new();
    for (name, f) in &tests {
        let f = *f;
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            run(Backend::Sqlite, None, f)
        }));
        if !skip_pg {
            let c = cluster.clone();
            trials.push(Trial::test(format!("postgres::{name}"), move || match c {
                Some(Ok(c)) => run(Backend::Postgres, Some(c), f),
                Some(Err(e)) => Err(Failed::from(e)),
                None => Ok(()),
            }));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(cluster); // stops the cluster and removes its directory
    conclusion.exit();
}
