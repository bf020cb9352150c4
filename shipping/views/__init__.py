"""Merchant portal: sending inventory (the "Send inventory" wizard, plans and inbound shipments).

``plans`` holds the plan list, step 1 (the plan and its items), the plan page and voiding;
``wizard`` the later steps (packing, placement, transport, labels); ``shipments`` the inbound
shipments, their labels PDF and the delete / cancel / mark-shipped actions.
"""
