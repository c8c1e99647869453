import os

from django.core.asgi import get_asgi_application

from core import heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cop_platform.settings")
application = get_asgi_application()
heap.tune()
