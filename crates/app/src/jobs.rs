//! Background work, scheduled from one place: the audit sealer, the notification dispatcher, the case
//! escalator and the nightly job (re-evaluation, task planning, greetings). Each job is a plain async
//! function that the CLI and the tests call too; here it only gets a timer, a span named after the job, and
//! its lease, so that several nodes can run side by side and one does the work:
//!
//! | job | every | lease |
//! |---|---|---|
//! | `audit.seal` | 0.5 s | `audit-sealer` (taken by `audit::seal_pending`) |
//! | `audit.checkpoint` | 10 s (`audit_checkpoint_secs`) | none: each node anchors to its own file |
//! | `imports.resume` | 5 s | each job's own lease (`imports::resume_orphaned`) |
//! | `notify.dispatch` | 5 s | none: each message is claimed with a token (`notify::dispatch_once`) |
//! | `cases.escalate` | 60 s | `cases.escalate` |
//! | `wealth.finalise` | 60 s | none: each sale past its cooling-off completes once (a versioned write) |
//! | `alerts.escalate` | 60 s | none: each overdue alert is marked escalated once (`segments::alerts::escalate_overdue`) |
//! | `book.resume` | 5 s | each load's own lease (`book::files::resume_orphaned`) |
//! | `book.monitor` | 60 s | `book.monitor` (transactions loads whose rows monitoring has not read: `book::monitoring::sweep`) |
//! | `notify.campaigns` | 30 s | `notify.campaigns` (scheduled campaigns whose time has come) |
//! | `nightly` | daily at `HH:MM` | `nightly:YYYY-MM-DD` (two hours, renewed between steps; taken over when it lapses) and `nightly-done:YYYY-MM-DD`: the node that claims the day does all of it, in order (each step keeps its own lease too: `policy.evaluate`, `engagement.plan`, `performance.training.remind`, `customers.duplicates`); every node brings its own erasure ledger up to date |

use crate::App;
use crate::notify::{self, Delivery, DispatchReport};
use banyan_store::misc;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// When each job runs.
#[derive(Debug)]
pub struct Schedule {
    pub seal_every: Duration,
    pub checkpoint_every: Duration,
    pub dispatch_every: Duration,
    pub escalate_every: Duration,
    /// The nightly job's time of day in the bank's time zone (`None`: off).
    pub nightly_at: Option<jiff::civil::Time>,
    /// The bank's name, signed under greetings.
    pub bank: String,
    /// The holiday list (TOML) greetings are sent for.
    pub holidays: String,
}

/// The running jobs; dropping this value (or [`Jobs::stop`]) stops them.
#[derive(Debug)]
pub struct Jobs(Vec<JoinHandle<()>>);

impl Jobs {
    /// Stops every job.
    pub fn stop(self) {}
}

impl Drop for Jobs {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

/// Starts every job on the current runtime.
pub fn start(app: Arc<App>, delivery: Delivery, s: Schedule) -> Jobs {
    let mut handles = vec![
        every("audit.seal", s.seal_every, app.clone(), |app| async move {
            if let Err(e) = crate::audit::seal_pending(&app).await {
                tracing::warn!(error = %e, "audit sealing failed; will retry");
            }
        }),
        every(
            "outbound.publish",
            s.seal_every,
            app.clone(),
            |app| async move {
                if let Err(e) = crate::outbound::publish_pending(&app).await {
                    tracing::warn!(error = %e, "publishing outbound events failed; will retry");
                }
            },
        ),
        every(
            "outbound.webhooks",
            s.seal_every,
            app.clone(),
            |app| async move {
                if let Err(e) =
                    crate::outbound::webhooks::deliver_due(&app, banyan_store::now_us()).await
                {
                    tracing::warn!(error = %e, "delivering webhooks failed; will retry");
                }
            },
        ),
        every(
            "audit.checkpoint",
            s.checkpoint_every,
            app.clone(),
            |app| async move {
                if let Err(e) = crate::audit::checkpoint(&app).await {
                    tracing::error!(error = %e, "audit checkpoint failed; will retry");
                }
            },
        ),
        every(
            "imports.resume",
            std::time::Duration::from_secs(5),
            app.clone(),
            |app| async move {
                if let Err(e) = crate::imports::resume_orphaned(&app).await {
                    tracing::warn!(error = %e, "resuming imports failed; will retry");
                }
            },
        ),
        every(
            "book.resume",
            std::time::Duration::from_secs(5),
            app.clone(),
            |app| async move {
                if let Err(e) = crate::book::files::resume_orphaned(&app).await {
                    tracing::warn!(error = %e, "resuming feed loads failed; will retry");
                }
            },
        ),
        every(
            "cases.escalate",
            s.escalate_every,
            app.clone(),
            move |app| crate::cases::escalate_tick(app, s.escalate_every),
        ),
        // A cooled sale completes once: its versioned write loses on a second node, so every node may run it.
        every(
            "wealth.finalise",
            s.escalate_every,
            app.clone(),
            |app| async move {
                match crate::wealth::suitability::finalise_due(&app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sales = n, "sales past their cooling-off completed"),
                    Err(e) => tracing::error!(error = %e, "finalising cooled sales failed"),
                }
            },
        ),
        // Each alert escalates once: the node that marks it tells the supervisors, so every node may run it.
        every(
            "alerts.escalate",
            s.escalate_every,
            app.clone(),
            |app| async move {
                match crate::segments::alerts::escalate_overdue(&app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(alerts = n, "overdue alerts escalated"),
                    Err(e) => tracing::error!(error = %e, "alert escalation failed"),
                }
            },
        ),
        every(
            "book.monitor",
            Duration::from_secs(60),
            app.clone(),
            |app| async move {
                let now = banyan_store::now_us();
                let held = banyan_store::misc::take_lease(
                    &app.db.conn,
                    crate::book::monitoring::LEASE,
                    &app.node_id,
                    now,
                    now + crate::book::monitoring::LEASE_US,
                )
                .await;
                match held {
                    Ok(true) => match crate::book::monitoring::sweep(&app).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(loads = n, "unmonitored loads caught up"),
                        Err(e) => tracing::error!(error = %e, "catching up monitoring failed"),
                    },
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "monitoring sweep lease failed"),
                }
            },
        ),
        // The policy another node put in force (`banyan policy apply`, or a node started with a new file).
        every(
            "policy.follow",
            crate::segments::FOLLOW_EVERY,
            app.clone(),
            |app| async move {
                if let Err(e) = crate::segments::follow(&app).await {
                    tracing::error!(error = %e, "following the policy in force failed");
                }
            },
        ),
        // The month partitions of the audit log, the messages and the case logs, created 400 days ahead
        // (every node; a race skips the month).
        every(
            "audit.months",
            Duration::from_secs(86_400),
            app.clone(),
            |app| async move {
                match crate::audit::prepare_months(&app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(months = n, "month partitions prepared"),
                    Err(e) => tracing::error!(error = %e, "preparing month partitions failed"),
                }
            },
        ),
        every(
            "notify.campaigns",
            Duration::from_secs(30),
            app.clone(),
            |app| async move {
                match notify::send_due(&app).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(campaigns = n, "scheduled campaigns sent"),
                    Err(e) => {
                        tracing::warn!(error = %e, "sending scheduled campaigns failed; will retry")
                    }
                }
            },
        ),
    ];
    let d = Arc::new(delivery);
    handles.push(every(
        "notify.dispatch",
        s.dispatch_every,
        app.clone(),
        move |app| {
            let d = d.clone();
            async move { dispatch(&app, &d).await }
        },
    ));
    if let Some(at) = s.nightly_at {
        let (bank, holidays) = (s.bank, s.holidays);
        handles.push(tokio::spawn(
            async move {
                loop {
                    tokio::time::sleep(until(&app, at)).await;
                    nightly(&app, &bank, &holidays).await;
                }
            }
            .instrument(tracing::info_span!("job", name = "nightly")),
        ));
    }
    Jobs(handles)
}

/// Runs `f` every `period` in a span named after the job.
fn every<F, Fut>(name: &'static str, period: Duration, app: Arc<App>, f: F) -> JoinHandle<()>
where
    F: Fn(Arc<App>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(
        async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                f(app.clone()).await;
            }
        }
        .instrument(tracing::info_span!("job", name)),
    )
}

/// One dispatcher pass: everything due, until nothing is.
async fn dispatch(app: &App, d: &Delivery) {
    match notify::dispatch_once(app, d, 200, jiff::Timestamp::now()).await {
        Ok(r) if r != DispatchReport::default() => tracing::info!(
            sent = r.sent,
            retried = r.retried,
            failed = r.failed,
            suppressed = r.suppressed,
            deferred = r.deferred,
            "notifications dispatched"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "notification dispatch failed"),
    }
}

/// How long until the next `at` in the bank's time zone (an hour if the clock cannot say).
fn until(app: &App, at: jiff::civil::Time) -> Duration {
    let now = jiff::Zoned::now().with_time_zone(app.tz.clone());
    let mut next = now.date().to_datetime(at);
    if next <= now.datetime() {
        next = next.saturating_add(jiff::Span::new().days(1));
    }
    next.to_zoned(app.tz.clone())
        .map(|z| z.timestamp().duration_since(now.timestamp()))
        .ok()
        .and_then(|d| Duration::try_from(d).ok())
        .unwrap_or(Duration::from_secs(3600))
}

/// The nightly job: re-evaluate everyone, refresh planner statistics, plan contact tasks (after the
/// evaluation, so the night's tier changes move due dates), queue birthday and holiday greetings.
///
/// Every node brings its own erasure ledger up to date; the database's work is done once a day, whole and
/// in order, by the node that claims the day (lease `nightly:YYYY-MM-DD`, held two hours and renewed
/// between steps; `nightly-done:YYYY-MM-DD` once it is done). The others look again every ten minutes
/// while the day lasts: when the claiming node dies its claim lapses and another does the work; once the
/// day is done they bring their ledgers up to date with the night's erasures. Without the claim each
/// step's own lease kept two nodes apart but not in order: a node whose evaluation another had taken went
/// straight on to plan contacts from tiers the evaluation had not yet moved.
pub async fn nightly(app: &App, bank: &str, holidays: &str) {
    sync_ledger(app).await;
    let day = app.today();
    let claim = format!("nightly:{day}");
    let done = format!("nightly-done:{day}");
    let c = &app.db.conn;
    let mut told = false;
    loop {
        let now = banyan_store::now_us();
        // Done already (by another node, or by this one before a clock stepped back): never twice.
        match misc::lease_held(c, &done, now).await {
            Ok(true) => {
                if told {
                    sync_ledger(app).await;
                }
                return;
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "reading whether the nightly job is done failed"),
        }
        match misc::take_lease(c, &claim, &app.node_id, now, now + NIGHTLY_CLAIM_US).await {
            Ok(true) => {
                nightly_work(app, bank, holidays, &claim).await;
                let now = banyan_store::now_us();
                if let Err(e) =
                    misc::take_lease(c, &done, &app.node_id, now, now + DAY_AND_A_HALF_US).await
                {
                    tracing::error!(error = %e, "marking the nightly job done failed");
                }
                if let Err(e) = misc::drop_expired_leases(c, "nightly", now).await {
                    tracing::error!(error = %e, "dropping past nights' leases failed");
                }
                sync_ledger(app).await;
                return;
            }
            Ok(false) if !told => {
                tracing::info!("nightly job run by another node");
                told = true;
            }
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "claiming the nightly job failed; trying again"),
        }
        if app.today() != day {
            return;
        }
        tokio::time::sleep(NIGHTLY_LOOK_AGAIN).await;
    }
}

/// How long a claim of the nightly job holds without being renewed (the longest step, the evaluation of
/// every customer, renews its own lease and takes minutes at a million customers).
const NIGHTLY_CLAIM_US: i64 = 2 * 3_600 * 1_000_000;
/// How long the mark that a day's job is done is kept.
const DAY_AND_A_HALF_US: i64 = 36 * 3_600 * 1_000_000;
/// How often a node that did not claim the day looks whether it is done or its claim has lapsed.
const NIGHTLY_LOOK_AGAIN: Duration = Duration::from_secs(600);

/// Renews this node's claim of the night between steps; a claim lost (a step longer than the claim) is
/// said, and the work goes on.
async fn renew(app: &App, claim: &str) {
    let now = banyan_store::now_us();
    match misc::take_lease(
        &app.db.conn,
        claim,
        &app.node_id,
        now,
        now + NIGHTLY_CLAIM_US,
    )
    .await
    {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the nightly job's claim lapsed and another node took it"),
        Err(e) => tracing::error!(error = %e, "renewing the nightly job's claim failed"),
    }
}

/// This node's erasure ledger brought up to date with the database's erasures.
async fn sync_ledger(app: &App) {
    match crate::rights::erase::ledger::sync(app).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            records = n,
            "erasures missing from the ledger written to it"
        ),
        Err(e) => tracing::error!(error = %e, "the erasure ledger could not be brought up to date"),
    }
}

/// The database's nightly work, on the node that claimed the day (`claim`, renewed after the long steps).
async fn nightly_work(app: &App, bank: &str, holidays: &str, claim: &str) {
    match crate::segments::evaluate_all(app, |_, _| {}).await {
        Ok(Some(r)) => tracing::info!(
            customers = r.customers,
            changed = r.customers_changed,
            "nightly evaluation done"
        ),
        Ok(None) => tracing::info!("nightly evaluation run by another node"),
        Err(e) => tracing::error!(error = %e, "nightly evaluation failed"),
    }
    renew(app, claim).await;
    if let Err(e) = app.db.optimize().await {
        tracing::warn!(error = %e, "refreshing planner statistics failed");
    }
    match crate::engagement::plan_all(app, |_, _| {}).await {
        Ok(Some(r)) => tracing::info!(
            created = r.created,
            moved = r.moved,
            cancelled = r.cancelled,
            "nightly task planning done"
        ),
        Ok(None) => tracing::info!("nightly task planning run by another node"),
        Err(e) => tracing::error!(error = %e, "nightly task planning failed"),
    }
    renew(app, claim).await;
    match crate::customers::pairs::scan(app).await {
        Ok(Some(r)) => tracing::info!(
            found = r.found,
            added = r.added,
            gone = r.gone,
            "duplicate customer scan done"
        ),
        Ok(None) => tracing::info!("duplicate customer scan run by another node"),
        Err(e) => tracing::error!(error = %e, "duplicate customer scan failed"),
    }
    renew(app, claim).await;
    // The watch opens a warning once per customer or partner and indicator, so every node may run it.
    match crate::acquisition::risk::watch(app).await {
        Ok(r) => tracing::info!(
            customer_alerts = r.customer_alerts,
            partner_alerts = r.partner_alerts,
            "acquisition risk watch done"
        ),
        Err(e) => tracing::error!(error = %e, "acquisition risk watch failed"),
    }
    match crate::performance::training::remind::remind(app).await {
        Ok(Some(n)) => tracing::info!(notices = n, "training reminders done"),
        Ok(None) => tracing::info!("training reminders run by another node"),
        Err(e) => tracing::error!(error = %e, "training reminders failed"),
    }
    // A survey is recorded once per lead (a second node's run finds it sent and sends nothing).
    match crate::acquisition::survey::send_due(app, app.today()).await {
        Ok(n) => tracing::info!(sent = n, "new customers' satisfaction surveys sent"),
        Err(e) => tracing::error!(error = %e, "new customers' satisfaction surveys failed"),
    }
    // Likewise a care survey is recorded once per record.
    match crate::care::survey::send_due(app).await {
        Ok(n) => tracing::info!(sent = n, "care satisfaction surveys sent"),
        Err(e) => tracing::error!(error = %e, "care satisfaction surveys failed"),
    }
    // Stored answers of idempotent requests hold what was written: kept for the retry window only.
    match crate::idempotency::purge(app).await {
        Ok(n) => tracing::info!(
            forgotten = n,
            "idempotency answers past their window forgotten"
        ),
        Err(e) => tracing::error!(error = %e, "idempotency purge failed"),
    }
    // Deleting what is past its retention is the same on every node (and dropping a month twice is a no-op).
    match crate::book::activity::apply_retention(app).await {
        Ok(r) => tracing::info!(
            months_dropped = r.months_dropped,
            rows_deleted = r.rows_deleted,
            rejects_deleted = r.rejects_deleted,
            "book retention applied"
        ),
        Err(e) => tracing::error!(error = %e, "book retention failed"),
    }
    renew(app, claim).await;
    // A care record's detail past its retention is destroyed once: a second node finds it purged (its
    // versioned write loses) and does nothing.
    match crate::care::purge::run(app, app.today()).await {
        Ok(n) => tracing::info!(records = n, "care records past retention purged"),
        Err(e) => tracing::error!(error = %e, "care retention failed"),
    }
    // A restricted person whose obligations ended is erased once: a second node finds the record erased.
    match crate::rights::erase::erase_due(app).await {
        Ok(n) => tracing::info!(
            customers = n,
            "restricted customers past their obligations erased"
        ),
        Err(e) => tracing::error!(error = %e, "erasure of restricted customers failed"),
    }
    // Greetings are idempotent per customer and year, so every node may run them.
    match notify::birthday_greetings(app, bank).await {
        Ok(n) => tracing::info!(queued = n, "birthday greetings queued"),
        Err(e) => tracing::error!(error = %e, "birthday greetings failed"),
    }
    match notify::holiday_greetings(app, holidays, bank).await {
        Ok(n) => tracing::info!(queued = n, "holiday greetings queued"),
        Err(e) => tracing::error!(error = %e, "holiday greetings failed"),
    }
}
