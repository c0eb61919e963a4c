"""What the pages share: settings and their URL form (pure), cached computation and widgets (Streamlit)."""
