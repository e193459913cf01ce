//! Working-day calendars: shipped and loaded by administrators, stored in the database, re-read by every
//! node; open deadlines are recomputed when one changes.

use crate::App;
use crate::actor::Actor;
use crate::audit::{self, Entry};
use crate::error::{AppError, Result};
use banyan_domain::access::Permission;
use banyan_domain::calendar::WorkCalendar;
use banyan_store::cases::{self as store, CaseFilter, CaseScope};
use banyan_store::now_us;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use utoipa::ToSchema;

use super::clocks::set_clocks;

/// The working-day calendars in force: the shipped mainland China file, replaced or joined by calendars an
/// administrator loaded (stored in the database, so every node uses the same).
#[derive(Debug, Default)]
pub struct Calendars(std::sync::RwLock<BTreeMap<String, Arc<WorkCalendar>>>);

impl Calendars {
    pub(crate) async fn load(db: &banyan_store::Db) -> Result<Calendars> {
        let mut m = BTreeMap::new();
        m.insert("CN".to_owned(), Arc::new(WorkCalendar::china()));
        for r in store::list_calendars(&db.conn).await? {
            match WorkCalendar::from_toml(&r.body) {
                Ok(c) => {
                    m.insert(r.name, Arc::new(c));
                }
                // Checked when loaded; a row that no longer parses keeps the shipped one and says so.
                Err(e) => {
                    tracing::error!(calendar = %r.name, error = %e, "stored calendar unreadable")
                }
            }
        }
        Ok(Calendars(std::sync::RwLock::new(m)))
    }

    pub fn get(&self, name: &str) -> Option<Arc<WorkCalendar>> {
        self.0.read().ok().and_then(|m| m.get(name).cloned())
    }

    /// The calendar that lists `branch`, if one does.
    pub fn for_branch(&self, branch: &str) -> Option<Arc<WorkCalendar>> {
        self.0.read().ok().and_then(|m| {
            m.values()
                .find(|c| c.branches().iter().any(|b| b == branch))
                .cloned()
        })
    }

    /// The calendar of `branch`'s place, or else the one named `name` (the bank's, from the policy).
    pub fn for_branch_or(&self, branch: &str, name: &str) -> Option<Arc<WorkCalendar>> {
        self.for_branch(branch).or_else(|| self.get(name))
    }

    fn put(&self, name: &str, c: WorkCalendar) {
        if let Ok(mut m) = self.0.write() {
            m.insert(name.to_owned(), Arc::new(c));
        }
    }

    /// Re-reads the stored calendars (other nodes may have loaded one); true if any changed.
    pub async fn refresh(&self, db: &banyan_store::Db) -> Result<bool> {
        let fresh = Calendars::load(db).await?;
        let new = fresh.0.into_inner().unwrap_or_default();
        let mut changed = false;
        if let Ok(mut m) = self.0.write()
            && *m != new
        {
            *m = new;
            changed = true;
        }
        Ok(changed)
    }

    fn names(&self) -> Vec<String> {
        self.0
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// A loaded calendar as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    pub name: String,
    pub years: Vec<i16>,
    /// Branches counting in this calendar (empty: the policy's default serves every other branch).
    pub branches: Vec<String>,
    /// `shipped` or the time an administrator loaded it.
    pub source: String,
}

pub async fn calendars(app: &App, actor: &Actor) -> Result<Vec<CalendarView>> {
    // Administrators manage the calendars; case staff read them to see how deadlines count.
    actor
        .require(Permission::ConfigManage)
        .or_else(|_| actor.require(Permission::CaseRead))?;
    let stored: HashMap<String, i64> = store::list_calendars(&app.db.conn)
        .await?
        .into_iter()
        .map(|r| (r.name, r.updated_at_us))
        .collect();
    Ok(app
        .calendars
        .names()
        .into_iter()
        .filter_map(|n| {
            let c = app.calendars.get(&n)?;
            Some(CalendarView {
                years: c.years(),
                branches: c.branches().to_vec(),
                source: stored
                    .get(&n)
                    .map(|t| crate::fmt_us(*t))
                    .unwrap_or_else(|| "shipped".into()),
                name: n,
            })
        })
        .collect())
}

/// A calendar's file text (the loaded one, or the shipped China file), for an administrator to edit.
pub async fn calendar_text(app: &App, actor: &Actor, name: &str) -> Result<String> {
    actor.require(Permission::ConfigManage)?;
    if let Some(r) = store::list_calendars(&app.db.conn)
        .await?
        .into_iter()
        .find(|r| r.name == name)
    {
        return Ok(r.body);
    }
    if name == "CN" {
        return Ok(banyan_domain::calendar::CN_CALENDAR.to_owned());
    }
    Err(AppError::NotFound)
}

/// Loads (or replaces) a calendar from its TOML text; the error names the line or the date.
pub async fn put_calendar(
    app: &App,
    actor: &Actor,
    name: &str,
    body: &str,
) -> Result<CalendarView> {
    let grant = actor.require(Permission::ConfigManage)?;
    let name = name.trim();
    if name.is_empty()
        || name.len() > 32
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::field(
            "name",
            "format",
            "1-32 letters, digits, '-' or '_' (e.g. CN, HK, TW, US)",
        ));
    }
    let c = WorkCalendar::from_toml(body).map_err(|e| AppError::field("body", "calendar", e))?;
    let years = c.years();
    // A branch counts in one calendar only.
    for b in c.branches() {
        if let Some(other) = app.calendars.for_branch(b)
            && other.name != c.name
            && app
                .calendars
                .get(name)
                .is_none_or(|mine| !Arc::ptr_eq(&mine, &other))
        {
            return Err(AppError::field(
                "body",
                "branches",
                format!("branch {b} already counts in calendar {}", other.name),
            ));
        }
    }
    let branches = c.branches().to_vec();
    let tx = app.db.begin_write().await?;
    let now = now_us();
    store::upsert_calendar(
        &*tx,
        &store::CalendarRow {
            name: name.to_owned(),
            body: body.to_owned(),
            updated_by: actor.id.uuid(),
            updated_at_us: now,
        },
    )
    .await?;
    audit::record(
        app,
        &*tx,
        &grant,
        vec![Entry {
            action: "calendar.load",
            entity: "calendar",
            entity_id: Some(name.to_owned()),
            customer_id: None,
            detail: json!({"years": years}),
        }],
    )
    .await?;
    tx.commit().await?;
    app.calendars.put(name, c);
    recompute_open(app).await?;
    Ok(CalendarView {
        name: name.to_owned(),
        years,
        branches,
        source: crate::fmt_us(now),
    })
}

/// Recomputes the deadlines of every open case (after a calendar changed): stages stay as reached.
pub async fn recompute_open(app: &App) -> Result<u64> {
    let now = now_us();
    let mut n = 0;
    let mut f = CaseFilter::scoped(CaseScope::All, 500);
    f.status = Some(banyan_domain::feedback::CaseStatus::Open);
    loop {
        let page = store::list_cases(&app.db.conn, &f).await?;
        let Some(last) = page.last() else { break };
        f.before = Some(banyan_store::cases::CaseKey::of(last));
        let full = page.len() as u64 == f.limit;
        let tx = app.db.begin_write().await?;
        for mut r in page {
            let expected = r.version;
            let (sla, reg) = (r.sla_due_at_us, r.reg_due_at_us);
            set_clocks(app, &mut r, now)?;
            if (sla, reg) != (r.sla_due_at_us, r.reg_due_at_us) {
                r.version += 1;
                r.updated_at_us = now;
                if store::update_case(&*tx, &r, expected).await? {
                    n += 1;
                }
            }
        }
        tx.commit().await?;
        if !full {
            break;
        }
    }
    Ok(n)
}

/// The calendars in force that lack next year's official calendar, from 1 November: (name, year), for the
/// administrators' home page (deadlines running into that year count weekends only, flagged provisional).
pub fn next_year_missing(app: &App, actor: &Actor) -> Result<Vec<(String, i16)>> {
    actor.require(Permission::ConfigManage)?;
    let today = app.today();
    Ok(app
        .calendars
        .names()
        .into_iter()
        .filter_map(|n| {
            let year = app.calendars.get(&n)?.next_year_missing(today)?;
            Some((n, year))
        })
        .collect())
}
