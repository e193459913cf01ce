//! Reminders of training that falls due (seed 000 §7.1: the bank trains its people on a schedule; §3 regular
//! security training): every night each person is told on their home page of a course due within
//! `[performance.training] warn_days`, a certificate or refresh expiring, or a course overdue — once, and again
//! every `remind_days` while it stays so. The notice names the course; the person's record says by when.

use super::record::{Books, books};
use crate::App;
use crate::audit::{self, Entry};
use crate::error::Result;
use banyan_domain::ids::StaffId;
use banyan_domain::performance::training::DueState;
use banyan_store::cases::NoticeRow;
use banyan_store::{misc, now_us};
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

const LEASE: &str = "performance.training.remind";

/// The notice kinds a reminder writes, most pressing first.
pub const KINDS: [&str; 3] = ["training.overdue", "training.expiring", "training.due"];

/// Tells everyone of what they have due (see the module). Run by the nightly job under a lease, so two nodes do
/// not both remind (`None`: another node holds it). Returns how many notices were written.
pub async fn remind(app: &App) -> Result<Option<u64>> {
    let now = now_us();
    let lease_until = now + 10 * 60 * 1_000_000;
    if !misc::take_lease(&app.db.conn, LEASE, &app.node_id, now, lease_until).await? {
        return Ok(None);
    }
    let result = remind_all(app, now).await;
    misc::release_lease(&app.db.conn, LEASE, &app.node_id).await?;
    result.map(Some)
}

async fn remind_all(app: &App, now: i64) -> Result<u64> {
    let policy = &app.policy().performance.training;
    let c = &app.db.conn;
    let people: Vec<_> = banyan_store::access::list_staff(c)
        .await?
        .into_iter()
        .filter(|s| !s.disabled)
        .collect();
    let ids: Vec<StaffId> = people.iter().map(|s| s.id).collect();
    let b: Books = books(app, &ids).await?;
    let since = now - i64::from(policy.remind_days) * 86_400 * 1_000_000;
    let said: HashSet<(Uuid, String, String)> =
        banyan_store::cases::notices_since(c, &KINDS, since)
            .await?
            .into_iter()
            .collect();
    let soon = app
        .today()
        .checked_add(jiff::Span::new().days(i64::from(policy.warn_days)))
        .unwrap_or(jiff::civil::Date::MAX);
    let mut notices = Vec::new();
    for p in &people {
        for d in b.due(app, p)? {
            let kind = match d.state {
                DueState::Overdue => KINDS[0],
                DueState::Expiring => KINDS[1],
                DueState::Due if d.on.is_some_and(|on| on <= soon) => KINDS[2],
                DueState::Due | DueState::Done => continue,
            };
            let key = (p.id.uuid(), kind.to_owned(), d.title.clone());
            if said.contains(&key) {
                continue;
            }
            notices.push(NoticeRow {
                id: Uuid::now_v7(),
                staff_id: p.id.uuid(),
                case_id: None,
                customer_id: None,
                kind: kind.to_owned(),
                text: d.title,
                created_at_us: now,
                read_at_us: None,
            });
        }
    }
    if notices.is_empty() {
        return Ok(0);
    }
    let n = notices.len() as u64;
    let people_told = notices
        .iter()
        .map(|n| n.staff_id)
        .collect::<HashSet<_>>()
        .len();
    let tx = app.db.begin_write().await?;
    for chunk in notices.chunks(500) {
        banyan_store::cases::insert_notices(&*tx, chunk).await?;
    }
    audit::record_system(
        app,
        &*tx,
        "performance.training",
        vec![Entry {
            action: "training.reminded",
            entity: "training",
            entity_id: None,
            customer_id: None,
            detail: json!({"notices": n, "people": people_told}),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}
