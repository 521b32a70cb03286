// A PDF attachment in the reader: downloaded on open with progress (ahead
// of any background download), and its annotations, which are Shelfmark
// annotation items that sync like any item and are never written into
// the PDF file.

import CoreGraphics
import Foundation
import Observation
import ShelfmarkKit

@MainActor
@Observable
final class PDFReaderModel {
    enum Loading: Equatable {
        case idle
        case downloading(fraction: Double?)
        case ready(URL)
        case failed(String)
    }

    private(set) var loading: Loading = .idle
    private(set) var annotations: [Annotation] = []
    private(set) var errorMessage: String?
    /// The colour new annotations get, `#rrggbb`.
    var color = "#ffd400"

    let attachmentKey: String
    let library: LibraryHandle

    init(library: LibraryHandle, attachmentKey: String) {
        self.library = library
        self.attachmentKey = attachmentKey
    }

    /// Downloads the file if it is not on the device, then opens it.
    /// Cancelling the calling task cancels the download (the received bytes
    /// are kept for the next attempt).
    func open() async {
        let files = library.files()
        do {
            let state = try await files.state(key: attachmentKey)
            if state.status != .downloaded, state.status != .linked, state.status != .modifiedLocally {
                loading = .downloading(fraction: nil)
                let request = DownloadRequest(opened: true, keyStorage: .keychain)
                for try await event in files.downloadEvents(keys: [attachmentKey], request: request) {
                    switch event {
                    case let .progress(_, done, total):
                        loading = .downloading(fraction: total > 0 ? Double(done) / Double(total) : nil)
                    case let .finished(results):
                        if let failed = results.first(where: { result in !result.ok }) {
                            loading = .failed(failed.error ?? "The file could not be downloaded.")
                            return
                        }
                    }
                }
            }
            let path = try await files.open(key: attachmentKey)
            loading = .ready(URL(fileURLWithPath: path))
            await loadAnnotations()
        } catch is CancellationError {
            loading = .idle
        } catch {
            loading = .failed(ErrorText.describe(error))
        }
    }

    func loadAnnotations() async {
        do {
            annotations = try await library.annotations().list(attachmentKey: attachmentKey)
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    /// Stores a highlight, underline or note made in the reader.
    func add(_ mark: PageMark) async {
        let annotation = NewAnnotation(
            annotationType: mark.kind.rawValue,
            text: mark.text,
            comment: mark.comment,
            color: color,
            pageLabel: mark.pageLabel,
            sortIndex: mark.sortIndex,
            position: mark.positionJSON
        )
        do {
            _ = try await library.annotations().add(attachmentKey: attachmentKey, annotation: annotation)
            await loadAnnotations()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func setComment(_ comment: String, on annotation: Annotation) async {
        do {
            _ = try await library.annotations().update(key: annotation.key, edit: AnnotationEdit(comment: comment))
            await loadAnnotations()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func setColor(_ color: String, on annotation: Annotation) async {
        do {
            _ = try await library.annotations().update(key: annotation.key, edit: AnnotationEdit(color: color))
            await loadAnnotations()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }

    func delete(_ annotation: Annotation) async {
        do {
            try await library.annotations().delete(key: annotation.key)
            await loadAnnotations()
        } catch {
            errorMessage = ErrorText.describe(error)
        }
    }
}

/// A mark made on a page, in the terms annotation items use: the page
/// index and rectangles in PDF points (origin bottom left), as JSON, and
/// the reading-order key `ppppp|oooooo|ttttt` (page, character offset,
/// distance from the page's top).
struct PageMark: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case highlight
        case underline
        case note
    }

    private struct Position: Codable {
        let pageIndex: Int
        let rects: [[Double]]
    }

    var kind: Kind
    var pageIndex: Int
    var pageLabel: String?
    var rects: [CGRect]
    var pageHeight: Double
    var characterOffset: Int
    var text: String?
    var comment: String?

    var positionJSON: String? {
        let position = Position(
            pageIndex: pageIndex,
            rects: rects.map { rect in
                [rect.minX, rect.minY, rect.maxX, rect.maxY].map { value in (Double(value) * 1000).rounded() / 1000 }
            }
        )
        guard let data = try? JSONEncoder().encode(position) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    var sortIndex: String {
        let top = rects.map(\.maxY).max() ?? 0
        let fromTop = max(0, Int((pageHeight - top).rounded(.down)))
        return String(format: "%05ld|%06ld|%05ld", pageIndex, max(0, characterOffset), fromTop)
    }

    /// The rectangles of a stored annotation's position, to draw it.
    static func rects(fromPosition json: String?) -> (page: Int, rects: [CGRect])? {
        guard let data = json?.data(using: .utf8),
              let position = try? JSONDecoder().decode(Position.self, from: data) else { return nil }
        let rects = position.rects.compactMap { (values: [Double]) -> CGRect? in
            guard values.count == 4 else { return nil }
            return CGRect(x: values[0], y: values[1], width: values[2] - values[0], height: values[3] - values[1])
        }
        return (position.pageIndex, rects)
    }
}
