"""Operator console: the dock."""


app_name = "console"

urlpatterns: list = []
