//! What a caller may do in one library, from the key's scopes and, for group
//! libraries, the user's membership.

use crate::auth::Caller;
use crate::store::{Group, LibraryOwner};

/// Permissions in one library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LibraryAccess {
    pub read: bool,
    pub write: bool,
    pub notes: bool,
    pub files: bool,
}

/// The caller's access to a library. `group` is the group when `owner` is one.
pub fn library_access(
    caller: Option<&Caller>,
    owner: LibraryOwner,
    group: Option<&Group>,
) -> LibraryAccess {
    let Some(caller) = caller else {
        return LibraryAccess::default();
    };
    let access = &caller.key.access;
    match owner {
        LibraryOwner::User(id) => {
            if caller.user.id != id || !access.library {
                return LibraryAccess::default();
            }
            LibraryAccess {
                read: true,
                write: access.write,
                notes: access.notes,
                files: access.files,
            }
        }
        LibraryOwner::Group(id) => {
            let Some(member) = group.and_then(|g| g.member(caller.user.id)) else {
                return LibraryAccess::default();
            };
            let grant = access.group(id);
            if !grant.library {
                return LibraryAccess::default();
            }
            LibraryAccess {
                read: true,
                write: grant.write && member.writes(),
                notes: true,
                files: access.files,
            }
        }
    }
}
