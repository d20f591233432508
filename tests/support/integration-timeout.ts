// A whole local cloud per test file, on a 2-core machine running two files at once: a flow that
// takes a second alone can take several while the other file imports thousands of rows. A test
// that hangs still fails, after 20 seconds instead of 5.
jest.setTimeout(20_000);
