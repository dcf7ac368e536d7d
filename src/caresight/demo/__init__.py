"""The seeded demo world: a healthcare SaaS provider's book with causes and effects
built in, written in the dataset format."""

from caresight.demo.world import partner_profiles, write_world

__all__ = ["partner_profiles", "write_world"]
