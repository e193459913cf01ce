//! The acquisition team's meetings and the actions they gave, by branch.

use crate::error::Result;
use crate::table;
use banyan_domain::acquisition::meetings::ActionState;
use banyan_domain::ids::{MeetingActionId, MeetingId, StaffId};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};

crate::enum_col!(ActionState);
crate::json_col!(Vec<StaffId>);

crate::table! {
    /// A team meeting: when, of which branch (and team), who attended, the topic and the minutes.
    pub struct MeetingRow in "acq_meetings" {
        pub id: MeetingId,
        pub branch_code: String,
        pub team: Option<String>,
        pub held_at_us: i64,
        pub topic: String,
        pub minutes: String,
        pub attendees: Vec<StaffId>,
        pub created_by: StaffId,
        pub created_at_us: i64,
    }
}

crate::table! {
    /// An action a meeting gave an attendee.
    pub struct MeetingActionRow in "acq_meeting_actions" {
        pub id: MeetingActionId,
        pub meeting_id: MeetingId,
        /// Its place in the meeting's list.
        pub pos: i32,
        pub what: String,
        pub owner_id: StaffId,
        /// `YYYY-MM-DD`.
        pub due_on: String,
        pub state: ActionState,
        pub done_by: Option<StaffId>,
        pub done_at_us: Option<i64>,
    }
}

pub async fn insert_meeting<C: ConnectionTrait>(
    c: &C,
    m: &MeetingRow,
    actions: &[MeetingActionRow],
) -> Result<()> {
    table::insert(c, std::slice::from_ref(m)).await?;
    if !actions.is_empty() {
        table::insert(c, actions).await?;
    }
    Ok(())
}

/// The meetings of a branch (every branch's: `None`), newest first: a page and the total.
pub async fn meetings<C: ConnectionTrait>(
    c: &C,
    branch: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<MeetingRow>, u64)> {
    let mut q = table::select::<MeetingRow>();
    let mut n = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from("acq_meetings")
        .to_owned();
    if let Some(b) = branch {
        q.and_where(Expr::col("branch_code").eq(b));
        n.and_where(Expr::col("branch_code").eq(b));
    }
    let total = table::count(c, &n).await?;
    q.order_by("held_at_us", Order::Desc)
        .order_by("id", Order::Desc)
        .offset(offset)
        .limit(limit);
    Ok((table::all(c, &q).await?, total))
}

pub async fn find_meeting<C: ConnectionTrait>(c: &C, id: MeetingId) -> Result<Option<MeetingRow>> {
    let q = table::select::<MeetingRow>()
        .and_where(Expr::col("id").eq(id.uuid()))
        .to_owned();
    table::one(c, &q).await
}

/// The actions of these meetings, in their meetings' order.
pub async fn actions_of<C: ConnectionTrait>(
    c: &C,
    meetings: &[MeetingId],
) -> Result<Vec<MeetingActionRow>> {
    if meetings.is_empty() {
        return Ok(Vec::new());
    }
    let q = table::select::<MeetingActionRow>()
        .and_where(Expr::col("meeting_id").is_in(meetings.iter().map(|m| m.uuid())))
        .order_by("pos", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// A staff member's open actions, the earliest due first.
pub async fn open_actions_of<C: ConnectionTrait>(
    c: &C,
    owner: StaffId,
) -> Result<Vec<MeetingActionRow>> {
    let q = table::select::<MeetingActionRow>()
        .and_where(Expr::col("owner_id").eq(owner.uuid()))
        .and_where(Expr::col("state").eq(ActionState::Open.as_str()))
        .order_by("due_on", Order::Asc)
        .limit(50)
        .to_owned();
    table::all(c, &q).await
}

/// Marks an open action done; whether it was still open (a second marking finds it done).
pub async fn mark_done<C: ConnectionTrait>(
    c: &C,
    id: MeetingActionId,
    by: StaffId,
    at_us: i64,
) -> Result<bool> {
    let q = Query::update()
        .table("acq_meeting_actions")
        .value("state", ActionState::Done.as_str())
        .value("done_by", by.uuid())
        .value("done_at_us", at_us)
        .and_where(Expr::col("id").eq(id.uuid()))
        .and_where(Expr::col("state").eq(ActionState::Open.as_str()))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}
