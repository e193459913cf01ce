//! The two clocks of a case (internal SLA, regulatory deadline): recomputed from the facts on every change,
//! and the escalation stage each has reached.

use crate::App;
use crate::error::{AppError, Result};
use banyan_domain::calendar::{self as cal, Span};
use banyan_domain::feedback::{self as fb};
use banyan_store::cases::CaseRow;
use jiff::Timestamp;
use serde_json::json;

pub(crate) fn local(app: &App, us: i64) -> jiff::civil::DateTime {
    Timestamp::from_microsecond(us)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(app.tz.clone())
        .datetime()
}

pub(crate) fn instant(app: &App, dt: jiff::civil::DateTime) -> Option<i64> {
    dt.to_zoned(app.tz.clone())
        .ok()
        .map(|z| z.timestamp().as_microsecond())
}

/// The deadlines and the next escalation point of a case, from its facts.
pub(crate) struct Clocks {
    pub(crate) sla_due: i64,
    pub(crate) reg_due: Option<i64>,
    pub(crate) next_check: Option<i64>,
    /// The calendar did not cover the deadline's year: weekends only were skipped.
    pub(crate) calendar_gap: bool,
}

pub(crate) fn clocks(app: &App, r: &CaseRow, now: i64) -> Result<Clocks> {
    let name = &app.policy().feedback.calendar;
    let calendar = app
        .calendars
        .for_branch_or(&r.branch_code, name)
        .ok_or_else(|| {
            AppError::conflict(
                "calendar_missing",
                format!("the working-day calendar `{name}` is not loaded"),
                json!({"calendar": name}),
            )
        })?;
    let pauses = &r.pauses;
    let start = local(app, r.clock_start_us);
    let now_local = local(app, now);
    let mut gap = false;
    let mut due = |span: Span| -> Result<i64> {
        let at = match cal::due_with_pauses(start, span, pauses, now_local, &calendar) {
            Some(d) => d,
            None => {
                // Past the calendar's years (next year's holidays not yet published): count weekends
                // only, and say so on the case rather than refusing to register it.
                gap = true;
                cal::due_with_pauses(start, span, pauses, now_local, &calendar.lenient())
                    .ok_or_else(|| AppError::internal("deadline out of range"))?
            }
        };
        instant(app, at).ok_or_else(|| AppError::internal("deadline out of range"))
    };
    let sla_due = due(Span {
        amount: r.sla_amount.max(0) as u32,
        unit: r.sla_unit,
    })?;
    let reg_due = match (r.reg_amount, r.reg_unit) {
        (Some(a), Some(u)) => Some(due(Span {
            amount: a.max(0) as u32,
            unit: u,
        })?),
        _ => None,
    };
    let pct = app.policy().feedback.escalate_at_pct;
    // Each clock escalates on its own: the next point is the earliest stage either has not reached.
    let mut points = Vec::new();
    let mut add = |due: i64, stage: i32| {
        if stage < 1 {
            points.push(fb::warn_at(r.clock_start_us, due, pct));
        }
        if stage < 2 {
            points.push(due);
        }
    };
    add(sla_due, r.sla_stage);
    if let Some(d) = reg_due {
        add(d, r.reg_stage);
    }
    let next_check = if r.paused || !r.status.is_open() {
        None
    } else {
        points.into_iter().min()
    };
    Ok(Clocks {
        sla_due,
        reg_due,
        next_check,
        calendar_gap: gap,
    })
}

/// Applies the clocks to the row; returns whether the calendar had a gap.
pub(crate) fn set_clocks(app: &App, r: &mut CaseRow, now: i64) -> Result<bool> {
    let c = clocks(app, r, now)?;
    r.sla_due_at_us = c.sla_due;
    r.reg_due_at_us = c.reg_due;
    r.next_check_at_us = c.next_check;
    Ok(c.calendar_gap)
}

/// The stage each clock has reached at `now` (SLA, regulatory; 0 without a regulatory clock).
pub(crate) fn stages_at(app: &App, r: &CaseRow, now: i64) -> (i32, i32) {
    let pct = app.policy().feedback.escalate_at_pct;
    let sla = fb::stage(r.clock_start_us, r.sla_due_at_us, pct, now);
    let reg = r
        .reg_due_at_us
        .map(|d| fb::stage(r.clock_start_us, d, pct, now))
        .unwrap_or(0);
    (i32::from(sla), i32::from(reg))
}

/// Sets the displayed level from the two stages (see [`fb::level`]).
pub(crate) fn set_level(r: &mut CaseRow) {
    let reg = (r.reg_amount.is_some()).then_some(r.reg_stage.clamp(0, 2) as u8);
    r.escalation_level = i32::from(fb::level(r.sla_stage.clamp(0, 2) as u8, reg));
}
