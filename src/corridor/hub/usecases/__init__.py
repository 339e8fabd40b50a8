"""The Hub façade's use cases by area; corridor.hub.service.Hub combines them."""
