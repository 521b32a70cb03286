"""Names from Apple's SDKs (Swift standard library, Foundation, SwiftUI,
UIKit, PDFKit, Network, BackgroundTasks, XCTest…) that the iOS app uses.

The ShelfmarkKit use check accepts a type or free function only when it is
ShelfmarkKit's, the app's own, or listed here, so that a ShelfmarkKit type
or function that is renamed or removed cannot pass as a platform one. Add
a platform name here when the app starts using it; never add a name that
ShelfmarkKit declares (a test makes sure)."""

SDK_TYPES = {
    # Swift standard library and concurrency
    "Any", "AnyObject", "Array", "AsyncStream", "AsyncThrowingStream", "Bool", "CancellationError",
    "CaseIterable", "Character", "Codable", "Comparable", "Decodable", "Dictionary", "Double", "Encodable",
    "Equatable", "Error", "Float", "Hashable", "Identifiable", "Int", "Int32", "Int64", "MainActor", "Never",
    "ObjectIdentifier", "Optional", "Range", "RawRepresentable", "Result", "Sendable", "Sequence", "Set",
    "StaticString", "String", "Substring", "Task", "UInt", "UInt32", "UInt64", "UTF8", "Void",
    # Foundation, CoreGraphics, UniformTypeIdentifiers, Network, BackgroundTasks
    "BGAppRefreshTaskRequest", "BGTaskScheduler", "ByteCountFormatter", "CGFloat", "CGPoint", "CGRect",
    "CGSize", "Data", "Date", "DispatchQueue", "FileManager", "IndexSet", "JSONDecoder", "JSONEncoder",
    "NotificationCenter", "NSAttributedString", "NSPredicate", "NWConnection", "NWListener", "NSObject", "NSObjectProtocol", "NSRange", "NWPathMonitor",
    "ProcessInfo", "URL", "URLComponents", "UserDefaults", "UTType", "UUID",
    # UIKit and PDFKit
    "PDFAnnotation", "PDFAnnotationSubtype", "PDFDocument", "PDFPage", "PDFSelection", "PDFView",
    "UIApplication", "UIBackgroundTaskIdentifier", "UIDevice", "UIColor", "UIFont", "UITextView", "UITextViewDelegate",
    "UIViewRepresentable", "UIViewControllerRepresentable",
    # VisionKit
    "DataScannerViewController", "DataScannerViewControllerDelegate", "RecognizedItem",
    # SwiftUI and CoreTransferable
    "App", "Binding", "Button", "Circle", "Color", "CommandGroup", "CommandMenu", "Commands",
    "ContentUnavailableView", "Context", "EmptyView", "DataRepresentation", "FileRepresentation", "FocusedValueKey",
    "FocusedValues", "ForEach", "Form", "Group", "HStack", "Image", "Label", "LabeledContent", "List", "Menu",
    "NavigationLink", "NavigationPath", "NavigationSplitView", "NavigationStack", "Picker", "ProgressView",
    "ProxyRepresentation", "Rectangle", "Scene", "Section", "SecureField", "SentTransferredFile", "ShareLink", "SharePreview",
    "Slider", "Spacer", "State", "Text", "TextField", "Toggle", "ToolbarContent", "ToolbarItem",
    "ToolbarItemGroup", "Transferable", "TransferRepresentation", "VStack", "View", "WindowGroup",
    # XCTest
    "CocoaError", "XCTestCase", "XCTSkip", "XCUIApplication", "XCUIElement",
}

SDK_FUNCTIONS = {
    "max", "min", "abs", "zip", "stride", "print", "precondition", "fatalError", "assert", "type",
    "withTaskCancellationHandler", "withCheckedContinuation", "withCheckedThrowingContinuation", "withThrowingTaskGroup", "withTaskGroup",
    "XCTAssert", "XCTAssertEqual", "XCTAssertFalse", "XCTAssertNil", "XCTAssertNotEqual", "XCTAssertNotNil",
    "XCTAssertThrowsError", "XCTAssertTrue", "XCTFail", "XCTUnwrap",
}

# Members called on values whose type the check cannot work out (closure
# parameters given by the platform, results of platform calls); they are
# never checked against ShelfmarkKit.
SDK_MEMBERS = {
    "waitForExistence", "tap", "typeText", "appendingPathComponent", "createDirectory", "addingTimeInterval",
    "sleep", "map", "filter", "contains", "first", "sorted", "joined", "trimmingCharacters", "data",
    "string", "write", "page", "bounds", "characterIndex", "index", "selectionsByLine", "addAnnotation",
    "removeAnnotation", "withAlphaComponent", "wrappedValue", "cancel", "yield", "finish", "start",
    "addObserver", "isEmpty", "hasPrefix", "hasSuffix", "firstIndex", "reduce", "insert", "remove",
    "subtract", "append", "set", "bool", "string", "submit", "beginBackgroundTask", "endBackgroundTask",
    "stopAccessingSecurityScopedResource", "startAccessingSecurityScopedResource", "encode", "decode",
    "rounded", "dropFirst", "matching", "element", "descendants", "fileExists", "url", "go",
    "usePageViewController", "removeAll", "move", "compactMap",
}
