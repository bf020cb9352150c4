"""Merchant portal: orders, CSV imports, the fulfillment preview and the mode comparison.

``orders`` holds the order list, creating one order, the order page and cancelling;
``imports`` the CSV upload, its template, the import page and the list of imports;
``planning`` the fulfillment preview and the mode comparison (they reserve and write nothing).
"""
