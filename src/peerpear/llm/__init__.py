"""The LLM layer: one async interface (``LLMClient``), providers behind it, and their uses."""
