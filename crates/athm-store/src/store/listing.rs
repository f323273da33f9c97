//! What the admin listings share: text search (case-insensitive `LIKE`,
//! the same on every backend), the date range, and paging with a total.

use athm_domain::PhoneNumber;
use athm_domain::ports::{ListQuery, StoreError};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QuerySelect, Select,
};

use super::error::Context;

/// The most rows one page may hold.
const MAX_PER_PAGE: u64 = 500;

/// Keeps rows whose `column` lies in the query's `[from, to)`.
pub(crate) fn created_between<E: EntityTrait, S>(
    mut select: Select<E>,
    column: E::Column,
    query: &ListQuery<S>,
) -> Select<E> {
    if let Some(from) = query.from {
        select = select.filter(column.gte(crate::convert::time(from)));
    }
    if let Some(to) = query.to {
        select = select.filter(column.lt(crate::convert::time(to)));
    }
    select
}

/// The query's search text, ready for `LIKE`.
pub(crate) struct Search {
    pattern: String,
    phone: Option<PhoneNumber>,
}

impl Search {
    /// `None` when the query searches for nothing.
    pub(crate) fn new<S>(query: &ListQuery<S>) -> Option<Search> {
        let text = query.search.as_deref()?.trim();
        if text.is_empty() {
            return None;
        }
        let mut pattern = String::from("%");
        for c in text.to_lowercase().chars() {
            if matches!(c, '\\' | '%' | '_') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Some(Search {
            pattern,
            phone: text.parse().ok(),
        })
    }

    /// Rows where one of `columns` contains the text (ignoring case), or
    /// whose `phone` column holds the number the text spells in any format.
    pub(crate) fn matching<C: ColumnTrait>(
        &self,
        columns: impl IntoIterator<Item = C>,
        phone: Option<C>,
    ) -> Condition {
        let mut any = Condition::any();
        for column in columns.into_iter().chain(phone) {
            any = any.add(
                Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
                    .like(LikeExpr::new(&self.pattern).escape('\\')),
            );
        }
        if let (Some(column), Some(number)) = (phone, &self.phone) {
            any = any.add(column.eq(number.as_str()));
        }
        any
    }
}

/// The requested page of `select` and how many rows match in all.
pub(crate) async fn page<E, M, S>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    query: &ListQuery<S>,
    action: &str,
) -> Result<(Vec<M>, u64), StoreError>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
{
    let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
    let offset = std::cmp::max(query.page, 1)
        .saturating_sub(1)
        .saturating_mul(per_page);
    let total = select.clone().count(conn).await.context(action)?;
    let rows = select
        .offset(super::sql_bound(offset))
        .limit(super::sql_bound(per_page))
        .all(conn)
        .await
        .context(action)?;
    Ok((rows, total))
}
