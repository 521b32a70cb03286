// The main flows on a simulator, on a fresh library used without an
// account (`-ui-testing`), so that no server is needed.

import XCTest

final class ShelfmarkUITests: XCTestCase {
    private var app: XCUIApplication!

    override func setUpWithError() throws {
        continueAfterFailure = false
        app = XCUIApplication()
        app.launchArguments = ["-ui-testing"]
        app.launch()
    }

    /// On iPhone the sidebar comes first; on iPad My Library is selected.
    private func openMyLibrary() {
        let library = app.buttons["sidebar.library"]
        if library.waitForExistence(timeout: 5), library.isHittable {
            library.tap()
        }
    }

    /// A list row, found by its title.
    private func row(_ title: String) -> XCUIElement {
        app.descendants(matching: .any).matching(identifier: "item.\(title)").firstMatch
    }

    /// An item of an open menu, by its identifier or, where the menu does
    /// not pass identifiers on, its label.
    private func menuItem(_ identifier: String, label: String) -> XCUIElement {
        app.buttons.matching(NSPredicate(format: "identifier == %@ OR label == %@", identifier, label)).firstMatch
    }

    private func createItem(titled title: String) {
        openMyLibrary()
        let add = app.buttons["list.add"]
        XCTAssertTrue(add.waitForExistence(timeout: 10))
        add.tap()
        let newItem = menuItem("list.newItem", label: "New Item")
        XCTAssertTrue(newItem.waitForExistence(timeout: 5))
        newItem.tap()
        let titleField = app.textFields["editor.field.title"]
        XCTAssertTrue(titleField.waitForExistence(timeout: 5))
        titleField.tap()
        titleField.typeText(title)
        app.buttons["editor.save"].tap()
    }

    func testANewItemAppearsInTheList() {
        createItem(titled: "Tidal rhythms")
        XCTAssertTrue(row("Tidal rhythms").waitForExistence(timeout: 10))
    }

    func testAddByIdentifierRefusesAWrongCheckDigit() {
        openMyLibrary()
        let add = app.buttons["list.add"]
        XCTAssertTrue(add.waitForExistence(timeout: 10))
        add.tap()
        let byIdentifier = menuItem("list.addByIdentifier", label: "Add by Identifier…")
        XCTAssertTrue(byIdentifier.waitForExistence(timeout: 5))
        byIdentifier.tap()
        let text = app.textFields["lookup.text"]
        XCTAssertTrue(text.waitForExistence(timeout: 5))
        text.tap()
        // The ISBN's last digit is wrong: refused before any service is asked.
        text.typeText("978-0-262-03384-9")
        app.buttons["lookup.lookUp"].tap()
        let reason = app.descendants(matching: .any).matching(NSPredicate(format: "label CONTAINS[c] %@", "check digit")).firstMatch
        XCTAssertTrue(reason.waitForExistence(timeout: 10))
        XCTAssertFalse(app.buttons["lookup.add"].isEnabled)
    }

    func testSearchFindsAnItem() {
        createItem(titled: "Mountain glaciers")
        createItem(titled: "Tidal rhythms")
        let search = app.searchFields.firstMatch
        XCTAssertTrue(search.waitForExistence(timeout: 5))
        search.tap()
        search.typeText("glacier")
        XCTAssertTrue(row("Mountain glaciers").waitForExistence(timeout: 10))
        XCTAssertFalse(row("Tidal rhythms").exists)
    }

    func testOpeningAnItemShowsItsDetail() {
        createItem(titled: "Estuaries")
        let estuaries = row("Estuaries")
        XCTAssertTrue(estuaries.waitForExistence(timeout: 10))
        estuaries.tap()
        XCTAssertTrue(app.staticTexts["detail.title"].waitForExistence(timeout: 10))
        XCTAssertTrue(app.buttons["detail.edit"].exists)
    }

    func testSyncStatusSaysToSignIn() {
        let status = app.buttons["sidebar.syncStatus"]
        if !status.waitForExistence(timeout: 5) {
            app.navigationBars.buttons.element(boundBy: 0).tap()
        }
        XCTAssertTrue(status.waitForExistence(timeout: 5))
        status.tap()
        XCTAssertTrue(app.staticTexts["sync.signedOut"].waitForExistence(timeout: 5))
    }

    func testSignInNamesAMalformedAddress() {
        app.terminate()
        app.launchArguments = ["-ui-testing-sign-in"]
        app.launch()
        let server = app.textFields["signIn.server"]
        XCTAssertTrue(server.waitForExistence(timeout: 10))
        server.tap()
        server.typeText("not a server address")
        let email = app.textFields["signIn.email"]
        email.tap()
        email.typeText("ada@example.org")
        let password = app.secureTextFields["signIn.password"]
        password.tap()
        password.typeText("secret pass")
        app.buttons["signIn.submit"].tap()
        XCTAssertTrue(app.descendants(matching: .any)["signIn.error"].waitForExistence(timeout: 10))
    }

    func testUsingTheLibraryWithoutAnAccount() {
        app.terminate()
        app.launchArguments = ["-ui-testing-sign-in"]
        app.launch()
        let localOnly = app.buttons["signIn.localOnly"]
        XCTAssertTrue(localOnly.waitForExistence(timeout: 10))
        localOnly.tap()
        createItem(titled: "Field notes")
        XCTAssertTrue(row("Field notes").waitForExistence(timeout: 10))
    }
}
