// Page tests wait for real HTTP round trips to the local cloud; on a busy machine (the whole
// suite in parallel) those can take longer than Jest's 5 s default. Set here because testTimeout
// in a project config is ignored when the project runs from the root config's `projects`.
jest.setTimeout(30000);
