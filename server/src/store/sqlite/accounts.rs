//! Users, API keys and groups in SQLite.

use rusqlite::types::Value;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};

use crate::clock::now_iso;
use crate::store::{
    Access, ApiKeyRecord, Group, Membership, NewApiKey, NewGroup, NewUser, Role, StoreError,
    StoreResult, User,
};

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

const USER_COLUMNS: &str =
    "id, email, username, display_name, password_hash, is_admin, quota_mb, created";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get::<_, i64>(0)? as u64,
        email: r.get(1)?,
        username: r.get(2)?,
        display_name: r.get(3)?,
        password_hash: r.get(4)?,
        is_admin: r.get(5)?,
        quota_mb: r.get::<_, Option<i64>>(6)?.map(|q| q as u64),
        created: r.get(7)?,
    })
}

pub(super) fn create_user(conn: &mut Connection, user: NewUser) -> StoreResult<User> {
    let tx = conn.transaction()?;
    let created = now_iso();
    let inserted = tx.execute(
        "INSERT INTO users (email, username, display_name, password_hash, is_admin, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.email,
            user.username,
            user.display_name,
            user.password_hash,
            user.is_admin,
            created
        ],
    );
    match inserted {
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::AlreadyExists(format!(
                "a user with e-mail {:?} or name {:?}",
                user.email, user.username
            )));
        }
        other => other?,
    };
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO libraries (kind, owner_id, version) VALUES ('user', ?1, 0)",
        [id],
    )?;
    tx.commit()?;
    Ok(User {
        id: id as u64,
        email: user.email,
        username: user.username,
        display_name: user.display_name,
        password_hash: user.password_hash,
        is_admin: user.is_admin,
        quota_mb: None,
        created,
    })
}

pub(super) fn user_where(conn: &Connection, clause: &str, arg: Value) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    Ok(conn.query_row(&sql, [arg], user_row).optional()?)
}

pub(super) fn users(conn: &Connection) -> StoreResult<Vec<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], user_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn create_key(conn: &mut Connection, key: NewApiKey) -> StoreResult<ApiKeyRecord> {
    let access =
        serde_json::to_string(&key.access).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let created = now_iso();
    let exists: bool = conn
        .query_row(
            "SELECT 1 FROM users WHERE id = ?1",
            [key.user_id as i64],
            |_| Ok(true),
        )
        .optional()?
        .unwrap_or(false);
    if !exists {
        return Err(StoreError::NotFound(format!("user {}", key.user_id)));
    }
    conn.execute(
        "INSERT INTO api_keys (user_id, name, hash, access, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![key.user_id as i64, key.name, key.hash, access, created],
    )?;
    Ok(ApiKeyRecord {
        id: conn.last_insert_rowid(),
        user_id: key.user_id,
        name: key.name,
        hash: key.hash,
        access: key.access,
        created,
        last_used: None,
    })
}

pub(super) fn keys_where(
    conn: &Connection,
    clause: &str,
    arg: Value,
) -> StoreResult<Vec<ApiKeyRecord>> {
    let sql = format!(
        "SELECT id, user_id, name, hash, access, created, last_used FROM api_keys
         WHERE {clause} ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([arg], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, user_id, name, hash, access, created, last_used) = row?;
        let access: Access =
            serde_json::from_str(&access).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        out.push(ApiKeyRecord {
            id,
            user_id: user_id as u64,
            name,
            hash,
            access,
            created,
            last_used,
        });
    }
    Ok(out)
}

pub(super) fn create_group(conn: &mut Connection, group: NewGroup) -> StoreResult<Group> {
    let tx = conn.transaction()?;
    let now = now_iso();
    let owner_exists = tx
        .query_row(
            "SELECT 1 FROM users WHERE id = ?1",
            [group.owner as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !owner_exists {
        return Err(StoreError::NotFound(format!("user {}", group.owner)));
    }
    tx.execute(
        "INSERT INTO groups (version, name, owner_id, description, url, created, last_modified)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            group.name,
            group.owner as i64,
            group.description,
            group.url,
            now
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO group_members (group_id, user_id, role, can_write) VALUES (?1, ?2, 'owner', 1)",
        params![id, group.owner as i64],
    )?;
    tx.execute(
        "INSERT INTO libraries (kind, owner_id, version) VALUES ('group', ?1, 0)",
        [id],
    )?;
    let out =
        group_in(&tx, id as u64)?.ok_or_else(|| StoreError::NotFound(format!("group {id}")))?;
    tx.commit()?;
    Ok(out)
}

fn group_in(conn: &Connection, id: u64) -> StoreResult<Option<Group>> {
    let row = conn
        .query_row(
            "SELECT id, version, name, owner_id, type, description, url, created, last_modified
             FROM groups WHERE id = ?1",
            [id as i64],
            |r| {
                Ok(Group {
                    id: r.get::<_, i64>(0)? as u64,
                    version: r.get::<_, i64>(1)? as u64,
                    name: r.get(2)?,
                    owner: r.get::<_, i64>(3)? as u64,
                    kind: r.get(4)?,
                    description: r.get(5)?,
                    url: r.get(6)?,
                    created: r.get(7)?,
                    last_modified: r.get(8)?,
                    members: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut group) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, role, can_write FROM group_members WHERE group_id = ?1 ORDER BY user_id",
    )?;
    let rows = stmt.query_map([id as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
        ))
    })?;
    for row in rows {
        let (user_id, role, can_write) = row?;
        let role = Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown group role {role:?}")))?;
        group.members.push(Membership {
            user_id: user_id as u64,
            role,
            can_write,
        });
    }
    Ok(Some(group))
}

pub(super) fn group(conn: &Connection, id: u64) -> StoreResult<Option<Group>> {
    group_in(conn, id)
}

pub(super) fn groups_of_user(conn: &Connection, user_id: u64) -> StoreResult<Vec<Group>> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_id FROM group_members WHERE user_id = ?1 ORDER BY group_id",
    )?;
    let ids: Vec<i64> = stmt
        .query_map([user_id as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(g) = group_in(conn, id as u64)? {
            out.push(g);
        }
    }
    Ok(out)
}

fn touch_group(conn: &Connection, group_id: u64) -> StoreResult<()> {
    conn.execute(
        "UPDATE groups SET version = version + 1, last_modified = ?1 WHERE id = ?2",
        params![now_iso(), group_id as i64],
    )?;
    Ok(())
}

pub(super) fn set_member(
    conn: &mut Connection,
    group_id: u64,
    member: Membership,
) -> StoreResult<Group> {
    let tx = conn.transaction()?;
    if group_in(&tx, group_id)?.is_none() {
        return Err(StoreError::NotFound(format!("group {group_id}")));
    }
    let user_exists = tx
        .query_row(
            "SELECT 1 FROM users WHERE id = ?1",
            [member.user_id as i64],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !user_exists {
        return Err(StoreError::NotFound(format!("user {}", member.user_id)));
    }
    tx.execute(
        "INSERT INTO group_members (group_id, user_id, role, can_write) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role,
             can_write = excluded.can_write",
        params![
            group_id as i64,
            member.user_id as i64,
            member.role.as_str(),
            member.can_write
        ],
    )?;
    if member.role == Role::Owner {
        tx.execute(
            "UPDATE groups SET owner_id = ?1 WHERE id = ?2",
            params![member.user_id as i64, group_id as i64],
        )?;
    }
    touch_group(&tx, group_id)?;
    let out = group_in(&tx, group_id)?
        .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
    tx.commit()?;
    Ok(out)
}

pub(super) fn remove_member(
    conn: &mut Connection,
    group_id: u64,
    user_id: u64,
) -> StoreResult<bool> {
    let tx = conn.transaction()?;
    let n = tx.execute(
        "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
        params![group_id as i64, user_id as i64],
    )?;
    if n > 0 {
        touch_group(&tx, group_id)?;
    }
    tx.commit()?;
    Ok(n > 0)
}

pub(super) fn transfer_group(
    conn: &mut Connection,
    group_id: u64,
    new_owner: u64,
) -> StoreResult<Group> {
    let tx = conn.transaction()?;
    let group = group_in(&tx, group_id)?
        .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
    if group.member(new_owner).is_none() {
        return Err(StoreError::NotFound(format!(
            "user {new_owner} among the members of group {group_id}"
        )));
    }
    if group.owner != new_owner {
        tx.execute(
            "UPDATE group_members SET role = 'admin', can_write = 1
             WHERE group_id = ?1 AND user_id = ?2",
            params![group_id as i64, group.owner as i64],
        )?;
        tx.execute(
            "UPDATE group_members SET role = 'owner', can_write = 1
             WHERE group_id = ?1 AND user_id = ?2",
            params![group_id as i64, new_owner as i64],
        )?;
        tx.execute(
            "UPDATE groups SET owner_id = ?1 WHERE id = ?2",
            params![new_owner as i64, group_id as i64],
        )?;
        touch_group(&tx, group_id)?;
    }
    let out = group_in(&tx, group_id)?
        .ok_or_else(|| StoreError::NotFound(format!("group {group_id}")))?;
    tx.commit()?;
    Ok(out)
}
