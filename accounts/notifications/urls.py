"""The notification centre's addresses (in the accounts namespace: accounts/urls.py)."""

from django.urls import path

from accounts.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
