"""Purchase needs of the spaces (pooling rounds come in a later issue)."""
