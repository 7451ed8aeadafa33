"""PeerPear: pairs the members of student organizations into pairs and small groups."""

__version__ = "0.1.0"
