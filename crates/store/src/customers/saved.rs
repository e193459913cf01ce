//! Customer searches a member of staff saved by name, to run again with one click.

use crate::error::Result;
use crate::table;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use uuid::Uuid;

crate::table! {
    /// A saved search: its name and the search's query string (`q=王&status=verified`).
    pub struct SavedSearchRow in "saved_searches" {
        pub id: Uuid,
        pub staff_id: Uuid,
        pub name: String,
        pub query: String,
        pub created_at_us: i64,
    }
}

/// A person's saved searches, by name.
pub async fn saved_searches<C: ConnectionTrait>(c: &C, staff: Uuid) -> Result<Vec<SavedSearchRow>> {
    let q = table::select::<SavedSearchRow>()
        .and_where(Expr::col("staff_id").eq(staff))
        .order_by("name", Order::Asc)
        .to_owned();
    table::all(c, &q).await
}

/// Saves a search, or gives the one of that name its new query (a person's names are unique).
pub async fn put_saved_search<C: ConnectionTrait>(c: &C, r: &SavedSearchRow) -> Result<()> {
    let q = Query::update()
        .table("saved_searches")
        .value("query", r.query.clone())
        .and_where(Expr::col("staff_id").eq(r.staff_id))
        .and_where(Expr::col("name").eq(r.name.clone()))
        .to_owned();
    if c.execute(&q).await?.rows_affected() == 0 {
        table::insert(c, std::slice::from_ref(r)).await?;
    }
    Ok(())
}

/// Deletes one of a person's saved searches; whether there was one.
pub async fn delete_saved_search<C: ConnectionTrait>(c: &C, staff: Uuid, id: Uuid) -> Result<bool> {
    let q = Query::delete()
        .from_table("saved_searches")
        .and_where(Expr::col("staff_id").eq(staff))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() > 0)
}
