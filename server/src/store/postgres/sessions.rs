//! Invitations and signed-in browsers in PostgreSQL.

use tokio_postgres::{GenericClient, Row};

use super::corrupt;
use crate::clock::now_iso;
use crate::store::{GroupInvite, Invitation, NewInvitation, Role, StoreResult, WebSession};

const INVITATION_COLUMNS: &str = "id, email, token_hash, invited_by, group_id, group_role, \
     group_can_write, created, expires, accepted_by";

fn invitation_row(r: &Row) -> StoreResult<Invitation> {
    let group = match (r.get::<_, Option<i64>>(4), r.get::<_, Option<String>>(5)) {
        (Some(id), Some(role)) => Some(GroupInvite {
            group_id: id as u64,
            role: Role::parse(&role)
                .ok_or_else(|| corrupt(format!("unknown group role {role:?}")))?,
            can_write: r.get(6),
        }),
        _ => None,
    };
    Ok(Invitation {
        id: r.get(0),
        email: r.get(1),
        token_hash: r.get(2),
        invited_by: r.get::<_, i64>(3) as u64,
        group,
        created: r.get(7),
        expires: r.get(8),
        accepted_by: r.get::<_, Option<i64>>(9).map(|id| id as u64),
    })
}

pub(super) async fn create_invitation(
    c: &impl GenericClient,
    invitation: NewInvitation,
) -> StoreResult<Invitation> {
    let created = now_iso();
    let group = invitation.group;
    let id: i64 = c
        .query_one(
            "INSERT INTO invitations (email, token_hash, invited_by, group_id, group_role,
                 group_can_write, created, expires)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &invitation.email,
                &invitation.token_hash,
                &(invitation.invited_by as i64),
                &group.map(|g| g.group_id as i64),
                &group.map(|g| g.role.as_str()),
                &group.is_some_and(|g| g.can_write),
                &created,
                &invitation.expires,
            ],
        )
        .await?
        .get(0);
    Ok(Invitation {
        id,
        email: invitation.email,
        token_hash: invitation.token_hash,
        invited_by: invitation.invited_by,
        group,
        created,
        expires: invitation.expires,
        accepted_by: None,
    })
}

pub(super) async fn invitation_by_token(
    c: &impl GenericClient,
    token_hash: &str,
) -> StoreResult<Option<Invitation>> {
    let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1");
    c.query_opt(&sql, &[&token_hash])
        .await?
        .as_ref()
        .map(invitation_row)
        .transpose()
}

pub(super) async fn invitations(c: &impl GenericClient) -> StoreResult<Vec<Invitation>> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE accepted_by IS NULL ORDER BY id DESC"
    );
    c.query(&sql, &[])
        .await?
        .iter()
        .map(invitation_row)
        .collect()
}

pub(super) async fn create_session(c: &impl GenericClient, session: WebSession) -> StoreResult<()> {
    // Expired sessions of anyone go when a new one starts, so the table
    // holds live sessions only.
    c.execute(
        "DELETE FROM web_sessions WHERE expires <= $1",
        &[&now_iso()],
    )
    .await?;
    c.execute(
        "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created, expires)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &session.id_hash,
            &(session.user_id as i64),
            &session.csrf_token,
            &session.created,
            &session.expires,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn session(
    c: &impl GenericClient,
    id_hash: &str,
) -> StoreResult<Option<WebSession>> {
    Ok(c.query_opt(
        "SELECT id_hash, user_id, csrf_token, created, expires FROM web_sessions
             WHERE id_hash = $1 AND expires > $2",
        &[&id_hash, &now_iso()],
    )
    .await?
    .map(|r| WebSession {
        id_hash: r.get(0),
        user_id: r.get::<_, i64>(1) as u64,
        csrf_token: r.get(2),
        created: r.get(3),
        expires: r.get(4),
    }))
}
