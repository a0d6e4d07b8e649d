//! The passport's three queries: conditions, linked doctors, active medications per condition.

use super::model::{DoctorSummary, MedicationSummary};
use crate::{
    db::{Db, DbError, read},
    passport::conditions::model::Condition,
    types::Id,
};

#[derive(sqlx::FromRow)]
struct Linked<T> {
    condition_id: Id,
    #[sqlx(flatten)]
    entry: T,
}

impl<T> Linked<T> {
    fn pair(self) -> (Id, T) {
        (self.condition_id, self.entry)
    }
}

/// Every condition of the account (unordered: the view orders them; `doctor_ids` left empty).
pub async fn conditions(db: &Db, user_id: Id) -> Result<Vec<Condition>, DbError> {
    const SQL: &str = "SELECT id, name, status, diagnosed_on, notes, created_at, updated_at \
                       FROM conditions WHERE user_id = $1";
    Ok(read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)?)
}

/// (condition id, doctor) for every link of the account, by doctor name.
pub async fn linked_doctors(db: &Db, user_id: Id) -> Result<Vec<(Id, DoctorSummary)>, DbError> {
    const SQL: &str = "SELECT l.condition_id, d.id, d.name, d.specialty, d.phone, d.email \
                       FROM doctor_conditions l JOIN doctors d ON d.id = l.doctor_id \
                       WHERE l.user_id = $1 AND d.user_id = $1 ORDER BY d.name_key, d.id";
    let rows: Vec<Linked<DoctorSummary>> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)?;
    Ok(rows.into_iter().map(Linked::pair).collect())
}

/// (condition id, medication) for every active medication of the account that has a
/// condition, by name.
pub async fn active_medications(
    db: &Db,
    user_id: Id,
) -> Result<Vec<(Id, MedicationSummary)>, DbError> {
    const SQL: &str = "SELECT condition_id, id, name, dosage, frequency FROM medications \
                       WHERE user_id = $1 AND active AND condition_id IS NOT NULL \
                       ORDER BY name_key, id";
    let rows: Vec<Linked<MedicationSummary>> = read!(db, |conn| sqlx::query_as(SQL)
        .bind(user_id)
        .fetch_all(conn)
        .await)?;
    Ok(rows.into_iter().map(Linked::pair).collect())
}
