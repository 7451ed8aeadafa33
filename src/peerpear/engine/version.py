"""Version of the engine, recorded with every run so results can be traced to code."""

ENGINE_VERSION = "1.2.0"
