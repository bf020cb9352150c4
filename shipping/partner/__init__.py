"""The partner side of the virtual-warehouse mode: the partner portal, the partner API and the SLA."""
