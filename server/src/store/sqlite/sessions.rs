//! Invitations and signed-in browsers in SQLite.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::clock::now_iso;
use crate::store::{
    GroupInvite, Invitation, NewInvitation, Role, StoreError, StoreResult, WebSession,
};

const INVITATION_COLUMNS: &str = "id, email, token_hash, invited_by, group_id, group_role, \
     group_can_write, created, expires, accepted_by";

fn invitation_row(r: &Row<'_>) -> rusqlite::Result<(Invitation, Option<String>)> {
    let group_id: Option<i64> = r.get(4)?;
    let role: Option<String> = r.get(5)?;
    let can_write: bool = r.get(6)?;
    let invitation = Invitation {
        id: r.get(0)?,
        email: r.get(1)?,
        token_hash: r.get(2)?,
        invited_by: r.get::<_, i64>(3)? as u64,
        group: group_id.map(|id| GroupInvite {
            group_id: id as u64,
            role: Role::Member,
            can_write,
        }),
        created: r.get(7)?,
        expires: r.get(8)?,
        accepted_by: r.get::<_, Option<i64>>(9)?.map(|id| id as u64),
    };
    Ok((invitation, role))
}

/// The stored role name read back; an unknown one is damage, not a member.
fn with_role((mut invitation, role): (Invitation, Option<String>)) -> StoreResult<Invitation> {
    if let (Some(group), Some(role)) = (invitation.group.as_mut(), role) {
        group.role = Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown group role {role:?}")))?;
    }
    Ok(invitation)
}

pub(super) fn create_invitation(
    conn: &Connection,
    invitation: NewInvitation,
) -> StoreResult<Invitation> {
    let created = now_iso();
    let group = invitation.group;
    conn.execute(
        "INSERT INTO invitations (email, token_hash, invited_by, group_id, group_role,
             group_can_write, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            invitation.email,
            invitation.token_hash,
            invitation.invited_by as i64,
            group.map(|g| g.group_id as i64),
            group.map(|g| g.role.as_str()),
            group.is_some_and(|g| g.can_write),
            created,
            invitation.expires,
        ],
    )?;
    Ok(Invitation {
        id: conn.last_insert_rowid(),
        email: invitation.email,
        token_hash: invitation.token_hash,
        invited_by: invitation.invited_by,
        group,
        created,
        expires: invitation.expires,
        accepted_by: None,
    })
}

pub(super) fn invitation_by_token(
    conn: &Connection,
    token_hash: &str,
) -> StoreResult<Option<Invitation>> {
    let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?1");
    conn.query_row(&sql, [token_hash], invitation_row)
        .optional()?
        .map(with_role)
        .transpose()
}

pub(super) fn invitations(conn: &Connection) -> StoreResult<Vec<Invitation>> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE accepted_by IS NULL ORDER BY id DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], invitation_row)?;
    rows.map(|row| with_role(row?)).collect()
}

pub(super) fn accept_invitation(conn: &Connection, id: i64, user_id: u64) -> StoreResult<bool> {
    Ok(conn.execute(
        "UPDATE invitations SET accepted_by = ?1 WHERE id = ?2 AND accepted_by IS NULL",
        params![user_id as i64, id],
    )? > 0)
}

pub(super) fn delete_invitation(conn: &Connection, id: i64) -> StoreResult<bool> {
    Ok(conn.execute("DELETE FROM invitations WHERE id = ?1", [id])? > 0)
}

pub(super) fn create_session(conn: &Connection, session: WebSession) -> StoreResult<()> {
    // Expired sessions of anyone go when a new one starts, so the table
    // holds live sessions only.
    conn.execute("DELETE FROM web_sessions WHERE expires <= ?1", [now_iso()])?;
    conn.execute(
        "INSERT INTO web_sessions (id_hash, user_id, csrf_token, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            session.id_hash,
            session.user_id as i64,
            session.csrf_token,
            session.created,
            session.expires,
        ],
    )?;
    Ok(())
}

pub(super) fn session(conn: &Connection, id_hash: &str) -> StoreResult<Option<WebSession>> {
    Ok(conn
        .query_row(
            "SELECT id_hash, user_id, csrf_token, created, expires FROM web_sessions
             WHERE id_hash = ?1 AND expires > ?2",
            params![id_hash, now_iso()],
            |r| {
                Ok(WebSession {
                    id_hash: r.get(0)?,
                    user_id: r.get::<_, i64>(1)? as u64,
                    csrf_token: r.get(2)?,
                    created: r.get(3)?,
                    expires: r.get(4)?,
                })
            },
        )
        .optional()?)
}
