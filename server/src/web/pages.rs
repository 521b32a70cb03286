//! The pages' templates (`server/templates/web`, compiled in; every value
//! HTML-escaped unless a template says otherwise, which none does) and what
//! each one shows.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Renders a page with 200.
pub fn render(page: &impl Template) -> Response {
    render_with_status(StatusCode::OK, page)
}

/// Renders a page with a status.
pub fn render_with_status(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown",
            )
                .into_response()
        }
    }
}

/// The navigation of signed-in pages and the session's form token.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user_id: u64,
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
}

/// A library as pages link to it.
#[derive(Debug, Clone)]
pub struct LibLink {
    /// `/libraries/user-5` or `/libraries/group-3`.
    pub path: String,
    pub name: String,
    pub current: bool,
}

#[derive(Debug, Template)]
#[template(path = "web/signin.html")]
pub struct SignInPage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub email: String,
    pub error: String,
    pub signup_open: bool,
}

#[derive(Debug, Template)]
#[template(path = "web/signup.html")]
pub struct SignUpPage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub token: String,
    pub email: String,
    pub email_fixed: bool,
    pub name: String,
    pub error: String,
    pub min_password: usize,
}

#[derive(Debug, Template)]
#[template(path = "web/error.html")]
pub struct ErrorPage {
    pub nav: Option<Nav>,
    pub title: String,
    pub message: String,
}

/// A collection in the tree.
#[derive(Debug, Clone)]
pub struct CollectionRow {
    pub key: String,
    pub name: String,
    /// Nesting depth, capped for indentation classes.
    pub depth: usize,
    pub count: u64,
    pub link: String,
    pub current: bool,
}

/// A saved search in the side bar.
#[derive(Debug, Clone)]
pub struct SearchRow {
    pub name: String,
    pub link: String,
    pub current: bool,
}

/// An item in a listing.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub key: String,
    pub link: String,
    pub title: String,
    pub creators: String,
    pub year: String,
    pub added: String,
    pub type_label: String,
}

/// A column heading that sorts the listing.
#[derive(Debug, Clone)]
pub struct SortLink {
    pub label: &'static str,
    pub link: String,
    /// `▲`/`▼` when the listing is sorted by it.
    pub mark: &'static str,
}

#[derive(Debug, Template)]
#[template(path = "web/library.html")]
pub struct LibraryPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub heading: String,
    pub lib_path: String,
    pub can_write: bool,
    pub libraries: Vec<LibLink>,
    pub collections: Vec<CollectionRow>,
    pub searches: Vec<SearchRow>,
    pub all_link: String,
    pub trash_link: String,
    pub trash: bool,
    pub in_all: bool,
    pub collection: String,
    pub search: String,
    pub q: String,
    pub sort: String,
    pub dir: String,
    pub sort_links: Vec<SortLink>,
    pub rows: Vec<ItemRow>,
    pub total: usize,
    pub first_shown: usize,
    pub last_shown: usize,
    pub prev_link: String,
    pub next_link: String,
    pub move_targets: Vec<(String, String)>,
    pub storage: String,
}

/// One field of an item.
#[derive(Debug, Clone)]
pub struct FieldRow {
    pub name: String,
    pub label: String,
    pub value: String,
    /// Long text (abstract, extra) is edited in a text area.
    pub long: bool,
}

/// A note, as text.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub key: String,
    pub text: String,
}

/// An annotation of an attachment.
#[derive(Debug, Clone)]
pub struct AnnotationRow {
    pub kind: String,
    pub text: String,
    pub comment: String,
    pub page: String,
}

/// An attachment with its annotations.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub key: String,
    pub title: String,
    pub detail: String,
    /// The session-authorised download link, when a file is stored.
    pub download: String,
    pub url: String,
    pub annotations: Vec<AnnotationRow>,
}

#[derive(Debug, Template)]
#[template(path = "web/item.html")]
pub struct ItemPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub lib_name: String,
    pub lib_path: String,
    pub can_write: bool,
    pub key: String,
    pub version: u64,
    pub title: String,
    pub type_label: String,
    pub deleted: bool,
    pub regular: bool,
    pub fields: Vec<FieldRow>,
    pub creators: Vec<(String, String)>,
    pub creators_text: String,
    pub tags: Vec<String>,
    pub tags_text: String,
    pub in_collections: Vec<(String, String)>,
    pub other_collections: Vec<(String, String)>,
    pub notes: Vec<NoteRow>,
    pub attachments: Vec<AttachmentRow>,
    pub note_text: String,
    pub added: String,
    pub modified: String,
    pub citation: String,
}

#[derive(Debug, Template)]
#[template(path = "web/new_item.html")]
pub struct NewItemPage {
    pub nav: Option<Nav>,
    pub lib_name: String,
    pub lib_path: String,
    pub types: Vec<(String, String)>,
    pub error: String,
}

#[derive(Debug, Template)]
#[template(path = "web/delete_all.html")]
pub struct DeleteAllPage {
    pub nav: Option<Nav>,
    pub lib_name: String,
    pub lib_path: String,
    pub total: usize,
    pub phrase: &'static str,
    pub error: String,
}

/// A group in the list of groups.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: u64,
    pub name: String,
    pub role: String,
    pub members: usize,
    pub library: String,
}

#[derive(Debug, Template)]
#[template(path = "web/groups.html")]
pub struct GroupsPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub groups: Vec<GroupRow>,
    pub error: String,
}

/// A member of a group.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: u64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub writes: bool,
    pub is_owner: bool,
    pub is_admin: bool,
    pub is_me: bool,
}

#[derive(Debug, Template)]
#[template(path = "web/group.html")]
pub struct GroupPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub error: String,
    pub id: u64,
    pub name: String,
    pub description: String,
    pub library: String,
    pub my_role: String,
    pub manages: bool,
    pub owns: bool,
    pub members: Vec<MemberRow>,
    pub max_members: usize,
    pub invitation_link: String,
}

/// A device key in the account page.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub access: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Debug, Template)]
#[template(path = "web/account.html")]
pub struct AccountPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub error: String,
    pub email: String,
    pub username: String,
    pub user_id: u64,
    /// Each library whose files count against the quota, and their size.
    pub storage: Vec<(String, String)>,
    pub storage_total: String,
    pub keys: Vec<KeyRow>,
    /// A key just created, shown this once.
    pub new_key: String,
    pub public_url: String,
    pub min_password: usize,
}

/// A user in the administrators' page.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: u64,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub created: String,
    pub quota: String,
    pub used: String,
    pub keys: usize,
}

/// A pending invitation.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub created: String,
    pub expires: String,
    pub group: String,
}

#[derive(Debug, Template)]
#[template(path = "web/admin.html")]
pub struct AdminPage {
    pub nav: Option<Nav>,
    pub notice: String,
    pub error: String,
    pub users: Vec<UserRow>,
    pub invitations: Vec<InvitationRow>,
    /// An invitation link or password just made, shown this once.
    pub secret_label: String,
    pub secret: String,
    pub signup_open: bool,
    pub default_quota_mb: u64,
}

/// The message a redirect's `?done=` code stands for (fixed texts only, so
/// a link cannot make a page say anything else).
pub fn notice(code: &str) -> String {
    match code {
        "saved" => "Saved.",
        "created" => "Created.",
        "trashed" => "Moved to the trash.",
        "restored" => "Restored from the trash.",
        "emptied" => "The trash is empty.",
        "all-trashed" => "Every reference is in the trash; restore any of them from there.",
        "password" => "Your password is changed; other browsers are signed out.",
        "revoked" => "The key is revoked; devices using it are signed out.",
        "joined" => "The member is added.",
        "member" => "The member is changed.",
        "removed" => "The member is removed.",
        "left" => "You left the group.",
        "transferred" => "The group has a new owner; you are now one of its admins.",
        "quota" => "The quota is set.",
        "keys-revoked" => "Every key of that account is revoked.",
        "withdrawn" => "The invitation is withdrawn.",
        "collections" => "Collections changed.",
        _ => "",
    }
    .to_owned()
}
