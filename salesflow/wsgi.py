from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from salesflow.core.slowbody import body_deadline_from_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesflow.settings")

# Request bodies are read within time limits before Django sees them (core/slowbody.py).
application = body_deadline_from_settings(get_wsgi_application())
