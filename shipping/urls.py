"""Merchant portal: sending inventory."""


app_name = "shipping"

urlpatterns: list = []
