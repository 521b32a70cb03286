// What the user reads when something fails: the core's message, which
// already says what went wrong, introduced by the kind of failure where
// that tells the user what to do.

import Foundation
import ShelfmarkKit

enum ErrorText {
    static func describe(_ error: Error) -> String {
        guard let failure = error as? ShelfmarkError else {
            return error.localizedDescription
        }
        switch failure.category {
        case .network:
            return "No connection to the server. \(failure.message)"
        case .auth:
            return "The server refused the sign-in. \(failure.message)"
        case .quota:
            return "The online storage is full. \(failure.message)"
        case .cancelled:
            return "Stopped. \(failure.message)"
        case .invalidInput, .notFound, .conflict, .storage:
            return failure.message
        case .internal:
            return "Shelfmark ran into an internal error; your data is safe. \(failure.message)"
        }
    }
}
