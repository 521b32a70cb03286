// Importing a reference file (RIS, BibTeX, EndNote tagged or XML, CSL
// JSON): the core detects the format, reports progress and returns what
// it created, kept in Extra, skipped and found as duplicates.

import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class ImportModel {
    private(set) var fileName = ""
    private(set) var fraction: Double?
    private(set) var report: ImportReport?
    private(set) var errorMessage: String?
    private(set) var isRunning = false

    let library: LibraryHandle

    init(library: LibraryHandle) {
        self.library = library
    }

    /// Imports the file at `url` (a file opened with the app or picked in
    /// the file browser), into `collection` if given.
    func importFile(at url: URL, collection: String? = nil) async {
        fileName = url.lastPathComponent
        isRunning = true
        defer { isRunning = false }
        let scoped = url.startAccessingSecurityScopedResource()
        defer { if scoped { url.stopAccessingSecurityScopedResource() } }
        let (fractions, listener) = ImportProgress.make()
        let progressTask = Task {
            for await value in fractions {
                fraction = value
            }
        }
        defer { progressTask.cancel() }
        do {
            report = try await library.transfer().importFile(
                path: url.path,
                options: ImportOptions(collection: collection, onDuplicate: .skip),
                progress: listener
            )
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Created items per type label, largest first.
    var createdByType: [(type: String, count: UInt64)] {
        guard let counts = report?.createdByType else { return [] }
        return counts.keys
            .map { type in (type: type, count: counts[type] ?? 0) }
            .sorted { first, second in first.count > second.count }
    }
}

/// Hands the core's import progress to a stream of fractions.
final class ImportProgress: ProgressListener, @unchecked Sendable {
    private let continuation: AsyncStream<Double>.Continuation

    private init(_ continuation: AsyncStream<Double>.Continuation) {
        self.continuation = continuation
    }

    static func make() -> (AsyncStream<Double>, ImportProgress) {
        let (stream, continuation) = AsyncStream.makeStream(of: Double.self, bufferingPolicy: .bufferingNewest(1))
        return (stream, ImportProgress(continuation))
    }

    func onProgress(done: UInt64, total: UInt64) {
        guard total > 0 else { return }
        continuation.yield(Double(done) / Double(total))
    }

    deinit {
        continuation.finish()
    }
}
