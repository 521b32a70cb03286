//! Account operations shared by the web pages, `POST /keys` and the
//! administration commands: checking credentials, signing up, invitations,
//! passwords and keys for devices. One place, so that every way in follows
//! the same rules.

use crate::auth::secrets::{
    hash_api_key, hash_password, hash_token, new_api_key, new_token, verify_password,
};
use crate::clock::{iso_in, now_iso};
use crate::store::{
    Access, ApiKeyRecord, GroupInvite, Invitation, Membership, NewApiKey, NewInvitation, NewUser,
    Store, StoreError, User,
};

/// Days an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 14;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (argon2 takes any length; this bounds the work
/// one request can ask for).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// What can go wrong with an account operation, in words fit to show.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The input is not acceptable; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// Wrong e-mail address, user name or password (never says which).
    #[error("wrong e-mail address or password")]
    WrongCredentials,
    /// The invitation link is unknown, used or expired.
    #[error("this invitation link is not valid any more: {0}")]
    InvitationNotValid(&'static str),
    /// An account with this e-mail address or user name exists.
    #[error("{0}")]
    Taken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// Checks the shape of an e-mail address.
pub fn check_email(email: &str) -> Result<(), AccountError> {
    let ok = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "e-mail address: expected something like name@example.org".into(),
        ))
    }
}

/// Checks a user name: 1–64 letters, digits, `.`, `_` or `-`.
pub fn check_username(username: &str) -> Result<(), AccountError> {
    let ok = !username.is_empty()
        && username.chars().count() <= 64
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid(
            "user name: 1 to 64 letters, digits, '.', '_' or '-'".into(),
        ))
    }
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::Invalid(format!(
            "password: at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

fn hash(password: &str) -> Result<String, AccountError> {
    hash_password(password).map_err(|e| AccountError::Internal(e.to_string()))
}

/// A stored hash to check against when no account matches, so that a wrong
/// address takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// The account that `login` (an e-mail address, or a user name when it has
/// no `@`) and `password` sign in to.
pub async fn authenticate(
    store: &dyn Store,
    login: &str,
    password: &str,
) -> Result<User, AccountError> {
    let login = login.trim();
    if login.is_empty() || password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::WrongCredentials);
    }
    let user = if login.contains('@') {
        store.user_by_email(login).await?
    } else {
        store.user_by_username(login).await?
    };
    let stored = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let password = password.to_owned();
    // argon2 takes tens of milliseconds: off the async threads.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AccountError::Internal(format!("checking the password: {e}")))?;
    match user {
        Some(user) if matches => Ok(user),
        _ => Err(AccountError::WrongCredentials),
    }
}

/// What a new account is made of.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: String,
    /// Empty: the e-mail address's local part.
    pub username: String,
    /// Empty: the user name.
    pub display_name: String,
    pub password: String,
}

/// Makes an account after checking every field. With an invitation the
/// invitation is used up (a link works once) and its group joined.
pub async fn sign_up(
    store: &dyn Store,
    form: SignUp,
    invitation: Option<&Invitation>,
    max_group_members: usize,
) -> Result<User, AccountError> {
    let email = form.email.trim().to_owned();
    check_email(&email)?;
    let username = if form.username.trim().is_empty() {
        email
            .split('@')
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect()
    } else {
        form.username.trim().to_owned()
    };
    check_username(&username)?;
    check_password(&form.password)?;
    let display_name = match form.display_name.trim() {
        "" => username.clone(),
        name if name.chars().any(char::is_control) || name.chars().count() > 200 => {
            return Err(AccountError::Invalid(
                "name: at most 200 characters, no control characters".into(),
            ));
        }
        name => name.to_owned(),
    };
    if let Some(invitation) = invitation {
        usable(invitation)?;
        // A link is for the person it was sent to.
        if !invitation.email.eq_ignore_ascii_case(&email) {
            return Err(AccountError::Invalid(format!(
                "e-mail address: this invitation is for {}",
                invitation.email
            )));
        }
    }
    let password_hash = hash(&form.password)?;
    let user = store
        .create_user(NewUser {
            email,
            username,
            display_name,
            password_hash,
            is_admin: false,
        })
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists(_) => AccountError::Taken(
                "an account with this e-mail address or user name already exists".into(),
            ),
            other => other.into(),
        })?;
    if let Some(invitation) = invitation {
        store.accept_invitation(invitation.id, user.id).await?;
        if let Some(group) = invitation.group {
            join_group(store, group, user.id, max_group_members).await?;
        }
    }
    Ok(user)
}

/// Adds a user to a group as an invitation says, unless the group is full
/// (then the account stays, without the group).
async fn join_group(
    store: &dyn Store,
    invite: GroupInvite,
    user_id: u64,
    max_group_members: usize,
) -> Result<(), AccountError> {
    let Some(group) = store.group(invite.group_id).await? else {
        return Ok(());
    };
    if group.member(user_id).is_none() && group.members.len() >= max_group_members {
        tracing::info!(
            group = group.id,
            "an invitation was used but the group is full"
        );
        return Ok(());
    }
    store
        .set_member(
            invite.group_id,
            Membership {
                user_id,
                role: invite.role,
                can_write: invite.can_write,
            },
        )
        .await?;
    store
        .change_feed()
        .publish(crate::store::Change::Access { user_id });
    Ok(())
}

/// Why an invitation cannot be used, if it cannot.
pub fn usable(invitation: &Invitation) -> Result<(), AccountError> {
    if invitation.accepted_by.is_some() {
        return Err(AccountError::InvitationNotValid("it was used already"));
    }
    if invitation.expires <= now_iso() {
        return Err(AccountError::InvitationNotValid("it has expired"));
    }
    Ok(())
}

/// The pending invitation behind a link's token.
pub async fn invitation_for_token(
    store: &dyn Store,
    token: &str,
) -> Result<Invitation, AccountError> {
    let invitation = store
        .invitation_by_token(&hash_token(token))
        .await?
        .ok_or(AccountError::InvitationNotValid("it is unknown"))?;
    usable(&invitation)?;
    Ok(invitation)
}

/// Invites `email`; returns the invitation and its one-time token (shown
/// once, in the link; only its digest is kept).
pub async fn invite(
    store: &dyn Store,
    email: &str,
    invited_by: u64,
    group: Option<GroupInvite>,
) -> Result<(Invitation, String), AccountError> {
    let email = email.trim();
    check_email(email)?;
    let token = new_token();
    let invitation = store
        .create_invitation(NewInvitation {
            email: email.to_owned(),
            token_hash: hash_token(&token),
            invited_by,
            group,
            expires: iso_in(INVITATION_DAYS * 24 * 3600),
        })
        .await?;
    Ok((invitation, token))
}

/// The sign-up link of an invitation token.
pub fn sign_up_link(public_url: &str, token: &str) -> String {
    format!("{}/signup?token={token}", public_url.trim_end_matches('/'))
}

/// Sets a new password and ends the user's web sign-ins (device keys stay).
pub async fn set_password(
    store: &dyn Store,
    user_id: u64,
    password: &str,
) -> Result<(), AccountError> {
    check_password(password)?;
    let password_hash = hash(password)?;
    if !store.set_password(user_id, password_hash).await? {
        return Err(StoreError::NotFound(format!("user {user_id}")).into());
    }
    store.delete_sessions_of_user(user_id).await?;
    Ok(())
}

/// Checks a device or key name: 1–100 characters, no control characters.
pub fn check_key_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(
            "name: 1 to 100 characters, no control characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Makes a key for `user`; returns its record and the key itself (shown
/// once; only its digest is kept).
pub async fn create_key(
    store: &dyn Store,
    user: &User,
    name: &str,
    access: Access,
) -> Result<(ApiKeyRecord, String), AccountError> {
    let name = check_key_name(name)?;
    let key = new_api_key();
    let record = store
        .create_key(NewApiKey {
            user_id: user.id,
            name,
            hash: hash_api_key(&key),
            access,
        })
        .await?;
    Ok((record, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_checks_name_the_field() {
        assert!(check_email("ada@example.org").is_ok());
        for bad in ["", "ada", "@x", "ada@", "a da@x.org", "ada@x\0.org"] {
            let e = check_email(bad).expect_err(bad).to_string();
            assert!(e.starts_with("e-mail address"), "{e}");
        }
        assert!(check_username("ada.lovelace_1").is_ok());
        assert!(check_username("ada lovelace").is_err());
        assert!(check_password("12345678").is_ok());
        assert!(
            check_password("1234567")
                .expect_err("short")
                .to_string()
                .starts_with("password")
        );
        assert!(check_key_name("  Ada's iPad ").is_ok_and(|n| n == "Ada's iPad"));
        assert!(check_key_name("line\nbreak").is_err());
        assert!(check_key_name(" ").is_err());
    }

    #[test]
    fn links_carry_the_token_under_the_public_url() {
        assert_eq!(
            sign_up_link("https://sm.example.org/", "abc"),
            "https://sm.example.org/signup?token=abc"
        );
    }
}
