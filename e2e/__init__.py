"""Browser tests: the application as real processes, driven by Chromium through Playwright."""
