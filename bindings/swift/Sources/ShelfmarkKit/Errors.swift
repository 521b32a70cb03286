// The category and message of a Shelfmark failure, for deciding how to
// react to it and what to show.

import Foundation

extension ShelfmarkError {
    /// What kind of failure it is.
    public var category: ErrorCategory {
        switch self {
        case .Auth: return .auth
        case .Network: return .network
        case .Quota: return .quota
        case .Conflict: return .conflict
        case .InvalidInput: return .invalidInput
        case .NotFound: return .notFound
        case .Cancelled: return .cancelled
        case .Storage: return .storage
        case .Internal: return .internal
        }
    }

    /// What went wrong, in words fit to show the user.
    public var message: String {
        switch self {
        case let .Auth(message), let .Network(message), let .Quota(message),
             let .Conflict(message), let .InvalidInput(message), let .NotFound(message),
             let .Cancelled(message), let .Storage(message), let .Internal(message):
            return message
        }
    }
}
