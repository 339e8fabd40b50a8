"""Infrastructure: participants' and the hub's keys, and XML signatures (XML-DSig)."""
