"""Teaching material as data: lesson presets, one-click scenarios, playground links. Pure Python, no Streamlit.

    from teaching import links, scenarios
    links.playground_url(settings)      # "/?surface=ravine&opt=gd,adam&..." opens the Playground preloaded
    scenarios.SCENARIOS                 # the one-click presets, each with the claims its run must show
"""
