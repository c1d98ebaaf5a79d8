"""The browser fixtures (Debian's Chromium through Playwright, the live server, a caregiver
with three recipients) for the incident's offline test, shared with tests/browser."""

from tests.browser.conftest import (  # noqa: F401
    browser,
    context,
    screenshot,
    server_url,
    tablet_caregiver,
)
