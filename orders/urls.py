"""Merchant portal: orders, previews and the mode comparison."""

app_name = "orders"

urlpatterns: list = []
