"""Version stamp of the floe compiler that emitted this runtime (development copy)."""

FLOE_VERSION = "dev"
CONTRACT_VERSION = "0.10.0"
