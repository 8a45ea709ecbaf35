"""Open the organization's AWS application in Okta: the onboarding doc's way into the AWS web console."""

from __future__ import annotations

import webbrowser

from bootstrap.org import Org


def console_url(org: Org) -> str:
    # Okta's app link signs the user in to AWS through SAML and lands on the console's role picker.
    return org.application


def open_browser(url: str) -> bool:
    """True when a browser took the URL (honours $BROWSER); False when none is available."""
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
