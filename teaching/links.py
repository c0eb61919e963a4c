"""Share links into the Playground: it reads its settings from the URL on a session's first run."""

from __future__ import annotations

from urllib.parse import urlencode

from ui.settings import Settings, to_query


def playground_url(settings: Settings) -> str:
    """The Playground (the default page, at "/") preloaded with `settings`."""
    query = urlencode(to_query(settings), safe=",")
    return "/?" + query if query else "/"
