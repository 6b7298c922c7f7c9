// Moved into the testing kit (the demo signs in through it too); re-exported for the tests.
export * from "../../src/testing/html-browser.js";
