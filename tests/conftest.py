import sys
from pathlib import Path

# Test helpers (damage.py) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))

# The site's browser fixtures (a test site built once per session, served under /handbook/, one
# Chromium): defined in browser.py, registered here once for every test module.
from browser import browser, page, site_project, site_url  # noqa: E402,F401
