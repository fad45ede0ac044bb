"""The pages' shared layout, macros, stylesheet and script (data files; no code).

Both web apps load ``templates/`` through a Jinja ``ChoiceLoader`` after their own folder and
serve ``static/`` at ``/static/``. Kept here so that the cloud dashboard and the node's web app
look and behave as one product without either importing the other.
"""

from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
