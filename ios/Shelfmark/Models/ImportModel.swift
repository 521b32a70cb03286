// Importing a reference file (RIS, BibTeX, EndNote tagged or XML, CSL
// JSON): the core detects the format, reports progress and returns what
// it created, kept in Extra, skipped and found as duplicates. A PDF is
// filed under the reference its DOI or arXiv id names (looked up and added
// when the library lacks it), or kept as a standalone attachment.

import Foundation
import Observation
import UniformTypeIdentifiers
import ShelfmarkKit

@MainActor
@Observable
final class ImportModel {
    private(set) var fileName = ""
    private(set) var fraction: Double?
    private(set) var report: ImportReport?
    /// What became of an imported PDF.
    private(set) var filedPdf: PdfFiled?
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
        if Self.isPDF(url) {
            await importPDF(at: url)
            return
        }
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

    private func importPDF(at url: URL) async {
        do {
            filedPdf = try await library.lookups(settings: LookupSettings()).attachPdfFindingMetadata(path: url.path)
            errorMessage = nil
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    static func isPDF(_ url: URL) -> Bool {
        UTType(filenameExtension: url.pathExtension)?.conforms(to: .pdf) ?? false
    }

    /// Created items per type label, largest first.
    var createdByType: [(type: String, count: UInt64)] {
        guard let counts = report?.createdByType else { return [] }
        let entries: [(type: String, count: UInt64)] = counts.keys.map { type in (type: type, count: counts[type] ?? 0) }
        return entries.sorted { (first: (type: String, count: UInt64), second: (type: String, count: UInt64)) in
            first.count > second.count
        }
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
