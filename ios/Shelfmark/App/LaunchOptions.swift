// Where the library file lives. UI tests start the app with
// `-ui-testing`, which gives it a fresh library of its own and skips the
// sign-in, so that they need no server; `-ui-testing-sign-in` gives a
// fresh library and shows the sign-in.

import Foundation

struct LaunchOptions: Sendable {
    /// A fresh library in a temporary folder.
    let isUITesting: Bool
    /// Whether that library is used without an account at once.
    let skipsSignIn: Bool

    static var current: LaunchOptions {
        let arguments = ProcessInfo.processInfo.arguments
        let signsIn = arguments.contains("-ui-testing-sign-in")
        return LaunchOptions(isUITesting: signsIn || arguments.contains("-ui-testing"), skipsSignIn: !signsIn)
    }

    /// The library file, in Application Support (not backed up to iCloud
    /// as a document; sync is the copy elsewhere).
    func libraryURL() throws -> URL {
        let folder: URL
        if isUITesting {
            folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("ui-tests-\(UUID().uuidString)", isDirectory: true)
        } else {
            folder = try FileManager.default
                .url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
                .appendingPathComponent("Shelfmark", isDirectory: true)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("library.shelfmark")
    }
}
