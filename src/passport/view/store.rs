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

/// The passport's statements, each with the account as its only parameter (public so that the
/// plan tests can ask the database how it runs them).
pub const CONDITIONS: &str = "SELECT id, name, status, diagnosed_on, notes, created_at, updated_at \
                              FROM conditions WHERE user_id = $1";
/// The links are those of the account's doctors (a link joins a doctor and a condition of one
/// account); naming the link's own `user_id` as well made SQLite read the links by account and
/// sort them, where this walks the doctors in name order and finds each one's links by key.
pub const LINKED_DOCTORS: &str = "SELECT l.condition_id, d.id, d.name, d.specialty, d.phone, d.email \
                                  FROM doctors d JOIN doctor_conditions l ON l.doctor_id = d.id \
                                  WHERE d.user_id = $1 ORDER BY d.name_key, d.id";
pub const ACTIVE_MEDICATIONS: &str = "SELECT condition_id, id, name, dosage, frequency FROM medications \
                                      WHERE user_id = $1 AND active AND condition_id IS NOT NULL \
                                      ORDER BY name_key, id";

/// Every condition of the account (unordered: the view orders them; `doctor_ids` left empty).
pub async fn conditions(db: &Db, user_id: Id) -> Result<Vec<Condition>, DbError> {
    Ok(read!(db, |conn| sqlx::query_as(CONDITIONS)
        .bind(user_id)
        .fetch_all(conn)
        .await)?)
}

/// (condition id, doctor) for every link of the account, by doctor name.
pub async fn linked_doctors(db: &Db, user_id: Id) -> Result<Vec<(Id, DoctorSummary)>, DbError> {
    let rows: Vec<Linked<DoctorSummary>> = read!(db, |conn| sqlx::query_as(LINKED_DOCTORS)
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
    let rows: Vec<Linked<MedicationSummary>> =
        read!(db, |conn| sqlx::query_as(ACTIVE_MEDICATIONS)
            .bind(user_id)
            .fetch_all(conn)
            .await)?;
    Ok(rows.into_iter().map(Linked::pair).collect())
}
