import os

from django.core.wsgi import get_wsgi_application

from core import heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
application = get_wsgi_application()
heap.tune()
